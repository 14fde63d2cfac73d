import Dispatch
import Scales
import ScalesTestKit
import Synchronization
import Testing

/// Striped cells (issue 17): a stat stays on one cell until two threads contend for it, then
/// spreads its updates over per-thread stripes; sums stay exact, a counter never goes
/// backwards, a store means "this value, plus the adds after it". Also run under TSan.
@Suite struct StripedStatTests {
    static let perThread = 1_000_000

    /// Runs `body` on two threads at once, `perThread` times each.
    static func onTwoThreads(_ perThread: Int = perThread, _ body: @Sendable () -> Void) {
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<perThread { body() }
        }
    }

    /// Contends for a stat until it has stripes: rounds of 2 × 100,000 updates, at most 50
    /// (two threads on two cores meet on the first round; a loaded machine may need more).
    /// Returns the updates made.
    @discardableResult
    static func contend(_ body: @Sendable () -> Void, until striped: () -> Bool) -> Int {
        var made = 0
        for _ in 0..<50 where !striped() {
            onTwoThreads(100_000, body)
            made += 200_000
        }
        return made
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
        #expect(registry.snapshot(at: "/web/success")?.root == .stat(SnapshotStat(name: "success", value: .int(int.value))))
        // Down as well as up, striped.
        Self.onTwoThreads { int -= 1 }
        #expect(int.value == more)
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
        let backwards = Atomic<Int>(0)
        let reads = Atomic<Int>(0)
        for _ in 0..<10 {
            let done = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 3) { worker in
                if worker < 2 {
                    for _ in 0..<200_000 {
                        counter += 1
                        doubleCounter += 1
                        meter.mark()
                    }
                    done.add(1, ordering: .releasing)
                } else {
                    var last = (0, 0.0, 0)
                    while done.load(ordering: .acquiring) < 2 {
                        let now = (counter.value, doubleCounter.value, meter.total)
                        if now.0 < last.0 || now.1 < last.1 || now.2 < last.2 { backwards.add(1, ordering: .relaxed) }
                        last = now
                        reads.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        #expect(backwards.load(ordering: .relaxed) == 0)
        #expect(reads.load(ordering: .relaxed) > 0)
        #expect(counter.value == 4_000_000)
        #expect(doubleCounter.value == 4_000_000)
        #expect(meter.total == 4_000_000)
    }

    /// A store into a striped int: the value read right after is the stored one, plus the
    /// adds after it; the stripes stay (the stat is still contended).
    @Test func storingIntoAStripedIntSetsItsValue() {
        let int = Registry().collection(at: "/web").int("inFlight")
        Self.contend({ int += 3 }, until: { int.stripeCount > 0 })
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
        Self.contend({ double += 1 }, until: { double.stripeCount > 0 })
        double.value = 21.5
        #expect(double.value == 21.5)
        double += 0.5
        #expect(double.value == 22)

        let counter = CounterStat()
        Self.contend({ counter += 1 }, until: { counter.stripeCount > 0 })
        counter.reset()
        #expect(counter.value == 0)
    }

    /// A store racing adds on another thread: the result is the stored value plus some of the
    /// adds (those after the store), never more than all of them, never below the stored one.
    @Test func aStoreRacingAddsKeepsOnlyLaterAdds() {
        let int = IntStat()
        Self.contend({ int += 1 }, until: { int.stripeCount > 0 })
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                for _ in 0..<Self.perThread { int += 1 }
            } else {
                int.value = 1_000_000_000
            }
        }
        #expect(int.value >= 1_000_000_000)
        #expect(int.value <= 1_000_000_000 + Self.perThread)
    }
}
