import ScalesNaming

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
///   series sorted by their labels.
/// - **Collisions.** Two stats never share a name, nor is either left out: when a stat's names
///   (its families, and a summary's `_sum` and `_count`) are taken by a stat earlier in path
///   order (`/web/byPath` and `/web/by_path` are both `web_by_path`; an int `requestsTotal`
///   beside a monotonic `requests`), the later one is exported as `<name>_2` (`_3`, …).
///   ``Registry/renderPrometheus(at:namespace:)`` counts each such name once in
///   ``RegistryHealth/nameCollisions``. The generator rejects such pairs at build time.
///
/// Strings and bools are exported because a version string as an info gauge and a flag as 1/0
/// are what Prometheus users expect; a string that changes often (a state) makes a new series
/// per value, which Prometheus handles but which a `histogram` aggregation counts better.
public enum PrometheusFormat {
    /// The `Content-Type` of the text format: `text/plain; version=0.0.4; charset=utf-8`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The snapshot as exposition text: every stat below its root, named by its full path.
    ///
    /// A snapshot a registry took (``Registry/snapshot(at:)``) is rendered from what that
    /// registry worked out for its tree's shape (the names, HELP and TYPE lines, the order),
    /// with the snapshot's own values, as ``Registry/renderPrometheus(at:namespace:)`` does; a
    /// snapshot made by hand, or one older than the tree's current shape, is worked out here
    /// in full. The text is the same either way.
    ///
    /// - Parameters:
    ///   - snapshot: The tree to render (the whole registry, or a subtree).
    ///   - namespace: An optional first name part, such as the application's name.
    /// - Returns: Text ending in a newline (empty when there is no sample).
    public static func render(_ snapshot: Snapshot, namespace: String? = nil) -> String {
        renderCountingCollisions(snapshot, namespace: namespace).text
    }

    /// ``render(_:namespace:)``, and the names that collided (see **Collisions** above).
    static func renderCountingCollisions(_ snapshot: Snapshot, namespace: String?) -> (text: String, collisions: [String]) {
        let (bytes, collisions) = renderBytesCountingCollisions(snapshot, namespace: namespace, format: .prometheusText)
        return (String(decoding: bytes, as: UTF8.self), collisions)
    }

    /// The snapshot in `format` (see ``ExpositionFormat``), and the names that collided.
    static func renderBytesCountingCollisions(
        _ snapshot: Snapshot, namespace: String?, format: ExpositionFormat
    ) -> (bytes: [UInt8], collisions: [String]) {
        // A registry's snapshot: the names, order and HELP lines its registry worked out for
        // the tree's shape, with this snapshot's values (the same bytes; a layout that splits
        // has no collisions).
        if let registry = snapshot.registry,
            let bytes = registry.renderFromLayout(snapshot, shape: snapshot.shape, namespace: namespace, format: format)
        {
            return (bytes, [])
        }
        var writer = PrometheusWriter(format: format)
        let (prefix, pattern) = rootPrefix(snapshot.path, namespace: namespace)
        writer.walk(snapshot.root, prefix: prefix, labels: PrometheusLabels(), pattern: pattern, isRoot: true)
        var out: [UInt8] = []
        _ = writer.writeFamilies(into: &out)
        if format == .openMetrics { out.append(contentsOf: "# EOF\n".utf8) }
        return (out, writer.collisions)
    }

    /// The name prefix and HELP pattern of the segments above a snapshot's root.
    static func rootPrefix(_ path: StatPath, namespace: String?) -> (prefix: String, pattern: String) {
        var prefix = ""
        if let namespace { prefix = joined(prefix, metricNamePart(namespace)) }
        var pattern = ""
        for segment in path.segments.dropLast() {
            prefix = joined(prefix, metricNamePart(segment.description))
            pattern += "/" + segment.description
        }
        return (prefix, pattern)
    }

