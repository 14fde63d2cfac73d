// The Prometheus writer: its entries and state, and the walk that turns a snapshot tree into
// one entry per series (names, labels, HELP; a layout's holes).

import ScalesNaming

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
        /// A value written at render time: an index into the layout's holes (`emitHole`).
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
    private(set) var ownerShapes: [ExportShape] = []
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
    private(set) var ownerBasesDiffer = false
    /// The base names that collided with another stat's names (and were renamed), and the
    /// families that had a series twice, in the last ``writeFamilies(into:)``.
    var collisions: [String] = []
    /// The owner of the stat being emitted.
    private var currentOwner = 0

    /// The hole the scalar being emitted fills (see ``emitHole(_:kind:name:labels:_:)``).
    private var currentHole: Int?
    /// Where each hole's value goes in the output, in output order.
    var holeOffsets: [(offset: Int, hole: Int)] = []

    /// What is done with a stat once the walk has worked out its name, labels and help: it is
    /// emitted, unless a caller does something else (a layout leaves a hole for a number, or
    /// sets aside a stat whose lines depend on its value, ``PrometheusLayout``).
    typealias StatVisitor = (inout PrometheusWriter, SnapshotStat, _ name: String, PrometheusLabels, Meta) -> Void

    mutating func walk(_ node: SnapshotNode, prefix: String, labels: PrometheusLabels, pattern: String, isRoot: Bool) {
        walk(node, prefix: prefix, labels: labels, pattern: pattern, isRoot: isRoot) {
            writer, stat, name, labels, meta in
            writer.emit(stat.value, name: name, labels: labels, meta)
        }
    }

    mutating func walk(
        _ node: SnapshotNode, prefix: String, labels: PrometheusLabels, pattern: String, isRoot: Bool,
        visit: StatVisitor
    ) {
        switch node {
        case .container(let container):
            var prefix = prefix
            var labels = labels
            var pattern = pattern
            if !(isRoot && container.name.isEmpty) {
                if let instance = container.instance,
                    case .template(let before, let placeholder, let after) = instance.template
                {
                    prefix = PrometheusNames.joined(prefix, PrometheusNames.namePart(before + after))
                    labels = labels.adding(placeholder, instance.id)
                    pattern += "/" + instance.template.description
                } else {
                    if container.addsToExportedNames {
                        prefix = PrometheusNames.joined(prefix, PrometheusNames.namePart(container.name))
                    }
                    pattern += "/" + container.name
                }
            }
            let fresh = seenPatterns.insert(pattern).inserted
            for child in container.children {
                patternIsFresh = fresh
                walk(child, prefix: prefix, labels: labels, pattern: pattern, isRoot: false, visit: visit)
            }
        case .stat(let stat):
            var labels = labels
            let name: String
            let statName: String?
            if let statLabels = stat.labels {
                // One labelled series of a family named by the parent container.
                for label in statLabels { labels = labels.adding(label.name, label.value) }
                name = PrometheusNames.withUnit(PrometheusNames.metricName(prefix), stat.unit)
                statName = nil
            } else {
                let base = PrometheusNames.metricName(
                    PrometheusNames.joined(prefix, PrometheusNames.namePart(stat.name)))
                name = PrometheusNames.withUnit(base, stat.unit)
                statName = stat.name
            }
            let meta = Meta(
                doc: stat.doc, pattern: pattern, statName: statName, unit: stat.unit, keyLabel: stat.keyLabel)
            visit(&self, stat, name, labels, meta)
        }
    }

    /// Emits a number of `kind` whose value is written at render time: its sample is `hole`
    /// (an index into the layout's holes), its lines those of any value of that kind.
    mutating func emitHole(_ hole: Int, kind: ScalarKind, name: String, labels: PrometheusLabels, _ meta: Meta) {
        let placeholder: StatValue
        switch kind {
        case .int: placeholder = .int(0)
        case .counter: placeholder = .counter(0)
        case .double: placeholder = .double(0)
        case .doubleCounter: placeholder = .doubleCounter(0)
        case .bool: placeholder = .bool(false)
        }
        currentHole = hole
        defer { currentHole = nil }
        emit(placeholder, name: name, labels: labels, meta)
    }

    /// A scalar's sample: its text, or the hole it fills.
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
            helps.append(
                Help(
                    doc: meta.doc, kind: kind, pattern: meta.pattern, statName: meta.statName, note: note,
                    unit: meta.unit))
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
                add(
                    name, .secondsTotal, .counter, labels.adding("state", state),
                    .value(PrometheusFormat.formatValue(seconds)), help)
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

    mutating func addMeter(
        _ name: String, _ labels: PrometheusLabels, _ meter: MeterSnapshot, _ help: Int, _ rateHelp: Int
    ) {
        add(name, .total, .counter, labels, .value(String(meter.count)), help)
        let rates: [(String, Double)] = [
            ("1m", meter.m1), ("5m", meter.m5), ("15m", meter.m15), ("mean", meter.meanRate),
        ]
        for (window, value) in rates {
            add(
                name, .rate, .gauge, labels.adding("window", window), .value(PrometheusFormat.formatValue(value)),
                rateHelp)
        }
    }

    mutating func add(
        _ base: String, _ suffix: FamilySuffix, _ kind: Kind, _ labels: PrometheusLabels, _ sample: Sample, _ help: Int
    ) {
        if let first = ownerBases[currentOwner] {
            if first != base { ownerBasesDiffer = true }
        } else {
            ownerBases[currentOwner] = base
        }
        entries.append(
            Entry(
                family: suffix.family(base), base: base, suffix: suffix, owner: currentOwner, kind: kind,
                order: entries.count, key: labels.text(), sample: sample, help: help))
        if format == .protobuf { labelSets.append(labels) }
    }
}
