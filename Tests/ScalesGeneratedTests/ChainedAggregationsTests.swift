import Scales
import ScalesTestKit
import Testing

/// `chained.stats.yaml`: sums and intDictSums that chain up a farm → rack → machine tree, right
/// at every level and after removals at every level.
@Suite struct ChainedAggregationsTests {
    @Test func totalsAreRightAtEveryLevelAlsoAfterRemovals() {
        let registry = Registry()
        let farm = FarmStats(registry: registry)
        var machines: [MachineStats] = []
        for rack in ["a", "b"] {
            let rackStats = farm.rack(rack: rack)
            rackStats.state = rack == "a" ? "up" : "draining"
            for machine in 1...3 {
                let stats = rackStats.machine(machine: "\(machine)")
                stats.finished += machine  // a: 1+2+3, b: 1+2+3
                stats.errors["timeout"] += 1
                stats.busySeconds += 0.5
                machines.append(stats)
            }
        }
        #expect(registry.value(at: "/farm/rack-a/finished") == .counter(6))
        #expect(registry.value(at: "/farm/finished") == .counter(12))
        #expect(registry.value(at: "/farm/errors") == .intDict(["timeout": 6]))
        #expect(registry.value(at: "/farm/busySeconds") == .double(3))
        #expect(registry.value(at: "/farm/rackStates") == .intDict(["up": 1, "draining": 1]))
        // The handles read the same, typed: a sum of ints is an Int, of doubles a Double (also
        // up a chain of sums), a histogram and an intDictSum a dictionary.
        let finished: Int = farm.finished.value
        let busySeconds: Double = farm.busySeconds.value
        #expect(finished == 12)
        #expect(farm.rack(rack: "a").finished.value == 6)
        #expect(busySeconds == 3)
        #expect(farm.rack(rack: "b").busySeconds.value == 1.5)
        #expect(farm.errors.value == ["timeout": 6])
        #expect(farm.rackStates.value == ["up": 1, "draining": 1])

        // A machine goes: its rack and the farm keep what it finished.
        machines[0].finished += 10  // rack a: 16
        machines[0].remove()
        #expect(registry.value(at: "/farm/rack-a/finished") == .counter(16))
        #expect(registry.value(at: "/farm/finished") == .counter(22))
        machines[1].finished += 1  // still counted while it lives
        #expect(registry.value(at: "/farm/finished") == .counter(23))

        // A whole rack goes: the farm keeps its total (with what its removed machine did).
        farm.rack(rack: "a").remove()
        #expect(registry.value(at: "/farm/rack-a/finished") == nil)
        #expect(registry.value(at: "/farm/finished") == .counter(23))
        #expect(registry.value(at: "/farm/errors") == .intDict(["timeout": 6]))
        #expect(registry.value(at: "/farm/rackStates") == .intDict(["draining": 1]))
        #expect(farm.rackStates.value == ["draining": 1])
        machines[4].finished += 2  // rack b lives on
        #expect(registry.value(at: "/farm/finished") == .counter(25))
        #expect(farm.finished.value == 25)
        #expect(farm.errors.value == ["timeout": 6])
        #expect(registry.health.bindConflicts == 0)
    }
}
