// Over 400 lines: one suite of the meter's rates, each test checking exact Java EWMA values against a manual clock.

import Foundation
import Scales
import ScalesTestKit
import Testing

/// Java Metrics' `Meter` (metrics-core 4.x `Meter`, `ExponentialMovingAverages` and `EWMA`),
/// transcribed from their definition, tick by tick and in Java's units (rates per nanosecond,
/// `Long` nanoseconds): the reference a meter must equal.
///
/// `mark(n)` first calls `tickIfNecessary()`, then adds `n` to the count and to each EWMA's
/// `uncounted`; every rate getter calls `tickIfNecessary()` first. `tickIfNecessary`: when
/// more than 5 s (strictly) have passed since `lastTick`, `lastTick` moves by the whole ticks
/// passed and each EWMA ticks that many times; the first of those ticks takes every uncounted
/// event, the rest take none. A tick: `rate += alpha * (count / interval - rate)`, or
/// `rate = count / interval` at the first tick (`initialized`).
struct JavaMeter {
    struct EWMA {
        let alpha: Double
        let interval = 5_000_000_000.0
        var initialized = false
        var rate = 0.0
        var uncounted: Int64 = 0

        init(minutes: Double) {
            alpha = 1 - exp(-5 / 60.0 / minutes)
        }

        mutating func update(_ n: Int64) { uncounted += n }

        mutating func tick() {
            let count = uncounted
            uncounted = 0
            let instantRate = Double(count) / interval
            if initialized {
                rate += alpha * (instantRate - rate)
            } else {
                rate = instantRate
                initialized = true
            }
        }

        /// `getRate(TimeUnit.SECONDS)`.
        var perSecond: Double { rate * 1e9 }
    }

    static let tickInterval: Int64 = 5_000_000_000
    var m1 = EWMA(minutes: 1)
    var m5 = EWMA(minutes: 5)
    var m15 = EWMA(minutes: 15)
    let startTime: Int64
    var lastTick: Int64
    var count: Int64 = 0

    init(now: UInt64) {
        startTime = Int64(now)
        lastTick = startTime
    }

    mutating func tickIfNecessary(_ now: UInt64) {
        let newTick = Int64(now)
        let age = newTick - lastTick
        if age > Self.tickInterval {
            lastTick = newTick - age % Self.tickInterval
            for _ in 0..<(age / Self.tickInterval) {
                m1.tick()
                m5.tick()
                m15.tick()
            }
        }
    }

    mutating func mark(_ n: Int64, at now: UInt64) {
        tickIfNecessary(now)
        count += n
        m1.update(n)
        m5.update(n)
        m15.update(n)
    }

    /// `getOneMinuteRate()`, `getFiveMinuteRate()`, `getFifteenMinuteRate()`, `getMeanRate()`.
    mutating func rates(at now: UInt64) -> (m1: Double, m5: Double, m15: Double, mean: Double) {
        tickIfNecessary(now)
        let mean = count == 0 ? 0 : Double(count) / Double(Int64(now) - startTime) * 1e9
        return (m1.perSecond, m5.perSecond, m15.perSecond, mean)
    }
}

/// `actual` (a meter's figure) equals Java's figure to 1e-9 relative; figures below 1e-9 per
/// second read as 0.
func equalsJava(_ actual: Double, _ java: Double) -> Bool {
    if abs(actual - java) <= 1e-9 * abs(java) { return true }
    return actual == 0 && java < 1e-9 * (1 + 1e-9)
}

@Suite struct MeterStatTests {
    /// Java Metrics' MeterTest: a meter created at 0, `mark()` at 0, `mark(2)` at 10 s (which
    /// ticks twice: the first tick takes the one event, the second none): m1 0.1840, m5 0.1966,
    /// m15 0.1988, mean 0.3 per second.
    @Test func matchesJavaMetricsMeterTest() throws {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        meter.mark()
        clock.advance(by: .seconds(10))
        meter.mark(2)
        let figures = try #require(registry.meterFigures(at: "/web/hits"))
        #expect(figures.count == 3)
        #expect(abs(figures.meanRate - 0.3) < 1e-12)
        #expect(abs(figures.m1 - 0.1840) < 0.001, "m1 \(figures.m1)")
        #expect(abs(figures.m5 - 0.1966) < 0.001, "m5 \(figures.m5)")
        #expect(abs(figures.m15 - 0.1988) < 0.001, "m15 \(figures.m15)")
        #expect(equalsJava(figures.m1, 0.2 * exp(-5.0 / 60)))
        #expect(equalsJava(figures.m5, 0.2 * exp(-5.0 / 300)))
        #expect(equalsJava(figures.m15, 0.2 * exp(-5.0 / 900)))
        #expect(figures.unit == "per second")
    }

