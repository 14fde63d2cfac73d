import ScalesPlatform

/// The bucket grid of a pmf: the buckets of a Prometheus native-histogram schema, edges
/// exactly as Prometheus defines them.
///
/// For schema `s` (`0...8`, `2^s` buckets per power of two), bucket `i` holds the magnitudes
/// in `(2^((i-1)/2^s), 2^(i/2^s)]`, the upper edge inclusive. A value's bucket is found as the
/// Prometheus Go client finds it (`math.Frexp` and a table of the bounds within an octave),
/// without its binary search: the top 10 bits of the mantissa pick a *cell* of a table of
/// 1,024 words, each holding a candidate bucket and its exact bound, and one comparison with
/// that bound decides between the candidate and the next bucket (one load, no branch).
/// That works because a cell of the table (2^-10 of an octave's mantissa range) is narrower
/// than the narrowest bucket of the finest schema (`2^(1/256) - 1 = 0.0027`), so at most one
/// bound lies in a cell (checked when the table is built).
///
/// The tables are those of schema 8; a coarser schema's index follows by a shift, since its
/// bounds are every `2^(8-s)`-th bound of schema 8 (the same `Double`s: `j/2^s` and
/// `j·2^(8-s)/256` are equal exactly), so its index is the schema-8 index divided by `2^(8-s)`,
/// rounded up. The bounds are `exp2(j/256)`, computed once, as correctly rounded doubles (the
/// constants of the Go client); a test checks them against an extended-precision computation.
///
/// The grid tracks magnitudes in `(2^-64, 2^64]`: 128 octaves. Magnitudes up to
/// ``zeroThreshold`` (`2^-64`, 5.4e-20) are counted in the zero bucket, as a native
/// histogram's zero bucket counts them; a pmf drops larger ones than ``maxMagnitude`` (with the
/// non-finite ones, counted in ``RegistryHealth/droppedValues``).
@usableFromInline
struct NativeGrid: @unchecked Sendable {
    /// The schema the tables are built for.
    @inlinable static var finestSchema: Int { 8 }
    /// The default precision: 64 buckets per power of two, a reported value within 0.55%.
    static let defaultSchema = 6
    /// Magnitudes at most this are counted in the zero bucket.
    static let zeroThreshold = 0x1p-64
    /// The largest magnitude a pmf records.
    @inlinable static var maxMagnitude: Double { 0x1p64 }
    /// Octaves tracked per sign: `(2^(p-64), 2^(p-63)]` for `p` in `0..<128`.
    @inlinable static var octaves: Int { 128 }
    /// The exponent of the lowest octave's lower edge.
    @inlinable static var lowestExponent: Int { -64 }

    /// For the top 10 bits `t` of a mantissa, `bounds[j] << 9 | j` for the smallest `j` with
    /// `bounds[j] >= t << 42`, where `bounds[j]` is the mantissa of `2^(j/256)` for `j < 256`
    /// and `bounds[256] = 2^52` (the next octave's `1.0`, above every mantissa).
    @usableFromInline let cells: UnsafePointer<UInt64>

    /// The tables, built once and never freed.
    static let shared = NativeGrid()

    private init() {
        let bounds = (0..<256).map { exp2(Double($0) / 256).bitPattern & 0x000F_FFFF_FFFF_FFFF } + [1 << 52]
        let cells = UnsafeMutablePointer<UInt64>.allocate(capacity: 1024)
        var j = 0
        for cell in 0..<1024 {
            let low = UInt64(cell) << 42
            while bounds[j] < low { j += 1 }
            cells[cell] = bounds[j] << 9 | UInt64(j)
            // At most one bound in the cell: the next one lies above its highest mantissa.
            precondition(j == 256 || bounds[j + 1] > low + (1 << 42) - 1, "grid cell \(cell) holds two bounds")
        }
        self.cells = UnsafePointer(cells)
    }

    /// `finestIndex(bits) >> (8 - s)` is the *position* of the magnitude on the tracked grid of
    /// schema `s`: `i + 64·2^s - 1` for its Prometheus index `i`, so the tracked buckets are
    /// positions `0..<128·2^s`, bucket `position & (2^s - 1)` of octave `position >> s`. Below
    /// 0: the zero bucket; `128·2^s` or more: beyond `2^64`. `bits` is a Double's bit pattern;
    /// its sign is ignored.
    @inlinable @inline(__always)
    func finestIndex(_ bits: UInt64) -> Int {
        let mantissa = bits & 0x000F_FFFF_FFFF_FFFF
        let cell = cells[Int(truncatingIfNeeded: mantissa >> 42)]
        // Branch-free: one more when the mantissa is above the candidate's bound (the
        // difference of two numbers below 2^53 wraps to a set top bit exactly then).
        let j = Int(truncatingIfNeeded: cell & 511) &+ Int(truncatingIfNeeded: ((cell >> 9) &- mantissa) >> 63)
        // (e + 64)·256 + j - 1 with e = biased exponent - 1023: 959·256 + 1 = 245,505.
        return Int(truncatingIfNeeded: (bits >> 52) & 0x7FF) &<< 8 &+ j &- 245_505
    }

    /// The Prometheus index of the bucket of a magnitude `m > 0` on schema `s`, computed as the
    /// Go client computes it (for tests and reads; not the record path).
    static func prometheusIndex(_ magnitude: Double, schema: Int) -> Int {
        (shared.finestIndex(magnitude.bitPattern) >> (finestSchema - schema)) - (64 << schema) + 1
    }

    /// The reported value of each bucket of the octave `(1, 2]` on each schema: its geometric
    /// midpoint `2^((j + 1/2) / 2^s)`, within `2^(1/2^(s+1)) - 1` of every value in the bucket
    /// (0.543% for schema 6). Bucket `j` of octave `p` is `2^(p-64)` times as much.
    static let midpoints: [[Double]] = (0...8).map { schema in
        let n = 1 << schema
        return (0..<n).map { exp2((Double($0) + 0.5) / Double(n)) }
    }

    /// The relative bound of schema `s`: `2^(1/2^(s+1)) - 1`.
    static func bound(schema: Int) -> Double {
        exp2(1 / Double(2 << schema)) - 1
    }
}
