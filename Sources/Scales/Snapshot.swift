/// An immutable, typed copy of a registry's tree (or a subtree), taken at one instant.
///
/// Take one with ``Registry/snapshot(at:)``; formats and exporters render it without touching
/// the live registry, so no lock is held while rendering.
///
/// ```swift
/// if let snapshot = registry.snapshot(at: "/web") {
///     print(JSONFormat.render(snapshot, pretty: true))
/// }
/// ```
public struct Snapshot: Sendable, Equatable {
    /// Where the snapshot's root lives in the registry.
    public let path: StatPath
    /// The snapshot's root: a container for a collection path, a stat for a stat path.
    public let root: SnapshotNode
    /// When the snapshot was taken, in seconds since 1970-01-01 UTC.
    public let timestamp: Double
    /// The registry it was taken from (`nil` for a snapshot made by hand; weak: a kept
    /// snapshot does not keep the registry alive) and the shape of its tree then (see
    /// `TreeShape`), so that a renderer can reuse what it worked out for that shape (names,
    /// order, HELP lines) and format only the values. Not part of equality.
    private(set) weak var registry: Registry?
    let shape: UInt64
    /// With ``registry``: every stat's value in walk order, as the tree has them.
    let values: [StatValue]

    /// Creates a snapshot; registries make them, tests and exporters may too.
    public init(path: StatPath, root: SnapshotNode, timestamp: Double) {
        self.init(path: path, root: root, timestamp: timestamp, registry: nil, shape: 0, values: [])
    }

    init(path: StatPath, root: SnapshotNode, timestamp: Double, registry: Registry?, shape: UInt64, values: [StatValue])
    {
        self.path = path
        self.root = root
        self.timestamp = timestamp
        self.registry = registry
        self.shape = shape
        self.values = values
    }

    /// Equal when the path, the tree and the timestamp are.
    public static func == (lhs: Snapshot, rhs: Snapshot) -> Bool {
        lhs.path == rhs.path && lhs.root == rhs.root && lhs.timestamp == rhs.timestamp
    }

    /// The node at `path` relative to this snapshot's root (`[]` is the root itself).
    public func node(at relative: [String]) -> SnapshotNode? {
        var node = root
        for name in relative {
            guard case .container(let container) = node, let child = container.child(named: name) else { return nil }
            node = child
        }
        return node
    }
}

/// One node of a ``Snapshot``: a container of further nodes, or a stat with its value.
public enum SnapshotNode: Sendable, Equatable {
    /// A collection or an intermediate path segment.
    case container(SnapshotContainer)
    /// A stat and its value.
    case stat(SnapshotStat)

    /// The node's name (its last path segment).
    public var name: String {
        switch self {
        case .container(let container): return container.name
        case .stat(let stat): return stat.name
        }
    }
}

/// A container in a ``Snapshot``: its children sorted by name.
public struct SnapshotContainer: Sendable, Equatable {
    /// The container's name (last path segment); `""` for the registry root.
    public let name: String
    /// Whether the HTML page shows this container as a link instead of expanding it (and JSON
    /// leaves it out when it is below the rendered root, as scales does).
    public let collapsed: Bool
    /// Set when this container is an instance of a templated collection (`/handler/{id}` with
    /// id `h1`): exporters turn it into a label.
    public let instance: TemplateInstance?
    /// The doc text of the collection, if any.
    public let doc: String?
    /// Whether the container's name is a part of the exported names below it (`true` but for
    /// a bridge's root, such as the swift-metrics factory's `/metrics`: its metrics keep the
    /// names their libraries gave them on `/metrics`).
    public let addsToExportedNames: Bool
    /// Children sorted by name (Swift `String` order).
    public internal(set) var children: [SnapshotNode]

    /// Creates a container; children are sorted by name.
    public init(
        name: String, collapsed: Bool = false, instance: TemplateInstance? = nil, doc: String? = nil,
        addsToExportedNames: Bool = true, children: [SnapshotNode]
    ) {
        self.name = name
        self.collapsed = collapsed
        self.instance = instance
        self.doc = doc
        self.addsToExportedNames = addsToExportedNames
        self.children = children.sorted { $0.name < $1.name }
    }

