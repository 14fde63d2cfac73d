import Foundation
import Scales
import Testing

@Suite struct StatKindTests {
    @Test func intSupportsAddSubtractAndAssign() {
        let stat = Registry().collection(at: "/web").int("inFlight")
        stat += 5
        stat -= 2
        #expect(stat.value == 3)
        stat.value = -7
        #expect(stat.value == -7)
        stat += Int.max  // wraps, never traps
        #expect(stat.description == String(-7 &+ Int.max))
    }

    @Test func countersDropNegativeAmounts() {
        let registry = Registry()
        let counter = registry.collection(at: "/web").counter("requests")
        counter += 3
        counter += -1
        #expect(counter.value == 3)
        #expect(registry.health.droppedValues == 1)
        #expect(
            registry.snapshot(at: "/web/requests")?.root == .stat(SnapshotStat(name: "requests", value: .counter(3))))
    }

    @Test func doublesDropNonFiniteInput() {
        let registry = Registry()
        let stat = registry.collection(at: "/web").double("load")
        stat += 1.5
        stat += .nan
        stat += .infinity
        stat.value = -.infinity
        #expect(stat.value == 1.5)
        #expect(registry.health.droppedValues == 3)
    }

    @Test func stringAndBoolThroughThePropertyWrapper() {
        struct ThreadStats {
            @Stat var state: String
            @Stat var healthy: Bool
        }
        let collection = Registry().collection(at: "/t")
        let stats = ThreadStats(
            state: Stat(collection.string("state")), healthy: Stat(collection.bool("healthy", initial: true)))
        stats.state = "waitingForTask"  // assignment through a `let`
        stats.healthy = false
        #expect(collection.string("state").value == "waitingForTask")
        #expect(stats.$healthy.value == false)
    }

    @Test func intDictMaxKeysOverflow() {
        let registry = Registry()
        let dict = registry.collection(at: "/web").intDict("byPath", maxKeys: 2)
        dict["/a"] += 1
        dict["/b"] += 1
        dict["/c"] += 1
        dict["/d"] += 4
        dict["/a"] += 1  // existing keys still update
        #expect(dict.values == ["/a": 2, "/b": 1, IntDictStat.overflowKey: 5])
        #expect(registry.health.overflowedKeys == 2)
        #expect(dict["/missing"].value == 0)
    }

    @Test func intDictAutoDeleteWithAssignment() {
        let dict = Registry().collection(at: "/web").intDict("active", autoDelete: true)
        dict["x"].value = 3
        dict["x"].value = 0
        dict["y"] += 0
        #expect(dict.values.isEmpty)
    }

    @Test func stringDictSetsRemovesAndBounds() {
        let registry = Registry()
        let dict = registry.collection(at: "/w").stringDict("lastError", maxKeys: 1)
        dict["db"] = "timeout"
        dict["cache"] = "refused"
        #expect(dict.values == ["db": "timeout", IntDictStat.overflowKey: "refused"])
        dict["db"] = nil
        #expect(dict["db"] == nil)
    }

    @Test func failingGaugesAreIsolatedAndCounted() throws {
        struct Broken: Error {}
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.gauge("good", of: Double.self).bind { 1.5 }
        web.gauge("throws", of: Int.self).bind { throw Broken() }
        web.gauge("nan", of: Double.self).bind { .nan }
        web.gauge("unbound", of: String.self)
        web.int("errors") += 1
        let snapshot = try #require(registry.snapshot(at: "/web"))
        #expect(snapshot.node(at: ["good"]) == .stat(SnapshotStat(name: "good", value: .double(1.5))))
        #expect(snapshot.node(at: ["throws"]) == .stat(SnapshotStat(name: "throws", value: .absent)))
        #expect(snapshot.node(at: ["nan"]) == .stat(SnapshotStat(name: "nan", value: .absent)))
        #expect(snapshot.node(at: ["errors"]) == .stat(SnapshotStat(name: "errors", value: .int(1))))
        #expect(registry.health.gaugeFailures == 2)
        try expectJSON(
            registry,
            equals: ["web": ["good": 1.5, "throws": NSNull(), "nan": NSNull(), "unbound": NSNull(), "errors": 1]])
    }

    @Test func gaugeClosuresRunOutsideTheRegistryLock() throws {
        // A gauge that binds and snapshots the same registry would deadlock if run under its lock.
        let registry = Registry()
        registry.collection(at: "/web").gauge("nested", of: Int.self).bind {
            registry.collection(at: "/other").int("x") += 1
            return registry.snapshot(at: "/other") == nil ? 0 : 1
        }
        #expect(registry.snapshot(at: "/web/nested")?.root == .stat(SnapshotStat(name: "nested", value: .int(1))))
    }
}
