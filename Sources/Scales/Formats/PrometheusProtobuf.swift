/// Renders snapshots as Prometheus' protobuf exposition: length-delimited
/// `io.prometheus.client.MetricFamily` messages (prometheus/client_model's `metrics.proto`),
/// encoded by hand (the runtime has no package dependencies).
///
/// The families, names, labels and HELP are those of ``PrometheusFormat`` (HELP unescaped);
/// gauges are `GAUGE`, counters `COUNTER` (named with `_total`, as in text). A `pmf` or
/// `pmfDict` family is a native histogram (`HISTOGRAM`, schema, zero bucket, spans and
/// delta-encoded counts, both signs) when every one of its pmfs carries
/// ``PmfSnapshot/buckets``, otherwise a `SUMMARY` like the text's. A histogram without a
/// populated bucket gets a no-op positive span (offset 0, length 0), as client_golang writes
/// it, so that Prometheus reads it as native even when its zero threshold is 0.
///
/// ```swift
/// let bytes = PrometheusProtobuf.render(registry.snapshot()!)
/// // serve with Content-Type: PrometheusProtobuf.contentType
/// ```
public enum PrometheusProtobuf {
    /// `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`.
    public static let contentType =
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

    /// The snapshot as delimited `MetricFamily` messages (empty when there is no sample).
    ///
    /// - Parameters:
    ///   - snapshot: The tree to render (the whole registry, or a subtree).
    ///   - namespace: An optional first name part, such as the application's name.
    public static func render(_ snapshot: Snapshot, namespace: String? = nil) -> [UInt8] {
        ExpositionFormat.protobuf.render(snapshot, namespace: namespace)
    }

    /// `MetricType` values.
    enum MetricType: UInt64 {
        case counter = 0
        case gauge = 1
        case summary = 2
        case untyped = 3
        case histogram = 4
    }

    /// The quantiles a summary carries, as in text.
    static let quantiles: [Double] = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999]
}

// MARK: Encoding

/// Where protobuf goes: bytes, or a count of them (to write a message's length first).
protocol ProtoSink {
    mutating func byte(_ byte: UInt8)
    mutating func varint(_ value: UInt64)
    mutating func fixed64(_ value: UInt64)
    /// A length-delimited field holding `text`'s UTF-8.
    mutating func string(_ tag: UInt8, _ text: String)
    /// A length-delimited field holding `bytes`.
    mutating func bytes(_ tag: UInt8, _ bytes: [UInt8])
    /// A length-delimited field holding `message`.
    mutating func message<Message: ProtoMessage>(_ tag: UInt8, _ message: Message)
    /// Eight bytes (a double) written later, at render time, by a layout.
    mutating func hole(_ index: Int)
}

/// A message that writes its fields into a sink.
protocol ProtoMessage {
    func encode<Sink: ProtoSink>(_ sink: inout Sink)
}

extension ProtoSink {
    mutating func double(_ tag: UInt8, _ value: Double) {
        byte(tag)
        fixed64(value.bitPattern)
    }

    mutating func uint(_ tag: UInt8, _ value: UInt64) {
        byte(tag)
        varint(value)
    }

    /// A `sint32`/`sint64` field (zigzag).
    mutating func sint(_ tag: UInt8, _ value: Int64) {
        byte(tag)
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    static func varintSize(_ value: UInt64) -> Int {
        // 1 byte per 7 bits, at least one.
        (64 - (value | 1).leadingZeroBitCount + 6) / 7
    }
}

/// Counts the bytes a message takes.
struct ProtoSizer: ProtoSink {
    var count = 0

    mutating func byte(_ byte: UInt8) { count += 1 }
    mutating func varint(_ value: UInt64) { count += Self.varintSize(value) }
    mutating func fixed64(_ value: UInt64) { count += 8 }
    mutating func string(_ tag: UInt8, _ text: String) {
        let length = text.utf8.count
        count += 1 + Self.varintSize(UInt64(length)) + length
    }
    mutating func bytes(_ tag: UInt8, _ bytes: [UInt8]) {
        count += 1 + Self.varintSize(UInt64(bytes.count)) + bytes.count
    }
    mutating func message<Message: ProtoMessage>(_ tag: UInt8, _ message: Message) {
        let length = Self.size(of: message)
        count += 1 + Self.varintSize(UInt64(length)) + length
    }
    mutating func hole(_ index: Int) { count += 8 }

