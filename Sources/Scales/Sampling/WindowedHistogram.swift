public import Synchronization

/// The estimator behind a ``PmfStat``: per time slice, counts on an exact native-histogram
/// grid (``NativeGrid``), in lazily allocated pages, updated with relaxed atomic adds.
///
/// **Time slices.** The window `W` is cut into 5 slices of `W / 5` (1 minute by default). The
/// ring holds the current slice and the 4 before it, so the figures cover between `4/5·W` and
/// `W` of history; a slice older than that is cleared (its counts folded into the all-time
/// totals, per bucket) by the first record that needs its slot. Once nothing has been recorded
/// for `W`, the window is empty.
///
/// **Weighting.** Within the window, recent slices count more: a slice's weight halves for
/// every `W / 5` of age (measured to the slice's middle), so after a change in behaviour the
/// figures follow within a slice or two, as scales' exponentially biased sample does, while
/// nothing older than `W` counts at all. `windowCount`, `min` and `max` are not weighted.
///
/// **Buckets.** Every slice counts on the same grid: the buckets of the Prometheus schema
/// `schema` (`2^schema` per power of two) over magnitudes `(2^-64, 2^64]`, positive and
/// negative values apart, and a zero bucket for magnitudes up to `2^-64`. Nothing depends on
/// the order of the values: every value is in its exact bucket, and a percentile is reported
/// as the geometric midpoint of the bucket that holds the exact nearest-rank value, clamped to
/// the window's exact `min` and `max`: within `2^(1/2^(s+1)) - 1` of it (0.543% for schema 6).
///
/// **Memory.** Counters live in *pages*, one per octave and sign, shared by the 5 slices:
/// `5 × 2^s` `UInt32` counters (one row per slice) and `2^s` `UInt64` all-time totals (written
/// under the lock only) — 1,792 bytes at schema 6. The pmf holds a table of 256 page addresses
/// (2 KiB); a page is allocated by the first value of its octave, published with a
/// compare-and-swap (a thread that loses the race frees its page), and kept until the pmf is
/// freed, so recording allocates nothing once a value's octave has been seen, and a pmf whose
/// values span `k` octaves holds `k` pages.
///
/// **Concurrency.** Recording is a few relaxed atomic operations on this stat's own memory;
/// only clearing an expired slice (once per slice), allocating a page (once per octave) and
/// reading take this stat's lock or allocate. The all-time count is exact under any number of
/// threads.
///
/// **Stripes.** The slice's sum is updated with a compare-and-swap; the first one that fails
/// (another thread recorded in between) gives the histogram its stripes (``PmfStripes``),
/// and from then on each record goes to its thread's stripe (see ``Stripes``): a sum and a
/// zero count per slice, and a row of counters per slice on each page, in an *extension* of
/// the page allocated by the first striped record of its octave. A read adds the stripes to
/// the counts it always reads; a rotation folds them into the all-time totals with the rest.
/// The range (`min`, `max`) and the slice tags stay shared: records only read them, but for a
/// new extreme.
///
/// **Inlining.** ``PmfStat/record(_:)`` is inlinable, so the record path (down to
/// ``HistogramSlot`` and ``NativeGrid``) is `@usableFromInline`. Its constants are computed
/// properties, which fold in the caller (a `static let` would be a lazily initialized global
/// there); the grid's tables are reached through pointers stored in the histogram.
@usableFromInline
struct WindowedHistogram: ~Copyable, Sendable {
    @inlinable static var slotCount: Int { 5 }

    struct Totals {
        /// Values in cleared slices.
        var count = 0
        var sum = 0.0
        /// Values of cleared slices in the zero bucket.
        var zeros = 0
    }

    @usableFromInline let sliceNanoseconds: UInt64
    /// Whole seconds per slice when records find their slice with the wall clock's seconds
    /// (see ``WallSecondHint``); 0 when every record reads the clock it was given.
    @usableFromInline let wallSliceSeconds: UInt64
    /// The Prometheus schema of the grid, `0...8`.
    @usableFromInline let schema: Int
    @usableFromInline let grid: NativeGrid
    @usableFromInline let slots: InlineArray<5, HistogramSlot>
    /// The address of each page (0: not allocated yet), at `negative << 7 | octave`.
    @usableFromInline let pages: PageTable
    let retired: Lock<Totals>
    /// The slice of the latest record, a hint that spares most records a division.
    @usableFromInline let latestEpoch = Atomic<UInt64>(0)
    /// The ``WallSecondHint`` of the latest monotonic reading on the record path (0: none).
    @usableFromInline let wallHint = Atomic<UInt64>(0)
    /// The address of the ``PmfStripes`` block; 0 until the first contention.
    @usableFromInline let stripes = Atomic<UInt>(0)

