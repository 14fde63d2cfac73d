import NIOCore
import Scales
import Testing

@testable import ScalesGraphite

#if canImport(Glibc)
import Glibc
#endif

@Suite("Plaintext lines from snapshots", .ownsItsRegistry)
struct PlaintextEncoderTests {
    /// Lines of `pusher.plaintext(of:)` split into (name, value, timestamp).
    func lines(_ text: String) -> [(name: String, value: String, timestamp: String)] {
        text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            return (fields[0], fields.count > 1 ? fields[1] : "", fields.count > 2 ? fields[2] : "")
        }
    }

    func valueMap(_ text: String) -> [String: String] {
        Dictionary(lines(text).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
    }

    /// Keys that sanitize to one name are not merged into one series: the later one gets
    /// `_2`, and the registry counts the name once in its health.
    @Test func namesThatMeetAfterSanitizingAreKeptApartAndCounted() throws {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.intDict("byHost")["a.b"] += 1
        web.intDict("byHost")["a-b"] += 2
        web.intDict("byHost")["a b"] += 3
        let pusher = GraphitePusher(host: "127.0.0.1", port: 1, prefix: "p", registry: registry)
        pusher.allow("web/*")
        let snapshot = try #require(registry.snapshot())
        // Keys in sorted order: "a b", "a-b", "a.b" all become `a-b`.
        #expect(
            valueMap(pusher.plaintext(of: snapshot)) == [
                "p.web.byHost.a-b": "3", "p.web.byHost.a-b_2": "2", "p.web.byHost.a-b_3": "1",
            ])
        #expect(pusher.prepare(snapshot) != nil)
        #expect(registry.health.nameCollisions == 1)
        _ = pusher.prepare(snapshot)
        #expect(registry.health.nameCollisions == 1, "each name is counted once")
    }

    @Test func everyKindBecomesNumbersUnderSubPaths() throws {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.int("errors").value = 3
        web.counter("requests").add(41)
        web.double("load").value = 0.75
        web.bool("healthy").value = true
        web.bool("draining").value = false
        web.string("state").value = "serving"
        web.intDict("byPath")["/index.html"] += 2
        web.fixed("latency", .pmf(examplePmf))
        web.fixed("hits", .meter(exampleMeter))
        web.fixed("states", .stateTime(["idle": 1.5, "busy": 2]))
        web.fixed("byHandler", .pmfDict(["h1": examplePmf]))
        web.fixed("names", .stringDict(["a": "b"]))
        let pusher = GraphitePusher(host: "127.0.0.1", port: 1, prefix: "test", registry: registry)
        pusher.allow("web/*")
        let snapshot = try #require(registry.snapshot())
        let text = pusher.plaintext(of: snapshot)
        let values = valueMap(text)
        #expect(values["test.web.errors"] == "3")
        #expect(values["test.web.requests"] == "41")
        #expect(values["test.web.load"] == "0.75")
        #expect(values["test.web.healthy"] == "1")
        #expect(values["test.web.draining"] == "0")
        #expect(values["test.web.byPath._index-html"] == "2")
        #expect(values["test.web.latency.count"] == "12")
        #expect(values["test.web.latency.median"] == "0.1")
        #expect(values["test.web.latency.999percentile"] == "0.5")
        #expect(values["test.web.latency.stddev"] == "0.0625")
        #expect(values["test.web.hits.count"] == "7")
        #expect(values["test.web.hits.m1"] == "0.25")
        #expect(values["test.web.hits.m15"] == "0.0625")
        #expect(values["test.web.hits.mean"] == "0.5")
        #expect(values["test.web.hits.unit"] == nil)
        #expect(values["test.web.states.busy"] == "2.0")
        #expect(values["test.web.byHandler.h1.p75"] == nil)
        #expect(values["test.web.byHandler.h1.75percentile"] == "0.2")
        #expect(!text.contains("state ") && !text.contains("serving") && !text.contains("names"))
        // 11 pmf lines each for latency and byHandler.h1, 5 meter lines, 2 states, 5 plain + 1 dict key
        #expect(lines(text).count == 11 + 11 + 5 + 2 + 6)
        // One timestamp per push: the snapshot's, in whole seconds.
        let stamps = Set(lines(text).map(\.timestamp))
        #expect(stamps == [String(Int(snapshot.timestamp))])
        #expect(text.hasSuffix("\n"))
    }

    @Test func nonFiniteValuesAndEmptyWindowsAreNeverSent() throws {
        let empty = PmfSnapshot(count: 4, sum: 2, windowCount: 0)
        let root = SnapshotNode.container(
            SnapshotContainer(
                name: "",
                children: [
                    .container(
                        SnapshotContainer(
                            name: "app",
                            children: [
                                .stat(SnapshotStat(name: "nan", value: .double(.nan))),
                                .stat(SnapshotStat(name: "inf", value: .double(.infinity))),
                                .stat(SnapshotStat(name: "idle", value: .pmf(empty))),
                                .stat(SnapshotStat(name: "gauge", value: .absent)),
                                .stat(
                                    SnapshotStat(
                                        name: "rates",
                                        value: .meter(
                                            MeterSnapshot(count: 1, m1: .nan, m5: 1, m15: 1, meanRate: .infinity)))),
                                .stat(SnapshotStat(name: "times", value: .stateTime(["x": -.infinity, "y": 1]))),
                            ]))
                ]))
        let snapshot = Snapshot(path: .root, root: root, timestamp: 1_700_000_000.9)
        let pusher = GraphitePusher(host: "127.0.0.1", port: 1, prefix: "", registry: Registry())
        pusher.allow("*")
        let text = pusher.plaintext(of: snapshot)
        #expect(!text.lowercased().contains("nan") && !text.lowercased().contains("inf"))
        let values = valueMap(text)
        #expect(
            values == [
                "app.idle.count": "4", "app.rates.count": "1", "app.rates.m5": "1.0",
                "app.rates.m15": "1.0", "app.times.y": "1.0",
            ])
        #expect(lines(text).allSatisfy { $0.timestamp == "1700000000" })
    }

    @Test func defaultPrefixIsTheLowercasedHostNameEndingInADot() {
        let pusher = GraphitePusher(host: "127.0.0.1", port: 1, registry: Registry())
        // The host name read here, not through the pusher's own helpers.
        var name = [CChar](repeating: 0, count: 256)
        #expect(gethostname(&name, 255) == 0)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
        let plain =
            !host.isEmpty
            && host.utf8.allSatisfy {
                ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E
            }
            && !host.hasPrefix(".") && !host.hasSuffix(".") && !host.contains("..")
        if plain {
            #expect(pusher.prefix == host + ".", "a plain host name is the prefix as it is")
        }
        #expect(pusher.prefix.isEmpty == false)
        #expect(pusher.prefix.hasSuffix("."))
        #expect(pusher.prefix == pusher.prefix.lowercased())
        #expect(GraphitePusher(host: "h", prefix: "Apps.Web", registry: Registry()).prefix == "Apps.Web.")
        #expect(GraphitePusher(host: "h", prefix: "", registry: Registry()).prefix == "")
    }

    @Test func hostileKeysAndIdsStayOneComponentEach() throws {
        let registry = Registry()
        let keys = ["a b", "a.b", "a/b", "new\nline", "tab\tx", "été", "日本", "semi;x=1", "", "  "]
        let dict = registry.collection(at: "/app").intDict("byKey")
        for (index, key) in keys.enumerated() { dict[key].value = index + 1 }
        for (index, id) in keys.enumerated() {
            registry.collection(at: "/handler/{id}", id: id).int("requests").value = 100 + index
        }
        let pusher = GraphitePusher(host: "127.0.0.1", port: 1, prefix: "p", registry: registry)
        pusher.allow("*")
        let text = pusher.plaintext(of: try #require(registry.snapshot()))
        let parsed = lines(text)
        for line in parsed {
            #expect(!line.name.isEmpty && !line.value.isEmpty && !line.timestamp.isEmpty, "\(line)")
            #expect(!line.name.split(separator: ".", omittingEmptySubsequences: false).contains(""), "\(line.name)")
        }
        #expect(text.split(separator: "\n").allSatisfy { $0.split(separator: " ").count == 3 })
        let values = valueMap(text)
        // "a b" and "a.b" both sanitize to `a-b` (as in scales), "" and "  " to `_`: kept apart,
        // the later key in sorted order with `_2` appended (`__2` for `_`).
        #expect(values["p.app.byKey.a-b"] == "1")
        #expect(values["p.app.byKey.a-b_2"] == "2")
        #expect(values["p.app.byKey._"] == "9")
        #expect(values["p.app.byKey.__2"] == "10", "\(values.keys.sorted())")
        #expect(values["p.handler._.requests"] == "108" && values["p.handler._.requests_2"] == "109")
        #expect(values["p.app.byKey.a_b"] == "3")
        #expect(values["p.app.byKey.new-line"] == "4")
        #expect(values["p.app.byKey.été"] == "6")
        #expect(values["p.app.byKey.semi_x=1"] == "8")
        #expect(values["p.handler.日本.requests"] == "106")
        #expect(values["p.handler.new-line.requests"] == "103")
    }

    @Test func overLongNamesAreSkippedAndCounted() async throws {
        let registry = Registry()
        let dict = registry.collection(at: "/app").intDict("byKey")
        dict[String(repeating: "k", count: 300)].value = 1
        dict["short"].value = 2
        let pusher = GraphitePusher(
            host: "127.0.0.1", port: 1, prefix: "", registry: registry,
            configuration: {
                var c = GraphiteConfiguration()
                c.statsPath = nil
                return c
            }())
        pusher.allow("app/*")
        let text = pusher.plaintext(of: try #require(registry.snapshot()))
        #expect(valueMap(text) == ["app.byKey.short": "2"])
        _ = pusher.enqueuePush()
        #expect(pusher.statistics.skippedNames == 1)
        await pusher.shutdown(timeout: .milliseconds(10))
    }
}
