import NIOCore
import Scales
import ScalesNaming

/// Turns a ``Snapshot`` into carbon plaintext lines: `prefix.segment.segment value timestamp\n`.
///
/// - One timestamp per push: the snapshot's, in whole seconds.
/// - Numbers only: `int` and `monotonic` as integers, `double` as the shortest text that reads
///   back as the same number, `bool` as `1`/`0`. Strings, string dicts and absent gauges are not
///   sent. NaN and infinity are never sent.
/// - A dict's keys, a `pmf`'s figures (`count`, `min`, `max`, `mean`, `stddev`, `median`,
///   `75percentile`, `95percentile`, `98percentile`, `99percentile`, `999percentile`, named as
///   in scales' JSON) and a `meter`'s (`count`, `m1`, `m5`, `m15`, `mean`) are sub-paths; a
///   `pmf`'s window figures are left out while its window is empty. A `stateTime` sends seconds
///   per state.
/// - Rules (``GraphiteRules``) are applied to each value's unsanitized path; prune rules to
///   every node on the way down.
/// - Two values never share a name: when sanitizing makes a value's name one already written in
///   this push (dict keys `a.b` and `a-b` both become `a-b`), the later one (in path order) is
///   sent as `a-b_2` (`_3`, …), and the name is reported so the registry counts it once in
///   `RegistryHealth.nameCollisions`.
struct PlaintextEncoder {
    let prefix: [UInt8]
    let rules: GraphiteRules

    /// What one encoding produced.
    struct Result {
        var lines = 0
        var skippedNames = 0
        /// Names that two values would have shared (the later was sent with `_2`, …).
        var collisions: [String] = []
    }

    init(prefix: String, rules: GraphiteRules) {
        self.prefix = Array(prefix.utf8)
        self.rules = rules
    }

    /// Appends the lines for `snapshot` to `buffer`.
    func encode(_ snapshot: Snapshot, into buffer: inout ByteBuffer) -> Result {
        var walker = Walker(encoder: self, buffer: buffer, timestamp: Self.timestampText(snapshot.timestamp))
        buffer = ByteBuffer()  // let the walker own the storage uniquely while it writes
        let names = snapshot.path.segments.map(\.description)
        if names.isEmpty {
            if case .container(let root) = snapshot.root {
                for child in root.children { walker.visit(child) }
            } else {
                walker.visit(snapshot.root)
            }
        } else {
            for name in names.dropLast() { walker.enter(name) }
            walker.visit(snapshot.root)
        }
        buffer = walker.buffer
        return walker.result
    }

    static func timestampText(_ timestamp: Double) -> [UInt8] {
        let seconds = timestamp.isFinite && timestamp > 0 && timestamp < 1e15 ? Int(timestamp.rounded(.down)) : -1
        return Array(" \(seconds)\n".utf8)
    }

    /// Depth-first walk keeping the raw path (for rules) and the sanitized name (for output).
    struct Walker {
        let encoder: PlaintextEncoder
        var buffer: ByteBuffer
        let timestamp: [UInt8]
        var result = Result()
        /// Raw segments from the root.
        var segments: [String] = []
        /// `segments` joined with `/`, one entry per depth (index 0 is the empty root).
        var joined: [String] = [""]
        /// Prefix plus sanitized segments, each followed by a dot.
        var name: [UInt8]
        /// `name.count` before each segment was entered.
        var nameMarks: [Int] = []
        /// Depth at which a segment was too long (everything below is skipped), if any.
        var tooLongAt: Int?
        /// Every name written so far in this push.
        var written = Set<[UInt8]>()

        init(encoder: PlaintextEncoder, buffer: ByteBuffer, timestamp: [UInt8]) {
            self.encoder = encoder
            self.buffer = buffer
            self.timestamp = timestamp
            self.name = encoder.prefix
        }

        func path(with child: String) -> String {
            let parent = joined[joined.count - 1]
            return parent.isEmpty ? child : parent + "/" + child
        }

        mutating func enter(_ segment: String) {
            let path = path(with: segment)
            segments.append(segment)
            joined.append(path)
            nameMarks.append(name.count)
            let before = name.count
            GraphiteNames.append(segment, to: &name)
            if tooLongAt == nil, name.count - before > GraphiteNaming.maxSegmentBytes { tooLongAt = segments.count }
            name.append(UInt8(ascii: "."))
        }

