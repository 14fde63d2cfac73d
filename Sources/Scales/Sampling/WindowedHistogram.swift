import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The estimator behind a ``PmfStat``: a log-bucket histogram per time slice, in one fixed
/// block of memory, updated with relaxed atomic adds.
///
/// **Time slices.** The window `W` is cut into 5 slices of `W / 5` (1 minute by default). The
/// ring holds the current slice and the 4 before it, so the figures cover between `4/5·W` and
/// `W` of history; a slice older than that is cleared (its counts and sum moved into the
/// all-time totals) by the first record that needs its slot. Once nothing has been recorded
/// for `W`, the window is empty.
///
/// **Weighting.** Within the window, recent slices count more: a slice's weight halves for
/// every `W / 5` of age (measured to the slice's middle), so after a change in behaviour the
/// figures follow within a slice or two, as scales' exponentially biased sample does, while
/// nothing older than `W` counts at all. `windowCount`, `min` and `max` are not weighted.
///
/// **Buckets.** Each slice counts values in ``LogBuckets`` (48 per power of two, reported
/// within 0.78%) over a *core* of 28 powers of two: from 2^-12 to 2^16 times the median of the
/// previous slice (or the slice's first value), of the sign of those values — for a 1 ms
/// timing, 0.24 µs to 65 s. Values outside the core (and of the other sign) are counted per
/// power of two between 2^-64 and 2^64 (clamped beyond); zero has a bucket of its own. A
/// percentile that falls in the core is within 0.78% of the exact sorted value (the
/// nearest-rank percentile of the window); one outside it is only within its power of two.
/// Every reported figure is clamped to the window's exact `min` and `max`.
///
/// **Concurrency.** Recording is a few relaxed atomic operations on this stat's own memory;
/// only clearing an expired slice (once per slice) and reading take this stat's lock. The
/// all-time count is exact under any number of threads.
///
/// **Inlining.** ``PmfStat/record(_:)`` is inlinable, so the record path (down to
/// ``HistogramSlot`` and ``LogBuckets``) is `@usableFromInline`: a call into the module costs
/// about as much as one of its atomic adds. Its constants are computed properties, which fold
/// in the caller (a `static let` would be a lazily initialized global there).
@usableFromInline
struct WindowedHistogram: ~Copyable, Sendable {
    @inlinable static var slotCount: Int { 5 }
    @inlinable static var coreOctaves: Int { 28 }
    /// Octaves of the core below the previous slice's median.
    static let coreOctavesBelowCenter = 12
    @inlinable static var coarseOctaves: Int { 128 }
    @inlinable static var coarseMinExponent: Int { -64 }

    struct Totals {
        var count = 0
        var sum = 0.0
    }

    @usableFromInline let sliceNanoseconds: UInt64
    /// Whole seconds per slice when records find their slice with the wall clock's seconds
    /// (see ``WallSecondHint``); 0 when every record reads the clock it was given.
    @usableFromInline let wallSliceSeconds: UInt64
    @usableFromInline let slots: InlineArray<5, HistogramSlot>
    let retired: Lock<Totals>
    /// The slice of the latest record, a hint that spares most records a division.
    @usableFromInline let latestEpoch = Atomic<UInt64>(0)
    /// The ``WallSecondHint`` of the latest monotonic reading on the record path (0: none).
    @usableFromInline let wallHint = Atomic<UInt64>(0)

