import Scales
import ScalesTestKit
import Testing

/// Long-lived parents with short-lived children: what removed children leave behind is bounded.
@Suite struct AggregationBoundTests {
    /// Each child has keys of its own; after thousands of create/remove cycles the parent keeps
    /// at most `maxKeys` keys for them, the rest in `_overflow`, counted; totals stay exact.
    @Test func intDictSumKeepsABoundedNumberOfRetiredKeys() throws {
        let registry = Registry()
        let parent = registry.collection(at: "/parent")
        parent.intDictSum("errors", of: "errors", maxKeys: 100)
        parent.intDictSum("defaultBound", of: "errors")
        for cycle in 0..<3000 {
            let child = parent.child("worker-{id}", id: String(cycle))
            child.intDict("errors", maxKeys: 5)["k\(cycle)"] += 2
            child.remove()
        }
        let live = parent.child("worker-{id}", id: "live")
        live.intDict("errors")["k0"] += 1
        live.intDict("errors")["fresh"] += 1  // a live child's keys are always shown
        guard case .intDict(let totals)? = registry.value(at: "/parent/errors") else {
            Issue.record("no intDict at /parent/errors")
            return
        }
        #expect(totals.count == 100 + 2, "100 retired keys, _overflow and the live child's new key")
        #expect(totals["k0"] == 3)
        #expect(totals["fresh"] == 1)
        #expect(totals["_overflow"] == (3000 - 100) * 2)
        #expect(totals.values.reduce(0, +) == 3000 * 2 + 2, "nothing is lost")
        guard case .intDict(let defaultTotals)? = registry.value(at: "/parent/defaultBound") else {
            Issue.record("no intDict at /parent/defaultBound")
            return
        }
        #expect(defaultTotals.count == 1000 + 2)
        #expect(registry.health.overflowedKeys == (3000 - 100) + (3000 - 1000))
    }

    /// Binding a templated child does not cost more with more live siblings (it copied their
    /// id set): counted as work, not time — the set is mutated in place.
    @Test func maxKeysOfInstancesStillHolds() {
        let registry = Registry()
        let parent = registry.collection(at: "/parent")
        for id in 0..<50 { parent.child("w-{id}", id: String(id), maxKeys: 10).int("n") += 1 }
        #expect(registry.snapshot(at: "/parent/w-9") != nil)
        #expect(registry.snapshot(at: "/parent/w-10") == nil)
        #expect(registry.value(at: "/parent/w-_overflow/n") == .int(40))
        parent.child("w-{id}", id: "3", maxKeys: 10).remove()
        parent.child("w-{id}", id: "new", maxKeys: 10).int("n") += 1  // a freed place is taken again
        #expect(registry.value(at: "/parent/w-new/n") == .int(1))
        #expect(registry.health.overflowedKeys == 40)
    }
}
