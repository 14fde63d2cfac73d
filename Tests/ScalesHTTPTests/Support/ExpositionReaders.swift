import Foundation
import Scales
import ScalesTestSupport
import Testing

/// A protobuf wire-format reader written for the tests, apart from the encoder: delimited
/// `io.prometheus.client.MetricFamily` messages into plain values (field numbers from
/// client_model's metrics.proto). Throws on anything malformed or unexpected.
struct ProtoReader {
    struct Malformed: Error, CustomStringConvertible { var description: String }

    enum Field {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes([UInt8])
        case fixed32(UInt32)
    }

    var bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count, shift < 64 else { throw Malformed(description: "bad varint at \(position)") }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func take(_ count: Int) throws -> [UInt8] {
        guard count >= 0, position + count <= bytes.count else {
            throw Malformed(description: "truncated at \(position)")
        }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// The next field: its number and value.
    mutating func field() throws -> (Int, Field) {
        let key = try varint()
        let number = Int(key >> 3)
        switch key & 7 {
        case 0: return (number, .varint(try varint()))
        case 1:
            return (number, .fixed64(try take(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }))
        case 2: return (number, .bytes(try take(Int(try varint()))))
        case 5:
            return (number, .fixed32(try take(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self).littleEndian }))
        default: throw Malformed(description: "wire type \(key & 7) of field \(number)")
        }
    }

    static func fields(_ bytes: [UInt8]) throws -> [(Int, Field)] {
        var reader = ProtoReader(bytes)
        var fields: [(Int, Field)] = []
        while !reader.atEnd { fields.append(try reader.field()) }
        return fields
    }

    static func zigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }

    /// Decoded metrics.proto messages (only what the exporter writes).
    struct Family: Equatable {
        var name = ""
        var help = ""
        var type: Int = -1
        var metrics: [Metric] = []
    }

    struct Metric: Equatable {
        var labels: [String: String] = [:]
        var gauge: Double?
        var counter: Double?
        var untyped: Double?
        var summary: Summary?
        var histogram: Histogram?
    }

    struct Summary: Equatable {
        var count: UInt64 = 0
        var sum: Double = 0
        var quantiles: [(Double, Double)] = []
        static func == (a: Summary, b: Summary) -> Bool {
            a.count == b.count && a.sum.bitPattern == b.sum.bitPattern && a.quantiles.map(\.0) == b.quantiles.map(\.0)
                && a.quantiles.map(\.1) == b.quantiles.map(\.1)
        }
    }

    struct Span: Equatable {
        var offset: Int32
        var length: UInt32
    }

    struct Histogram: Equatable {
        var count: UInt64 = 0
        var sum: Double = 0
        var schema: Int32?
        var zeroThreshold: Double?
        var zeroCount: UInt64?
        var negativeSpans: [Span] = []
        var negativeDeltas: [Int64] = []
        var positiveSpans: [Span] = []
        var positiveDeltas: [Int64] = []
    }

    /// Every family of a delimited stream.
    static func families(_ bytes: [UInt8]) throws -> [Family] {
        var reader = ProtoReader(bytes)
        var families: [Family] = []
        while !reader.atEnd {
            let message = try reader.take(Int(try reader.varint()))
            families.append(try family(message))
        }
        return families
    }

    static func double(_ field: Field) throws -> Double {
        guard case .fixed64(let bits) = field else { throw Malformed(description: "not a double: \(field)") }
        return Double(bitPattern: bits)
    }

    static func uint(_ field: Field) throws -> UInt64 {
        guard case .varint(let value) = field else { throw Malformed(description: "not a varint: \(field)") }
        return value
    }

    static func message(_ field: Field) throws -> [UInt8] {
        guard case .bytes(let bytes) = field else { throw Malformed(description: "not length-delimited: \(field)") }
        return bytes
    }

    static func string(_ field: Field) throws -> String {
        let bytes = try message(field)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed(description: "invalid UTF-8") }
        return text
    }

    static func family(_ bytes: [UInt8]) throws -> Family {
        var family = Family()
        for (number, field) in try fields(bytes) {
            switch number {
            case 1: family.name = try string(field)
            case 2: family.help = try string(field)
            case 3: family.type = Int(try uint(field))
            case 4: family.metrics.append(try metric(try message(field)))
            default: throw Malformed(description: "MetricFamily field \(number)")
            }
        }
        return family
    }

    static func metric(_ bytes: [UInt8]) throws -> Metric {
        var metric = Metric()
        for (number, field) in try fields(bytes) {
            switch number {
            case 1:
                var name = ""
                var value = ""
                for (pairNumber, pairField) in try fields(try message(field)) {
                    if pairNumber == 1 {
                        name = try string(pairField)
                    } else if pairNumber == 2 {
                        value = try string(pairField)
                    }
                }
                guard metric.labels[name] == nil else { throw Malformed(description: "label \(name) twice") }
                metric.labels[name] = value
            case 2, 3, 5:
                let inner = try fields(try message(field))
                guard inner.count == 1, inner[0].0 == 1 else { throw Malformed(description: "scalar message \(inner)") }
                let value = try double(inner[0].1)
                if number == 2 {
                    metric.gauge = value
                } else if number == 3 {
                    metric.counter = value
                } else {
                    metric.untyped = value
                }
            case 4:
                var summary = Summary()
                for (summaryNumber, summaryField) in try fields(try message(field)) {
                    switch summaryNumber {
                    case 1: summary.count = try uint(summaryField)
                    case 2: summary.sum = try double(summaryField)
                    case 3:
                        var quantile = (0.0, 0.0)
                        for (qNumber, qField) in try fields(try message(summaryField)) {
                            if qNumber == 1 { quantile.0 = try double(qField) } else { quantile.1 = try double(qField) }
                        }
                        summary.quantiles.append(quantile)
                    default: throw Malformed(description: "Summary field \(summaryNumber)")
                    }
                }
                metric.summary = summary
            case 7:
                var histogram = Histogram()
                for (hNumber, hField) in try fields(try message(field)) {
                    switch hNumber {
                    case 1: histogram.count = try uint(hField)
                    case 2: histogram.sum = try double(hField)
                    case 5: histogram.schema = Int32(truncatingIfNeeded: zigzag(try uint(hField)))
                    case 6: histogram.zeroThreshold = try double(hField)
                    case 7: histogram.zeroCount = try uint(hField)
                    case 9: histogram.negativeSpans.append(try span(try message(hField)))
                    case 10: histogram.negativeDeltas.append(zigzag(try uint(hField)))
                    case 12: histogram.positiveSpans.append(try span(try message(hField)))
                    case 13: histogram.positiveDeltas.append(zigzag(try uint(hField)))
                    default: throw Malformed(description: "Histogram field \(hNumber)")
                    }
                }
                metric.histogram = histogram
            default: throw Malformed(description: "Metric field \(number)")
            }
        }
        return metric
    }

    static func span(_ bytes: [UInt8]) throws -> Span {
        var span = Span(offset: 0, length: 0)
        for (number, field) in try fields(bytes) {
            if number == 1 {
                span.offset = Int32(truncatingIfNeeded: zigzag(try uint(field)))
            } else if number == 2 {
                span.length = UInt32(truncatingIfNeeded: try uint(field))
            }
        }
        return span
    }
}