    /// - Parameter systemClock: Whether the stat's clock is ``SystemClock`` (only then may
    ///   records use the wall clock's seconds).
    init(window: Duration, systemClock: Bool) {
        let slice = Swift.max(1_000_000, window.clampedNanoseconds / UInt64(Self.slotCount))
        // No branch in this initializer: with one (an `&&` or `?:` between the stored
        // properties' initializations), Swift 6.3.1 -O destroys the uninitialized `slots` and
        // `retired` on each path, releasing garbage.
        sliceNanoseconds = slice
        wallSliceSeconds = Self.wallSliceSeconds(slice: slice, systemClock: systemClock)
        slots = InlineArray { _ in HistogramSlot() }
        retired = Lock(Totals())
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

    // MARK: Recording

    /// Records a finite `value` now, by `clock`: with the system clock and slices of at
    /// least 2 s, in the slice ``WallSecondHint`` finds from the wall clock's seconds (most
    /// records then read no monotonic clock at all), else in the slice of `clock`'s coarse
    /// reading.
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

    /// Records a finite `value` in the slice of `now` (a reading of the stat's clock).
    @inlinable @inline(__always)
    func record(_ value: Double, at now: UInt64) {
        record(value, epoch: epoch(at: now))
    }

    /// Records a finite `value` in slice `epoch`.
    ///
    /// The sum's compare-and-swap goes first, so that the bucket index is computed while it
    /// completes. Every index is in range by construction (`slot < 5`, `octave < 28`,
    /// `bucket < 48`, the clamped coarse exponent), hence the unchecked subscripts.
    @inlinable @inline(__always)
    func record(_ value: Double, epoch: UInt64) {
        let slot = Int(truncatingIfNeeded: epoch % UInt64(Self.slotCount))
        var tag = slots[unchecked: slot].tag.load(ordering: .acquiring)
        if tag >> 16 != epoch &+ 1 { tag = rotate(slot, to: epoch, firstValue: value) }
        slots[unchecked: slot].addToSum(value)
        let bits = value.bitPattern
        if bits << 1 == 0 {
            slots[unchecked: slot].zeros.wrappingAdd(1, ordering: .relaxed)
        } else {
            let (exponent, mantissa) = LogBuckets.decompose(bits)
            let negative = bits >> 63
            let octave = exponent &- (Int(truncatingIfNeeded: tag & 0x7FFF) &- 4096)
            // A bucket's first value marks its group occupied, so reads skip empty groups.
            // (Acquiring: a bucket found emptied by `clear` is marked after `clear` reset the marks.)
            if (tag >> 15) & 1 == negative, UInt(bitPattern: octave) < UInt(Self.coreOctaves) {
                let (previous, _) = slots[unchecked: slot].core[unchecked: octave &* LogBuckets.perOctave &+ LogBuckets.bucket(ofMantissa: mantissa)]
                    .wrappingAdd(1, ordering: .acquiring)
                if previous == 0 { slots[unchecked: slot].markOccupied(HistogramSlot.coreGroup(octave)) }
            } else {
                let clamped = Swift.min(Swift.max(exponent, Self.coarseMinExponent), Self.coarseMinExponent + Self.coarseOctaves - 1)
                let index = Int(negative) &* Self.coarseOctaves &+ clamped &- Self.coarseMinExponent
                let (previous, _) = slots[unchecked: slot].coarse[unchecked: index].wrappingAdd(1, ordering: .acquiring)
                if previous == 0 { slots[unchecked: slot].markOccupied(HistogramSlot.coarseGroup(index)) }
            }
        }
        slots[unchecked: slot].addToRange(value)
    }

    /// Clears the slot for `epoch` (moving what it held into the all-time totals) and picks
    /// its core; returns the slot's tag.
    @usableFromInline @inline(never)
    func rotate(_ index: Int, to epoch: UInt64, firstValue: Double) -> UInt64 {
        retired.withLock { totals in
            let current = slots[index].tag.load(ordering: .acquiring)
            // Another thread got here first, or (a stale clock reading) the slot is newer.
            if current >> 16 >= epoch &+ 1 { return current }
            let (count, sum) = slots[index].clear()
            totals.count &+= count
            totals.sum += sum
            let (negative, center) = coreCenter(before: epoch, firstValue: firstValue)
            let base = Swift.min(Swift.max(center - Self.coreOctavesBelowCenter, -1100), 1100)
            let tag = (epoch &+ 1) << 16 | (negative ? 1 << 15 : 0) | UInt64(base + 4096)
            slots[index].tag.store(tag, ordering: .releasing)
            return tag
        }
    }

    /// The sign and the exponent of the median of the slice before `epoch` if it holds values,
    /// else of `firstValue`.
    func coreCenter(before epoch: UInt64, firstValue: Double) -> (negative: Bool, exponent: Int) {
        let fallback: (Bool, Int) = firstValue == 0 || !firstValue.isFinite
            ? (false, 0) : (firstValue < 0, LogBuckets.decompose(firstValue.bitPattern).exponent)
        guard epoch > 0 else { return fallback }
        let previous = Int(truncatingIfNeeded: (epoch - 1) % UInt64(Self.slotCount))
        let tag = slots[previous].tag.load(ordering: .acquiring)
        guard tag >> 16 == epoch else { return fallback }
        let negative = (tag >> 15) & 1 == 1
        let base = Int(truncatingIfNeeded: tag & 0x7FFF) - 4096
        // Counts per exponent of the core's sign (core octaves plus coarse ones), walked in
        // order twice: once for the total, once to find the median. No allocation.
        let coarseOffset = negative ? Self.coarseOctaves : 0
        let lowest = Swift.min(base, Self.coarseMinExponent)
        let highest = Swift.max(base + Self.coreOctaves, Self.coarseMinExponent + Self.coarseOctaves)
        func count(atExponent exponent: Int) -> Int {
            var n = 0
            let coarse = exponent - Self.coarseMinExponent
            if coarse >= 0, coarse < Self.coarseOctaves {
                n += Int(slots[previous].coarse[coarseOffset + coarse].load(ordering: .relaxed))
            }
            let octave = exponent - base
            if octave >= 0, octave < Self.coreOctaves {
                for bucket in 0..<LogBuckets.perOctave {
                    n += Int(slots[previous].core[octave * LogBuckets.perOctave + bucket].load(ordering: .relaxed))
                }
            }
            return n
        }
        var total = 0
        for exponent in lowest..<highest { total += count(atExponent: exponent) }
        guard total > 0 else { return fallback }
        var seen = 0
        for exponent in lowest..<highest {
            seen += count(atExponent: exponent)
            if 2 * seen >= total { return (negative, exponent) }
        }
        return fallback
    }

    // MARK: Reading

    /// One bucket of the merged window: the value reported for it, and its weight.
    struct Entry {
        var value: Double
        var weight: Double
    }

    /// What a read sees: all-time totals and the window's weighted buckets.
    struct Contents {
        var count = 0
        var sum = 0.0
        var windowCount = 0
        var weightedSum = 0.0
        var weightedCount = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        /// Sorted by value, values clamped to `minimum...maximum`.
        var entries: [Entry] = []
        var totalWeight = 0.0

        var isEmpty: Bool { windowCount == 0 || weightedCount <= 0 || minimum > maximum || entries.isEmpty }

        /// Nearest-rank quantiles of the weighted window, or `nil` when it is empty.
        func quantiles(_ qs: [Double]) -> [Double]? {
            isEmpty ? nil : WindowedHistogram.quantiles(qs, of: entries, totalWeight: totalWeight)
        }
    }

    /// Reads the all-time totals and the window at `now`.
    func contents(at now: UInt64) -> Contents {
        let nowEpoch = now / sliceNanoseconds
        var contents = Contents()
        retired.withLock { totals in
            contents.count = totals.count
            contents.sum = totals.sum
            // The live slots (tag 0: not live), their raw weights and occupied groups, read once
            // so that the entries fit the capacity computed from them.
            var liveTags = InlineArray<5, UInt64>(repeating: 0)
            var liveWeights = InlineArray<5, Double>(repeating: 0)
            var liveBits = InlineArray<5, UInt64>(repeating: 0)
            var capacity = 0
            var heaviest = 0.0
            for index in 0..<Self.slotCount {
                let tag = slots[index].tag.load(ordering: .acquiring)
                guard tag != 0 else { continue }
                let epoch = (tag >> 16) &- 1
                if epoch &+ UInt64(Self.slotCount) > nowEpoch && epoch <= nowEpoch &+ 1 {
                    // Age of the slice's middle (the current slice: the middle of what has passed).
                    let start = epoch &* sliceNanoseconds
                    let end = Swift.min(start &+ sliceNanoseconds, Swift.max(now, start))
                    let middle = Double(start) / 2 + Double(end) / 2
                    let age = Swift.max(0, Double(now) - middle)
                    let weight = exp2(-age / Double(sliceNanoseconds))
                    let bits = slots[index].occupied.load(ordering: .relaxed)
                    liveTags[index] = tag
                    liveWeights[index] = weight
                    liveBits[index] = bits
                    capacity += HistogramSlot.capacity(forOccupied: bits)
                    heaviest = Swift.max(heaviest, weight)
                } else {
                    let (n, s) = slots[index].totals()
                    contents.count &+= n
                    contents.sum += s
                }
            }
            // No live slot: nothing more to read (and an array of capacity 0 would write the
            // shared empty-array storage).
            guard capacity > 0 else { return }
            var (count, sum, windowCount, weightedSum, weightedCount) = (0, 0.0, 0, 0.0, 0.0)
            var (minimum, maximum) = (Double.infinity, -Double.infinity)
            contents.entries = [Entry](unsafeUninitializedCapacity: capacity) { buffer, filled in
                for index in 0..<Self.slotCount where liveTags[index] != 0 {
                    let weight = liveWeights[index] / heaviest
                    let n = slots[index].collect(
                        tag: liveTags[index], occupied: liveBits[index], weight: weight, into: buffer, filled: &filled)
                    let s = Double(bitPattern: slots[index].sum.load(ordering: .relaxed))
                    count &+= n
                    sum += s
                    guard n > 0 else { continue }
                    windowCount &+= n
                    weightedSum += weight * s
                    weightedCount += weight * Double(n)
                    minimum = Swift.min(minimum, Double(bitPattern: slots[index].minimum.load(ordering: .relaxed)))
                    maximum = Swift.max(maximum, Double(bitPattern: slots[index].maximum.load(ordering: .relaxed)))
                }
            }
            contents.count &+= count
            contents.sum += sum
            contents.windowCount = windowCount
            contents.weightedSum = weightedSum
            contents.weightedCount = weightedCount
            contents.minimum = minimum
            contents.maximum = maximum
        }
        guard !contents.isEmpty else { return contents }
        // In one pass: clamp to the exact range (monotonic, so order is kept), total the
        // weights and see whether the entries are in order — one slice's come out sorted;
        // several slices' need merging (the sort finds the sorted runs).
        let (minimum, maximum) = (contents.minimum, contents.maximum)
        var sorted = true
        contents.totalWeight = contents.entries.withUnsafeMutableBufferPointer { entries in
            var total = 0.0
            var previous = -Double.infinity
            for index in entries.indices {
                let value = Swift.min(Swift.max(entries[index].value, minimum), maximum)
                entries[index].value = value
                total += entries[index].weight
                if value < previous { sorted = false }
                previous = value
            }
            return total
        }
        if !sorted { contents.entries.sort { $0.value < $1.value } }
        return contents
    }

    /// All-time count and sum, and the figures of the window at `now`.
    func figures(at now: UInt64) -> PmfSnapshot {
        let contents = contents(at: now)
        var result = PmfSnapshot(count: contents.count, sum: contents.sum, windowCount: contents.windowCount)
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

/// One time slice of a ``WindowedHistogram``: about 6.4 KB of atomic counters.
///
/// Reads and clears only visit occupied bucket groups: bit `o` of ``occupied`` (`o < 28`) is
/// set once a value lands in core octave `o`, bit `28 + g` once one lands in coarse buckets
/// `8g..<8g+8`. A typical slice of timings spans a few octaves, so a read loads a few hundred
/// counters instead of 1,600. Every non-empty bucket's group is marked (the first value of a
/// bucket marks it; `clear` resets the marks before emptying the buckets).
@usableFromInline
struct HistogramSlot: ~Copyable, Sendable {
    /// `(epoch + 1) << 16 | negativeCore << 15 | (coreBase + 4096)`; 0 when never used.
    @usableFromInline let tag = Atomic<UInt64>(0)
    /// Sum of the slice's values (Double bits).
    @usableFromInline let sum = Atomic<UInt64>(0.0.bitPattern)
    @usableFromInline let minimum = Atomic<UInt64>(Double.infinity.bitPattern)
    @usableFromInline let maximum = Atomic<UInt64>((-Double.infinity).bitPattern)
    /// The occupied bucket groups (see above).
    @usableFromInline let occupied = Atomic<UInt64>(0)
    @usableFromInline let zeros = Atomic<UInt32>(0)
    @usableFromInline let core: InlineArray<1344, Atomic<UInt32>>
    /// Per power of two: positive values at `0..<128`, negative at `128..<256`.
    @usableFromInline let coarse: InlineArray<256, Atomic<UInt32>>

    @inlinable static var coarseGroupSize: Int { 8 }

    init() {
        core = InlineArray { _ in Atomic(0) }
        coarse = InlineArray { _ in Atomic(0) }
    }

    /// The ``occupied`` bit of a core octave.
    @inlinable @inline(__always)
    static func coreGroup(_ octave: Int) -> UInt64 { 1 << UInt64(truncatingIfNeeded: octave) }

    /// The ``occupied`` bit of a coarse bucket.
    @inlinable @inline(__always)
    static func coarseGroup(_ index: Int) -> UInt64 {
        1 << UInt64(truncatingIfNeeded: WindowedHistogram.coreOctaves &+ index / coarseGroupSize)
    }

    @inlinable @inline(__always)
    func markOccupied(_ bit: UInt64) {
        if occupied.load(ordering: .relaxed) & bit == 0 {
            occupied.bitwiseOr(bit, ordering: .relaxed)
        }
    }

    /// Calls `body` with the index range of every occupied group: core buckets (`isCore`) or
    /// coarse ones.
    @inline(__always)
    func forEachOccupied(_ bits: UInt64, _ body: (_ isCore: Bool, _ range: Range<Int>) -> Void) {
        var remaining = bits
        while remaining != 0 {
            let bit = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            if bit < WindowedHistogram.coreOctaves {
                body(true, bit &* LogBuckets.perOctave..<(bit &+ 1) &* LogBuckets.perOctave)
            } else {
                let group = bit &- WindowedHistogram.coreOctaves
                body(false, group &* Self.coarseGroupSize..<(group &+ 1) &* Self.coarseGroupSize)
            }
        }
    }

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

    /// Empties the slot; returns the count and sum it held.
    func clear() -> (count: Int, sum: Double) {
        var count = Int(zeros.exchange(0, ordering: .relaxed))
        // Marks first: a value that finds its bucket emptied below marks its group again.
        forEachOccupied(occupied.exchange(0, ordering: .relaxed)) { isCore, range in
            for index in range {
                // Releasing: pairs with the acquiring add of a record that finds the bucket empty.
                if isCore {
                    if core[index].load(ordering: .relaxed) != 0 { count &+= Int(core[index].exchange(0, ordering: .releasing)) }
                } else {
                    if coarse[index].load(ordering: .relaxed) != 0 { count &+= Int(coarse[index].exchange(0, ordering: .releasing)) }
                }
            }
        }
        let sum = Double(bitPattern: sum.exchange(0.0.bitPattern, ordering: .relaxed))
        minimum.store(Double.infinity.bitPattern, ordering: .relaxed)
        maximum.store((-Double.infinity).bitPattern, ordering: .relaxed)
        return (count, sum)
    }

    /// The count and sum the slot holds.
    func totals() -> (count: Int, sum: Double) {
        var count = Int(zeros.load(ordering: .relaxed))
        forEachOccupied(occupied.load(ordering: .relaxed)) { isCore, range in
            for index in range {
                count &+= Int(isCore ? core[index].load(ordering: .relaxed) : coarse[index].load(ordering: .relaxed))
            }
        }
        return (count, Double(bitPattern: sum.load(ordering: .relaxed)))
    }

    /// The most entries ``collect(tag:occupied:weight:into:filled:)`` writes for these
    /// occupied groups.
    static func capacity(forOccupied bits: UInt64) -> Int {
        let coreBits = bits & (1 << UInt64(WindowedHistogram.coreOctaves) - 1)
        return 1 + coreBits.nonzeroBitCount * LogBuckets.perOctave + (bits ^ coreBits).nonzeroBitCount * coarseGroupSize
    }

    /// Writes an entry per non-empty bucket of the `occupied` groups (at most
    /// ``capacity(forOccupied:)``), weighted, into `buffer` from `filled` on; returns the count
    /// of the values in them.
    func collect(
        tag: UInt64, occupied bits: UInt64, weight: Double,
        into buffer: UnsafeMutableBufferPointer<WindowedHistogram.Entry>, filled: inout Int
    ) -> Int {
        var count = 0
        var position = filled
        defer { filled = position }
        let zeroCount = Int(zeros.load(ordering: .relaxed))
        if zeroCount > 0 {
            count += zeroCount
            buffer.initializeElement(at: position, to: .init(value: 0, weight: weight * Double(zeroCount)))
            position &+= 1
        }
        let sign: Double = (tag >> 15) & 1 == 1 ? -1 : 1
        let base = Int(truncatingIfNeeded: tag & 0x7FFF) - 4096
        var bits = bits
        LogBuckets.representatives.withUnsafeBufferPointer { representatives in
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                bits &= bits &- 1
                if bit < WindowedHistogram.coreOctaves {
                    let scale = sign * exp2(Double(base &+ bit))
                    let first = bit &* LogBuckets.perOctave
                    for bucket in 0..<LogBuckets.perOctave {
                        let n = core[first &+ bucket].load(ordering: .relaxed)
                        guard n > 0 else { continue }
                        count &+= Int(n)
                        buffer.initializeElement(
                            at: position, to: .init(value: scale * representatives[bucket], weight: weight * Double(n)))
                        position &+= 1
                    }
                } else {
                    let first = (bit &- WindowedHistogram.coreOctaves) &* Self.coarseGroupSize
                    for index in first..<first &+ Self.coarseGroupSize {
                        let n = coarse[index].load(ordering: .relaxed)
                        guard n > 0 else { continue }
                        count &+= Int(n)
                        let negative = index >= WindowedHistogram.coarseOctaves
                        let exponent = index % WindowedHistogram.coarseOctaves + WindowedHistogram.coarseMinExponent
                        let value = LogBuckets.coarseRepresentative * exp2(Double(exponent))
                        buffer.initializeElement(at: position, to: .init(value: negative ? -value : value, weight: weight * Double(n)))
                        position &+= 1
                    }
                }
            }
        }
        return count
    }
}