    /// Creates a container whose children are already sorted by name (snapshots build them so).
    init(
        name: String, collapsed: Bool, instance: TemplateInstance?, doc: String?, addsToExportedNames: Bool,
        sortedChildren: [SnapshotNode]
    ) {
        self.name = name
        self.collapsed = collapsed
        self.instance = instance
        self.doc = doc
        self.addsToExportedNames = addsToExportedNames
        self.children = sortedChildren
    }

    /// The child with that name, if any.
    public func child(named name: String) -> SnapshotNode? {
        children.first { $0.name == name }
    }
}

/// How an instance of a templated collection was made: the template segment and the id it was
/// filled with. `thread-{id}` filled with `0` is the segment `thread-0`.
public struct TemplateInstance: Sendable, Equatable, Hashable {
    /// The template segment, such as `thread-{id}` or `{id}`.
    public let template: StatPath.Segment
    /// The id the template was filled with.
    public let id: String

    /// Creates an instance record.
    public init(template: StatPath.Segment, id: String) {
        self.template = template
        self.id = id
    }

    /// The placeholder's name (`id` in `thread-{id}`).
    public var placeholder: String {
        if case .template(_, let placeholder, _) = template { return placeholder }
        return "id"
    }
}

/// A stat in a ``Snapshot``.
public struct SnapshotStat: Sendable, Equatable {
    /// Everything but the value: made once when the stat is bound and shared by every
    /// snapshot's record of it, so a record costs one reference and its value.
    let info: StatInfo
    /// Its value at snapshot time.
    public internal(set) var value: StatValue

    /// The stat's name (last path segment).
    public var name: String { info.name }
    /// The doc text from `stats.yaml` (or the runtime API), used as Prometheus HELP.
    public var doc: String? { info.doc }
    /// Set when this stat is one labelled series of a family named by its *parent container*
    /// (the swift-metrics bridge binds `/metrics/http_requests/method=GET,status=200` this way):
    /// exporters that have labels (Prometheus) use the parent's path as the metric name and
    /// these as its labels; the others use the stat's name as usual. `nil` for ordinary stats.
    public var labels: [StatLabel]? { info.labels }
    /// The base unit of the value (`seconds`, `bytes`), from stats.yaml's `unit:`: exporters
    /// with unit conventions (Prometheus) carry it into the name (`…_seconds`). Not a meter's
    /// display unit, which is ``MeterSnapshot/unit``.
    public var unit: String? { info.unit }
    /// The label name of a dict's keys on `/metrics` (stats.yaml's `label:`); `nil` means `key`.
    public var keyLabel: String? { info.keyLabel }
    /// The declared kind when the value's case does not tell it, for displays (the status
    /// page): `gauge`, `sum`, `histogram`, `intDictSum`; `nil` otherwise (and in stats made by
    /// hand). Not exported, and not part of equality.
    package var declaredKind: String? { info.declaredKind }
    /// The recent window of a `pmf` or `pmfDict`, for displays; not part of equality.
    package var recentWindow: Duration? { info.recentWindow }

    /// Creates a stat record.
    public init(
        name: String, value: StatValue, doc: String? = nil, labels: [StatLabel]? = nil, unit: String? = nil,
        keyLabel: String? = nil
    ) {
        self.init(info: StatInfo(name: name, doc: doc, labels: labels, unit: unit, keyLabel: keyLabel), value: value)
    }

    init(info: StatInfo, value: StatValue) {
        self.info = info
        self.value = value
    }

    /// Equal when the exported record is: the display-only fields (`declaredKind`,
    /// `recentWindow`) are left out, so a stat made by hand equals the registry's.
    public static func == (lhs: SnapshotStat, rhs: SnapshotStat) -> Bool {
        lhs.value == rhs.value
            && (lhs.info === rhs.info
                || (lhs.name == rhs.name && lhs.doc == rhs.doc && lhs.labels == rhs.labels && lhs.unit == rhs.unit
                    && lhs.keyLabel == rhs.keyLabel))
    }
}

