/// The bucket grid of a pmf's histogram: 48 buckets per power of two, each at most 1.57%
/// wide, so the value reported for a bucket is within 0.78% of every value in it.
///
/// A finite `v != 0` is `±2^e × (1 + x)` with `x` in `[0, 1)` (its exponent and mantissa
/// bits). Its bucket in the octave `e` is `floor(48 × f(x))` with `f(x) = x × (4 − x) / 3`,
/// a quadratic through `f(0) = 0` and `f(1) = 1` that follows `log2(1 + x)` closely enough
/// that every bucket's width relative to its values, `Δx / (1 + x) ≤ 0.75 / 48`, is nearly
/// as even as a true logarithmic grid's (`0.69 / 48`), for an integer multiply and two shifts
/// instead of a logarithm. A bucket `[lo, hi)` is reported as `2·lo·hi / (lo + hi)`, whose
/// relative error is at most `(hi − lo) / (hi + lo) ≤ 0.0078` for every value in the bucket.
@usableFromInline
enum LogBuckets {
    /// Buckets per power of two.
    @inlinable static var perOctave: Int { 48 }

    /// The bucket of the mantissa bits `m` (`x = m / 2^52`): `0..<48`.
    ///
    /// `floor(48 × x (4 − x) / 3) = floor(16 x (4 − x))`, in integers on the top 26 bits of
    /// the mantissa, `x26 = floor(x × 2^26)`: `16 x (4 − x) ≈ x26 × (2^28 − x26) / 2^48`, a
    /// product under 2^54 and under `3 × 2^52` for `x < 1`, so the bucket is below 48 without
    /// a clamp. Dropping the lower 26 bits moves a value at most 2^-26 of an octave (1.5e-8
    /// relative) from the bucket edge it lies above; the 0.78% bound keeps a margin of 2e-5.
    @inlinable @inline(__always)
    static func bucket(ofMantissa m: UInt64) -> Int {
        let x26 = m >> 26
        return Int(truncatingIfNeeded: (x26 &* ((1 << 28) &- x26)) >> 48)
    }

    @inlinable static var mantissaMask: UInt64 { 0x000F_FFFF_FFFF_FFFF }

    /// The exponent `e` and mantissa bits of the magnitude `2^e × (1 + m / 2^52)` of the
    /// finite, non-zero Double with bit pattern `bits` (its sign is ignored); subnormal
    /// magnitudes give exponent -1023 (they only land in the lowest coarse bucket).
    @inlinable @inline(__always)
    static func decompose(_ bits: UInt64) -> (exponent: Int, mantissa: UInt64) {
        (Int(truncatingIfNeeded: (bits >> 52) & 0x7FF) &- 1023, bits & mantissaMask)
    }

    /// The lower edge, as a mantissa fraction, of bucket `index` (`0...48`; 48 gives 1).
    static func lowerFraction(_ index: Int) -> Double {
        if index <= 0 { return 0 }
        if index >= perOctave { return 1 }
        // Solve x (4 - x) / 3 = y for x in [0, 1].
        let y = Double(index) / Double(perOctave)
        return 2 - (4 - 3 * y).squareRoot()
    }

    /// The edges of every bucket of an octave, as mantissa fractions (49 values).
    static let edges: [Double] = (0...perOctave).map(lowerFraction)

    /// The value reported for each bucket of the octave `[1, 2)`; for the octave `[2^e, 2^(e+1))`
    /// it is `2^e` times as much (``representative(_:_:)`` scales with its arguments).
    static let representatives: [Double] = (0..<perOctave).map { representative(1 + edges[$0], 1 + edges[$0 + 1]) }

    /// The value reported for a whole octave `[1, 2)` (a coarse bucket), before scaling.
    static let coarseRepresentative = representative(1, 2)

    /// The value that represents the magnitudes `[lo, hi)`: within `(hi − lo) / (hi + lo)` of
    /// each of them.
    @inline(__always)
    static func representative(_ lo: Double, _ hi: Double) -> Double {
        2 * lo * hi / (lo + hi)
    }
}
