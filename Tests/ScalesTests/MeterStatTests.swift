import Foundation
import Scales
import ScalesTestKit
import Testing

/// A plain, tick-by-tick EWMA as Java Metrics computes it, for comparison: events land in the
/// 5-second tick that contains them; the first tick initializes the rate.
struct ReferenceEWMA {
    let alpha: Double
    var rate = 0.0
    var initialized = false

    init(minutes: Double) {
        alpha = 1 - exp(-5 / 60 / minutes)
    }

    mutating func tick(events: Double) {
        let instant = events / 5
        if initialized {
            rate += alpha * (instant - rate)
        } else {
            rate = instant
            initialized = true
        }
    }
}

@Suite struct MeterStatTests {
    /// Java Metrics' MeterTest: one event in the first tick, an empty second tick, two events
    /// after it: m1 0.1840, m5 0.1966, m15 0.1988, mean 0.3 per second over 10 seconds.
    @Test func matchesJavaMetricsMeterTest() throws {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        meter.mark()
        clock.advance(by: .seconds(5))
        #expect(meter.figures.m1 == 0.2, "the first tick sets the rate: 1 event / 5 s")
        clock.advance(by: .seconds(5))
        _ = meter.figures
        meter.mark(2)
        let figures = try #require(registry.meterFigures(at: "/web/hits"))
        #expect(figures.count == 3)
        #expect(abs(figures.meanRate - 0.3) < 0.001)
        #expect(abs(figures.m1 - 0.1840) < 0.001, "m1 \(figures.m1)")
        #expect(abs(figures.m5 - 0.1966) < 0.001, "m5 \(figures.m5)")
        #expect(abs(figures.m15 - 0.1988) < 0.001, "m15 \(figures.m15)")
        #expect(figures.unit == "per second")
    }

    @Test func startsAtZeroWithAnExactMeanRate() {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits", unit: "requests per second")
        #expect(meter.figures == MeterSnapshot(count: 0, m1: 0, m5: 0, m15: 0, meanRate: 0, unit: "requests per second"))
        meter.mark(8)
        clock.advance(by: .seconds(4))
        let figures = meter.figures
        #expect(figures.count == 8)
        #expect(figures.meanRate == 2)
        #expect(figures.m1 == 0 && figures.m5 == 0 && figures.m15 == 0, "no tick has completed")
    }

    /// Events at known times, observed as they happen, give exactly the tick-by-tick values;
    /// idle stretches are caught up in closed form.
    @Test func matchesHandComputedRatesOnAManualClock() {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        var references = [ReferenceEWMA(minutes: 1), ReferenceEWMA(minutes: 5), ReferenceEWMA(minutes: 15)]
        // Per second for 3 minutes: a burst pattern of 0..9 events, then 20 minutes idle.
        var eventsThisTick = 0.0
        var second = 0
        func tickReferences() {
            for index in references.indices { references[index].tick(events: eventsThisTick) }
            eventsThisTick = 0
        }
        for _ in 0..<180 {
            _ = meter.figures  // observe at the start of each second, before marking
            let n = (second * 7) % 10
            meter.mark(n)
            eventsThisTick += Double(n)
            clock.advance(by: .seconds(1))
            second += 1
            if second % 5 == 0 { tickReferences() }
        }
        var figures = meter.figures
        #expect(abs(figures.m1 - references[0].rate) < 1e-9 * references[0].rate, "\(figures.m1) vs \(references[0].rate)")
        #expect(abs(figures.m5 - references[1].rate) < 1e-9 * references[1].rate)
        #expect(abs(figures.m15 - references[2].rate) < 1e-9 * references[2].rate)
        clock.advance(by: .seconds(20 * 60))
        for _ in 0..<240 { tickReferences() }
        figures = meter.figures
        #expect(abs(figures.m1 - references[0].rate) < 1e-9 * references[0].rate)
        #expect(abs(figures.m5 - references[1].rate) < 1e-9 * references[1].rate)
        #expect(abs(figures.m15 - references[2].rate) < 1e-9 * references[2].rate)
        #expect(figures.m1 > 0 && figures.m1 < 1e-6, "still above the epsilon after 20 minutes")
    }

