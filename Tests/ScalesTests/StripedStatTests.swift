import Dispatch
import Foundation
import Scales
import ScalesTestKit
import Synchronization
import Testing

/// Striped cells (issue 17): a stat stays on one cell until two threads contend for it, then
/// spreads its updates over per-thread stripes; sums stay exact, a counter never goes
/// backwards, a store means "this value, plus the adds after it". Also run under TSan.
@Suite struct StripedStatTests {
    static let perThread = 1_000_000

    /// A counter the threads of a test share (an `Atomic` cannot be captured by an escaping
    /// closure).
    final class Shared: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Runs `body(thread)` on `count` threads of their own (not a Dispatch pool, whose width is
    /// the CPU count), released together once all have started, and returns when all are done.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let arrived = Shared()
        let group = DispatchGroup()
        for thread in 0..<count {
            group.enter()
            Thread.detachNewThread {
                arrived.value.add(1, ordering: .acquiringAndReleasing)
                while arrived.value.load(ordering: .acquiring) < count {}
                body(thread)
                group.leave()
            }
        }
        group.wait()
    }

    /// Runs `body` on two threads at once, `perThread` times each.
    static func onTwoThreads(_ perThread: Int = perThread, _ body: @escaping @Sendable () -> Void) {
        onThreads(2) { _ in
            for _ in 0..<perThread { body() }
        }
    }

