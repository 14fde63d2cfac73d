/// A `pmf`'s counts on its exact bucket grid, over all values ever recorded: a Prometheus
/// native histogram (sparse exponential buckets), which instances' histograms sum into exactly
/// and `histogram_quantile` reads.
///
/// For schema `s`, bucket `i` holds the values `v` with `2^((i-1)/2^s) < |v| <= 2^(i/2^s)`
/// (the upper edge inclusive, as Prometheus defines it); positive and negative values have
/// buckets of their own, and values with `|v| <= zeroThreshold` are counted in ``zeroCount``.
public struct NativeHistogram: Sendable, Equatable {
    /// The schema: `2^schema` buckets per power of two (the pmf's `precision`).
    public var schema: Int
    /// Values whose magnitude is at most this are counted in ``zeroCount`` (a pmf's: 2^-64).
    public var zeroThreshold: Double
    /// Values counted in the zero bucket.
    public var zeroCount: Int
    /// Every value ever recorded (the pmf's `count`).
    public var count: Int
    /// The sum of every value ever recorded (the pmf's `sum`).
    public var sum: Double
    /// Buckets of positive values with a count above 0, by ascending index.
    public var positive: [NativeBucket]
    /// Buckets of negative values (indexed by magnitude) with a count above 0, by ascending index.
    public var negative: [NativeBucket]

    /// Creates a histogram record.
    public init(
        schema: Int, zeroThreshold: Double, zeroCount: Int, count: Int, sum: Double,
        positive: [NativeBucket], negative: [NativeBucket]
    ) {
        self.schema = schema
        self.zeroThreshold = zeroThreshold
        self.zeroCount = zeroCount
        self.count = count
        self.sum = sum
        self.positive = positive
        self.negative = negative
    }
}

/// One bucket of a ``NativeHistogram``: its index on the schema's grid and its count.
public struct NativeBucket: Sendable, Equatable, Hashable {
    /// The bucket's index: it holds magnitudes in `(2^((index-1)/2^schema), 2^(index/2^schema)]`.
    public var index: Int
    /// How many values it holds.
    public var count: Int

    /// Creates a bucket record.
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }
}