/// What a stat record says besides its value: its name, docs, export hints and display hints.
///
/// Immutable, and made when the stat is bound (the tree's entry holds it), so that a snapshot
/// shares it instead of copying four strings per stat. The hints most stats lack are in a
/// ``Hints`` object made only for a stat that has one, so a plain stat's record is 56 bytes
/// (a 64-byte block) instead of 121 (a 128-byte block).
final class StatInfo: Sendable {
    /// The hints a stat may have besides its name and docs.
    final class Hints: Sendable {
        let labels: [StatLabel]?
        let unit: String?
        let keyLabel: String?
        let declaredKind: String?
        let recentWindow: Duration?

        init(labels: [StatLabel]?, unit: String?, keyLabel: String?, declaredKind: String?, recentWindow: Duration?) {
            self.labels = labels
            self.unit = unit
            self.keyLabel = keyLabel
            self.declaredKind = declaredKind
            self.recentWindow = recentWindow
        }
    }

    let name: String
    let doc: String?
    /// `nil` when the stat has none of them.
    let hints: Hints?

    /// Set for a labelled series (see ``SnapshotStat/labels``).
    var labels: [StatLabel]? { hints?.labels }
    /// The base unit carried into exported names (see ``SnapshotStat/unit``).
    var unit: String? { hints?.unit }
    /// The label name of a dict's keys (see ``SnapshotStat/keyLabel``).
    var keyLabel: String? { hints?.keyLabel }
    /// See ``SnapshotStat/declaredKind``.
    var declaredKind: String? { hints?.declaredKind }
    /// See ``SnapshotStat/recentWindow``.
    var recentWindow: Duration? { hints?.recentWindow }

    init(
        name: String, doc: String?, labels: [StatLabel]? = nil, unit: String? = nil, keyLabel: String? = nil,
        declaredKind: String? = nil, recentWindow: Duration? = nil
    ) {
        self.name = name
        self.doc = doc
        if labels == nil && unit == nil && keyLabel == nil && declaredKind == nil && recentWindow == nil {
            hints = nil
        } else {
            hints = Hints(
                labels: labels, unit: unit, keyLabel: keyLabel, declaredKind: declaredKind, recentWindow: recentWindow)
        }
    }
}

/// A label of a labelled series: a name and a value, such as `method="GET"`.
public struct StatLabel: Sendable, Hashable {
    /// The label's name.
    public let name: String
    /// The label's value.
    public let value: String

    /// Creates a label.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The value of one stat at snapshot time, by kind.
public enum StatValue: Sendable, Equatable {
    /// An `int` that may go up and down (exported as a Prometheus gauge).
    case int(Int)
    /// A `monotonic` int: only ever increases (exported as a Prometheus counter).
    case counter(Int)
    /// A `double`; may be non-finite only if made by hand (the kinds drop non-finite input).
    case double(Double)
    /// A `monotonic` double: only ever increases (exported as a Prometheus counter).
    case doubleCounter(Double)
    /// A `string`.
    case string(String)
    /// A `bool`.
    case bool(Bool)
    /// A value that could not be read: a gauge whose closure failed or gave a non-finite number.
    case absent
    /// An `intDict`, a `histogram` or an `intDictSum`: integer per key.
    case intDict([String: Int])
    /// A `stringDict`.
    case stringDict([String: String])
    /// A `pmf`: sample statistics.
    indirect case pmf(PmfSnapshot)
    /// A `pmfDict`: sample statistics per key.
    case pmfDict([String: PmfSnapshot])
    /// A `meter`: count and rates.
    indirect case meter(MeterSnapshot)
    /// A `meterDict`: a meter per key.
    case meterDict([String: MeterSnapshot])
    /// A `stateTime`: seconds spent in each state.
    case stateTime([String: Double])
}

/// The figures of a `pmf` at snapshot time.
///
/// `count` and `sum` cover every value ever recorded; the rest describe the recent window only,
/// and are `nil` when the window is empty (never stale values, never a fake 0).
///
/// Two snapshots are equal when every field is, ``buckets`` included: two reads of a pmf with
/// no record between them are equal; a record made by hand (``buckets`` `nil`) equals a read
/// only if its ``buckets`` is set to the same counts.
public struct PmfSnapshot: Sendable, Equatable {
    /// Values recorded since the stat was created.
    public var count: Int
    /// Sum of all values recorded since the stat was created.
    public var sum: Double
    /// Values in the recent window.
    public var windowCount: Int
    /// Smallest value in the window.
    public var min: Double?
    /// Largest value in the window.
    public var max: Double?
    /// Mean of the window.
    public var mean: Double?
    /// Standard deviation of the window.
    public var stddev: Double?
    /// 50th percentile of the window.
    public var median: Double?
    /// 75th percentile of the window.
    public var p75: Double?
    /// 95th percentile of the window.
    public var p95: Double?
    /// 98th percentile of the window.
    public var p98: Double?
    /// 99th percentile of the window.
    public var p99: Double?
    /// 99.9th percentile of the window.
    public var p999: Double?
    /// The all-time counts on the pmf's bucket grid, for exporters that take histograms
    /// (Prometheus native histograms): every value ever recorded, by bucket (its `count` and
    /// `sum` are ``count`` and ``sum``); `nil` when not known (a record made by hand).
    public var buckets: NativeHistogram? = nil