    /// - Parameters:
    ///   - schema: The grid's schema, already in `0...8`.
    ///   - systemClock: Whether the stat's clock is ``SystemClock`` (only then may records use
    ///     the wall clock's seconds).
    init(window: Duration, schema: Int, systemClock: Bool) {
        let slice = Swift.max(1_000_000, window.clampedNanoseconds / UInt64(Self.slotCount))
        // No branch in this initializer: with one (an `&&` or `?:` between the stored
        // properties' initializations), Swift 6.3.1 -O destroys the uninitialized `slots` and
        // `retired` on each path, releasing garbage.
        sliceNanoseconds = slice
        wallSliceSeconds = Self.wallSliceSeconds(slice: slice, systemClock: systemClock)
        self.schema = schema
        grid = NativeGrid.shared
        slots = InlineArray { _ in HistogramSlot() }
        pages = PageTable()
        retired = Lock(Totals())
    }

    deinit {
        for page in 0..<2 * NativeGrid.octaves {
            UnsafeMutableRawPointer(bitPattern: pages[unchecked: page].pointee.load(ordering: .acquiring))?.deallocate()
        }
        pages.deallocate()
        let block = stripes.load(ordering: .acquiring)
        if block != 0 { PmfStripes(block).deallocate() }
    }

    /// Whole seconds per slice if records may find their slice by the wall clock's seconds,
    /// else 0.
    static func wallSliceSeconds(slice: UInt64, systemClock: Bool) -> UInt64 {
        #if os(Linux)
        // Only Linux is known to advance the wall and monotonic clocks at the same rate.
        return systemClock && slice >= WallSecondHint.minimumSliceNanoseconds ? slice / 1_000_000_000 : 0
        #else
        return 0
        #endif
    }

    // MARK: Pages

    /// Buckets per octave, `2^schema`.
    @inlinable var bucketsPerOctave: Int { 1 &<< schema }

    /// Where a page's all-time totals start: after its `5 × 2^s` counters, 8-aligned.
    var allTimeOffset: Int { (4 * Self.slotCount * bucketsPerOctave + 7) & ~7 }

    /// The size of one page.
    var pageBytes: Int { allTimeOffset + 8 * bucketsPerOctave }

    /// The counters of a page: slot `k`'s row is `k·2^s ..< (k+1)·2^s`.
    @inlinable @inline(__always)
    static func counters(_ page: UInt) -> UnsafeMutablePointer<Atomic<UInt32>> {
        UnsafeMutablePointer<Atomic<UInt32>>(bitPattern: page).unsafelyUnwrapped
    }

    /// The all-time totals of a page (only touched under the lock).
    func allTime(_ page: UInt) -> UnsafeMutablePointer<UInt64> {
        UnsafeMutablePointer<UInt64>(bitPattern: page &+ UInt(allTimeOffset)).unsafelyUnwrapped
    }

    /// Allocates page `index` (zeroed) and publishes it, unless another thread did first;
    /// returns the page in place.
    @usableFromInline @inline(never)
    func allocatePage(_ index: Int) -> UInt {
        let n = bucketsPerOctave
        let raw = UnsafeMutableRawPointer.allocate(byteCount: pageBytes, alignment: 8)
        let counters = raw.bindMemory(to: Atomic<UInt32>.self, capacity: Self.slotCount * n)
        for k in 0..<Self.slotCount * n { (counters + k).initialize(to: Atomic(0)) }
        (raw + allTimeOffset).bindMemory(to: UInt64.self, capacity: n).initialize(repeating: 0, count: n)
        // Releasing: a thread that finds the address sees the zeroed page.
        let (won, current) = pages[unchecked: index].pointee.compareExchange(
            expected: 0, desired: UInt(bitPattern: raw), successOrdering: .releasing, failureOrdering: .acquiring)
        if won { return UInt(bitPattern: raw) }
        raw.deallocate()
        return current
    }