    /// One path segment as a metric name part: snake case, only `[a-z0-9_]`, no leading,
    /// trailing or repeated `_` (may be empty).
    ///
    /// `byPath` → `by_path`, `HTTPServer` → `http_server`, `thread-{id}` → `thread_id`,
    /// `99percentile` → `99percentile`. The generator applies the same rule to reject, at build
    /// time, two stats whose names would collide.
    public static func metricNamePart(_ text: String) -> String {
        PrometheusNames.namePart(text)
    }

    /// `prefix_part`, or whichever is not empty.
    static func joined(_ prefix: String, _ part: String) -> String {
        PrometheusNames.joined(prefix, part)
    }

    /// A metric name: `_` in front if it would start with a digit; `scales` if empty.
    static func metricName(_ name: String) -> String {
        PrometheusNames.metricName(name)
    }

    /// A label name: like a name part, never empty, never starting with a digit.
    static func labelName(_ text: String) -> String {
        PrometheusNames.labelName(text)
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
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x5C || $0 == 0x7F }) else { return text }
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

/// Renders in three steps: the walk collects one entry per series (family name, kind, labels,
/// value); entries are sorted by family, labels and walk order; one pass writes the families,
/// each contiguous, with the conflict rules applied.
struct PrometheusWriter {
    enum Kind: String {
        case gauge, counter, summary

        /// The raw value, without making a `String`.
        var text: StaticString {
            switch self {
            case .gauge: return "gauge"
            case .counter: return "counter"
            case .summary: return "summary"
            }
        }
    }

    /// What ``writeFamilies(into:)`` writes; the walk, the names and the collision rule are
    /// the same for every format.
    let format: ExpositionFormat

    init(format: ExpositionFormat = .prometheusText) {
        self.format = format
    }

    /// Each entry's labels (by its `order`), kept only for the formats that need them apart
    /// (protobuf); the text formats use the rendered `key`.
    var labelSets: [PrometheusLabels] = []
    /// OpenMetrics: names written elsewhere in the same exposition (a layout's other half), which
    /// a counter's or info's family name without its suffix must not take.
    var openMetricsTaken: Set<String> = []

    /// HELP text, written at output time: the doc, or `scales <kind> <pattern>`; plus a note.
    struct Help {
        var doc: String?
        var kind: StaticString
        var pattern: String
        var statName: String?
        var note: StaticString?
        var unit: String?
    }

    enum Sample {
        case value(String)
        /// An index into `pmfs`.
        case pmf(Int)
        /// Layout mode: a value written at render time (an index into the layout's holes).
        case hole(Int)
    }

    struct Entry {
        var family: String
        /// The stat's base name and how the family is made from it (to rename it on a collision).
        var base: String
        var suffix: FamilySuffix
        /// The stat the entry belongs to (all instances of one pattern, with one shape, are one).
        var owner: Int
        var kind: Kind
        /// Walk order: the first entry of a name decides its family's kind.
        var order: Int
        /// Rendered labels, `{a="x"}` or `""`.
        var key: String
        var sample: Sample
        /// An index into `helps`.
        var help: Int
    }

    // Entries stay small (they are sorted); pmf figures and help texts live beside them.
    var entries: [Entry] = []
    var pmfs: [PmfSnapshot] = []
    var helps: [Help] = []
    /// A stat as the collision rule sees it: all instances of one pattern, with one shape.
    private struct OwnerKey: Hashable {
        var pattern: String
        var statName: String?
        var shape: ExportShape
    }
    /// Owners by key, and each owner's shape and first base name.
    private var ownerIDs: [OwnerKey: Int] = [:]
    private var ownerShapes: [ExportShape] = []
    private var ownerBases: [String?] = []
    /// Owners made in a container whose pattern no earlier container had, not yet in
    /// `ownerIDs`: their keys cannot have been seen, so they are hashed only when a later
    /// lookup needs them (a second instance of a template, a labelled series).
    private var pendingOwners: [(key: OwnerKey, owner: Int)] = []
    /// The patterns of the containers walked so far.
    private var seenPatterns: Set<String> = []
    /// Whether the container being walked is the first with its pattern.
    private var patternIsFresh = false
    /// Set when one owner's entries have different base names (labelled series with different
    /// units): ``writeFamilies(into:)`` then runs the whole collision rule, which renames them.
    private var ownerBasesDiffer = false
    /// The base names that collided with another stat's names (and were renamed), and the
    /// families that had a series twice, in the last ``writeFamilies(into:)``.
    var collisions: [String] = []
    /// The owner of the stat being emitted.
    private var currentOwner = 0