    /// USERS.md §16: after a long idle period the rates read exactly 0, not denormal leftovers;
    /// the mean rate is still exact.
    @Test func ratesBelowEpsilonReadZeroAfterLongIdleness() {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        meter.mark(1_000)
        clock.advance(by: .seconds(5))
        #expect(meter.figures.m1 == 200)
        clock.advance(by: .seconds(3_600))
        var figures = meter.figures
        #expect(figures.m1 == 0, "200 × e^-60 is below the epsilon")
        #expect(figures.m5 > 0 && figures.m15 > 0)
        clock.advance(by: .seconds(365 * 24 * 3_600))
        figures = meter.figures
        #expect(figures.m1 == 0 && figures.m5 == 0 && figures.m15 == 0)
        #expect(figures.count == 1_000)
        #expect(abs(figures.meanRate - 1_000 / (3_605 + 365 * 24 * 3_600)) < 1e-12)
        // And it moves again at once: one tick of 10/s moves m1 by alpha toward 10 (Java
        // initializes only once, at the first tick).
        meter.mark(50)
        clock.advance(by: .seconds(5))
        #expect(abs(meter.figures.m1 - (1 - exp(-5.0 / 60)) * 10) < 1e-12)
    }

    /// Between two looks at the clock, events are taken as spread evenly: steady traffic read
    /// only once a minute still gives the tick-by-tick values.
    @Test func steadyTrafficReadRarelyMatchesTheReference() {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        var reference = ReferenceEWMA(minutes: 1)
        for minute in 0..<3 {
            for _ in 0..<600 {
                meter.mark()
                clock.advance(by: .milliseconds(100))
            }
            for _ in 0..<12 { reference.tick(events: 50) }
            let m1 = meter.figures.m1
            #expect(abs(m1 - reference.rate) < 0.02 * reference.rate, "minute \(minute): \(m1) vs \(reference.rate)")
        }
        #expect(abs(meter.figures.m1 - 10) < 0.2)
    }

    @Test func negativeMarksAreDroppedAndCounted() {
        let (registry, _) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        meter.mark(-3)
        meter.mark(0)
        meter.mark(2)
        #expect(meter.total == 2)
        #expect(registry.health.droppedValues == 1)
    }

    @Test func twoThreadsMarkingLoseNoEvents() async {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    for index in 0..<100_000 {
                        meter.mark()
                        if index % 1_000 == 0 { clock.advance(by: .milliseconds(100)) }
                    }
                }
            }
            group.addTask {
                for _ in 0..<200 { _ = meter.figures }
            }
        }
        let figures = meter.figures
        #expect(figures.count == 200_000)
        #expect(figures.m1.isFinite && figures.m1 > 0)
    }

    @Test func meterDictKeepsAMeterPerKey() throws {
        let (registry, clock) = Registry.forTesting()
        let web = registry.collection(at: "/web")
        let byStatus = web.meterDict("byStatus", maxKeys: 2, unit: "responses per second")
        #expect(web.meterDict("byStatus") === byStatus)
        byStatus["2xx"].mark(10)
        byStatus["4xx"].mark()
        byStatus["5xx"].mark(3)
        clock.advance(by: .seconds(5))
        guard case .meterDict(let figures) = registry.value(at: "/web/byStatus") else {
            Issue.record("not a meterDict")
            return
        }
        #expect(Set(figures.keys) == ["2xx", "4xx", IntDictStat.overflowKey])
        #expect(figures["2xx"]?.m1 == 2)
        #expect(figures[IntDictStat.overflowKey]?.count == 3)
        #expect(figures["4xx"]?.unit == "responses per second")
        #expect(registry.health.overflowedKeys == 1)
        let json = try parsedJSON(registry, at: "/web")
        let twoXX = try #require((json["byStatus"] as? [String: Any])?["2xx"] as? [String: Any])
        #expect(twoXX["count"] as? Int == 10 && twoXX["m1"] as? Double == 2)
    }
}
