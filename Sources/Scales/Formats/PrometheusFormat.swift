/// Renders snapshots in the Prometheus text exposition format, version 0.0.4.
///
/// ```swift
/// let text = PrometheusFormat.render(registry.snapshot()!)
/// // serve with Content-Type: PrometheusFormat.contentType
/// ```
///
/// The mapping, deterministic for a given tree:
///
/// - **Names.** The path's segments, each turned to snake case (`byPath` → `by_path`), every
///   character outside `[a-z0-9_]` replaced by `_`, runs of `_` merged and trimmed, joined with
///   `_`: `/web/byPath` → `web_by_path`. A name that would start with a digit gets a leading `_`.
///   Names therefore match `[a-zA-Z_:][a-zA-Z0-9_:]*` (colons are never produced: Prometheus
///   keeps them for recording rules).
/// - **Templates become labels.** An instance of a templated collection contributes its
///   template's literal text to the name and its id as a label named after the placeholder:
///   `/handler/{id}/requests` with id `h1` → `handler_requests{id="h1"}`; `thread-{id}` → the
///   name part `thread` and the label `id`. Dict keys become the label `key` (`state` for a
///   `stateTime`). A labelled stat (``SnapshotStat/labels``, as the swift-metrics bridge makes
///   them) is one series of the family named by its parent container, with its labels. A label name that is already taken in the series, or is `quantile` or `le`,
///   gets `_2`, `_3`… appended.
/// - **Kinds.**
///   | kind | exported as |
///   |---|---|
///   | `int`, `double`, `bool` (1 or 0), `intDict`, `histogram`, `intDictSum` | gauge |
///   | monotonic `int` | counter `<name>_total` |
///   | `string` | info gauge `<name>_info{value="…"} 1` |
///   | `stringDict` | info gauge `<name>_info{key="…",value="…"} 1` |
///   | `pmf`, `pmfDict` | summary: `quantile` 0.5, 0.75, 0.95, 0.98, 0.99, 0.999 over the recent window (left out when the window is empty), `_sum` and `_count` over all values ever recorded |
///   | `meter`, `meterDict` | counter `<name>_total` (events) and gauge `<name>_rate{window="1m"|"5m"|"15m"|"mean"}` (per second) |
///   | `stateTime` | counter `<name>_seconds_total{state="…"}` |
///   | absent gauge value | no sample |
/// - **HELP** is the stat's doc, or `scales <kind> <path pattern>`; `\` and newlines are
///   escaped, other control characters become spaces. **Label values** escape `\`, `"` and
///   newline. Gauge and summary values may be `NaN`, `+Inf` or `-Inf`; counter values never are
///   (a non-finite one is left out).
/// - **Order.** Families sorted by name, each contiguous with one `# HELP` and one `# TYPE`;
///   series sorted by their labels. If two paths map to one name, the first in path order wins:
///   a later stat of another type, a later family whose sample names (`_sum`, `_count`, `_total`,
///   `_info`) are taken, and a repeated series are left out.
///
/// Strings and bools are exported because a version string as an info gauge and a flag as 1/0
/// are what Prometheus users expect; a string that changes often (a state) makes a new series
/// per value, which Prometheus handles but which a `histogram` aggregation counts better.
public enum PrometheusFormat {
    /// The `Content-Type` of the text format: `text/plain; version=0.0.4; charset=utf-8`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The snapshot as exposition text: every stat below its root, named by its full path.
    ///
    /// - Parameters:
    ///   - snapshot: The tree to render (the whole registry, or a subtree).
    ///   - namespace: An optional first name part, such as the application's name.
    /// - Returns: Text ending in a newline (empty when there is no sample).
    public static func render(_ snapshot: Snapshot, namespace: String? = nil) -> String {
        var writer = PrometheusWriter()
        var parts: [String] = []
        if let namespace {
            let part = metricNamePart(namespace)
            if !part.isEmpty { parts.append(part) }
        }
        var pattern = ""
        for segment in snapshot.path.segments.dropLast() {
            let part = metricNamePart(segment.description)
            if !part.isEmpty { parts.append(part) }
            pattern += "/" + segment.description
        }
        writer.walk(snapshot.root, parts: parts, labels: PrometheusLabels(), pattern: pattern, isRoot: true)
        return writer.output()
    }

