import Scales
import Testing

/// The typed handles `sum`, `doubleSum`, `histogram` and `intDictSum` return: each reads what
/// the snapshot shows at its path, as the type its kind holds.
@Suite struct AggregateHandleTests {
    @Test func handlesReadTheDerivedValuesTyped() {
        let registry = Registry()
        let parent = registry.collection(at: "/p")
        let count = parent.sum("count", of: "count")
        let seconds = parent.doubleSum("seconds", of: "seconds")
        let states = parent.histogram("state", of: "state")
        let errors = parent.intDictSum("errors", of: "errors")
        #expect(count.value == 0)
        #expect(states.value == [:])
        for id in ["a", "b"] {
            let child = parent.child("c-{id}", id: id)
            child.int("count") += 2
            child.double("seconds") += 0.25
            child.string("state").value = id == "a" ? "up" : "down"
            child.intDict("errors")["x"] += 3
        }
        #expect(count.value == 4)
        #expect(seconds.value == 0.5)
        #expect(states.value == ["up": 1, "down": 1])
        #expect(errors.value == ["x": 6])
        parent.child("c-{id}", id: "a").remove()
        #expect(count.value == 4)  // a sum keeps what a removed child counted
        #expect(states.value == ["down": 1])
        #expect(errors.value == ["x": 6])
    }

    @Test func anIntSumOfDoublesRoundsTowardZeroAndAGoneSumReadsZero() {
        let registry = Registry()
        let parent = registry.collection(at: "/p")
        let total = parent.sum("total", of: "x")
        parent.child(at: "c").double("x") += 2.75
        #expect(total.value == 2)
        parent.child(at: "d").double("x").value = 1e300
        #expect(total.value == Int.max)
        parent.remove()
        #expect(total.value == 0)
        #expect(registry.health.bindConflicts == 0)
    }

    @Test func aSumOfNonNumbersReadsZeroAndIsCounted() {
        let registry = Registry()
        let parent = registry.collection(at: "/p")
        let total = parent.sum("total", of: "x")
        parent.child(at: "c").string("x").value = "text"
        #expect(total.value == 0)
        #expect(registry.health.bindConflicts == 1)
    }
}
