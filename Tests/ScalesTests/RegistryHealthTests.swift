import Foundation
import Scales
import ScalesTestKit
import Testing

/// The registry's health counters are stats in its own tree, so operators see them wherever
/// they look: the page, JSON, Graphite and `/metrics`.
@Suite struct RegistryHealthTests {
    struct Broken: Error {}

    @Test func healthCountersAreInTheTreeAndFollowTheFailures() throws {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.counter("requests").add(-1)  // dropped
        web.double("load").value = .nan  // dropped
        let dict = web.intDict("byPath", maxKeys: 1)
        dict["a"] += 1
        dict["b"] += 1  // overflowed
        web.gauge("broken", of: Int.self).bind { throw Broken() }
        _ = web.int("requests")  // another kind at that name: a bind conflict
        _ = registry.snapshot()  // one failed gauge read
        let expected: [String: Int] = [
            "bindConflicts": 1, "droppedValues": 2, "nameCollisions": 0, "overflowedKeys": 1, "readFailures": 1,
        ]
        let snapshot = try #require(registry.snapshot(at: RegistryHealth.path))
        for (name, value) in expected {
            #expect(
                snapshot.node(at: [name])
                    == .stat(SnapshotStat(name: name, value: .counter(value), doc: snapshot.doc(of: name))), "\(name)")
        }
        #expect(
            registry.health == RegistryHealth(gaugeFailures: 1, droppedValues: 2, overflowedKeys: 1, bindConflicts: 1))

        // On /metrics: counters with `_total`. (The failing gauge goes first, so that rendering
        // does not move the count it shows.)
        web.removeStat(named: "broken")
        let text = try #require(registry.renderPrometheus())
        #expect(
            text.contains("# TYPE scales_health_dropped_values_total counter\nscales_health_dropped_values_total 2\n"))
        #expect(
            text.contains("# TYPE scales_health_overflowed_keys_total counter\nscales_health_overflowed_keys_total 1\n")
        )
        #expect(
            text.contains("# TYPE scales_health_bind_conflicts_total counter\nscales_health_bind_conflicts_total 1\n"))
        #expect(
            text.contains("# TYPE scales_health_read_failures_total counter\nscales_health_read_failures_total 1\n"))
        // In JSON, beside the stats.
        let json = try JSONSerialization.jsonObject(with: Data(try #require(registry.renderJSON())))
        let health = try #require(((json as? [String: Any])?["scales"] as? [String: Any])?["health"] as? [String: Int])
        #expect(health["droppedValues"] == 2 && health["overflowedKeys"] == 1 && health["bindConflicts"] == 1)
    }

    /// `currentValue()` reads a gauge outside any snapshot: the closure's error reaches the
    /// caller (it was lost as `nil` before), nothing is counted, and an unbound gauge is `nil`.
    @Test func aGaugesCurrentValueThrowsWhatItsClosureThrows() throws {
        struct Broken: Error {}
        let registry = Registry()
        let gauge = registry.collection(at: "/web").gauge("queue", of: Int.self)
        #expect(try gauge.currentValue() == nil)
        gauge.bind { 7 }
        #expect(try gauge.currentValue() == 7)
        gauge.bind { throw Broken() }
        #expect(throws: Broken.self) { try gauge.currentValue() }
        #expect(registry.health.gaugeFailures == 0)
    }

    @Test func aResetKeepsTheHealthCounters() throws {
        let registry = Registry()
        registry.collection(at: "/web").counter("requests").add(-5)
        registry.reset()
        #expect(registry.value(at: "/scales/health/droppedValues") == .counter(1))
        #expect(registry.paths().map(\.description).filter { !$0.hasPrefix("/scales") } == ["/"])
    }
}

extension Snapshot {
    /// The doc of the stat `name` directly below the root.
    func doc(of name: String) -> String? {
        guard case .stat(let stat) = node(at: [name]) else { return nil }
        return stat.doc
    }
}