    // Layout mode (``PrometheusLayout``): the stats whose places are in `holes` become
    // series whose values are written at render time; the others are set aside in `dynamic`.
    var holes: [[Int]: Int]?
    var dynamic: [PrometheusLayout.DynamicStat] = []
    /// The hole the scalar being emitted fills, in layout mode.
    private var currentHole: Int?
    private var place: [Int] = []
    /// Where each hole's value goes in the output, in output order.
    var holeOffsets: [(offset: Int, hole: Int)] = []

    mutating func walk(_ node: SnapshotNode, prefix: String, labels: PrometheusLabels, pattern: String, isRoot: Bool) {
        switch node {
        case .container(let container):
            var prefix = prefix
            var labels = labels
            var pattern = pattern
            if !(isRoot && container.name.isEmpty) {
                if let instance = container.instance, case .template(let before, let placeholder, let after) = instance.template {
                    prefix = PrometheusFormat.joined(prefix, PrometheusFormat.metricNamePart(before + after))
                    labels = labels.adding(placeholder, instance.id)
                    pattern += "/" + instance.template.description
                } else {
                    if container.addsToExportedNames {
                        prefix = PrometheusFormat.joined(prefix, PrometheusFormat.metricNamePart(container.name))
                    }
                    pattern += "/" + container.name
                }
            }
            let fresh = seenPatterns.insert(pattern).inserted
            for (index, child) in container.children.enumerated() {
                if holes != nil { place.append(index) }
                patternIsFresh = fresh
                walk(child, prefix: prefix, labels: labels, pattern: pattern, isRoot: false)
                if holes != nil { place.removeLast() }
            }
        case .stat(let stat):
            var labels = labels
            let name: String
            let statName: String?
            if let statLabels = stat.labels {
                // One labelled series of a family named by the parent container.
                for label in statLabels { labels = labels.adding(label.name, label.value) }
                name = PrometheusNames.withUnit(PrometheusFormat.metricName(prefix), stat.unit)
                statName = nil
            } else {
                let base = PrometheusFormat.metricName(Self.joined(prefix, PrometheusFormat.metricNamePart(stat.name)))
                name = PrometheusNames.withUnit(base, stat.unit)
                statName = stat.name
            }
            let meta = Meta(doc: stat.doc, pattern: pattern, statName: statName, unit: stat.unit, keyLabel: stat.keyLabel)
            if let holes {
                guard let hole = holes[place] else {
                    dynamic.append(.init(place: place, name: name, labels: labels, meta: meta))
                    return
                }
                currentHole = hole
                defer { currentHole = nil }
                emit(stat.value, name: name, labels: labels, meta)
            } else {
                emit(stat.value, name: name, labels: labels, meta)
            }
        }
    }

    /// A scalar's sample: its text, or in layout mode the hole it fills.
    private func scalar(_ text: @autoclosure () -> String) -> Sample {
        if let currentHole { return .hole(currentHole) }
        return .value(text())
    }

    /// What a stat's lines say besides its value: its help, and its export hints.
    struct Meta: Sendable {
        var doc: String?
        var pattern: String
        var statName: String?
        /// Base unit, already in the name; also said in HELP.
        var unit: String?
        /// The label name of a dict's keys (`key` when `nil`).
        var keyLabel: String?
    }