    /// The number of pages allocated, and their addresses (for tests that measure memory).
    var pageAddresses: [UnsafeMutableRawPointer] {
        (0..<2 * NativeGrid.octaves).compactMap {
            UnsafeMutableRawPointer(bitPattern: pages[unchecked: $0].pointee.load(ordering: .acquiring))
        }
    }

    // MARK: Recording

    /// Records a value with `|value| <= 2^64` now, by `clock`: with the system clock and
    /// slices of at least 2 s, in the slice ``WallSecondHint`` finds from the wall clock's
    /// seconds (most records then read no monotonic clock at all), else in the slice of
    /// `clock`'s coarse reading.
    @inlinable @inline(__always)
    func record(_ value: Double, clock: ClockReader) {
        let epoch: UInt64
        if wallSliceSeconds != 0 {
            let wall = SystemClock.wallSeconds()
            if let hinted = WallSecondHint.epoch(
                wallHint.load(ordering: .relaxed), wall: wall, sliceSeconds: wallSliceSeconds)
            {
                epoch = hinted
            } else {
                epoch = refreshWallHint(wall: wall)
            }
        } else {
            epoch = self.epoch(now: clock)
        }
        record(value, epoch: epoch)
    }

    /// Reads the coarse monotonic clock; returns its slice and stores the hint for it, `wall`
    /// being the wall second read just before.
    @usableFromInline @inline(never)
    func refreshWallHint(wall: UInt64) -> UInt64 {
        let now = SystemClock.coarseNow()
        let epoch = epoch(at: now)
        if let hint = WallSecondHint.hint(wall: wall, now: now, epoch: epoch, sliceNanoseconds: sliceNanoseconds) {
            wallHint.store(hint, ordering: .relaxed)
        }
        return epoch
    }

    /// The slice of `clock`'s coarse reading now (out of line: the clock read needs a stack
    /// buffer, and the common path should not pay for one).
    @usableFromInline @inline(never)
    func epoch(now clock: ClockReader) -> UInt64 {
        epoch(at: clock.coarse())
    }

    /// The slice of `now` (a reading of the stat's clock), without a 64-bit division when it
    /// is the latest one seen.
    @inlinable @inline(__always)
    func epoch(at now: UInt64) -> UInt64 {
        var epoch = latestEpoch.load(ordering: .relaxed)
        if now &- epoch &* sliceNanoseconds >= sliceNanoseconds {
            epoch = now / sliceNanoseconds
            latestEpoch.store(epoch, ordering: .relaxed)
        }
        return epoch
    }

    /// Records a value with `|value| <= 2^64` in the slice of `now` (a reading of the stat's
    /// clock).
    @inlinable @inline(__always)
    func record(_ value: Double, at now: UInt64) {
        record(value, epoch: epoch(at: now))
    }

    /// Records a value with `|value| <= 2^64` in slice `epoch`.
    ///
    /// The sum's compare-and-swap goes first, so that the bucket is found while it completes.
    /// Every index is in range by construction (`slot < 5`, a position checked against the
    /// tracked range, so `octave < 128`), hence the unchecked subscripts.
    @inlinable @inline(__always)
    func record(_ value: Double, epoch: UInt64) {
        let slot = Int(truncatingIfNeeded: epoch % UInt64(Self.slotCount))
        if slots[unchecked: slot].tag.load(ordering: .acquiring) != epoch &+ 1 { rotate(slot, to: epoch) }
        // One compare-and-swap on the sum; if it fails (or the stripes exist), the whole
        // record goes to the thread's stripe instead.
        guard stripes.load(ordering: .relaxed) == 0, slots[unchecked: slot].tryAddToSum(value) else {
            return recordStriped(value, slot: slot)
        }
        let bits = value.bitPattern
        let position = grid.finestIndex(bits) &>> (NativeGrid.finestSchema &- schema)
        if UInt(bitPattern: position) < UInt(bitPattern: NativeGrid.octaves &<< schema) {
            let index = position &>> schema | Int(truncatingIfNeeded: bits >> 63) &<< 7
            var page = pages[unchecked: index].pointee.load(ordering: .acquiring)
            if page == 0 { page = allocatePage(index) }
            Self.counters(page)[slot &<< schema | position & (bucketsPerOctave &- 1)].wrappingAdd(1, ordering: .relaxed)
        } else {
            recordOutsideGrid(bits, slot: slot)
        }
        slots[unchecked: slot].addToRange(value)
    }

