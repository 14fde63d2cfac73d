import Synchronization

import ScalesPlatform

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
        (0..<2 * NativeGrid.octaves).compactMap { UnsafeMutableRawPointer(bitPattern: pages[unchecked: $0].pointee.load(ordering: .acquiring)) }
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
            if let hinted = WallSecondHint.epoch(wallHint.load(ordering: .relaxed), wall: wall, sliceSeconds: wallSliceSeconds) {
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

    // MARK: Stripes

    /// The counters of one stripe's row of extension `extensionPage` (see ``PmfStripes``).
    func stripeRow(_ extensionPage: UInt, stripe: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        Self.counters(extensionPage &+ UInt(stripe &* stripeRowBytes))
    }

    /// The bytes of one stripe's counters in an extension page: `5 × 2^s` counters, rounded up
    /// to whole ``Stripes/stride``s so that no two stripes share a cache line.
    var stripeRowBytes: Int {
        (4 * Self.slotCount * bucketsPerOctave + Stripes.stride - 1) / Stripes.stride * Stripes.stride
    }

    /// The stripes, allocated (and published) on first use.
    func stripesBlock() -> PmfStripes {
        let block = stripes.load(ordering: .acquiring)
        if block != 0 { return PmfStripes(block) }
        return PmfStripes(Stripes.publish(PmfStripes.allocate(), in: stripes))
    }

    /// The extension of page `index`: every stripe's rows (allocated on first use).
    func extensionPage(_ index: Int, of block: PmfStripes) -> UInt {
        let current = block.extensions[index].load(ordering: .acquiring)
        if current != 0 { return current }
        let bytes = stripeRowBytes * Stripes.count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Stripes.stride)
        let counters = raw.bindMemory(to: Atomic<UInt32>.self, capacity: bytes / 4)
        for k in 0..<bytes / 4 { (counters + k).initialize(to: Atomic(0)) }
        return Stripes.publish(raw, in: block.extensions[index])
    }

    /// Records a value in slot `slot` of the calling thread's stripe: a record whose
    /// compare-and-swap on the shared sum failed, or any record once the stripes exist.
    @usableFromInline @inline(never)
    func recordStriped(_ value: Double, slot: Int) {
        let block = stripesBlock()
        // The sum picks the stripe: the thread's own, or the next free one if another thread
        // shares it (a failed compare-and-swap), as striped ints do.
        var stripe = Stripes.index(probe: Stripes.threadProbe())
        var added = false
        for _ in 0..<Stripes.count {
            if block.tryAdd(value, stripe: stripe, slot: slot) {
                added = true
                break
            }
            stripe = (stripe &+ 1) & (Stripes.count &- 1)
        }
        if !added { block.sum(stripe: stripe, slot: slot).pointee.addDouble(value) }
        let bits = value.bitPattern
        var position = grid.finestIndex(bits) &>> (NativeGrid.finestSchema &- schema)
        if position < 0 {
            block.zeros(stripe: stripe, slot: slot).pointee.wrappingAdd(1, ordering: .relaxed)
        } else {
            // Beyond 2^64 (which PmfStat drops before it gets here): the top bucket.
            position = Swift.min(position, NativeGrid.octaves &<< schema &- 1)
            let index = position &>> schema | Int(truncatingIfNeeded: bits >> 63) &<< 7
            // The base page first: reads and rotations find octaves by their base pages.
            if pages[unchecked: index].pointee.load(ordering: .acquiring) == 0 { _ = allocatePage(index) }
            let row = stripeRow(extensionPage(index, of: block), stripe: stripe)
            row[slot &<< schema | position & (bucketsPerOctave &- 1)].wrappingAdd(1, ordering: .relaxed)
        }
        slots[slot].addToRange(value)
    }

    /// Gives the histogram its stripes now, as contention would (for tests of striped pmfs).
    func spread() {
        _ = stripesBlock()
    }

    /// Stripes in use: 0 until two threads are seen recording at once.
    var stripeCount: Int {
        stripes.load(ordering: .relaxed) == 0 ? 0 : Stripes.count
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
                    sum += Double(bitPattern: block.sum(stripe: stripe, slot: slot).pointee.exchange(0.0.bitPattern, ordering: .relaxed))
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

    // MARK: Reading

    /// One bucket of the merged window: the value reported for it, and its weight.
    struct Entry {
        var value: Double
        var weight: Double
    }

    /// What a read sees: all-time totals and buckets, and the window's weighted buckets.
    struct Contents {
        var count = 0
        var sum = 0.0
        var windowCount = 0
        var weightedSum = 0.0
        var weightedCount = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        /// Sorted by value, values clamped to `minimum...maximum`; one per non-empty bucket of
        /// the window (its slices merged).
        var entries: [Entry] = []
        var totalWeight = 0.0
        /// All-time counts per bucket (when asked for).
        var zeroCount = 0
        var positive: [NativeBucket] = []
        var negative: [NativeBucket] = []

        var isEmpty: Bool { windowCount == 0 || weightedCount <= 0 || minimum > maximum || entries.isEmpty }

        /// Nearest-rank quantiles of the weighted window, or `nil` when it is empty.
        func quantiles(_ qs: [Double]) -> [Double]? {
            isEmpty ? nil : WindowedHistogram.quantiles(qs, of: entries, totalWeight: totalWeight)
        }
    }

    /// Reads the all-time totals (and, with `buckets`, the all-time counts per bucket) and the
    /// window at `now`.
    func contents(at now: UInt64, buckets: Bool) -> Contents {
        let nowEpoch = now / sliceNanoseconds
        var contents = Contents()
        let n = bucketsPerOctave
        let block = stripes.load(ordering: .acquiring)
        let striped = block == 0 ? nil : PmfStripes(block)
        // A slot's sum and zero count: the shared ones plus every stripe's.
        func slotSum(_ slot: Int) -> Double {
            var sum = Double(bitPattern: slots[slot].sum.load(ordering: .relaxed))
            if let striped {
                for stripe in 0..<Stripes.count {
                    sum += Double(bitPattern: striped.sum(stripe: stripe, slot: slot).pointee.load(ordering: .relaxed))
                }
            }
            return sum
        }
        func slotZeros(_ slot: Int) -> Int {
            var zeros = Int(slots[slot].zeros.load(ordering: .relaxed))
            if let striped {
                for stripe in 0..<Stripes.count {
                    zeros &+= Int(striped.zeros(stripe: stripe, slot: slot).pointee.load(ordering: .relaxed))
                }
            }
            return zeros
        }
        // A bucket's count in a slot: the page's plus every stripe's row of its extension.
        func count(_ counters: UnsafeMutablePointer<Atomic<UInt32>>, extensionPage: UInt, slot: Int, bucket: Int) -> UInt32 {
            var total = counters[slot * n + bucket].load(ordering: .relaxed)
            guard extensionPage != 0 else { return total }
            for stripe in 0..<Stripes.count {
                total &+= stripeRow(extensionPage, stripe: stripe)[slot * n + bucket].load(ordering: .relaxed)
            }
            return total
        }
        retired.withLock { totals in
            // Each slot's weight in the window (0: not in it), read once.
            var weights = InlineArray<5, Double>(repeating: 0)
            var heaviest = 0.0
            var sum = totals.sum
            for index in 0..<Self.slotCount {
                let tag = slots[index].tag.load(ordering: .acquiring)
                guard tag != 0 else { continue }
                sum += slotSum(index)
                let epoch = tag &- 1
                guard epoch &+ UInt64(Self.slotCount) > nowEpoch && epoch <= nowEpoch &+ 1 else { continue }
                // Age of the slice's middle (the current slice: the middle of what has passed).
                let start = epoch &* sliceNanoseconds
                let end = Swift.min(start &+ sliceNanoseconds, Swift.max(now, start))
                let middle = Double(start) / 2 + Double(end) / 2
                let age = Swift.max(0, Double(now) - middle)
                weights[index] = exp2(-age / Double(sliceNanoseconds))
                heaviest = Swift.max(heaviest, weights[index])
            }
            var live = false
            for index in 0..<Self.slotCount where weights[index] > 0 {
                weights[index] /= heaviest
                live = true
            }
            // The pages, read once so that the entries fit the capacity computed from them.
            var addresses = InlineArray<256, UInt>(repeating: 0)
            var extensions = InlineArray<256, UInt>(repeating: 0)
            var pageCount = 0
            for index in 0..<2 * NativeGrid.octaves {
                addresses[index] = pages[unchecked: index].pointee.load(ordering: .acquiring)
                if addresses[index] != 0 { pageCount += 1 }
                if let striped { extensions[index] = striped.extensions[index].load(ordering: .acquiring) }
            }
            var slotCounts = InlineArray<5, Int>(repeating: 0)
            var allCount = totals.count
            var entries: [Entry] = []
            var positive: [NativeBucket] = []
            var negative: [NativeBucket] = []
            let midpoints = NativeGrid.midpoints[schema]
            // One bucket: its counts in every slot, its entry if the window holds some of it,
            // its all-time count.
            func visit(
                _ counts: (Int) -> UInt32, allTime: Int, value: Double, index: Int, into list: inout [NativeBucket],
                _ emit: (Entry) -> Void
            ) {
                var total = allTime
                var weight = 0.0
                for slot in 0..<Self.slotCount {
                    let c = Int(counts(slot))
                    guard c != 0 else { continue }
                    total &+= c
                    slotCounts[slot] &+= c
                    weight += weights[slot] * Double(c)
                }
                allCount &+= total &- allTime
                if weight > 0 { emit(Entry(value: value, weight: weight)) }
                if buckets && total > 0 { list.append(NativeBucket(index: index, count: total)) }
            }
            func walk(emit: (Entry) -> Void) {
                // Negative values by descending magnitude, the zero bucket, positive ascending.
                for octave in stride(from: NativeGrid.octaves - 1, through: 0, by: -1) {
                    let page = addresses[1 << 7 | octave]
                    guard page != 0 else { continue }
                    let counters = Self.counters(page)
                    let extensionPage = extensions[1 << 7 | octave]
                    let allTime = allTime(page)
                    let scale = -exp2(Double(octave + NativeGrid.lowestExponent))
                    for bucket in stride(from: n - 1, through: 0, by: -1) {
                        visit(
                            { count(counters, extensionPage: extensionPage, slot: $0, bucket: bucket) }, allTime: Int(allTime[bucket]),
                            value: scale * midpoints[bucket], index: (octave + NativeGrid.lowestExponent) * n + bucket + 1,
                            into: &negative, emit)
                    }
                }
                var zeros = totals.zeros
                var zeroWeight = 0.0
                for slot in 0..<Self.slotCount {
                    let c = slotZeros(slot)
                    zeros &+= c
                    slotCounts[slot] &+= c
                    zeroWeight += weights[slot] * Double(c)
                }
                allCount &+= zeros &- totals.zeros
                contents.zeroCount = zeros
                if zeroWeight > 0 { emit(Entry(value: 0, weight: zeroWeight)) }
                for octave in 0..<NativeGrid.octaves {
                    let page = addresses[octave]
                    guard page != 0 else { continue }
                    let counters = Self.counters(page)
                    let extensionPage = extensions[octave]
                    let allTime = allTime(page)
                    let scale = exp2(Double(octave + NativeGrid.lowestExponent))
                    for bucket in 0..<n {
                        visit(
                            { count(counters, extensionPage: extensionPage, slot: $0, bucket: bucket) }, allTime: Int(allTime[bucket]),
                            value: scale * midpoints[bucket], index: (octave + NativeGrid.lowestExponent) * n + bucket + 1,
                            into: &positive, emit)
                    }
                }
            }
            if live {
                entries = [Entry](unsafeUninitializedCapacity: pageCount * n + 1) { buffer, filled in
                    walk { entry in
                        buffer.initializeElement(at: filled, to: entry)
                        filled += 1
                    }
                }
            } else {
                walk { _ in }
            }
            contents.count = allCount
            contents.sum = sum
            contents.positive = positive
            contents.negative = negative.reversed()
            contents.entries = entries
            for slot in 0..<Self.slotCount where weights[slot] > 0 && slotCounts[slot] > 0 {
                let weight = weights[slot]
                let s = slotSum(slot)
                contents.windowCount &+= slotCounts[slot]
                contents.weightedSum += weight * s
                contents.weightedCount += weight * Double(slotCounts[slot])
                contents.minimum = Swift.min(contents.minimum, Double(bitPattern: slots[slot].minimum.load(ordering: .relaxed)))
                contents.maximum = Swift.max(contents.maximum, Double(bitPattern: slots[slot].maximum.load(ordering: .relaxed)))
            }
        }
        guard !contents.isEmpty else { return contents }
        // Clamp to the exact range (monotonic, so the order is kept) and total the weights.
        let (minimum, maximum) = (contents.minimum, contents.maximum)
        contents.totalWeight = contents.entries.withUnsafeMutableBufferPointer { entries in
            var total = 0.0
            for index in entries.indices {
                entries[index].value = Swift.min(Swift.max(entries[index].value, minimum), maximum)
                total += entries[index].weight
            }
            return total
        }
        return contents
    }

    /// All-time count and sum (and, with `buckets`, the all-time counts on the grid), and the
    /// figures of the window at `now`.
    func figures(at now: UInt64, buckets: Bool = true) -> PmfSnapshot {
        let contents = contents(at: now, buckets: buckets)
        var result = PmfSnapshot(count: contents.count, sum: contents.sum, windowCount: contents.windowCount)
        if buckets {
            result.buckets = NativeHistogram(
                schema: schema, zeroThreshold: NativeGrid.zeroThreshold, zeroCount: contents.zeroCount,
                count: contents.count, sum: contents.sum, positive: contents.positive, negative: contents.negative)
        }
        guard !contents.isEmpty else { return result }
        let mean = Swift.min(Swift.max(contents.weightedSum / contents.weightedCount, contents.minimum), contents.maximum)
        // The reported quantiles and the variance, in one pass with no arrays.
        var quantiles = InlineArray<6, Double>(repeating: 0)
        let targets: InlineArray<6, Double> = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999]
        var variance = 0.0
        Self.walk(contents.entries, totalWeight: contents.totalWeight, targets: 6) { targets[$0] } visit: { entry in
            let d = entry.value - mean
            variance += entry.weight * d * d
        } found: {
            quantiles[$0] = $1
        }
        result.min = contents.minimum
        result.max = contents.maximum
        result.mean = mean
        result.stddev = (variance / contents.totalWeight).squareRoot()
        result.median = quantiles[0]
        result.p75 = quantiles[1]
        result.p95 = quantiles[2]
        result.p98 = quantiles[3]
        result.p99 = quantiles[4]
        result.p999 = quantiles[5]
        return result
    }

    /// Nearest-rank quantiles of sorted, weighted entries: the first entry whose cumulative
    /// weight reaches `q × totalWeight`.
    static func quantiles(_ qs: [Double], of entries: [Entry], totalWeight: Double) -> [Double] {
        var result = [Double](repeating: 0, count: qs.count)
        let order = qs.indices.sorted { qs[$0] < qs[$1] }
        walk(entries, totalWeight: totalWeight, targets: qs.count) { qs[order[$0]] } visit: { _ in } found: {
            result[order[$0]] = $1
        }
        return result
    }

    /// The nearest-rank rule, in one pass over sorted, weighted entries: `visit` sees every
    /// entry in order, and `found(i, value)` reports the first entry whose cumulative weight
    /// reaches `target(i) × totalWeight` (the last entry for a target not reached), for
    /// `target(i)` ascending in `i`.
    @inline(__always)
    static func walk(
        _ entries: [Entry], totalWeight: Double, targets count: Int, target: (Int) -> Double,
        visit: (Entry) -> Void, found: (Int, Double) -> Void
    ) {
        entries.withUnsafeBufferPointer { entries in
            var cumulative = 0.0
            var next = 0
            let last = entries.count - 1
            for index in entries.indices {
                let entry = entries[index]
                visit(entry)
                cumulative += entry.weight
                while next < count, cumulative >= target(next) * totalWeight || index == last {
                    found(next, entry.value)
                    next += 1
                }
            }
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

/// One time slice of a ``WindowedHistogram``: its tag, sum, range and zero bucket (its other
/// counters are rows of the histogram's pages).
@usableFromInline
struct HistogramSlot: ~Copyable, Sendable {
    /// `epoch + 1`; 0 when never used.
    @usableFromInline let tag = Atomic<UInt64>(0)
    /// Sum of the slice's values (Double bits).
    @usableFromInline let sum = Atomic<UInt64>(0.0.bitPattern)
    @usableFromInline let minimum = Atomic<UInt64>(Double.infinity.bitPattern)
    @usableFromInline let maximum = Atomic<UInt64>((-Double.infinity).bitPattern)
    /// Values with magnitudes up to the zero threshold.
    @usableFromInline let zeros = Atomic<UInt32>(0)

    init() {}

    /// Adds `value` to the sum.
    @inlinable @inline(__always)
    func addToSum(_ value: Double) {
        var old = sum.load(ordering: .relaxed)
        while true {
            let (exchanged, current) = sum.weakCompareExchange(
                expected: old, desired: (Double(bitPattern: old) + value).bitPattern,
                successOrdering: .relaxed, failureOrdering: .relaxed)
            if exchanged { break }
            old = current
        }
    }

    /// Adds `value` to the sum with one compare-and-swap; `false` if another thread changed
    /// the sum first (the caller then records in its stripe).
    @inlinable @inline(__always)
    func tryAddToSum(_ value: Double) -> Bool {
        let old = sum.load(ordering: .relaxed)
        return sum.compareExchange(
            expected: old, desired: (Double(bitPattern: old) + value).bitPattern, ordering: .relaxed
        ).exchanged
    }

    /// Widens the minimum and maximum to `value` (two loads, unless it is a new extreme).
    @inlinable @inline(__always)
    func addToRange(_ value: Double) {
        var low = minimum.load(ordering: .relaxed)
        while value < Double(bitPattern: low) {
            let (exchanged, current) = minimum.weakCompareExchange(
                expected: low, desired: value.bitPattern, successOrdering: .relaxed, failureOrdering: .relaxed)
            if exchanged { break }
            low = current
        }
        var high = maximum.load(ordering: .relaxed)
        while value > Double(bitPattern: high) {
            let (exchanged, current) = maximum.weakCompareExchange(
                expected: high, desired: value.bitPattern, successOrdering: .relaxed, failureOrdering: .relaxed)
            if exchanged { break }
            high = current
        }
    }
}

/// The stripes of a ``WindowedHistogram`` (see its "Stripes"), in one block allocated by the
/// first record that found the sum contended: the address of each page's extension (256
/// words, 2 KiB), then one ``Stripes/stride`` per stripe holding its 5 slice sums and 5 zero
/// counts. An extension page holds every stripe's `5 × 2^s` counters (1,280 bytes per stripe
/// at the default schema 6), allocated by the first striped record of its octave.
struct PmfStripes {
    let base: UInt

    init(_ base: UInt) {
        self.base = base
    }

    static var headerBytes: Int { 2 * NativeGrid.octaves * MemoryLayout<UInt>.stride }

    /// A zeroed block.
    static func allocate() -> UnsafeMutableRawPointer {
        let bytes = headerBytes + Stripes.count * Stripes.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Stripes.stride)
        let table = raw.bindMemory(to: Atomic<UInt>.self, capacity: 2 * NativeGrid.octaves)
        for index in 0..<2 * NativeGrid.octaves { (table + index).initialize(to: Atomic(0)) }
        for stripe in 0..<Stripes.count {
            let cell = raw + headerBytes + stripe * Stripes.stride
            let sums = cell.bindMemory(to: Atomic<UInt64>.self, capacity: WindowedHistogram.slotCount)
            for slot in 0..<WindowedHistogram.slotCount { (sums + slot).initialize(to: Atomic(0.0.bitPattern)) }
            let zeros = (cell + 8 * WindowedHistogram.slotCount).bindMemory(to: Atomic<UInt32>.self, capacity: WindowedHistogram.slotCount)
            for slot in 0..<WindowedHistogram.slotCount { (zeros + slot).initialize(to: Atomic(0)) }
        }
        return raw
    }

    /// The extension addresses, by page index.
    var extensions: UnsafeMutablePointer<Atomic<UInt>> {
        UnsafeMutablePointer<Atomic<UInt>>(bitPattern: base).unsafelyUnwrapped
    }

    /// Stripe `stripe`'s sum of slot `slot` (a Double's bits).
    func sum(stripe: Int, slot: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: base &+ UInt(Self.headerBytes &+ stripe &* Stripes.stride &+ 8 &* slot))
            .unsafelyUnwrapped
    }

    /// Stripe `stripe`'s zero count of slot `slot`.
    func zeros(stripe: Int, slot: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        UnsafeMutablePointer<Atomic<UInt32>>(
            bitPattern: base &+ UInt(Self.headerBytes &+ stripe &* Stripes.stride &+ 8 &* WindowedHistogram.slotCount &+ 4 &* slot)
        ).unsafelyUnwrapped
    }

    /// Adds `value` to a stripe's sum with one compare-and-swap; `false` if it was contended.
    func tryAdd(_ value: Double, stripe: Int, slot: Int) -> Bool {
        let cell = sum(stripe: stripe, slot: slot)
        let old = cell.pointee.load(ordering: .relaxed)
        return cell.pointee.compareExchange(
            expected: old, desired: (Double(bitPattern: old) + value).bitPattern, ordering: .relaxed
        ).exchanged
    }

    /// Frees the extension pages and the block.
    func deallocate() {
        for index in 0..<2 * NativeGrid.octaves {
            UnsafeMutableRawPointer(bitPattern: extensions[index].load(ordering: .acquiring))?.deallocate()
        }
        UnsafeMutableRawPointer(bitPattern: base)?.deallocate()
    }
}
