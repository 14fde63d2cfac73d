/// Renders snapshots as JSON in scales' shape: nested objects keyed by name, keys sorted.
///
/// ```swift
/// let snapshot = registry.snapshot()!
/// let compact = JSONFormat.render(snapshot)               // {"web":{"errors":0,...}}
/// let pretty = JSONFormat.render(snapshot, pretty: true)  // two-space indent
/// ```
///
/// - A container is an object. As in scales, a *collapsed* container below the rendered root
///   is left out (request its own path to see it), unless `includeCollapsed` is set.
/// - `pmf` fields use scales' names (`count`, `min`, `max`, `mean`, `stddev`, `median`,
///   `75percentile`, `95percentile`, `98percentile`, `99percentile`, `999percentile`), plus
///   `sum` (all-time) and `windowCount` (values in the window); figures of an empty window
///   are `null`. A `meter` has `count`, `m1`, `m5`, `m15`, `mean`, `unit`.
/// - NaN and infinity are written as `null`; an absent gauge value is `null`.
/// - Strings are escaped for any Unicode: quotes, backslashes and control characters as
///   escapes, and U+2028/U+2029 as `\u2028`/`\u2029` so the output is also valid JavaScript.
public enum JSONFormat {
    /// The snapshot's root as JSON text (an object for a container, a value for a stat).
    public static func render(_ snapshot: Snapshot, pretty: Bool = false, includeCollapsed: Bool = false) -> String {
        String(decoding: renderBytes(snapshot, pretty: pretty, includeCollapsed: includeCollapsed), as: UTF8.self)
    }

    /// The snapshot's root as UTF-8 JSON bytes, ready to send (see ``render(_:pretty:includeCollapsed:)``).
    public static func renderBytes(_ snapshot: Snapshot, pretty: Bool = false, includeCollapsed: Bool = false)
        -> [UInt8]
    {
        var writer = JSONWriter(pretty: pretty, includeCollapsed: includeCollapsed)
        writer.write(snapshot.root, depth: 0)
        return writer.bytes
    }

