import Foundation
import Scales
import ScalesTestSupport
import Testing

@testable import ScalesHTTP

/// The page as people read it: human units, kinds, legends, refresh, sparklines.
@Suite struct StatusPageDisplayTests {
    func page(_ snapshot: Snapshot, refresh: Int? = nil, history: StatusHistory? = nil) -> String {
        HTMLPage.render(snapshot, serverName: "api-7", refresh: refresh, history: history)
    }

    func root(_ stats: [SnapshotStat], at timestamp: Double = 1_800_000_000) -> Snapshot {
        Snapshot(
            path: .root, root: .container(SnapshotContainer(name: "", children: stats.map(SnapshotNode.stat))),
            timestamp: timestamp)
    }

    // MARK: Units

    @Test func durationsAreInHumanUnitsWithTheExactValueInTheTitle() {
        let pmf = PmfSnapshot(
            count: 3, sum: 1.2123, windowCount: 3, min: 0.000234365, max: 1.2, mean: 0.0123, stddev: 0.5,
            median: 0.0123, p75: 0.5, p95: 1.2, p98: 1.2, p99: 1.2, p999: 1.2)
        let html = page(
            root([
                SnapshotStat(name: "latency", value: .pmf(pmf)),
                SnapshotStat(name: "uptime", value: .double(5400), unit: "seconds"),
                SnapshotStat(name: "mode", value: .stateTime(["busy": 0.75])),
                SnapshotStat(name: "sent", value: .counter(1536), unit: "bytes"),
                SnapshotStat(name: "plain", value: .double(0.000234365)),
            ]))
        #expect(html.contains(#"<span class="float" title="0.000234365">234 µs</span>"#))
        #expect(html.contains(#"<span class="float" title="0.0123">12.3 ms</span>"#))
        #expect(html.contains(#"<span class="float" title="1.2">1.20 s</span>"#))
        #expect(html.contains(#"<span class="float" title="5400.0">1.50 h</span>"#))
        #expect(html.contains(#"<span class="float" title="0.75">750 ms</span>"#))
        #expect(html.contains(#"<span class="counter" title="monotonic, 1536">1.50 KiB</span>"#))
        // Without a unit a double stays a number.
        #expect(html.contains(#"<span class="float" title="0.000234365">0.000234365</span>"#))
    }

    @Test func unitFormattingCoversTheScales() {
        #expect(DisplayUnits.duration(0) == "0 s")
        #expect(DisplayUnits.duration(8.5e-7) == "850 ns")
        #expect(DisplayUnits.duration(0.000234365) == "234 µs")
        #expect(DisplayUnits.duration(0.0123) == "12.3 ms")
        #expect(DisplayUnits.duration(1.2) == "1.20 s")
        #expect(DisplayUnits.duration(-0.5) == "-500 ms")
        #expect(DisplayUnits.duration(210) == "3.50 min")
        #expect(DisplayUnits.duration(3 * 86_400) == "3.00 d")
        #expect(DisplayUnits.bytes(512) == "512 B")
        #expect(DisplayUnits.bytes(12 * 1024 * 1024) == "12.0 MiB")
        #expect(DisplayUnits.window(.seconds(300)) == "5 minutes")
        #expect(DisplayUnits.window(.seconds(90)) == "1 minute 30 seconds")
        #expect(DisplayUnits.window(.milliseconds(250)) == "250 ms")
    }

    // MARK: Kinds