    /// Java Metrics' EWMATest: 3 events, a tick (0.6 per second), then a minute (12 ticks) at a
    /// time; the figures are Java's, to its 1e-6, and the reference model's to 1e-9.
    @Test func matchesJavaMetricsEWMATest() {
        let m1: [Double] = [
            0.6, 0.22072766, 0.08120117, 0.02987224, 0.01098938, 0.00404277, 0.00148725, 0.00054713,
            0.00020128, 0.00007405, 0.00002724, 0.00001002, 0.00000369, 0.00000136, 0.00000050, 0.00000018,
        ]
        let m5: [Double] = [
            0.6, 0.49123845, 0.40219203, 0.32928698, 0.26959738, 0.22072766, 0.18071653, 0.14795818,
            0.12113791, 0.09917933, 0.08120117, 0.06648190, 0.05443077, 0.04456415, 0.03648604, 0.02987224,
        ]
        let m15: [Double] = [
            0.6, 0.56130419, 0.52510399, 0.49123845, 0.45955700, 0.42991879, 0.40219203, 0.37625345,
            0.35198773, 0.32928698, 0.30805027, 0.28818318, 0.26959738, 0.25221023, 0.23594443, 0.22072766,
        ]
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        var java = JavaMeter(now: clock.nanoseconds())
        meter.mark(3)
        java.mark(3, at: clock.nanoseconds())
        // Just past the first tick's end (Java ticks when *more* than 5 s have passed).
        clock.advance(by: .nanoseconds(5_000_000_001))
        for minute in 0..<16 {
            if minute > 0 { clock.advance(by: .seconds(60)) }
            let figures = meter.figures
            let reference = java.rates(at: clock.nanoseconds())
            #expect(abs(figures.m1 - m1[minute]) < 1e-6, "minute \(minute): m1 \(figures.m1)")
            #expect(abs(figures.m5 - m5[minute]) < 1e-6, "minute \(minute): m5 \(figures.m5)")
            #expect(abs(figures.m15 - m15[minute]) < 1e-6, "minute \(minute): m15 \(figures.m15)")
            #expect(
                equalsJava(figures.m1, reference.m1) && equalsJava(figures.m5, reference.m5)
                    && equalsJava(figures.m15, reference.m15), "minute \(minute)")
        }
    }

    /// Issue 14: ten events in the first second, then a read every 60 s. Each event belongs
    /// to the first tick, whoever reads when: m15 is Java's 1.88 at 60 s and 1.03 at 600 s (it
    /// was 0.167 and 0.0915 when events between two reads were spread over the time between
    /// them), and a meter read only at 600 s shows the same.
    @Test func ratesDoNotDependOnWhenTheyAreRead() {
        let (registry, clock) = Registry.forTesting()
        let web = registry.collection(at: "/web")
        let read = web.meter("read")
        let unread = web.meter("unread")
        for _ in 0..<10 {
            read.mark()
            unread.mark()
            clock.advance(by: .milliseconds(100))
        }
        clock.advance(by: .seconds(59))
        let at60 = read.figures.m15
        #expect(abs(at60 - 1.88) < 0.005, "m15 at 60 s: \(at60)")
        #expect(equalsJava(at60, 2 * exp(-55.0 / 900)))
        for _ in 2...10 {
            clock.advance(by: .seconds(60))
            _ = read.figures
        }
        let at600 = read.figures
        #expect(abs(at600.m15 - 1.03) < 0.005, "m15 at 600 s: \(at600.m15)")
        #expect(equalsJava(at600.m15, 2 * exp(-595.0 / 900)))
        #expect(
            unread.figures
                == MeterSnapshot(
                    count: at600.count, m1: at600.m1, m5: at600.m5, m15: at600.m15, meanRate: at600.meanRate))
    }

    /// Random (seeded) sequences of marks and reads on the manual clock equal Java's `Meter`
    /// driven with the same sequence, at every read: bursts, idle ticks, long idleness, and
    /// marks and reads exactly on, just before and just after tick boundaries.
    @Test(arguments: 1...12 as ClosedRange<UInt64>)
    func randomSequencesMatchJavaMetrics(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        let created = clock.nanoseconds()
        var java = JavaMeter(now: created)
        var reads = 0
        for step in 0..<600 {
            clock.advance(
                by: .nanoseconds(Int64(Self.randomAdvance(&random, now: clock.nanoseconds(), created: created))))
            let now = clock.nanoseconds()
            if random.next() % 10 < 7 {
                let n = random.next() % 4 == 0 ? Int(random.next() % 5_000) + 1 : Int(random.next() % 3) + 1
                meter.mark(n)
                java.mark(Int64(n), at: now)
            } else {
                reads += 1
                let figures = meter.figures
                let reference = java.rates(at: now)
                #expect(figures.count == Int(java.count))
                if now > created {
                    #expect(abs(figures.meanRate - reference.mean) <= 1e-12 * reference.mean, "step \(step)")
                }
                #expect(equalsJava(figures.m1, reference.m1), "step \(step): m1 \(figures.m1) vs \(reference.m1)")
                #expect(equalsJava(figures.m5, reference.m5), "step \(step): m5 \(figures.m5) vs \(reference.m5)")
                #expect(equalsJava(figures.m15, reference.m15), "step \(step): m15 \(figures.m15) vs \(reference.m15)")
            }
        }
        #expect(reads > 100)
    }

    /// How far the clock moves before the next mark or read.
    static func randomAdvance(_ random: inout SplitMix64, now: UInt64, created: UInt64) -> UInt64 {
        let tick: UInt64 = 5_000_000_000
        switch random.next() % 20 {
        case 0..<5: return 0
        case 5..<10: return random.next() % 300_000_000  // within a tick
        case 10..<14: return random.next() % 7_000_000_000  // across a boundary, or not
        case 14: return random.next() % 1_800_000_000_000  // up to half an hour idle
        case 15: return (random.next() % 13) * 1_000_000_000  // whole seconds
        default:
            // To the next tick boundary since creation, or a nanosecond either side of it.
            let next = (now - created) / tick * tick + tick + created
            return next - now + (random.next() % 3) - 1
        }
    }

    /// Two meters see the same marks; one is also read at random moments, the other only at
    /// checkpoints: their figures are identical, to the last bit, at every checkpoint. (Off
    /// exact tick ends: a look exactly on a tick's end, to the nanosecond, takes that tick at
    /// once if nothing looked during it, so an event at that instant counts in the next tick;
    /// after a look during the tick it counts in that one: Java's own edge, which the random
    /// sequences above check against Java.)
    @Test(arguments: 1...4 as ClosedRange<UInt64>)
    func readingNeverChangesALaterFigure(seed: UInt64) {
        var random = SplitMix64(seed: seed &+ 100)
        let (registry, clock) = Registry.forTesting()
        let web = registry.collection(at: "/web")
        let read = web.meter("read")
        let unread = web.meter("unread")
        let created = clock.nanoseconds()
        for step in 1...800 {
            var advance = Self.randomAdvance(&random, now: clock.nanoseconds(), created: created)
            if (clock.nanoseconds() + advance - created) % 5_000_000_000 == 0 { advance += 1 }
            clock.advance(by: .nanoseconds(Int64(advance)))
            if random.next() % 3 == 0 {
                _ = read.figures
            } else {
                let n = Int(random.next() % 20) + 1
                read.mark(n)
                unread.mark(n)
            }
            if step % 50 == 0 {
                #expect(read.figures == unread.figures, "step \(step)")
            }
        }
    }

    @Test func startsAtZeroWithAnExactMeanRate() {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits", unit: "requests per second")
        #expect(
            meter.figures == MeterSnapshot(count: 0, m1: 0, m5: 0, m15: 0, meanRate: 0, unit: "requests per second"))
        meter.mark(8)
        clock.advance(by: .seconds(5))
        let figures = meter.figures
        #expect(figures.count == 8)
        #expect(figures.meanRate == 1.6)
        #expect(figures.m1 == 0 && figures.m5 == 0 && figures.m15 == 0, "no tick has ended: 5 s is not more than 5 s")
    }

    /// Steady traffic, 10 events per second, read once a minute: exactly Java's figures.
    @Test func steadyTrafficReadRarelyMatchesJavaMetrics() {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        var java = JavaMeter(now: clock.nanoseconds())
        for minute in 0..<3 {
            for _ in 0..<600 {
                meter.mark()
                java.mark(1, at: clock.nanoseconds())
                clock.advance(by: .milliseconds(100))
            }
            let figures = meter.figures
            let reference = java.rates(at: clock.nanoseconds())
            #expect(equalsJava(figures.m1, reference.m1), "minute \(minute): \(figures.m1) vs \(reference.m1)")
            #expect(equalsJava(figures.m15, reference.m15), "minute \(minute)")
        }
        #expect(abs(meter.figures.m1 - 10) < 0.2)
    }

    /// USERS.md §16: after a long idle period the rates read exactly 0, not denormal leftovers;
    /// the mean rate is still exact.
    @Test func ratesBelowEpsilonReadZeroAfterLongIdleness() {
        let (registry, clock) = Registry.forTesting()
        let meter = registry.collection(at: "/web").meter("hits")
        meter.mark(1_000)
        clock.advance(by: .seconds(6))
        #expect(meter.figures.m1 == 200)
        clock.advance(by: .seconds(3_600))
        var figures = meter.figures
        #expect(figures.m1 == 0, "200 × e^-60 is below the epsilon")
        #expect(figures.m5 > 0 && figures.m15 > 0)
        clock.advance(by: .seconds(365 * 24 * 3_600))
        figures = meter.figures
        #expect(figures.m1 == 0 && figures.m5 == 0 && figures.m15 == 0)
        #expect(figures.count == 1_000)
        #expect(abs(figures.meanRate - 1_000 / Double(3_606 + 365 * 24 * 3_600)) < 1e-12)
        // And it moves again at once: one tick of 10/s moves m1 by alpha toward 10 (Java
        // initializes only once, at the first tick).
        meter.mark(50)
        clock.advance(by: .seconds(5))
        #expect(abs(meter.figures.m1 - (1 - exp(-5.0 / 60)) * 10) < 1e-12)
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

    /// With the system clock, marks take the wall-second shortcut; none is lost, and the
    /// figures are sane.
    @Test func systemClockMarksLoseNoEvents() async {
        let meter = MeterStat()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<200_000 { meter.mark() }
                }
            }
            group.addTask {
                for _ in 0..<100 { _ = meter.figures }
            }
        }
        let figures = meter.figures
        #expect(figures.count == 400_000)
        #expect(figures.m1 >= 0 && figures.meanRate > 0)
    }

    /// The wall-second hint, driven with simulated clocks: coarse wall and monotonic clocks a
    /// fixed offset apart (as Linux sets them at each timer tick). A mark whose wall second is
    /// below the hint is before the tick's end by the monotonic clock (never late), and with
    /// ticks that end on a whole wall second the hint vouches for every second of the tick.
    @Test func theWallSecondHintIsNeverLate() {
        var random = SplitMix64(seed: 42)
        var vouched = 0
        for _ in 0..<20_000 {
            let offset = random.next() % (1 << 62)  // wall = monotonic + offset
            let tickEnd = random.next() % (1 << 50) + 10_000_000_000
            let now = tickEnd - random.next() % 6_000_000_000
            guard let hint = MeterStat.nextCheck(wallNanoseconds: now + offset, now: now, tickEnd: tickEnd) else {
                #expect(tickEnd <= now || (tickEnd + offset) / 1_000_000_000 >= 1 << 32)
                continue
            }
            #expect(hint == (tickEnd + offset) / 1_000_000_000)
            for _ in 0..<20 {
                let mark = now + random.next() % 7_000_000_000
                if (mark + offset) / 1_000_000_000 < hint {
                    vouched += 1
                    #expect(mark < tickEnd)
                }
            }
        }
        #expect(vouched > 10_000)
        // A tick ending on a whole wall second: vouched until that second begins.
        let end: UInt64 = 7_000_000_000_000
        #expect(
            MeterStat.nextCheck(wallNanoseconds: 1_000_000_000_000_000_123, now: end - 4_999_999_877, tickEnd: end)
                == 1_000_000_005)
        #expect(MeterStat.nextCheck(wallNanoseconds: 1_000_000_000_000_000_000, now: end, tickEnd: end) == nil)
    }

    @Test func meterDictKeepsAMeterPerKey() throws {
        let (registry, clock) = Registry.forTesting()
        let web = registry.collection(at: "/web")
        let byStatus = web.meterDict("byStatus", maxKeys: 2, unit: "responses per second")
        #expect(web.meterDict("byStatus") === byStatus)
        byStatus["2xx"].mark(10)
        byStatus["4xx"].mark()
        byStatus["5xx"].mark(3)
        clock.advance(by: .seconds(6))
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