    mutating func emit(_ value: StatValue, name: String, labels: PrometheusLabels, _ meta: Meta) {
        func help(_ kind: StaticString, _ note: StaticString? = nil) -> Int {
            helps.append(Help(doc: meta.doc, kind: kind, pattern: meta.pattern, statName: meta.statName, note: note, unit: meta.unit))
            return helps.count - 1
        }
        let keyLabel = meta.keyLabel ?? "key"
        guard let shape = Self.shape(of: value) else { return }
        let ownerKey = OwnerKey(pattern: meta.pattern, statName: meta.statName, shape: shape)
        if patternIsFresh, meta.statName != nil {
            // A named stat in the first container of its pattern: a new owner (names are
            // unique in a container).
            currentOwner = ownerShapes.count
            ownerShapes.append(shape)
            ownerBases.append(nil)
            pendingOwners.append((ownerKey, currentOwner))
        } else {
            for pending in pendingOwners { ownerIDs[pending.key] = pending.owner }
            pendingOwners.removeAll(keepingCapacity: true)
            if let owner = ownerIDs[ownerKey] {
                currentOwner = owner
            } else {
                currentOwner = ownerShapes.count
                ownerIDs[ownerKey] = currentOwner
                ownerShapes.append(shape)
                ownerBases.append(nil)
            }
        }
        switch value {
        case .int(let number):
            add(name, .none, .gauge, labels, scalar(String(number)), help("int"))
        case .counter(let number):
            add(name, .total, .counter, labels, scalar(String(number)), help("counter"))
        case .double(let number):
            add(name, .none, .gauge, labels, scalar(PrometheusFormat.formatValue(number)), help("double"))
        case .doubleCounter(let number):
            // A counter's value is never non-finite (the cell drops such input; a hand-made one is left out).
            guard number.isFinite || currentHole != nil else { break }
            add(name, .total, .counter, labels, scalar(PrometheusFormat.formatValue(number)), help("counter"))
        case .bool(let flag):
            add(name, .none, .gauge, labels, scalar(flag ? "1" : "0"), help("bool"))
        case .string(let text):
            add(name, .info, .gauge, labels.adding("value", text), .value("1"), help("string"))
        case .absent:
            break
        case .intDict(let dict):
            let help = help("intDict")
            for (key, number) in dict {
                add(name, .none, .gauge, labels.adding(keyLabel, key), .value(String(number)), help)
            }
        case .stringDict(let dict):
            let help = help("stringDict")
            for (key, text) in dict {
                add(name, .info, .gauge, labels.adding(keyLabel, key).adding("value", text), .value("1"), help)
            }
        case .stateTime(let dict):
            let help = help("stateTime", " (seconds in each state)")
            for (state, seconds) in dict where seconds.isFinite {
                add(name, .secondsTotal, .counter, labels.adding("state", state), .value(PrometheusFormat.formatValue(seconds)), help)
            }
        case .pmf(let pmf):
            pmfs.append(pmf)
            add(name, .none, .summary, labels, .pmf(pmfs.count - 1), help("pmf"))
        case .pmfDict(let dict):
            let help = help("pmfDict")
            for (key, pmf) in dict {
                pmfs.append(pmf)
                add(name, .none, .summary, labels.adding(keyLabel, key), .pmf(pmfs.count - 1), help)
            }
        case .meter(let meter):
            addMeter(name, labels, meter, help("meter"), help("meter", " (events per second)"))
        case .meterDict(let dict):
            let (help, rateHelp) = (help("meterDict"), help("meterDict", " (events per second)"))
            for (key, meter) in dict {
                addMeter(name, labels.adding(keyLabel, key), meter, help, rateHelp)
            }
        }
    }

    /// How a value is exported (`nil`: not at all).
    static func shape(of value: StatValue) -> ExportShape? {
        switch value {
        case .int, .double, .bool, .intDict: return .gauge
        case .counter, .doubleCounter: return .counter
        case .string, .stringDict: return .info
        case .pmf, .pmfDict: return .summary
        case .meter, .meterDict: return .meter
        case .stateTime: return .stateTime
        case .absent: return nil
        }
    }

    static func suffixed(_ name: String, _ suffix: String) -> String {
        PrometheusNames.suffixed(name, suffix)
    }

