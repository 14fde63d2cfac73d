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
        var writer = JSONWriter(pretty: pretty, includeCollapsed: includeCollapsed)
        writer.write(snapshot.root, isRoot: true, depth: 0)
        return writer.output
    }

    /// Renders `node` with extra top-level members (the file dump adds `last-updated`).
    static func render(_ snapshot: Snapshot, pretty: Bool, includeCollapsed: Bool, extra: [(String, Double)]) -> String {
        var writer = JSONWriter(pretty: pretty, includeCollapsed: includeCollapsed)
        guard case .container(let container) = snapshot.root else {
            writer.write(snapshot.root, isRoot: true, depth: 0)
            return writer.output
        }
        var members = writer.members(of: container, isRoot: true)
        for (key, value) in extra { members.append((key, .number(value))) }
        writer.writeObject(members.sorted { $0.0 < $1.0 }, depth: 0)
        return writer.output
    }
}

struct JSONWriter {
    enum Member {
        case node(SnapshotNode)
        case number(Double?)
        case integer(Int)
        case string(String)
        case object([(String, Member)])
    }

    let pretty: Bool
    let includeCollapsed: Bool
    var output = ""

    init(pretty: Bool, includeCollapsed: Bool) {
        self.pretty = pretty
        self.includeCollapsed = includeCollapsed
        output.reserveCapacity(4096)
    }

    mutating func write(_ node: SnapshotNode, isRoot: Bool, depth: Int) {
        switch node {
        case .container(let container):
            writeObject(members(of: container, isRoot: isRoot), depth: depth)
        case .stat(let stat):
            write(stat.value, depth: depth)
        }
    }

    func members(of container: SnapshotContainer, isRoot: Bool) -> [(String, Member)] {
        var members: [(String, Member)] = []
        members.reserveCapacity(container.children.count)
        for child in container.children {
            if case .container(let c) = child, c.collapsed, !includeCollapsed { continue }
            members.append((child.name, .node(child)))
        }
        return members
    }

    mutating func write(_ value: StatValue, depth: Int) {
        switch value {
        case .int(let v), .counter(let v): output += String(v)
        case .double(let v): writeNumber(v)
        case .string(let s): writeString(s)
        case .bool(let b): output += b ? "true" : "false"
        case .absent: output += "null"
        case .intDict(let dict):
            writeObject(dict.sorted { $0.key < $1.key }.map { ($0.key, .integer($0.value)) }, depth: depth)
        case .stringDict(let dict):
            writeObject(dict.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }, depth: depth)
        case .stateTime(let dict):
            writeObject(dict.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) }, depth: depth)
        case .pmf(let pmf):
            writeObject(Self.members(of: pmf), depth: depth)
        case .pmfDict(let dict):
            writeObject(dict.sorted { $0.key < $1.key }.map { ($0.key, .object(Self.members(of: $0.value))) }, depth: depth)
        case .meter(let meter):
            writeObject(Self.members(of: meter), depth: depth)
        case .meterDict(let dict):
            writeObject(dict.sorted { $0.key < $1.key }.map { ($0.key, .object(Self.members(of: $0.value))) }, depth: depth)
        }
    }

    static func members(of pmf: PmfSnapshot) -> [(String, Member)] {
        var members: [(String, Member)] = [("count", .integer(pmf.count))]
        for field in pmf.fields { members.append((field.name, .number(field.value))) }
        // Beyond scales' fields: the all-time sum, and how many values the window holds (0
        // explains why the window figures are null).
        members.append(("sum", .number(pmf.sum)))
        members.append(("windowCount", .integer(pmf.windowCount)))
        return members
    }

    static func members(of meter: MeterSnapshot) -> [(String, Member)] {
        [
            ("count", .integer(meter.count)), ("m1", .number(meter.m1)), ("m5", .number(meter.m5)),
            ("m15", .number(meter.m15)), ("mean", .number(meter.meanRate)), ("unit", .string(meter.unit)),
        ]
    }

    mutating func writeObject(_ members: [(String, Member)], depth: Int) {
        if members.isEmpty {
            output += "{}"
            return
        }
        output += "{"
        for (index, (key, member)) in members.enumerated() {
            if index > 0 { output += "," }
            if pretty { newline(depth + 1) }
            writeString(key)
            output += pretty ? ": " : ":"
            switch member {
            case .node(let node): write(node, isRoot: false, depth: depth + 1)
            case .number(let v): writeNumber(v)
            case .integer(let v): output += String(v)
            case .string(let s): writeString(s)
            case .object(let inner): writeObject(inner, depth: depth + 1)
            }
        }
        if pretty { newline(depth) }
        output += "}"
    }

    mutating func newline(_ depth: Int) {
        output += "\n"
        output += String(repeating: "  ", count: depth)
    }

    mutating func writeNumber(_ value: Double?) {
        guard let value, value.isFinite else {
            output += "null"
            return
        }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            // Integral doubles keep a fractional part so readers see a float, as Python does.
            output += String(Int(value)) + ".0"
        } else {
            output += String(value)
        }
    }

    mutating func writeString(_ string: String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\u{2028}": output += "\\u2028"
            case "\u{2029}": output += "\\u2029"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    output += "\\u00"
                    output += hexDigit(scalar.value >> 4)
                    output += hexDigit(scalar.value & 0xF)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    private func hexDigit(_ value: UInt32) -> String {
        String(UnicodeScalar(UInt8(value < 10 ? 48 + value : 87 + value)))
    }
}