    /// Counts a value off the tracked grid: in the zero bucket (magnitudes up to `2^-64`), or,
    /// beyond `2^64` (which ``PmfStat`` drops before they get here), in the top bucket.
    @usableFromInline @inline(never)
    func recordOutsideGrid(_ bits: UInt64, slot: Int) {
        if grid.finestIndex(bits) < 0 {
            slots[slot].zeros.wrappingAdd(1, ordering: .relaxed)
        } else {
            let position = NativeGrid.octaves &<< schema &- 1
            let index = position >> schema | Int(truncatingIfNeeded: bits >> 63) << 7
            var page = pages[unchecked: index].pointee.load(ordering: .acquiring)
            if page == 0 { page = allocatePage(index) }
            Self.counters(page)[slot << schema | position & (bucketsPerOctave - 1)].wrappingAdd(1, ordering: .relaxed)
        }
    }

    // MARK: Rotation

    /// Clears the slot for `epoch`, folding what it held into the all-time totals.
    @usableFromInline @inline(never)
    func rotate(_ slot: Int, to epoch: UInt64) {
        retired.withLock { totals in
            // Another thread got here first, or (a stale clock reading) the slot is newer.
            if slots[slot].tag.load(ordering: .acquiring) >= epoch &+ 1 { return }
            let n = bucketsPerOctave
            let block = stripes.load(ordering: .acquiring)
            let striped = block == 0 ? nil : PmfStripes(block)
            var count = 0
            for index in 0..<2 * NativeGrid.octaves {
                let page = pages[unchecked: index].pointee.load(ordering: .acquiring)
                guard page != 0 else { continue }
                let row = Self.counters(page) + slot * n
                let allTime = allTime(page)
                for bucket in 0..<n where row[bucket].load(ordering: .relaxed) != 0 {
                    let moved = row[bucket].exchange(0, ordering: .relaxed)
                    allTime[bucket] &+= UInt64(moved)
                    count &+= Int(moved)
                }
                guard let block = striped else { continue }
                let extensionPage = block.extensions[index].load(ordering: .acquiring)
                guard extensionPage != 0 else { continue }
                for stripe in 0..<Stripes.count {
                    let row = stripeRow(extensionPage, stripe: stripe) + slot * n
                    for bucket in 0..<n where row[bucket].load(ordering: .relaxed) != 0 {
                        let moved = row[bucket].exchange(0, ordering: .relaxed)
                        allTime[bucket] &+= UInt64(moved)
                        count &+= Int(moved)
                    }
                }
            }
            var zeros = Int(slots[slot].zeros.exchange(0, ordering: .relaxed))
            var sum = Double(bitPattern: slots[slot].sum.exchange(0.0.bitPattern, ordering: .relaxed))
            if let block = striped {
                for stripe in 0..<Stripes.count {
                    zeros &+= Int(block.zeros(stripe: stripe, slot: slot).pointee.exchange(0, ordering: .relaxed))
                    sum += Double(
                        bitPattern: block.sum(stripe: stripe, slot: slot).pointee.exchange(
                            0.0.bitPattern, ordering: .relaxed))
                }
            }
            totals.zeros &+= zeros
            totals.count &+= count &+ zeros
            totals.sum += sum
            slots[slot].minimum.store(Double.infinity.bitPattern, ordering: .relaxed)
            slots[slot].maximum.store((-Double.infinity).bitPattern, ordering: .relaxed)
            slots[slot].tag.store(epoch &+ 1, ordering: .releasing)
        }
    }
}

/// The page addresses of a ``WindowedHistogram``: 256 atomic words in a block of their own.
///
/// Not an `InlineArray` of atomics in the pmf: destroying one calls the unspecialized
/// `Atomic` deinit for each element (about 30 ns each), which made a pmf's creation and
/// removal cost 8 µs; this block is filled with plain stores and freed in one call. Reaching
/// it costs a load of its address, which does not depend on the value being recorded.
@usableFromInline
struct PageTable: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Atomic<UInt>>

    init() {
        base = .allocate(capacity: 2 * NativeGrid.octaves)
        for index in 0..<2 * NativeGrid.octaves { (base + index).initialize(to: Atomic(0)) }
    }

    @inlinable subscript(unchecked index: Int) -> UnsafeMutablePointer<Atomic<UInt>> { base + index }

    /// Frees the block; its atomics need no deinitialization (plain words).
    func deallocate() { base.deallocate() }
}