    mutating func addMeter(_ name: String, _ labels: PrometheusLabels, _ meter: MeterSnapshot, _ help: Int, _ rateHelp: Int) {
        add(name, .total, .counter, labels, .value(String(meter.count)), help)
        let rates: [(String, Double)] = [("1m", meter.m1), ("5m", meter.m5), ("15m", meter.m15), ("mean", meter.meanRate)]
        for (window, value) in rates {
            add(name, .rate, .gauge, labels.adding("window", window), .value(PrometheusFormat.formatValue(value)), rateHelp)
        }
    }

    mutating func add(_ base: String, _ suffix: FamilySuffix, _ kind: Kind, _ labels: PrometheusLabels, _ sample: Sample, _ help: Int) {
        if let first = ownerBases[currentOwner] {
            if first != base { ownerBasesDiffer = true }
        } else {
            ownerBases[currentOwner] = base
        }
        entries.append(Entry(
            family: suffix.family(base), base: base, suffix: suffix, owner: currentOwner, kind: kind,
            order: entries.count, key: labels.text(), sample: sample, help: help))
        if format == .protobuf { labelSets.append(labels) }
    }

    /// Gives every stat names no other stat writes: in walk (path) order, a stat whose names
    /// (its families, and a summary's `_sum` and `_count`) are taken by another stat, or by
    /// instances of the same pattern of another kind, is renamed `base_2` (`_3`, …). Records
    /// the base names that collided in ``collisions``.
    private mutating func resolveCollisions() {
        var taken: [String: Int] = [:]
        var bases: [Int: String] = [:]
        for index in entries.indices {
            let owner = entries[index].owner
            if let base = bases[owner] {
                if base != entries[index].base { rename(index, to: base) }
                continue
            }
            let original = entries[index].base
            let shape = ownerShapes[owner]
            var base = original
            var attempt = 1
            while shape.names(base: base).contains(where: { taken[$0].map { $0 != owner } ?? false }) {
                attempt += 1
                base = PrometheusNames.renamed(original, attempt: attempt)
            }
            if attempt > 1 { collisions.append(original) }
            for name in shape.names(base: base) { taken[name] = owner }
            bases[owner] = base
            if base != original { rename(index, to: base) }
        }
    }

    /// Entry indices by family, labels and walk order.
    private func sortedEntries() -> [Int] {
        var sorted = Array(entries.indices)
        // Through a buffer: comparing `entries[a]` with `entries[b]` would copy both entries
        // (and retain their strings) at every comparison.
        entries.withUnsafeBufferPointer { entries in
            sorted.sort { a, b in
                if entries[a].family != entries[b].family { return entries[a].family < entries[b].family }
                if entries[a].key != entries[b].key { return entries[a].key < entries[b].key }
                return entries[a].order < entries[b].order
            }
        }
        return sorted
    }

    /// ``PrometheusNames/joined(_:_:)`` in one allocation (`prefix + "_" + part` makes two).
    static func joined(_ prefix: String, _ part: String) -> String {
        if part.isEmpty { return prefix }
        if prefix.isEmpty { return part }
        var (prefix, part) = (prefix, part)
        let count = prefix.utf8.count + 1 + part.utf8.count
        guard count > 15 else { return PrometheusNames.joined(prefix, part) }  // a small string: no allocation
        return prefix.withUTF8 { head in
            part.withUTF8 { tail in
                String(unsafeUninitializedCapacity: count) { buffer in
                    _ = buffer.initialize(fromContentsOf: head)
                    buffer[head.count] = 0x5F
                    _ = buffer[(head.count + 1)...].initialize(fromContentsOf: tail)
                    return count
                }
            }
        }
    }