    @Test func everyKindIsLabelledAsWhatItIs() throws {
        let registry = everyKindRegistry(failingGauge: false)
        let teams = registry.collection(at: "/teams")
        teams.intDictSum("byPath", of: "byPath", childType: "Team")
        for id in ["a", "b"] {
            teams.child("{id}", id: id, type: "Team").intDict("byPath")["/"] += 1
        }
        let html = HTMLPage.render(try #require(registry.snapshot(at: .root)), serverName: "api-7")
        func kind(_ stat: String, _ kind: String) -> Bool {
            // The kind follows its stat's key in the same list item.
            guard let start = html.range(of: ">\(stat)</span>") else { return false }
            let item = html[start.upperBound...].prefix { $0 != "\n" }.components(separatedBy: "</li>")[0]
            return item.contains("\">\(kind)</span>") && item.contains("class=\"kind\"")
        }
        #expect(kind("errors", "int"))
        #expect(kind("requests", "counter"))
        #expect(kind("load", "double"))
        #expect(kind("queue", "gauge"))
        #expect(kind("version", "string"))
        #expect(kind("healthy", "bool"))
        #expect(kind("byPath", "intDict"))
        #expect(kind("latency", "pmf"))
        #expect(kind("latencyByRoute", "pmfDict"))
        #expect(kind("hits", "meter"))
        #expect(kind("hitsByRoute", "meterDict"))
        #expect(kind("mode", "stateTime"))
        #expect(kind("finished", "sum"))
        #expect(kind("state", "histogram"))
        #expect(html.contains(#"title="derived: the per-key sum of one intDict over the children">intDictSum</span>"#))
        #expect(kind("busy", "counter"))
        // Display only: JSON is what it was, and the snapshot equals one made by hand.
        let json = JSONFormat.render(try #require(registry.snapshot(at: "/processor")), pretty: false)
        #expect(!json.contains("histogram") && !json.contains("sum\""))
        let sum = try #require(registry.snapshot(at: "/processor/finished"))
        guard case .stat(let stat) = sum.root else {
            Issue.record("not a stat")
            return
        }
        #expect(stat.declaredKind == "sum")
        #expect(stat == SnapshotStat(name: "finished", value: stat.value))
    }

    // MARK: Legends

    @Test func meterAndPmfWindowsAreExplained() throws {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.meter("hits").mark()
        web.pmf("latency").record(0.1)
        web.pmf("short", window: .seconds(30)).record(0.1)
        let html = HTMLPage.render(try #require(registry.snapshot(at: .root)), serverName: "api-7")
        #expect(
            html.contains(
                #"<span class="key" title="1-minute exponentially weighted moving rate, per second">m1</span>"#))
        #expect(html.contains(#"title="15-minute exponentially weighted moving rate, per second">m15</span>"#))
        #expect(
            html.contains("m1, m5, m15: exponentially weighted moving rates over about the last 1, 5 and 15 minutes"))
        #expect(
            html.contains("the other figures: the values of about the last 5 minutes (the window: 5 slices of 1 minute")
        )
        #expect(
            html.contains(
                "the other figures: the values of about the last 30 seconds (the window: 5 slices of 6 seconds"))
        #expect(
            html.contains(
                #"<span class="key" title="values recorded since the stat was created (all time)">count</span>"#))
        #expect(html.contains(#"<span class="key" title="sum of every value recorded (all time)">sum</span>"#))
    }

    // MARK: Refresh

    @Test func refreshIsOptInBoundedAndAllowsExactlyItsScript() throws {
        let registry = everyKindRegistry()
        let handler = StatusHandler(registry: registry, serverName: "api-7")
        let plain = handler.handle(StatusRequest(method: "GET", target: "/status/"))
        #expect(plain.status == 200)
        #expect(!plain.body.contains("<script"))
        #expect(plain.header("Content-Security-Policy")?.contains("script-src") == false)

        let refreshing = handler.handle(StatusRequest(method: "GET", target: "/status/web?refresh=5&query=errors"))
        #expect(refreshing.status == 200)
        let policy = try #require(refreshing.header("Content-Security-Policy"))
        #expect(policy.hasPrefix("default-src 'none'; style-src 'unsafe-inline';"))
        #expect(!policy.contains("'unsafe-inline' 'sha") && !policy.contains("script-src 'unsafe"))
        // The page's one script, and the policy allows exactly it by hash.
        let body = refreshing.body
        let scriptStart = try #require(body.range(of: "<script data-refresh=\"5\">"))
        let scriptEnd = try #require(body.range(of: "</script>", range: scriptStart.upperBound..<body.endIndex))
        let script = String(body[scriptStart.upperBound..<scriptEnd.lowerBound])
        #expect(body.components(separatedBy: "<script").count == 2)
        let hash = PageRefresh.base64(PageRefresh.sha256(Array(script.utf8)))
        #expect(policy.hasSuffix("; script-src 'sha256-\(hash)'"), "\(policy)")
        // Without JavaScript it still refreshes, and the filter keeps the period.
        #expect(body.contains(#"<noscript><meta http-equiv="refresh" content="5"></noscript>"#))
        #expect(body.contains(#"<input type="hidden" name="refresh" value="5">"#))
        #expect(body.contains("Refreshing every 5 s"))

        for bad in ["0", "3601", "abc", "-1", "5.5", "99999999999999999999", "%20"] {
            let response = handler.handle(StatusRequest(method: "GET", target: "/status/?refresh=\(bad)"))
            #expect(response.status == 400, "refresh=\(bad)")
            #expect(response.body.contains("use whole seconds from 1 to 3600"), "\(response.body)")
        }
        #expect(handler.handle(StatusRequest(method: "GET", target: "/status/?refresh=3600")).status == 200)
        #expect(handler.handle(StatusRequest(method: "GET", target: "/status/?refresh=1")).status == 200)
    }

    @Test func sha256MatchesTheStandardVectors() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        #expect(hex(PageRefresh.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            hex(PageRefresh.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(hex(PageRefresh.sha256(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            PageRefresh.base64(Array("any carnal pleas".utf8)) == Data("any carnal pleas".utf8).base64EncodedString())
        #expect(
            PageRefresh.base64(Array("any carnal pleasu".utf8)) == Data("any carnal pleasu".utf8).base64EncodedString())
        #expect(
            PageRefresh.base64(Array("any carnal pleasur".utf8))
                == Data("any carnal pleasur".utf8).base64EncodedString())
    }

    // MARK: History

    @Test func historySamplesAtMostOncePerIntervalAndDrawsSparklines() {
        let history = StatusHistory(points: 60, interval: .seconds(10))
        let start = 1_800_000_000.0
        for step in 0..<8 {
            let time = start + Double(step) * 10
            #expect(
                history.record(
                    root(
                        [
                            SnapshotStat(name: "queue", value: .int(step % 3)),
                            SnapshotStat(name: "requests", value: .counter(step * 50)),
                            SnapshotStat(name: "name", value: .string("x")),
                        ], at: time)))
            // A second sample in the same interval is not taken.
            #expect(!history.record(root([SnapshotStat(name: "queue", value: .int(99))], at: time + 5)))
        }
        #expect(history.trackedStats == 2)
        let reading = history.reading()
        let queue = reading.line("/queue")?.points.map(\.value)
        #expect(queue == [0, 1, 2, 0, 1, 2, 0, 1])
        // A counter's line is its rate per second: 50 per 10 s.
        let rates = reading.line("/requests")?.points.map(\.value)
        #expect(rates == Array(repeating: 5, count: 7))
        let html = page(
            root([
                SnapshotStat(name: "queue", value: .int(1)), SnapshotStat(name: "requests", value: .counter(350)),
            ]), history: history)
        #expect(html.components(separatedBy: "<svg class=\"spark\"").count == 3)
        #expect(
            html.contains(
                "<title>rate per second over the last 1.00 min: 5/s → 5/s (min 5/s, max 5/s, 7 points)</title>"))
        #expect(html.contains("<title>the last 1.17 min: 0 → 1 (min 0, max 2, 8 points)</title>"))
        #expect(
            html.contains(
                "Sparklines: the last 10 minutes, one point per 10 seconds; counters show their rate per second"))
        // Without a history, no sparkline.
        #expect(!page(root([SnapshotStat(name: "queue", value: .int(1))])).contains("<svg"))
    }

    @Test func historyMemoryIsBoundedPerStatAndInTotalAndTheRestIsCounted() {
        let history = StatusHistory(points: 5, interval: .seconds(1), maxStats: 2)
        let start = 1_800_000_000.0
        for step in 0..<12 {
            history.record(
                root(
                    [
                        SnapshotStat(name: "a", value: .int(step)), SnapshotStat(name: "b", value: .int(step)),
                        SnapshotStat(name: "c", value: .int(step)),
                    ], at: start + Double(step)))
        }
        // Per stat: the last 5 points only.
        #expect(history.reading().line("/a")?.points.map(\.value) == [7, 8, 9, 10, 11])
        // In total: 2 stats; the third is counted, shown, and has no line.
        #expect(history.trackedStats == 2)
        #expect(history.untrackedStats == 1)
        #expect(history.reading().line("/c") == nil)
        let html = page(root([SnapshotStat(name: "c", value: .int(1))]), history: history)
        #expect(html.contains("1 stats have no history: the limit of stats with a history was reached."))
        // A stat gone from the registry for a whole ring is forgotten and makes room.
        for step in 12..<18 {
            history.record(
                root(
                    [SnapshotStat(name: "a", value: .int(step)), SnapshotStat(name: "c", value: .int(step))],
                    at: start + Double(step)))
        }
        #expect(history.reading().line("/b") == nil)
        #expect(history.reading().line("/c")?.points.isEmpty == false)
        #expect(history.untrackedStats == 0)
    }

    @Test func statsLeftWithoutHistoryAreCountedInTheSampledRegistrysTree() throws {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        for name in ["a", "b", "c", "d"] { web.int(name).value = 1 }
        let history = StatusHistory(points: 5, interval: .seconds(1), maxStats: 2)
        #expect(history.sample(registry))
        // Four stats of /web, the health counters and the two counts compete for 2 places.
        let counts = try #require(registry.snapshot(at: StatusHistory.countsPath))
        func value(_ name: String) -> StatValue? {
            guard case .stat(let stat) = counts.node(at: [name]) else { return nil }
            return stat.value
        }
        #expect(value("trackedStats") == .int(2))
        #expect(value("untrackedStats") == .int(history.untrackedStats))
        #expect(history.untrackedStats > 0)
    }

    @Test func theServerSamplesWithOneTaskAndTheHandlerOnPageReads() async throws {
        // The framework-neutral handler: a page read takes a sample.
        let registry = Registry()
        registry.collection(at: "/web").int("queue").value = 4
        var handler = StatusHandler(registry: registry)
        let history = StatusHistory(interval: .seconds(1))
        handler.history = history
        _ = handler.handle(StatusRequest(method: "GET", target: "/status/?format=json"))
        #expect(history.trackedStats == 0, "JSON reads take no sample")
        _ = handler.handle(StatusRequest(method: "GET", target: "/status/"))
        #expect(history.reading().line("/web/queue")?.points.map(\.value) == [4])
        // The server: its sampler fills the history while nobody reads the page.
        let served = StatusHistory(interval: .seconds(1))
        try await withServer(registry, configure: { $0.history = served }) { _, port in
            let deadline = Date().addingTimeInterval(20)
            while served.reading().line("/web/queue").map({ $0.points.count < 2 }) ?? true, Date() < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect((served.reading().line("/web/queue")?.points.count ?? 0) >= 2)
            let page = try await blocking { try httpGet(port: port, "/status/") }
            #expect(page.text.contains("<svg class=\"spark\""))
        }
    }
}
