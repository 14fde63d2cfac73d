import Scales
import ScalesTestKit
import Testing

/// Aggregations over aggregations (scales chains sums up a tree), through the runtime API.
@Suite struct ChainedAggregationTests {
    /// farm → rack → worker, with `childType`: the issue's own example, which read 0.
    @Test func aSumOfASumIsRightAtEveryLevel() {
        let registry = Registry()
        let farm = registry.collection(at: "/farm")
        farm.sum("finished", of: "finished", childType: "RackStats")
        farm.intDictSum("errors", of: "errors", childType: "RackStats")
        var workers: [StatCollection] = []
        for rack in ["r1", "r2"] {
            let rackStats = farm.child("{rack}", id: rack, type: "RackStats")
            rackStats.sum("finished", of: "finished", childType: "WorkerStats")
            rackStats.intDictSum("errors", of: "errors", childType: "WorkerStats")
            for worker in 0..<3 {
                let stats = rackStats.child("worker-{id}", id: "\(worker)", type: "WorkerStats")
                stats.int("finished") += 10 + worker
                stats.intDict("errors")["io"] += 1
                workers.append(stats)
            }
        }
        #expect(registry.value(at: "/farm/r1/finished") == .int(33))
        #expect(registry.value(at: "/farm/finished") == .int(66))
        #expect(registry.value(at: "/farm/errors") == .intDict(["io": 6]))

        workers[0].int("finished") += 100
        workers[0].remove()
        #expect(registry.value(at: "/farm/r1/finished") == .int(133))
        #expect(
            registry.value(at: "/farm/finished") == .int(166),
            "the worker is retired once, in its rack, not again in the farm")
        farm.child("{rack}", id: "r1", type: "RackStats").remove()
        #expect(registry.value(at: "/farm/finished") == .int(166))
        #expect(registry.value(at: "/farm/errors") == .intDict(["io": 6]))
        workers[5].removeStat(named: "finished")
        #expect(registry.value(at: "/farm/r2/finished") == .int(33))
        #expect(registry.value(at: "/farm/finished") == .int(166))
        #expect(registry.health.bindConflicts == 0)
    }

    /// Without `childType`, the nearest containers holding the stat are summed and their
    /// insides are not: no level is counted twice.
    @Test func withoutChildTypeNoLevelIsCountedTwice() {
        let registry = Registry()
        let farm = registry.collection(at: "/farm")
        farm.sum("finished", of: "finished")
        let rack = farm.child(at: "rack")
        rack.sum("finished", of: "finished")
        let worker = rack.child(at: "worker")
        worker.int("finished") += 7
        farm.child(at: "spare").int("finished") += 1  // a direct child with the stat itself
        #expect(registry.value(at: "/farm/rack/finished") == .int(7))
        #expect(registry.value(at: "/farm/finished") == .int(8))
        worker.remove()
        #expect(registry.value(at: "/farm/finished") == .int(8))
        #expect(registry.value(at: "/farm/rack/finished") == .int(7))
    }

    /// A sum over stats it cannot add is a counted conflict and shows no value, never a 0.
    @Test func aSumItCannotHonourIsCountedNotZero() {
        let registry = Registry()
        let parent = registry.collection(at: "/parent")
        parent.sum("state", of: "state")
        parent.intDictSum("names", of: "names")
        parent.child(at: "a").string("state").value = "busy"
        parent.child(at: "b").string("state").value = "idle"
        parent.child(at: "a").int("names") += 1
        #expect(registry.value(at: "/parent/state") == .absent)
        #expect(registry.value(at: "/parent/names") == .absent)
        _ = registry.snapshot()
        #expect(registry.health.bindConflicts == 2, "one per aggregation, however often it is read")
        #expect(registry.value(at: "/scales/health/bindConflicts") == .counter(2))
    }
}
