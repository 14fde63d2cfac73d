/// The bucket grid of a pmf's histogram: 48 buckets per power of two, each at most 1.57%
/// wide, so the value reported for a bucket is within 0.78% of every value in it.
///
/// A finite `v != 0` is `±2^e × (1 + x)` with `x` in `[0, 1)` (its exponent and mantissa
/// bits). Its bucket in the octave `e` is `floor(48 × f(x))` with `f(x) = x × (4 − x) / 3`,
/// a quadratic through `f(0) = 0` and `f(1) = 1` that follows `log2(1 + x)` closely enough
/// that every bucket's width relative to its values, `Δx / (1 + x) ≤ 0.75 / 48`, is nearly
/// as even as a true logarithmic grid's (`0.69 / 48`), for a multiply and an add instead of a
/// logarithm. A bucket `[lo, hi)` is reported as `2·lo·hi / (lo + hi)`, whose relative error
/// is at most `(hi − lo) / (hi + lo) ≤ 0.0078` for every value in the bucket.
enum LogBuckets {
    /// Buckets per power of two.
    static let perOctave = 48

    /// The bucket of the mantissa fraction `x` in `[0, 1)`: `0..<48`.
    @inline(__always)
    static func bucket(ofFraction x: Double) -> Int {
        Swift.min(perOctave - 1, Int(x * (4 - x) * (Double(perOctave) / 3)))
    }

    /// The exponent `e` and mantissa fraction `x` of a finite, non-zero magnitude
    /// `m = 2^e × (1 + x)`; subnormal magnitudes give exponent -1023 (they only land in the
    /// lowest coarse bucket).
    @inline(__always)
    static func decompose(_ magnitude: Double) -> (exponent: Int, fraction: Double) {
        let bits = magnitude.bitPattern
        let biased = Int(truncatingIfNeeded: (bits >> 52) & 0x7FF)
        let fraction = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000) - 1
        return (biased - 1023, fraction)
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