    /// One path segment as a metric name part: snake case, only `[a-z0-9_]`, no leading,
    /// trailing or repeated `_` (may be empty).
    ///
    /// `byPath` → `by_path`, `HTTPServer` → `http_server`, `thread-{id}` → `thread_id`,
    /// `99percentile` → `99percentile`.
    public static func metricNamePart(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = ""
        out.reserveCapacity(scalars.count + 4)
        var lastWasUnderscore = true  // trims leading underscores
        func append(_ scalar: Unicode.Scalar) {
            if scalar == "_" {
                if lastWasUnderscore { return }
                lastWasUnderscore = true
            } else {
                lastWasUnderscore = false
            }
            out.unicodeScalars.append(scalar)
        }
        for (index, scalar) in scalars.enumerated() {
            if scalar.isASCIIUpper {
                if index > 0 {
                    let previous = scalars[index - 1]
                    let next: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
                    if previous.isASCIILower || previous.isASCIIDigit
                        || (previous.isASCIIUpper && (next?.isASCIILower ?? false))
                    {
                        append("_")
                    }
                }
                append(Unicode.Scalar(scalar.value + 32)!)
            } else if scalar.isASCIILower || scalar.isASCIIDigit {
                append(scalar)
            } else {
                append("_")
            }
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out
    }

    /// A metric name from its parts: joined with `_`, `_` in front if it would start with a digit.
    static func metricName(_ parts: [String]) -> String {
        let name = parts.filter { !$0.isEmpty }.joined(separator: "_")
        guard let first = name.unicodeScalars.first else { return "scales" }
        return first.isASCIIDigit ? "_" + name : name
    }

    /// A label name: like a name part, never empty, never starting with a digit.
    static func labelName(_ text: String) -> String {
        let part = metricNamePart(text)
        guard let first = part.unicodeScalars.first else { return "label" }
        return first.isASCIIDigit ? "_" + part : part
    }

    /// A label value with `\`, `"` and newline escaped.
    public static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// HELP text with `\` and newline escaped and other control characters replaced by spaces.
    public static func escapeHelp(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += " "
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A sample value: the shortest text that reads back as the same double; `NaN`, `+Inf`, `-Inf`.
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        return value.description
    }
}

extension Unicode.Scalar {
    var isASCIIUpper: Bool { value >= 0x41 && value <= 0x5A }
    var isASCIILower: Bool { value >= 0x61 && value <= 0x7A }
    var isASCIIDigit: Bool { value >= 0x30 && value <= 0x39 }
}

/// The labels of one series, in order, with unique names.
struct PrometheusLabels {
    static let reserved: Set<String> = ["quantile", "le"]
    var pairs: [(name: String, value: String)] = []

    /// Adds a label; a name already present or reserved gets `_2`, `_3`… appended.
    func adding(_ rawName: String, _ value: String) -> PrometheusLabels {
        let base = PrometheusFormat.labelName(rawName)
        var name = base
        var suffix = 2
        while Self.reserved.contains(name) || pairs.contains(where: { $0.name == name }) {
            name = base + "_" + String(suffix)
            suffix += 1
        }
        var copy = self
        copy.pairs.append((name, value))
        return copy
    }

    /// `{a="x",b="y"}`, or `""` without labels; `extra` (already escaped) is added last.
    func text(extra: String? = nil) -> String {
        if pairs.isEmpty, extra == nil { return "" }
        var out = "{"
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out += "," }
            out += pair.name
            out += "=\""
            out += PrometheusFormat.escapeLabelValue(pair.value)
            out += "\""
        }
        if let extra {
            if !pairs.isEmpty { out += "," }
            out += extra
        }
        out += "}"
        return out
    }
}

