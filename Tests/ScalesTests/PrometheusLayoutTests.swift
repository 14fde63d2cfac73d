import Scales
import ScalesTestKit
import Testing

/// `Registry.renderPrometheus` keeps the lines of scalar stats per tree shape and renders the
/// rest afresh: it must always give the text `PrometheusFormat.render` gives for a fresh snapshot.
@Suite struct PrometheusLayoutTests {
    func expectSame(
        _ registry: Registry, at path: StatPath = .root, namespace: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let snapshot = try #require(registry.snapshot(at: path), sourceLocation: sourceLocation)
        // A snapshot made by hand has no registry behind it: the writer works everything out.
        let expected = PrometheusFormat.render(Self.byHand(snapshot), namespace: namespace)
        let actual = registry.renderPrometheus(at: path, namespace: namespace)
        #expect(
            actual.map(withoutReadFailures) == withoutReadFailures(expected), "\(path) namespace \(namespace ?? "-")",
            sourceLocation: sourceLocation)
        // The registry's snapshot renders from the layout of its shape, with its own values,
        // in every format.
        for format in [ExpositionFormat.prometheusText, .openMetrics, .protobuf] {
            let same =
                format.render(snapshot, namespace: namespace)
                == format.render(Self.byHand(snapshot), namespace: namespace)
            #expect(same, "\(format) \(path) namespace \(namespace ?? "-")", sourceLocation: sourceLocation)
        }
    }

    /// The same tree, path and time, without the registry it came from.
    static func byHand(_ snapshot: Snapshot) -> Snapshot {
        Snapshot(path: snapshot.path, root: snapshot.root, timestamp: snapshot.timestamp)
    }

    @Test func aSnapshotRendersItsOwnValuesAndShapeWhateverTheRegistryDidSince() throws {
        let registry = JSONLayoutTests.everyKind(clock: ManualClock())
        let web = registry.collection(at: "/web")
        _ = registry.renderPrometheus()  // a kept layout of this shape
        let before = try #require(registry.snapshot())
        let text = PrometheusFormat.render(before)
        #expect(text == PrometheusFormat.render(Self.byHand(before)))
        // New values: the old snapshot keeps its own.
        web.int("errors").value = 424_242
        #expect(PrometheusFormat.render(before) == text)
        #expect(!text.contains("424242"))
        #expect(PrometheusFormat.render(try #require(registry.snapshot())).contains("web_errors 424242\n"))
        // A new shape: the old snapshot is rendered from its own tree, without the new stat.
        web.int("addedLater").value = 5
        #expect(PrometheusFormat.render(before) == text)
        #expect(!text.contains("web_added_later"))
        let after = try #require(registry.snapshot())
        #expect(PrometheusFormat.render(after) == PrometheusFormat.render(Self.byHand(after)))
        #expect(PrometheusFormat.render(after).contains("web_added_later 5\n"))
    }

    @Test func sameTextAsTheSnapshotForEveryKindAndPath() throws {
        let registry = JSONLayoutTests.everyKind(clock: ManualClock())
        for _ in 0..<2 {  // the second round comes from the kept layouts
            try expectSame(registry)
            try expectSame(registry, namespace: "my-app")
            for path: StatPath in [
                "/web", "/web/latency", "/web/errors", "/web/byPath", "/processor", "/processor/thread-1", "/handler",
            ] {
                try expectSame(registry, at: path)
            }
        }
        #expect(registry.renderPrometheus(at: "/nothing") == nil)
    }

    @Test func valuesAreReadAtEachRender() throws {
        let clock = ManualClock()
        let registry = JSONLayoutTests.everyKind(clock: clock)
        try expectSame(registry)
        let web = registry.collection(at: "/web")
        web.int("errors").value = Int.min
        web.counter("requests") += 1
        web.double("load").value = 0.125
        web.bool("healthy").value = false
        web.intDict("byPath")["added"] += 1
        web.string("version").value = "2.0"
        web.pmf("idle").record(3)
        clock.advance(by: .seconds(90))
        try expectSame(registry)
        let text = try #require(registry.renderPrometheus(at: "/web"))
        #expect(text.contains("\nweb_errors -9223372036854775808\n"))
        #expect(text.contains("\nweb_load 0.125\n"))
        #expect(text.contains("\nweb_healthy 0\n"))
        #expect(text.contains("web_version_info{value=\"2.0\"} 1\n"))
    }

    @Test func theLayoutFollowsEveryChangeOfShape() throws {
        let registry = JSONLayoutTests.everyKind(clock: ManualClock())
        try expectSame(registry)
        registry.collection(at: "/web").int("aaa") += 1
        registry.collection(at: "/handler/{id}", id: "h9", type: "HandlerStats").int("active") += 9
        try expectSame(registry)
        registry.collection(at: "/processor").child("thread-{id}", id: "1", type: "ThreadStats").remove()
        registry.collection(at: "/web").removeStat(named: "errors")
        try expectSame(registry)
        #expect(registry.renderPrometheus()?.contains("web_errors") == false)
        registry.reset()
        #expect(registry.renderPrometheus(at: "/web") == nil)
        registry.collection(at: "/web").counter("requests") += 2
        #expect(
            registry.renderPrometheus(at: "/web")
                == "# HELP web_requests_total scales counter /web/requests\n# TYPE web_requests_total counter\nweb_requests_total 2\n"
        )
    }

    /// Kept and fresh families that map to one name (or to a summary's `_sum`/`_count`): the
    /// conflict rules need the whole tree, and the render still matches.
    @Test func conflictsBetweenKeptAndFreshFamilies() throws {
        let registry = Registry(clock: ManualClock())
        let web = registry.collection(at: "/web")
        web.pmf("latency").record(0.5)
        web.int("latency_sum") += 7  // kept, named like the summary's _sum
        web.intDict("hits")["/"] += 1  // fresh `web_hits`
        web.double("hits").value = 2  // would be `web_hits` too, but the name is taken by the dict
        registry.collection(at: "/web/hits_total").int("x") += 1
        web.counter("visits") += 3
        web.stringDict("visits_info")["k"] = "v"
        try expectSame(registry)
        web.int("latency_sum") += 1
        web.pmf("latency").record(0.25)
        try expectSame(registry)
    }

    /// Labelled series (the swift-metrics bridge's shape) of one family, kept and fresh.
    @Test func labelledSeries() throws {
        let registry = Registry(clock: ManualClock())
        let requests = registry.collection(at: "/metrics/requests")
        requests.labelledCounter("a", labels: [StatLabel(name: "method", value: "GET")]) += 1
        requests.labelledCounter("b", labels: [StatLabel(name: "method", value: "POST \"x\"")]) += 2
        let latency = registry.collection(at: "/metrics/latency")
        latency.labelledPmf("a", labels: [StatLabel(name: "route", value: "/")]).record(0.1)
        try expectSame(registry)
    }
}
