import Dispatch
import Scales
import Testing

/// The wall-second shortcut that finds a record's time slice with the system clock (see
/// `WallSecondHint`): driven with simulated clocks, then with the real one.
@Suite struct PmfWallClockTests {
    /// A simulated machine: a monotonic clock, a wall clock `offset` ahead of it (in whole
    /// and fractional seconds), and a coarse monotonic reading that lags by `lag`.
    struct Clocks {
        var offset: UInt64
        var lag: UInt64
        func wall(at t: UInt64) -> UInt64 { (t &+ offset) / 1_000_000_000 }
        func coarse(at t: UInt64) -> UInt64 { t - Swift.min(lag, t) }
    }

    /// For every check time and every later record, a hinted slice is the slice the coarse
    /// clock would give at the record (so the precise clock's, or within the coarse clock's
    /// lag after a boundary the one before): early, never late. The wall second is read before
    /// the monotonic one, possibly much before (a thread descheduled in between).
    @Test(arguments: [2, 3, 60, 3_600] as [UInt64])
    func aHintedSliceIsNeverLate(sliceSeconds: UInt64) {
        let slice = sliceSeconds * 1_000_000_000
        var random = SplitMix64(seed: sliceSeconds)
        var hinted = 0
        for _ in 0..<20_000 {
            let clocks = Clocks(offset: random.next() % (1 << 60), lag: random.next() % 4_000_000)
            let wallRead = random.next() % (1 << 50) + 10 * slice
            let monotonicRead =
                wallRead + (random.next() % 4 == 0 ? random.next() % (2 * slice) : random.next() % 1_000_000)
            let now = clocks.coarse(at: monotonicRead)
            let epoch = now / slice
            guard
                let hint = WallSecondHint.hint(
                    wall: clocks.wall(at: wallRead), now: now, epoch: epoch, sliceNanoseconds: slice)
            else {
                // Only when under a second of the slice is left.
                #expect((epoch + 1) * slice - now < 1_000_000_000 + 1)
                continue
            }
            for _ in 0..<20 {
                let record = monotonicRead + random.next() % (2 * slice + 2_000_000_000)
                guard let found = WallSecondHint.epoch(hint, wall: clocks.wall(at: record), sliceSeconds: sliceSeconds)
                else { continue }
                hinted += 1
                #expect(found == clocks.coarse(at: record) / slice)
                #expect(found == record / slice || found + 1 == record / slice)
            }
        }
        #expect(hinted > 1_000)
    }

    /// A wall clock stepped back by more than a slice is noticed at once; forward steps
    /// always are.
    @Test func aSteppedWallClockIsRechecked() {
        let slice: UInt64 = 60_000_000_000
        let hint = WallSecondHint.hint(wall: 1_000_000, now: 600 * slice + 1, epoch: 600, sliceNanoseconds: slice)
        #expect(hint != nil)
        guard let hint else { return }
        #expect(WallSecondHint.epoch(hint, wall: 1_000_000, sliceSeconds: 60) == 600)
        #expect(WallSecondHint.epoch(hint, wall: 1_000_000 + 58, sliceSeconds: 60) == 600)
        #expect(WallSecondHint.epoch(hint, wall: 1_000_000 + 59, sliceSeconds: 60) == nil)
        #expect(WallSecondHint.epoch(hint, wall: 1_000_000 + 3_600, sliceSeconds: 60) == nil)
        // nextCheck is 1_000_059: a step back to nextCheck - 61 is tolerated (records stay in
        // the slice until the wall clock reaches nextCheck again); one further is noticed.
        #expect(WallSecondHint.epoch(hint, wall: 1_000_059 - 61, sliceSeconds: 60) == 600)
        #expect(WallSecondHint.epoch(hint, wall: 1_000_059 - 62, sliceSeconds: 60) == nil)
        #expect(WallSecondHint.epoch(0, wall: 1_000_000, sliceSeconds: 60) == nil)
        #expect(WallSecondHint.epoch(0, wall: 0, sliceSeconds: 60) == nil)
        // Nothing is stored with under a second left, nor past 32-bit seconds.
        #expect(
            WallSecondHint.hint(wall: 5, now: 601 * slice - 999_999_999, epoch: 600, sliceNanoseconds: slice) == nil)
        #expect(WallSecondHint.hint(wall: 1 << 32, now: 600 * slice, epoch: 600, sliceNanoseconds: slice) == nil)
    }

    /// With the system clock (the shortcut in use for the default window), two threads lose
    /// no count and no sum, and every value is in the window.
    @Test func twoThreadsOnTheSystemClockLoseNoCount() {
        let latency = PmfStat()
        let perThread = 200_000
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for _ in 0..<perThread { latency.record(Double(thread + 1) * 0.001) }
        }
        let figures = latency.figures
        #expect(figures.count == 2 * perThread)
        #expect(figures.windowCount == 2 * perThread)
        #expect(abs(figures.sum - Double(perThread) * 0.003) < 1e-6 * Double(perThread))
        #expect(figures.min == 0.001)
        #expect(figures.max == 0.002)
    }

    /// Short slices keep reading the coarse monotonic clock: values still land in the window,
    /// and leave it when it has passed.
    ///
    /// A 1 s window (slices of 200 ms, under the 2 s the wall-clock shortcut needs) keeps a value
    /// at least 800 ms: room for a busy machine between the record and the read, where a 50 ms
    /// window left 40 ms.
    @Test func aShortWindowOnTheSystemClockExpires() async throws {
        let latency = PmfStat(window: .seconds(1))
        latency.record(0.5)
        #expect(latency.figures.windowCount == 1)
        try await Task.sleep(for: .milliseconds(1_100))
        #expect(latency.figures.windowCount == 0)
        #expect(latency.figures.count == 1)
    }
}