/// Collects families while walking a snapshot, then writes them sorted.
struct PrometheusWriter {
    enum Kind: String {
        case gauge, counter, summary
    }

    struct Family {
        let kind: Kind
        let help: String
        /// Series groups: the sort key (base labels) and the lines of that series.
        var groups: [(key: String, lines: String)] = []
    }

    var families: [String: Family] = [:]
    /// Which family owns each sample name (`x`, `x_sum`, `x_count`…).
    var owners: [String: String] = [:]
    /// Families refused because their sample names were taken.
    var refused: Set<String> = []
    /// Series already written: sample name plus labels.
    var seen: Set<String> = []

    mutating func walk(_ node: SnapshotNode, parts: [String], labels: PrometheusLabels, pattern: String, isRoot: Bool) {
        switch node {
        case .container(let container):
            var parts = parts
            var labels = labels
            var pattern = pattern
            if !(isRoot && container.name.isEmpty) {
                if let instance = container.instance, case .template(let prefix, let placeholder, let suffix) = instance.template {
                    let part = PrometheusFormat.metricNamePart(prefix + suffix)
                    if !part.isEmpty { parts.append(part) }
                    labels = labels.adding(placeholder, instance.id)
                    pattern += "/" + instance.template.description
                } else {
                    let part = PrometheusFormat.metricNamePart(container.name)
                    if !part.isEmpty { parts.append(part) }
                    pattern += "/" + container.name
                }
            }
            for child in container.children {
                walk(child, parts: parts, labels: labels, pattern: pattern, isRoot: false)
            }
        case .stat(let stat):
            if let statLabels = stat.labels {
                // One labelled series of a family named by the parent container.
                var labels = labels
                for label in statLabels { labels = labels.adding(label.name, label.value) }
                emit(stat.value, name: PrometheusFormat.metricName(parts), labels: labels, doc: stat.doc, pattern: pattern)
                return
            }
            let part = PrometheusFormat.metricNamePart(stat.name)
            let name = PrometheusFormat.metricName(part.isEmpty ? parts : parts + [part])
            emit(stat.value, name: name, labels: labels, doc: stat.doc, pattern: pattern + "/" + stat.name)
        }
    }

    mutating func emit(_ value: StatValue, name: String, labels: PrometheusLabels, doc: String?, pattern: String) {
        func help(_ kind: String, _ note: String = "") -> String {
            if let doc, !doc.isEmpty { return doc + note }
            return "scales \(kind) \(pattern)\(note)"
        }
        switch value {
        case .int(let number):
            add(name, .gauge, help("int"), labels, [(name, nil, String(number))])
        case .counter(let number):
            let counter = Self.suffixed(name, "_total")
            add(counter, .counter, help("counter"), labels, [(counter, nil, String(number))])
        case .double(let number):
            add(name, .gauge, help("double"), labels, [(name, nil, PrometheusFormat.formatValue(number))])
        case .bool(let flag):
            add(name, .gauge, help("bool"), labels, [(name, nil, flag ? "1" : "0")])
        case .string(let text):
            let info = Self.suffixed(name, "_info")
            add(info, .gauge, help("string"), labels.adding("value", text), [(info, nil, "1")])
        case .absent:
            break
        case .intDict(let dict):
            for (key, number) in dict {
                add(name, .gauge, help("intDict"), labels.adding("key", key), [(name, nil, String(number))])
            }
        case .stringDict(let dict):
            let info = Self.suffixed(name, "_info")
            for (key, text) in dict {
                add(info, .gauge, help("stringDict"), labels.adding("key", key).adding("value", text), [(info, nil, "1")])
            }
        case .stateTime(let dict):
            let counter = Self.suffixed(Self.suffixed(name, "_seconds"), "_total")
            for (state, seconds) in dict where seconds.isFinite {
                add(counter, .counter, help("stateTime", " (seconds in each state)"), labels.adding("state", state),
                    [(counter, nil, PrometheusFormat.formatValue(seconds))])
            }
        case .pmf(let pmf):
            addSummary(name, help("pmf"), labels, pmf)
        case .pmfDict(let dict):
            for (key, pmf) in dict {
                addSummary(name, help("pmfDict"), labels.adding("key", key), pmf)
            }
        case .meter(let meter):
            addMeter(name, help("meter"), labels, meter)
        case .meterDict(let dict):
            for (key, meter) in dict {
                addMeter(name, help("meterDict"), labels.adding("key", key), meter)
            }
        }
    }

