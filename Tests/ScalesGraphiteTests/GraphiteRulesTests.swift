import Scales
import Testing

@testable import ScalesGraphite

@Suite("Rules: allow, forbid, prune as in scales", .ownsItsRegistry)
struct GraphiteRulesTests {
    /// A registry with a few stats, and the names a pusher with `configure` would send.
    func sentNames(_ configure: (GraphitePusher) -> Void) throws -> Set<String> {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.int("errors").value = 1
        web.int("requests").value = 2
        web.fixed("latency", .pmf(examplePmf))
        web.intDict("byPath")["/a"] += 1
        registry.collection(at: "/handler/{id}", id: "h1").int("requests").value = 3
        registry.collection(at: "/handler/{id}", id: "h2").int("requests").value = 4
        registry.collection(at: "/processor").child("thread-{id}", id: "0").int("done").value = 5
        let pusher = GraphitePusher(host: "127.0.0.1", port: 1, prefix: "", registry: registry)
        configure(pusher)
        let text = pusher.plaintext(of: try #require(registry.snapshot()))
        return Set(text.split(separator: "\n").map { String($0.split(separator: " ")[0]) })
    }

    @Test func nothingIsSentWithoutAnAllowRule() throws {
        #expect(try sentNames { _ in }.isEmpty)
    }

    @Test func globsSeeThePathWithoutItsLeadingSlashAndStarCrossesSlashes() throws {
        let names = try sentNames { $0.allow("web/*") }
        #expect(names.contains("web.errors"))
        #expect(names.contains("web.latency.median"))
        #expect(names.contains("web.byPath._a"))
        #expect(!names.contains { $0.hasPrefix("handler") })
        #expect(try sentNames { $0.allow("/web/*") }.isEmpty)  // as in scales: no leading slash
    }

    @Test func newerRulesWin() throws {
        let names = try sentNames {
            $0.allow("*")
            $0.forbid("web/*")
            $0.allow("web/errors")
        }
        #expect(names.contains("web.errors"))
        #expect(!names.contains("web.requests"))
        #expect(names.contains("handler.h1.requests"))
        let reversed = try sentNames {
            $0.allow("web/errors")
            $0.forbid("web/*")
        }
        #expect(reversed.isEmpty)
    }

    @Test func pmfFieldsAndDictKeysAreMatchedByTheirOwnPaths() throws {
        let names = try sentNames {
            $0.allow("web/latency/*percentile")
            $0.allow("web/byPath//a")  // the raw key is `/a`
        }
        #expect(
            names == [
                "web.latency.75percentile", "web.latency.95percentile", "web.latency.98percentile",
                "web.latency.99percentile", "web.latency.999percentile", "web.byPath._a",
            ])
    }

    @Test func pruneStopsDescentWhateverTheAllowRules() throws {
        let names = try sentNames {
            $0.allow("*")
            $0.prune("processor/thread-*")
            $0.prune("web/latency")
        }
        #expect(!names.contains { $0.hasPrefix("processor.") })
        #expect(!names.contains { $0.hasPrefix("web.latency") })
        #expect(names.contains("web.errors"))
        let pruneByPredicate = try sentNames {
            $0.allow("*")
            $0.prune { $0.hasPrefix("handler") }
        }
        #expect(!pruneByPredicate.contains { $0.hasPrefix("handler") })
    }

    @Test func typedPathsCoverWhatTheyNameAndTemplatesMatchAnyId() throws {
        let handler: StatPath = "/handler/{id}"
        let names = try sentNames {
            $0.allow(handler)
            $0.allow(StatPath("/web/latency"))
            $0.forbid(StatPath("/handler/h2"))
        }
        #expect(names.contains("handler.h1.requests"))
        #expect(!names.contains("handler.h2.requests"))
        #expect(names.contains("web.latency.median"))
        #expect(!names.contains("web.errors"))
        let threads = try sentNames {
            $0.allow("*")
            $0.prune(StatPath("/processor/thread-{id}"))
        }
        #expect(!threads.contains { $0.hasPrefix("processor") })
        #expect(threads.contains("handler.h2.requests"))
    }

    @Test func predicatesSeePathAndValue() throws {
        let names = try sentNames {
            $0.allow { path, value in path.hasSuffix("requests") && value >= 3 }
        }
        #expect(names == ["handler.h1.requests", "handler.h2.requests"])
    }

    @Test func aRuleListBuiltElsewhereCanBeInstalled() throws {
        var shared = GraphiteRules()
        shared.allow("web/*")
        shared.forbid("web/requests")
        let names = try sentNames { $0.rules = shared }
        #expect(names.contains("web.errors") && !names.contains("web.requests"))
        #expect(!names.contains { $0.hasPrefix("handler") })
    }

    @Test func rulesAddedThroughThePeriodicPusherApply() throws {
        let registry = Registry()
        registry.collection(at: "/a").int("x").value = 1
        registry.collection(at: "/b").int("y").value = 2
        let periodic = GraphitePeriodicPusher(host: "127.0.0.1", port: 1, prefix: "", registry: registry)
        periodic.allow("a/*")
        let text = periodic.pusher.plaintext(of: try #require(registry.snapshot()))
        #expect(text.hasPrefix("a.x 1 ") && !text.contains("b.y"))
    }
}