    /// Whether two owners write a name (a family, or a summary's `_sum` or `_count`), given
    /// the entries sorted by family. When none does, ``resolveCollisions()`` renames nothing,
    /// so the common case skips it (and its hashing of every name).
    private func sharesNames(_ sorted: [Int]) -> Bool {
        let shared = entries.withUnsafeBufferPointer { entries in
            sorted.indices.dropFirst().contains { position in
                let (previous, index) = (sorted[position - 1], sorted[position])
                return entries[previous].owner != entries[index].owner && entries[previous].family == entries[index].family
            }
        }
        if shared { return true }
        for index in entries.indices where entries[index].kind == .summary {
            let base = entries[index].base
            for name in [base + "_sum", base + "_count"] {
                let found = firstPosition(ofFamily: name, in: sorted)
                if found < sorted.count, entries[sorted[found]].family == name { return true }
            }
        }
        return false
    }

    /// The first position in `sorted` whose family is not below `family`.
    private func firstPosition(ofFamily family: String, in sorted: [Int]) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let middle = (low + high) / 2
            if entries[sorted[middle]].family < family { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private mutating func rename(_ index: Int, to base: String) {
        entries[index].base = base
        entries[index].family = entries[index].suffix.family(base)
    }

    /// One family: its positions in the sorted order, and the kind and help of its earliest
    /// entry (`first`, an index into `entries`, which is walk order).
    struct Block {
        var range: Range<Int>
        var kind: Kind
        var first: Int
    }

    /// Writes the families in order; returns each family's name and bytes. Records where hole
    /// values go in `holeOffsets`.
    mutating func writeFamilies(into out: inout [UInt8]) -> [(family: String, range: Range<Int>)] {
        var sorted = sortedEntries()
        if ownerBasesDiffer || sharesNames(sorted) {
            resolveCollisions()
            sorted = sortedEntries()
        }
        let entries = self.entries
        // Families, each with the kind of its earliest entry.
        var blocks: [Block] = []
        entries.withUnsafeBufferPointer { entries in
            var start = 0
            while start < sorted.count {
                var end = start + 1
                var first = start
                while end < sorted.count, entries[sorted[end]].family == entries[sorted[start]].family {
                    if entries[sorted[end]].order < entries[sorted[first]].order { first = end }
                    end += 1
                }
                blocks.append(Block(range: start..<end, kind: entries[sorted[first]].kind, first: sorted[first]))
                start = end
            }
        }

        out.reserveCapacity(out.count + entries.count * 48 + blocks.count * 80)
        var families: [(family: String, range: Range<Int>)] = []
        families.reserveCapacity(blocks.count)
        var openMetricsNames: [String: Int] = [:]
        if format == .openMetrics { openMetricsNames = openMetricsNameCounts(blocks, sorted) }
        for block in blocks {
            let start = out.count
            defer { families.append((entries[block.first].family, start..<out.count)) }
            switch format {
            case .prometheusText: break
            case .openMetrics:
                writeOpenMetricsFamily(block, sorted, names: openMetricsNames, into: &out)
                continue
            case .protobuf:
                writeProtobufFamily(block, sorted, into: &out)
                continue
            }
            let family = entries[block.first].family
            out.append(contentsOf: "# HELP ".utf8)
            out.appendUTF8(family)
            out.append(0x20)
            Self.appendHelp(helps[entries[block.first].help], to: &out)
            out.append(contentsOf: "\n# TYPE ".utf8)
            out.appendUTF8(family)
            out.append(0x20)
            block.kind.text.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(0x0A)
            appendTextSamples(block, sorted, into: &out)
        }
        return families
    }

    /// A family's sample lines in the text formats (0.0.4 and OpenMetrics write the same).
    mutating func appendTextSamples(_ block: Block, _ sorted: [Int], into out: inout [UInt8]) {
        var previousKey: String?
        for position in block.range {
            if case .value(let value) = entries[sorted[position]].sample, block.range.count == 1 {
                // A family of one scalar series (most of them): no copy of the entry.
                Self.appendLine(entries[sorted[position]].family, entries[sorted[position]].key, nil, value, to: &out)
                continue
            }
            let entry = entries[sorted[position]]
            guard !isRepeated(entry, after: &previousKey) else { continue }
            switch entry.sample {
            case .value(let value):
                Self.appendLine(entry.family, entry.key, nil, value, to: &out)
            case .hole(let hole):
                Self.appendLine(entry.family, entry.key, nil, "", to: &out)
                holeOffsets.append((out.count - 1, hole))
            case .pmf(let pmfIndex):
                let pmf = pmfs[pmfIndex]
                let quantiles: [(String, Double?)] = [
                    ("quantile=\"0.5\"", pmf.median), ("quantile=\"0.75\"", pmf.p75), ("quantile=\"0.95\"", pmf.p95),
                    ("quantile=\"0.98\"", pmf.p98), ("quantile=\"0.99\"", pmf.p99), ("quantile=\"0.999\"", pmf.p999),
                ]
                for (label, value) in quantiles {
                    guard let value else { continue }
                    Self.appendLine(entry.family, entry.key, label, PrometheusFormat.formatValue(value), to: &out)
                }
                Self.appendLine(entry.family + "_sum", entry.key, nil, PrometheusFormat.formatValue(pmf.sum), to: &out)
                Self.appendLine(entry.family + "_count", entry.key, nil, String(pmf.count), to: &out)
            }
        }
    }

    /// Whether `entry` is the same series as the one before it in sorted order (one stat's
    /// labels repeated, as a bridge could make them): every format keeps the first and counts
    /// the family as a collision. Otherwise `entry`'s labels become `previousKey`.
    mutating func isRepeated(_ entry: Entry, after previousKey: inout String?) -> Bool {
        if entry.key == previousKey {
            collisions.append(entry.family)
            return true
        }
        previousKey = entry.key
        return false
    }

    /// `name{labels,extra} value\n`; `key` is the rendered labels (`{…}` or empty).
    static func appendLine(_ name: String, _ key: String, _ extra: String?, _ value: String, to out: inout [UInt8]) {
        out.appendUTF8(name)
        if let extra {
            if key.isEmpty {
                out.append(0x7B)
            } else {
                out.appendUTF8(key)
                out[out.count - 1] = 0x2C  // the key's `}`
            }
            out.appendUTF8(extra)
            out.append(0x7D)
        } else if !key.isEmpty {
            out.appendUTF8(key)
        }
        out.append(0x20)
        out.appendUTF8(value)
        out.append(0x0A)
    }

    /// How HELP text is written: escaped for text 0.0.4, escaped with `"` too for OpenMetrics,
    /// or as it is (protobuf).
    enum HelpEscaping {
        case text, openMetrics, raw
    }

    static func appendHelp(_ help: Help, to out: inout [UInt8], escaping: HelpEscaping = .text) {
        if let doc = help.doc, !doc.isEmpty {
            appendEscapedHelp(doc, to: &out, escaping)
        } else {
            out.append(contentsOf: "scales ".utf8)
            help.kind.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(0x20)
            appendEscapedHelp(help.pattern, to: &out, escaping)
            if let statName = help.statName {
                out.append(0x2F)
                appendEscapedHelp(statName, to: &out, escaping)
            }
        }
        help.note?.withUTF8Buffer { out.append(contentsOf: $0) }
        if let unit = help.unit {
            out.append(contentsOf: " (in ".utf8)
            appendEscapedHelp(unit, to: &out, escaping)
            out.append(0x29)
        }
    }

    static func appendEscapedHelp(_ text: String, to out: inout [UInt8], _ escaping: HelpEscaping = .text) {
        var text = text
        text.withUTF8 { bytes in
            // Most help text needs no escaping: one copy.
            let plain = escaping == .raw || !bytes.contains { byte in
                byte < 0x20 || byte == 0x5C || byte == 0x7F || (byte == 0x22 && escaping == .openMetrics)
            }
            if plain {
                out.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x22 where escaping == .openMetrics: out.append(0x5C); out.append(0x22)
                case 0..<0x20, 0x7F: out.append(0x20)
                default: out.append(byte)
                }
            }
        }
    }
}

extension [UInt8] {
    /// Appends `text`'s UTF-8 in one copy (`append(contentsOf: text.utf8)` goes byte by byte
    /// for small strings).
    mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }
}
