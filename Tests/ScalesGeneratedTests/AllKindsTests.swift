import Scales
import ScalesTestKit
import Testing

/// Every kind and option of `all-kinds.stats.yaml` binds the right runtime cell with the
/// declared options.
@Suite struct AllKindsTests {
    @Test func initialValuesAndCounters() {
        let registry = Registry()
        let kinds = KindsStats(registry: registry)
        kinds.counter += 2
        kinds.counter += -1  // dropped: a counter never goes down
        #expect(registry.value(at: KindsStats.Paths.counter) == .counter(2))
        #expect(kinds.startsAtThree.value == 3)
        #expect(kinds.ratio.value == 0.25)
        #expect(kinds.label == "ready")
        #expect(kinds.enabled == true)
        #expect(kinds.flag == false)
        kinds.startsAtThree += 1
        // Binding again keeps the current value instead of resetting to the initial one.
        #expect(KindsStats(registry: registry).startsAtThree.value == 4)
        kinds.seconds += 1.5
        #expect(registry.value(at: KindsStats.Paths.seconds) == .double(1.5))
        #expect(registry.doc(at: KindsStats.Paths.counter) == "Only goes up")
    }

    @Test func gaugesOfEachType() {
        let registry = Registry()
        let kinds = KindsStats(registry: registry)
        kinds.intGauge.bind { 7 }
        kinds.doubleGauge.bind { 0.5 }
        kinds.stringGauge.bind { "up" }
        kinds.boolGauge.bind { true }
        #expect(registry.value(at: KindsStats.Paths.intGauge) == .int(7))
        #expect(registry.value(at: KindsStats.Paths.doubleGauge) == .double(0.5))
        #expect(registry.value(at: KindsStats.Paths.stringGauge) == .string("up"))
        #expect(registry.value(at: KindsStats.Paths.boolGauge) == .bool(true))
    }

    @Test func dictOptions() {
        let kinds = KindsStats(registry: Registry())
        #expect(kinds.byKey.autoDelete)
        #expect(kinds.byKey.maxKeys == 50)
        kinds.byKey["a"] += 1
        kinds.byKey["a"] -= 1
        #expect(kinds.byKey.values.isEmpty)
        #expect(!kinds.counts.autoDelete && kinds.counts.maxKeys == nil)
        #expect(kinds.names.maxKeys == 10)
        kinds.notes["k"] = "v"
        #expect(kinds.notes["k"] == "v")
    }

    @Test func pmfWindowsAndMeterUnits() {
        let kinds = KindsStats(registry: Registry())
        #expect(kinds.timing.window == PmfStat.defaultWindow)
        #expect(kinds.recent.window == .seconds(30))
        #expect(kinds.fast.window == .milliseconds(500))
        #expect(kinds.perRoute.window == .seconds(300))
        #expect(kinds.perRoute.maxKeys == 20)
        #expect(kinds.rate.unit == "bytes per second")
        #expect(kinds.events.unit == MeterStat.defaultUnit)
        #expect(kinds.perClient.unit == "requests per second")
        #expect(kinds.perClient.maxKeys == 100)
        kinds.perRoute["/"].record(0.1)
        kinds.perClient["c1"].mark(3)
        #expect(kinds.perClient["c1"].total == 3)
    }

    @Test func stateTimeIsAssignedLikeAProperty() {
        let registry = Registry()
        let kinds = KindsStats(registry: registry)
        kinds.phase = "parsing"
        #expect(kinds.phase == "parsing")
        #expect(kinds.$phase.state == "parsing")
        guard case .stateTime(let seconds)? = registry.value(at: KindsStats.Paths.phase) else {
            Issue.record("no stateTime at /kinds/phase")
            return
        }
        #expect(Set(seconds.keys) == ["parsing"], "only states that were set")
        #expect(registry.doc(at: KindsStats.Paths.phase) == "What the worker is doing")
    }
}
