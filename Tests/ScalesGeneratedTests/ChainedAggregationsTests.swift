import Scales
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
        #expect(value(at: "/farm/rack-a/finished", in: registry) == .counter(6))
        #expect(value(at: "/farm/finished", in: registry) == .counter(12))
        #expect(value(at: "/farm/errors", in: registry) == .intDict(["timeout": 6]))
        #expect(value(at: "/farm/busySeconds", in: registry) == .double(3))
        #expect(value(at: "/farm/rackStates", in: registry) == .intDict(["up": 1, "draining": 1]))
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
        #expect(value(at: "/farm/rack-a/finished", in: registry) == .counter(16))
        #expect(value(at: "/farm/finished", in: registry) == .counter(22))
        machines[1].finished += 1  // still counted while it lives
        #expect(value(at: "/farm/finished", in: registry) == .counter(23))

        // A whole rack goes: the farm keeps its total (with what its removed machine did).
        farm.rack(rack: "a").remove()
        #expect(value(at: "/farm/rack-a/finished", in: registry) == nil)
        #expect(value(at: "/farm/finished", in: registry) == .counter(23))
        #expect(value(at: "/farm/errors", in: registry) == .intDict(["timeout": 6]))
        #expect(value(at: "/farm/rackStates", in: registry) == .intDict(["draining": 1]))
        #expect(farm.rackStates.value == ["draining": 1])
        machines[4].finished += 2  // rack b lives on
        #expect(value(at: "/farm/finished", in: registry) == .counter(25))
        #expect(farm.finished.value == 25)
        #expect(farm.errors.value == ["timeout": 6])
        #expect(registry.health.bindConflicts == 0)
    }
}