    /// Creates a pmf record; `nil` figures mean "no values in the window".
    public init(
        count: Int, sum: Double, windowCount: Int,
        min: Double? = nil, max: Double? = nil, mean: Double? = nil, stddev: Double? = nil,
        median: Double? = nil, p75: Double? = nil, p95: Double? = nil, p98: Double? = nil,
        p99: Double? = nil, p999: Double? = nil
    ) {
        self.count = count
        self.sum = sum
        self.windowCount = windowCount
        self.min = min
        self.max = max
        self.mean = mean
        self.stddev = stddev
        self.median = median
        self.p75 = p75
        self.p95 = p95
        self.p98 = p98
        self.p99 = p99
        self.p999 = p999
    }

    /// The window figures with scales' JSON names, in scales' order.
    public var fields: [(name: String, value: Double?)] {
        var fields: [(name: String, value: Double?)] = []
        forEachField { name, value in fields.append(("\(name)", value)) }
        return fields
    }

    /// The one list behind ``fields``: each figure's name and value, in order (the JSON writer
    /// walks it without building an array or a String per field).
    @inline(__always)
    func forEachField(_ body: (_ name: StaticString, _ value: Double?) -> Void) {
        body("min", min)
        body("max", max)
        body("mean", mean)
        body("stddev", stddev)
        body("median", median)
        body("75percentile", p75)
        body("95percentile", p95)
        body("98percentile", p98)
        body("99percentile", p99)
        body("999percentile", p999)
    }

    /// The quantiles as (quantile, value) pairs, for summaries: 0.5, 0.75, 0.95, 0.98, 0.99, 0.999.
    public var quantiles: [(quantile: Double, value: Double?)] {
        [(0.5, median), (0.75, p75), (0.95, p95), (0.98, p98), (0.99, p99), (0.999, p999)]
    }
}

/// The figures of a `meter` at snapshot time.
public struct MeterSnapshot: Sendable, Equatable {
    /// Events marked since the meter was created.
    public var count: Int
    /// One-minute exponentially weighted rate, per second.
    public var m1: Double
    /// Five-minute rate, per second.
    public var m5: Double
    /// Fifteen-minute rate, per second.
    public var m15: Double
    /// Mean rate since creation, per second.
    public var meanRate: Double
    /// The unit shown next to the rates (scales: `per second`).
    public var unit: String

    /// Creates a meter record.
    public init(count: Int, m1: Double, m5: Double, m15: Double, meanRate: Double, unit: String = "per second") {
        self.count = count
        self.m1 = m1
        self.m5 = m5
        self.m15 = m15
        self.meanRate = meanRate
        self.unit = unit
    }
}