    /// Two threads update a stat until it has stripes (checked every 1,024 updates), for at most
    /// 20 s: two threads really running at once get an int striped within a few thousand
    /// updates (2,048-5,120 seen alone), but under the full suite the two may seldom run at the
    /// same time (up to 1.3 million updates seen). Returns the updates made. Only the tests of
    /// detection itself use it: it keeps two cores busy while it waits.
    @discardableResult
    static func contend(_ body: @escaping @Sendable () -> Void, until striped: @escaping @Sendable () -> Bool) -> Int {
        let made = Shared()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(20))
        onThreads(2) { _ in
            var count = 0
            while clock.now < deadline {
                for _ in 0..<1_024 { body() }
                count += 1_024
                if striped() { break }
            }
            made.value.add(count, ordering: .relaxed)
        }
        return made.value.load(ordering: .relaxed)
    }

    @Test func oneThreadKeepsOneCell() {
        let web = Registry().collection(at: "/web")
        let int = web.int("a")
        let counter = web.counter("b")
        let double = web.double("c")
        let doubleCounter = web.doubleCounter("d")
        let meter = web.meter("e")
        for _ in 0..<Self.perThread {
            int += 1
            counter += 1
            double += 0.5
            doubleCounter += 0.25
            meter.mark()
        }
        #expect(int.value == Self.perThread)
        #expect(counter.value == Self.perThread)
        #expect(double.value == Double(Self.perThread) / 2)
        #expect(doubleCounter.value == Double(Self.perThread) / 4)
        #expect(meter.total == Self.perThread)
        #expect(int.stripeCount == 0)
        #expect(counter.stripeCount == 0)
        #expect(double.stripeCount == 0)
        #expect(doubleCounter.stripeCount == 0)
        #expect(meter.stripeCount == 0)
    }

    @Test func twoThreadsOnOneIntAreExactAndStriped() {
        let registry = Registry()
        let int = registry.collection(at: "/web").int("success")
        Self.onTwoThreads { int += 1 }
        #expect(int.value == 2 * Self.perThread)
        let more = Self.contend({ int += 1 }, until: { int.stripeCount > 0 })
        #expect(int.stripeCount >= 2)
        #expect(int.value == 2 * Self.perThread + more)
        #expect(
            registry.snapshot(at: "/web/success")?.root == .stat(SnapshotStat(name: "success", value: .int(int.value))))
        // Down as well as up, striped.
        Self.onTwoThreads { int -= 1 }
        #expect(int.value == more)
    }

    /// Contention is checked on one add in 256 of the stat's own steps, whatever the step and
    /// the start: a stat always advanced by 4,096, or by 2 from an odd start (whose low bits
    /// never pass 0), is checked as often as one advanced by 1. (A check on every add would cost
    /// a single-threaded loop of adds 1.8x; one that never came would never stripe.)
    @Test(arguments: [(1, 1), (1, 4_096), (1, 2), (0, 3), (7, -8), (Int.max - 1_000, 1), (5, 0)])
    func contentionIsCheckedOnceIn256StepsWhateverTheStep(start: Int, step: Int) {
        let adds = 256 * 1_000
        var value = start
        var checks = 0
        var longestGap = 0
        var gap = 0
        for _ in 0..<adds {
            if IntStat.checksContention(after: value, adding: step) {
                checks += 1
                longestGap = max(longestGap, gap)
                gap = 0
            } else {
                gap += 1
            }
            value &+= step
        }
        if step == 0 {
            // Adding 0 changes nothing; whether it checks depends on the value alone.
            #expect(checks == 0 || checks == adds)
        } else {
            #expect(checks == 1_000, "\(checks) checks in \(adds) adds of \(step) from \(start)")
            #expect(longestGap <= 255)
        }
    }

    /// A stat given its stripes (as contention would) by ``IntStat/spreadOverStripes()`` in
    /// the tests below, so that what they check does not wait for two threads to meet.
    static func striped(_ int: IntStat) -> IntStat {
        int.spreadOverStripes()
        return int
    }

    @Test func twoThreadsOnCountersAndDoublesAreExactAndStriped() {
        let web = Registry().collection(at: "/web")
        let counter = web.counter("requests")
        let double = web.double("seconds")
        let doubleCounter = web.doubleCounter("busy")
        Self.onTwoThreads {
            counter += 1
            double += 0.5
            doubleCounter += 0.25
        }
        var counterMore = Self.contend({ counter += 1 }, until: { counter.stripeCount > 0 })
        let doubleMore = Self.contend({ double += 0.5 }, until: { double.stripeCount > 0 })
        let doubleCounterMore = Self.contend({ doubleCounter += 0.25 }, until: { doubleCounter.stripeCount > 0 })
        #expect(counter.stripeCount >= 2)
        #expect(double.stripeCount >= 2)
        #expect(doubleCounter.stripeCount >= 2)
        // Exact: every partial sum of halves and quarters below 2^52 is a Double.
        Self.onTwoThreads {
            counter += 1
            double += 0.5
            doubleCounter += 0.25
        }
        counterMore += 2 * Self.perThread
        #expect(counter.value == 2 * Self.perThread + counterMore)
        #expect(double.value == Double(4 * Self.perThread + doubleMore) * 0.5)
        #expect(doubleCounter.value == Double(4 * Self.perThread + doubleCounterMore) * 0.25)
    }

    @Test func twoThreadsMarkingOneMeterAreExactAndStriped() {
        let meter = Registry().collection(at: "/web").meter("hits")
        Self.onTwoThreads { meter.mark() }
        let more = Self.contend({ meter.mark() }, until: { meter.stripeCount > 0 })
        #expect(meter.stripeCount >= 2)
        Self.onTwoThreads { meter.mark(2) }
        #expect(meter.total == 6 * Self.perThread + more)
        #expect(meter.figures.count == 6 * Self.perThread + more)
    }

    /// Two writers and a reader: every read is at least the one before it.
    @Test func countersNeverGoBackwardsWhileThreadsAdd() {
        let web = Registry().collection(at: "/web")
        let counter = web.counter("requests")
        let doubleCounter = web.doubleCounter("busy")
        let meter = web.meter("hits")
        let backwards = Shared()
        let reads = Shared()
        for _ in 0..<10 {
            let done = Shared()
            Self.onThreads(3) { worker in
                if worker < 2 {
                    for _ in 0..<200_000 {
                        counter += 1
                        doubleCounter += 1
                        meter.mark()
                    }
                    done.value.add(1, ordering: .releasing)
                } else {
                    var last = (0, 0.0, 0)
                    while done.value.load(ordering: .acquiring) < 2 {
                        let now = (counter.value, doubleCounter.value, meter.total)
                        if now.0 < last.0 || now.1 < last.1 || now.2 < last.2 {
                            backwards.value.add(1, ordering: .relaxed)
                        }
                        last = now
                        reads.value.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        #expect(backwards.value.load(ordering: .relaxed) == 0)
        #expect(reads.value.load(ordering: .relaxed) > 0)
        #expect(counter.value == 4_000_000)
        #expect(doubleCounter.value == 4_000_000)
        #expect(meter.total == 4_000_000)
    }

    /// A store into a striped int: the value read right after is the stored one, plus the
    /// adds after it; the stripes stay (the stat is still contended).
    @Test func storingIntoAStripedIntSetsItsValue() {
        let int = Self.striped(Registry().collection(at: "/web").int("inFlight"))
        Self.onTwoThreads { int += 3 }
        #expect(int.value == 6 * Self.perThread)
        #expect(int.stripeCount >= 2)
        int.value = 7
        #expect(int.value == 7)
        #expect(int.stripeCount >= 2)
        Self.onTwoThreads { int += 1 }
        #expect(int.value == 7 + 2 * Self.perThread)
        int.value = -5
        int -= 1
        #expect(int.value == -6)

        let double = Registry().collection(at: "/web").double("temperature")
        double.spreadOverStripes()
        Self.onTwoThreads { double += 1 }
        #expect(double.value == Double(2 * Self.perThread))
        double.value = 21.5
        #expect(double.value == 21.5)
        double += 0.5
        #expect(double.value == 22)

        let counter = CounterStat()
        counter.spreadOverStripes()
        Self.onTwoThreads { counter += 1 }
        #expect(counter.value == 2 * Self.perThread)
        counter.reset()
        #expect(counter.value == 0)
    }

    /// A store racing adds on another thread: the result is the stored value plus some of the
    /// adds (those after the store), never more than all of them, never below the stored one.
    @Test func aStoreRacingAddsKeepsOnlyLaterAdds() {
        let int = Self.striped(IntStat())
        Self.onThreads(2) { worker in
            if worker == 0 {
                for _ in 0..<Self.perThread { int += 1 }
            } else {
                int.value = 1_000_000_000
            }
        }
        #expect(int.value >= 1_000_000_000)
        #expect(int.value <= 1_000_000_000 + Self.perThread)
    }

    // MARK: Pmfs

    /// The value number `index` of thread `thread`: multiples of 2^-10 over 10 octaves, a
    /// share of zeros and of negative values, so that sums are exact in any order.
    static func pmfValue(_ index: Int, thread: Int) -> Double {
        switch (index &+ thread) % 50 {
        case 0: return 0
        case 1: return -Double(index % 300 + 1) / 1024
        default: return Double((index &* 7 &+ thread) % 1000 + 1) / 1024
        }
    }

    @Test func twoThreadsRecordingOnePmfAreExactAndStriped() {
        let (registry, _) = Registry.forTesting()
        let pmf = registry.collection(at: "/web").pmf("latency")
        let perThread = 500_000
        Self.onThreads(2) { thread in
            for index in 0..<perThread { pmf.record(Self.pmfValue(index, thread: thread)) }
        }
        var count = 2 * perThread
        var sum = (0..<2).reduce(0.0) { total, thread in
            (0..<perThread).reduce(total) { $0 + Self.pmfValue($1, thread: thread) }
        }
        let more = Self.contend({ pmf.record(0.5) }, until: { pmf.stripeCount > 0 })
        count += more
        sum += Double(more) * 0.5
        #expect(pmf.stripeCount >= 2)
        let figures = pmf.figures
        #expect(figures.count == count)
        #expect(figures.windowCount == count)
        #expect(figures.sum == sum)
        // The all-time buckets exporters read hold every value too.
        let buckets = figures.buckets
        let bucketed =
            (buckets?.zeroCount ?? 0) + (buckets?.positive.reduce(0) { $0 + $1.count } ?? 0)
            + (buckets?.negative.reduce(0) { $0 + $1.count } ?? 0)
        #expect(bucketed == count)
    }

    @Test func aPmfRecordedByOneThreadStaysOnOneCell() {
        let (registry, _) = Registry.forTesting()
        let pmf = registry.collection(at: "/web").pmf("latency")
        for index in 0..<200_000 { pmf.record(Self.pmfValue(index, thread: 0)) }
        #expect(pmf.stripeCount == 0)
        #expect(pmf.figures.count == 200_000)
    }

    /// Striping changes where counts live, not what a read reports: a pmf striped by two
    /// threads reports exactly what one thread's pmf reports for the same values (the
    /// percentiles, mean, stddev, range and the all-time buckets).
    @Test func stripingLeavesEveryFigureUnchanged() {
        let (registry, _) = Registry.forTesting()
        let web = registry.collection(at: "/web")
        let striped = web.pmf("striped")
        let single = web.pmf("single")
        striped.spreadOverStripes()
        let warmed = 1_000
        for _ in 0..<warmed {
            striped.record(0.5)
            single.record(0.5)
        }
        let perThread = 300_000
        Self.onThreads(2) { thread in
            for index in 0..<perThread { striped.record(Self.pmfValue(index, thread: thread)) }
        }
        for thread in 0..<2 {
            for index in 0..<perThread { single.record(Self.pmfValue(index, thread: thread)) }
        }
        #expect(striped.stripeCount >= 2)
        #expect(single.stripeCount == 0)
        let stripedFigures = striped.figures
        #expect(stripedFigures == single.figures)
        #expect(stripedFigures.count == warmed + 2 * perThread)
        #expect(striped.percentiles([0.1, 0.5, 0.9, 0.999]) == single.percentiles([0.1, 0.5, 0.9, 0.999]))
    }

    /// Slices expire under striped records: what they held moves to the all-time totals,
    /// nothing is lost or counted twice, and the window holds only the recent slices.
    @Test func stripedSlicesRotateWithoutLosingCounts() {
        let (registry, clock) = Registry.forTesting()
        let pmf = registry.collection(at: "/web").pmf("latency", window: .seconds(5))
        pmf.spreadOverStripes()
        let before = 1_000
        for _ in 0..<before { pmf.record(0.25) }
        #expect(pmf.stripeCount >= 2)
        let perThread = 200_000
        Self.onThreads(2) { thread in
            for index in 0..<perThread {
                pmf.record(Self.pmfValue(index, thread: thread))
                if index % 10_000 == 0 { clock.advance(by: .milliseconds(700)) }
            }
        }
        let sum =
            Double(before) * 0.25
            + (0..<2).reduce(0.0) { total, thread in
                (0..<perThread).reduce(total) { $0 + Self.pmfValue($1, thread: thread) }
            }
        let figures = pmf.figures
        #expect(figures.count == before + 2 * perThread)
        #expect(figures.sum == sum)
        #expect(figures.windowCount < figures.count)
        clock.advance(by: .seconds(10))
        let idle = pmf.figures
        #expect(idle.windowCount == 0)
        #expect(idle.count == figures.count)
        #expect(idle.sum == sum)
    }
}