    static func size<Message: ProtoMessage>(of message: Message) -> Int {
        var sizer = ProtoSizer()
        message.encode(&sizer)
        return sizer.count
    }
}

/// Appends protobuf to bytes; records where holes go.
struct ProtoBytes: ProtoSink {
    var out: [UInt8] = []
    var holes: [(offset: Int, hole: Int)] = []

    mutating func byte(_ byte: UInt8) { out.append(byte) }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    mutating func string(_ tag: UInt8, _ text: String) {
        byte(tag)
        varint(UInt64(text.utf8.count))
        out.append(contentsOf: text.utf8)
    }

    mutating func bytes(_ tag: UInt8, _ bytes: [UInt8]) {
        byte(tag)
        varint(UInt64(bytes.count))
        out.append(contentsOf: bytes)
    }

    mutating func message<Message: ProtoMessage>(_ tag: UInt8, _ message: Message) {
        byte(tag)
        varint(UInt64(ProtoSizer.size(of: message)))
        message.encode(&self)
    }

    mutating func hole(_ index: Int) { holes.append((out.count, index)) }

    /// `message` as a length-delimited record (a varint length, then the message).
    mutating func delimited<Message: ProtoMessage>(_ message: Message) {
        varint(UInt64(ProtoSizer.size(of: message)))
        message.encode(&self)
    }
}

// MARK: Messages of metrics.proto

/// `LabelPair { name = 1; value = 2 }`.
struct ProtoLabelPair: ProtoMessage {
    var name: String
    var value: String

    func encode<Sink: ProtoSink>(_ sink: inout Sink) {
        sink.string(0x0A, name)
        sink.string(0x12, value)
    }
}

/// `Gauge`, `Counter` or `Untyped` (`value = 1`, a double), or a hole for one.
struct ProtoScalar: ProtoMessage {
    var value: Double
    var hole: Int?

    func encode<Sink: ProtoSink>(_ sink: inout Sink) {
        sink.byte(0x09)
        if let hole {
            sink.hole(hole)
        } else {
            sink.fixed64(value.bitPattern)
        }
    }
}

/// `Quantile { quantile = 1; value = 2 }`.
struct ProtoQuantile: ProtoMessage {
    var quantile: Double
    var value: Double

    func encode<Sink: ProtoSink>(_ sink: inout Sink) {
        sink.double(0x09, quantile)
        sink.double(0x11, value)
    }
}

/// `Summary { sample_count = 1; sample_sum = 2; quantile = 3 }`, from a pmf's window.
struct ProtoSummary: ProtoMessage {
    var pmf: PmfSnapshot

    func encode<Sink: ProtoSink>(_ sink: inout Sink) {
        sink.uint(0x08, UInt64(clamping: pmf.count))
        sink.double(0x11, pmf.sum)
        let values = [pmf.median, pmf.p75, pmf.p95, pmf.p98, pmf.p99, pmf.p999]
        for (quantile, value) in zip(PrometheusProtobuf.quantiles, values) {
            guard let value else { continue }
            sink.message(0x1A, ProtoQuantile(quantile: quantile, value: value))
        }
    }
}

/// `BucketSpan { offset = 1 (sint32); length = 2 (uint32) }`.
struct ProtoSpan: ProtoMessage {
    var offset: Int32
    var length: UInt32

    func encode<Sink: ProtoSink>(_ sink: inout Sink) {
        sink.sint(0x08, Int64(offset))
        sink.uint(0x10, UInt64(length))
    }
}

/// `Histogram`, native fields only: `sample_count = 1`, `sample_sum = 2`, `schema = 5`,
/// `zero_threshold = 6`, `zero_count = 7`, `negative_span = 9`, `negative_delta = 10`,
/// `positive_span = 12`, `positive_delta = 13`.
struct ProtoNativeHistogram: ProtoMessage {
    var histogram: NativeHistogram
    /// Ascending, unique indices, counts above 0.
    var positive: [NativeBucket]
    var negative: [NativeBucket]

    init(_ histogram: NativeHistogram) {
        self.histogram = histogram
        self.positive = Self.normalized(histogram.positive)
        self.negative = Self.normalized(histogram.negative)
    }