    static func suffixed(_ name: String, _ suffix: String) -> String {
        name.hasSuffix(suffix) ? name : name + suffix
    }

    mutating func addSummary(_ name: String, _ help: String, _ labels: PrometheusLabels, _ pmf: PmfSnapshot) {
        var samples: [(String, String?, String)] = []
        for (quantile, value) in pmf.quantiles {
            guard let value else { continue }
            samples.append((name, "quantile=\"\(quantile)\"", PrometheusFormat.formatValue(value)))
        }
        samples.append((name + "_sum", nil, PrometheusFormat.formatValue(pmf.sum)))
        samples.append((name + "_count", nil, String(pmf.count)))
        add(name, .summary, help, labels, samples)
    }

    mutating func addMeter(_ name: String, _ help: String, _ labels: PrometheusLabels, _ meter: MeterSnapshot) {
        let counter = Self.suffixed(name, "_total")
        add(counter, .counter, help, labels, [(counter, nil, String(meter.count))])
        let rate = name + "_rate"
        let rates: [(String, Double)] = [("1m", meter.m1), ("5m", meter.m5), ("15m", meter.m15), ("mean", meter.meanRate)]
        for (window, value) in rates {
            add(rate, .gauge, help + " (events per second)", labels.adding("window", window),
                [(rate, nil, PrometheusFormat.formatValue(value))])
        }
    }

    /// Adds one series (its sample lines) to family `family`, creating the family if needed.
    mutating func add(
        _ family: String, _ kind: Kind, _ help: @autoclosure () -> String, _ labels: PrometheusLabels,
        _ samples: [(name: String, extra: String?, value: String)]
    ) {
        if refused.contains(family) { return }
        if let existing = families[family] {
            guard existing.kind == kind else { return }
        } else {
            let names = Self.sampleNames(family, kind)
            if names.contains(where: { owners[$0] != nil && owners[$0] != family }) {
                refused.insert(family)
                return
            }
            for sampleName in names { owners[sampleName] = family }
            families[family] = Family(kind: kind, help: help())
        }
        let key = labels.text()
        guard seen.insert(family + key).inserted else { return }
        var lines = ""
        for sample in samples {
            lines += sample.name
            lines += sample.extra == nil ? key : labels.text(extra: sample.extra)
            lines += " "
            lines += sample.value
            lines += "\n"
        }
        families[family]?.groups.append((key, lines))
    }

    static func sampleNames(_ family: String, _ kind: Kind) -> [String] {
        switch kind {
        case .gauge, .counter: return [family]
        case .summary: return [family, family + "_sum", family + "_count"]
        }
    }

    func output() -> String {
        var out = ""
        out.reserveCapacity(families.count * 128)
        for name in families.keys.sorted() {
            guard let family = families[name], !family.groups.isEmpty else { continue }
            out += "# HELP "
            out += name
            out += " "
            out += PrometheusFormat.escapeHelp(family.help)
            out += "\n# TYPE "
            out += name
            out += " "
            out += family.kind.rawValue
            out += "\n"
            for group in family.groups.sorted(by: { $0.key < $1.key }) {
                out += group.lines
            }
        }
        return out
    }
}