    /// Renders a snapshot with extra top-level number members, in key order (the file dump adds
    /// `last-updated`).
    static func render(_ snapshot: Snapshot, pretty: Bool, includeCollapsed: Bool, extra: [(String, Double)]) -> String
    {
        var writer = JSONWriter(pretty: pretty, includeCollapsed: includeCollapsed)
        guard case .container(let container) = snapshot.root else {
            writer.write(snapshot.root, depth: 0)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        writer.writeContainer(container, depth: 0, extra: extra.sorted { $0.0 < $1.0 })
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// Writes JSON straight into a byte buffer: no intermediate strings or member lists.
struct JSONWriter {
    let pretty: Bool
    let includeCollapsed: Bool
    var bytes: [UInt8] = []

    /// What is written for a stat: its value, unless a caller writes something else (a layout
    /// records where the value would go, ``JSONLayout``).
    typealias StatWriter = (inout JSONWriter, SnapshotStat, _ depth: Int) -> Void

    init(pretty: Bool, includeCollapsed: Bool, capacity: Int = 16_384) {
        self.pretty = pretty
        self.includeCollapsed = includeCollapsed
        bytes.reserveCapacity(capacity)
    }

    mutating func write(_ node: SnapshotNode, depth: Int) {
        write(node, depth: depth) { writer, stat, depth in writer.write(stat.value, depth: depth) }
    }

    mutating func write(_ node: SnapshotNode, depth: Int, stat writeStat: StatWriter) {
        switch node {
        case .container(let container): writeContainer(container, depth: depth, extra: [], stat: writeStat)
        case .stat(let stat): writeStat(&self, stat, depth)
        }
    }

    /// A container's children (collapsed ones left out below the root) merged in key order with
    /// `extra` number members.
    mutating func writeContainer(
        _ container: SnapshotContainer, depth: Int, extra: [(String, Double)],
        stat writeStat: StatWriter = { writer, stat, depth in writer.write(stat.value, depth: depth) }
    ) {
        var object = ObjectWriter(depth: depth)
        var pending = extra[...]
        for child in container.children {
            if case .container(let inner) = child, inner.collapsed, !includeCollapsed { continue }
            while let next = pending.first, next.0 < child.name {
                object.key(next.0, &self)
                writeNumber(next.1)
                pending = pending.dropFirst()
            }
            object.key(child.name, &self)
            write(child, depth: depth + 1, stat: writeStat)
        }
        for (key, value) in pending {
            object.key(key, &self)
            writeNumber(value)
        }
        object.close(&self)
    }

    mutating func write(_ value: StatValue, depth: Int) {
        switch value {
        case .int(let v), .counter(let v): writeInteger(v)
        case .double(let v), .doubleCounter(let v): writeNumber(v)
        case .string(let s): writeString(s)
        case .bool(let b): append(b ? "true" : "false")
        case .absent: append("null")
        case .intDict(let dict): writeObject(dict, depth: depth) { $0.writeInteger($1) }
        case .stringDict(let dict): writeObject(dict, depth: depth) { $0.writeString($1) }
        case .stateTime(let dict): writeObject(dict, depth: depth) { $0.writeNumber($1) }
        case .pmf(let pmf): write(pmf, depth: depth)
        case .pmfDict(let dict): writeObject(dict, depth: depth) { $0.write($1, depth: depth + 1) }
        case .meter(let meter): write(meter, depth: depth)
        case .meterDict(let dict): writeObject(dict, depth: depth) { $0.write($1, depth: depth + 1) }
        }
    }

    /// A dict's entries as an object, keys sorted (sorting the pairs: no lookups afterwards).
    mutating func writeObject<Value>(
        _ dict: [String: Value], depth: Int, _ writeValue: (inout JSONWriter, Value) -> Void
    ) {
        var object = ObjectWriter(depth: depth)
        for (key, value) in dict.sorted(by: { $0.key < $1.key }) {
            object.key(key, &self)
            writeValue(&self, value)
        }
        object.close(&self)
    }

    /// scales' pmf fields in scales' order, then the all-time `sum` and the window's
    /// `windowCount` (0 when the window is empty, with every figure `null`).
    mutating func write(_ pmf: PmfSnapshot, depth: Int) {
        // Fixed keys, written as bytes (no escape scan, no array of fields).
        var object = ObjectWriter(depth: depth)
        object.key(plain: "count", &self)
        writeInteger(pmf.count)
        pmf.forEachField { name, value in
            object.key(plain: name, &self)
            writeNumber(value)
        }
        object.key(plain: "sum", &self)
        writeNumber(pmf.sum)
        object.key(plain: "windowCount", &self)
        writeInteger(pmf.windowCount)
        object.close(&self)
    }

    mutating func write(_ meter: MeterSnapshot, depth: Int) {
        var object = ObjectWriter(depth: depth)
        object.key(plain: "count", &self)
        writeInteger(meter.count)
        object.key(plain: "m1", &self)
        writeNumber(meter.m1)
        object.key(plain: "m5", &self)
        writeNumber(meter.m5)
        object.key(plain: "m15", &self)
        writeNumber(meter.m15)
        object.key(plain: "mean", &self)
        writeNumber(meter.meanRate)
        object.key(plain: "unit", &self)
        writeString(meter.unit)
        object.close(&self)
    }

    /// Opens an object lazily, writes separators and indentation, and closes it (`{}` when empty).
    struct ObjectWriter {
        let depth: Int
        var count = 0

        mutating func key(_ key: String, _ writer: inout JSONWriter) {
            open(&writer)
            writer.writeString(key)
            writer.bytes.append(UInt8(ascii: ":"))
            if writer.pretty { writer.bytes.append(UInt8(ascii: " ")) }
        }

        /// A key that needs no escaping (a fixed field name), quoted.
        mutating func key(plain key: StaticString, _ writer: inout JSONWriter) {
            open(&writer)
            writer.bytes.append(UInt8(ascii: "\""))
            writer.append(key)
            writer.append(writer.pretty ? "\": " : "\":")
        }

        private mutating func open(_ writer: inout JSONWriter) {
            writer.bytes.append(count == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            count += 1
            if writer.pretty { writer.newline(depth + 1) }
        }

        func close(_ writer: inout JSONWriter) {
            if count == 0 {
                writer.append("{}")
                return
            }
            if writer.pretty { writer.newline(depth) }
            writer.bytes.append(UInt8(ascii: "}"))
        }
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func newline(_ depth: Int) {
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<depth {
            bytes.append(UInt8(ascii: " "))
            bytes.append(UInt8(ascii: " "))
        }
    }

    /// The decimal digits of `value`, by the one integer formatter (``ByteWriter/appendInteger(_:)``).
    mutating func writeInteger(_ value: Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ByteWriter.maxScalarBytes) { buffer in
            guard let base = buffer.baseAddress else { return }
            var digits = ByteWriter(base: base)
            digits.appendInteger(value)
            bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: digits.count))
        }
    }

    /// How JSON writes a double (``JSONLayout`` writes the same forms into its own buffer).
    enum NumberForm {
        /// NaN, infinity or no value.
        case null
        /// An integral value under 1e15, written `n.0` so readers see a float, as Python does.
        case integral(Int)
        /// Anything else: its shortest round-trip digits (those of `description`).
        case digits(Double)

        init(_ value: Double?) {
            guard let value, value.isFinite else {
                self = .null
                return
            }
            self = value == value.rounded(.towardZero) && abs(value) < 1e15 ? .integral(Int(value)) : .digits(value)
        }
    }

    mutating func writeNumber(_ value: Double?) {
        switch NumberForm(value) {
        case .null:
            append("null")
        case .integral(let integer):
            writeInteger(integer)
            append(".0")
        case .digits(let value):
            // Without a String in between.
            var sink = ASCIISink()
            swap(&sink.bytes, &bytes)
            value.write(to: &sink)
            swap(&sink.bytes, &bytes)
        }
    }

    mutating func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = string  // `withUTF8` gives small and native strings' bytes without copying them to the heap
        let plain = text.withUTF8 { utf8 -> Bool in
            for byte in utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F || byte == 0xE2 {
                return false
            }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !plain { writeEscaped(string) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeEscaped(_ string: String) {
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": append("\\\"")
            case "\\": append("\\\\")
            case "\n": append("\\n")
            case "\r": append("\\r")
            case "\t": append("\\t")
            case "\u{08}": append("\\b")
            case "\u{0C}": append("\\f")
            case "\u{2028}": append("\\u2028")
            case "\u{2029}": append("\\u2029")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    append("\\u00")
                    bytes.append(Self.hexDigit(scalar.value >> 4))
                    bytes.append(Self.hexDigit(scalar.value & 0xF))
                } else {
                    bytes.append(contentsOf: String(scalar).utf8)
                }
            }
        }
    }

    private static func hexDigit(_ value: UInt32) -> UInt8 {
        UInt8(value < 10 ? 48 + value : 87 + value)
    }
}

/// Receives a number's text as bytes: `Double.write(to:)` hands its shortest round-trip digits
/// to `_writeASCII`, so no String is made (a 17-digit double's description would allocate).
struct ASCIISink: TextOutputStream {
    var bytes: [UInt8] = []

    mutating func write(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }
}