    /// The buckets as the encoding needs them: ascending unique indices, counts above 0 (a
    /// record made by hand may have them in any order, or twice: counts of one index add up).
    static func normalized(_ buckets: [NativeBucket]) -> [NativeBucket] {
        var ordered = true
        var previous = Int.min
        for bucket in buckets {
            if bucket.count <= 0 || bucket.index <= previous {
                ordered = false
                break
            }
            previous = bucket.index
        }
        if ordered { return buckets }
        var merged: [NativeBucket] = []
        for bucket in buckets.sorted(by: { $0.index < $1.index }) where bucket.count > 0 {
            if let last = merged.last, last.index == bucket.index {
                merged[merged.count - 1].count = last.count &+ bucket.count
            } else {
                merged.append(bucket)
            }
        }
        return merged
    }

    func encode<Sink: ProtoSink>(_ sink: inout Sink) {
        sink.uint(0x08, UInt64(clamping: histogram.count))
        sink.double(0x11, histogram.sum)
        sink.sint(0x28, Int64(Int32(clamping: histogram.schema)))
        sink.double(0x31, histogram.zeroThreshold)
        sink.uint(0x38, UInt64(clamping: histogram.zeroCount))
        Self.encode(negative, spanTag: 0x4A, deltaTag: 0x50, &sink)
        Self.encode(positive, spanTag: 0x62, deltaTag: 0x68, &sink)
        if positive.isEmpty, negative.isEmpty {
            // No bucket: a no-op span marks the histogram as native (client_golang does the same).
            sink.message(0x62, ProtoSpan(offset: 0, length: 0))
        }
    }

    /// Spans of consecutive indices (the first span's offset is its first index, the others'
    /// the gap after the previous span), then each bucket's count minus the previous one's.
    static func encode<Sink: ProtoSink>(_ buckets: [NativeBucket], spanTag: UInt8, deltaTag: UInt8, _ sink: inout Sink)
    {
        guard let first = buckets.first else { return }
        var start = first.index
        var next = first.index  // the index after the current span's last
        var spanEnd = first.index  // the index after the previous span's last (the first span: 0)
        var isFirstSpan = true
        for bucket in buckets {
            if bucket.index != next {
                let offset = isFirstSpan ? start : start &- spanEnd
                sink.message(
                    spanTag, ProtoSpan(offset: Int32(clamping: offset), length: UInt32(clamping: next &- start)))
                isFirstSpan = false
                spanEnd = next
                start = bucket.index
            }
            next = bucket.index &+ 1
        }
        let offset = isFirstSpan ? start : start &- spanEnd
        sink.message(spanTag, ProtoSpan(offset: Int32(clamping: offset), length: UInt32(clamping: next &- start)))
        var previous = 0
        for bucket in buckets {
            sink.sint(deltaTag, Int64(bucket.count &- previous))
            previous = bucket.count
        }
    }
}

/// `Metric { label = 1; gauge = 2; counter = 3; summary = 4; untyped = 5; histogram = 7 }`.
struct ProtoMetric: ProtoMessage {
    enum Value {
        /// Gauge (tag 0x12), counter (0x1A) or untyped (0x2A).
        case scalar(tag: UInt8, ProtoScalar)
        case summary(PmfSnapshot)
        case histogram(ProtoNativeHistogram)
    }

    var labels: PrometheusLabels
    var value: Value

    func encode<Sink: ProtoSink>(_ sink: inout Sink) {
        for pair in labels.pairs {
            sink.message(0x0A, ProtoLabelPair(name: pair.name, value: pair.value))
        }
        switch value {
        case .scalar(let tag, let scalar): sink.message(tag, scalar)
        case .summary(let pmf): sink.message(0x22, ProtoSummary(pmf: pmf))
        case .histogram(let histogram): sink.message(0x3A, histogram)
        }
    }
}

/// `MetricFamily { name = 1; help = 2; type = 3; metric = 4 }`.
struct ProtoFamily: ProtoMessage {
    var name: String
    var help: [UInt8]
    var type: PrometheusProtobuf.MetricType
    var metrics: [ProtoMetric]

    func encode<Sink: ProtoSink>(_ sink: inout Sink) {
        sink.string(0x0A, name)
        sink.bytes(0x12, help)
        sink.uint(0x18, type.rawValue)
        for metric in metrics { sink.message(0x22, metric) }
    }
}