extension ProtoReader.Family {
    /// Every sample the family stands for, as text would name it: `name{labels}` for gauges,
    /// counters and untyped; a summary's quantiles, `_sum` and `_count`.
    var sampleIdentities: Set<String> {
        var identities = Set<String>()
        for metric in metrics {
            if metric.summary != nil {
                for quantile in metric.summary!.quantiles {
                    var labels = metric.labels
                    labels["quantile"] = PrometheusFormat.formatValue(quantile.0)
                    identities.insert(seriesIdentity(name, labels))
                }
                identities.insert(seriesIdentity(name + "_sum", metric.labels))
                identities.insert(seriesIdentity(name + "_count", metric.labels))
            } else if metric.histogram != nil {
                identities.insert(seriesIdentity(name, metric.labels))
            } else {
                identities.insert(seriesIdentity(name, metric.labels))
            }
        }
        return identities
    }
}

/// `name{a=x,b=y}` with labels sorted, for comparing series across formats.
func seriesIdentity(_ name: String, _ labels: [String: String]) -> String {
    name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
}

/// A strict-enough reader of OpenMetrics 1.0 text: metadata per family before its samples,
/// each family once, samples named as their type allows, `# EOF` last and nothing after.
struct OpenMetricsExposition {
    struct Family {
        var name: String
        var type: String
        var help: String?
        var samples: [Exposition.Sample]
    }

    var families: [Family] = []

    init(_ text: String) throws {
        guard text.hasSuffix("# EOF\n") else { throw Exposition.Problem.line(0, "no # EOF at the end") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        var names = Set<String>()
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            let line = String(raw)
            if line == "# EOF" {
                guard number == lines.count else { throw Exposition.Problem.line(number, "# EOF before the end") }
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                guard parts.count == 2 else { throw Exposition.Problem.line(number, "bad TYPE") }
                let name = String(parts[0])
                guard
                    ["counter", "gauge", "summary", "histogram", "info", "unknown", "stateset", "gaugehistogram"]
                        .contains(String(parts[1]))
                else {
                    throw Exposition.Problem.line(number, "type \(parts[1])")
                }
                guard names.insert(name).inserted else { throw Exposition.Problem.line(number, "family \(name) twice") }
                families.append(Family(name: name, type: String(parts[1]), help: nil, samples: []))
                continue
            }
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " "), String(rest[..<space]) == families.last?.name else {
                    throw Exposition.Problem.line(number, "HELP not after its TYPE")
                }
                families[families.count - 1].help = String(rest[rest.index(after: space)...])
                continue
            }
            guard !line.hasPrefix("#"), !line.isEmpty else {
                throw Exposition.Problem.line(number, "unexpected line \(line)")
            }
            guard let family = families.last else { throw Exposition.Problem.line(number, "sample before TYPE") }
            let sample = try Exposition.parseSample(line, line: number)
            let allowed: [String]
            switch family.type {
            case "counter": allowed = [family.name + "_total", family.name + "_created"]
            case "info": allowed = [family.name + "_info"]
            case "summary":
                allowed = [family.name, family.name + "_sum", family.name + "_count", family.name + "_created"]
            default: allowed = [family.name]
            }
            guard allowed.contains(sample.name) else {
                throw Exposition.Problem.line(
                    number, "sample \(sample.name) outside family \(family.name) (\(family.type))")
            }
            families[families.count - 1].samples.append(sample)
        }
    }

    var sampleIdentities: Set<String> {
        Set(families.flatMap { $0.samples.map { seriesIdentity($0.name, $0.labels) } })
    }

    func family(_ name: String) -> Family? { families.first { $0.name == name } }
}

extension Exposition {
    var sampleIdentities: Set<String> {
        Set(families.flatMap { $0.samples.map { seriesIdentity($0.name, $0.labels) } })
    }
}