        mutating func leave() {
            if tooLongAt == segments.count { tooLongAt = nil }
            segments.removeLast()
            joined.removeLast()
            name.removeSubrange(nameMarks.removeLast()...)
        }

        /// Enters `segment` unless a prune rule stops there; runs `body` inside it.
        mutating func within(_ segment: String, _ body: (inout Walker) -> Void) {
            segments.append(segment)
            let pruned = encoder.rules.prunes(segments: segments, joined: path(with: segment))
            segments.removeLast()
            if pruned { return }
            enter(segment)
            body(&self)
            leave()
        }

        mutating func visit(_ node: SnapshotNode) {
            switch node {
            case .container(let container):
                within(container.name) { walker in
                    for child in container.children { walker.visit(child) }
                }
            case .stat(let stat):
                visit(stat.name, stat.value)
            }
        }

        mutating func visit(_ statName: String, _ value: StatValue) {
            switch value {
            case .int(let number), .counter(let number):
                leaf(statName, .int(number))
            case .double(let number), .doubleCounter(let number):
                leaf(statName, .double(number))
            case .bool(let flag):
                leaf(statName, .int(flag ? 1 : 0))
            case .string, .stringDict, .absent:
                return
            case .intDict(let dict):
                within(statName) { walker in
                    for key in dict.keys.sorted() { walker.leaf(key, .int(dict[key] ?? 0)) }
                }
            case .stateTime(let dict):
                within(statName) { walker in
                    for key in dict.keys.sorted() { walker.leaf(key, .double(dict[key] ?? .nan)) }
                }
            case .pmf(let pmf):
                within(statName) { $0.pmf(pmf) }
            case .pmfDict(let dict):
                keyed(statName, dict) { $0.pmf($1) }
            case .meter(let meter):
                within(statName) { $0.meter(meter) }
            case .meterDict(let dict):
                keyed(statName, dict) { $0.meter($1) }
            }
        }

        /// A keyed pmf's or meter's entries, by key, each a level of its own below `statName`.
        mutating func keyed<Value>(_ statName: String, _ dict: [String: Value], _ fields: (inout Self, Value) -> Void) {
            within(statName) { walker in
                for key in dict.keys.sorted() {
                    guard let value = dict[key] else { continue }
                    walker.within(key) { fields(&$0, value) }
                }
            }
        }

        mutating func pmf(_ pmf: PmfSnapshot) {
            leaf("count", .int(pmf.count))
            for field in pmf.fields {
                if let value = field.value { leaf(field.name, .double(value)) }
            }
        }

        mutating func meter(_ meter: MeterSnapshot) {
            leaf("count", .int(meter.count))
            leaf("m1", .double(meter.m1))
            leaf("m5", .double(meter.m5))
            leaf("m15", .double(meter.m15))
            leaf("mean", .double(meter.meanRate))
        }

        enum Number {
            case int(Int)
            case double(Double)

            var asDouble: Double {
                switch self {
                case .int(let value): return Double(value)
                case .double(let value): return value
                }
            }
        }

        /// Writes one line for the value `leafName` under the current path, if it is finite,
        /// not pruned and allowed.
        mutating func leaf(_ leafName: String, _ number: Number) {
            if case .double(let value) = number, !value.isFinite { return }
            segments.append(leafName)
            defer { segments.removeLast() }
            let joinedPath = path(with: leafName)
            let rules = encoder.rules
            if rules.prunes(segments: segments, joined: joinedPath) { return }
            guard rules.allows(segments: segments, joined: joinedPath, value: number.asDouble) else { return }
            let mark = name.count
            defer { name.removeSubrange(mark...) }
            GraphiteNames.append(leafName, to: &name)
            if tooLongAt != nil || name.count - mark > GraphiteNaming.maxSegmentBytes
                || name.count > GraphiteNaming.maxNameBytes
            {
                result.skippedNames += 1
                return
            }
            if !written.insert(name).inserted {
                let original = String(decoding: name[encoder.prefix.count...], as: UTF8.self)
                let stem = name
                var attempt = 2
                repeat {
                    name = stem + Array("_\(attempt)".utf8)
                    attempt += 1
                } while !written.insert(name).inserted
                result.collisions.append(original)
            }
            buffer.writeBytes(name)
            buffer.writeInteger(UInt8(ascii: " "))
            switch number {
            case .int(let value): buffer.writeString(String(value))
            case .double(let value): buffer.writeString(value.description)
            }
            buffer.writeBytes(timestamp)
            result.lines += 1
        }
    }
}
