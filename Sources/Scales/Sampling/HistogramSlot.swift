// ``HistogramSlot``: one time slice's shared atomics (tag, sum, range, zero bucket) in a
// ``WindowedHistogram``, with the lock-free adds of the record path.

public import Synchronization

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
