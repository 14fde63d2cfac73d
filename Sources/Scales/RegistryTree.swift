import Synchronization

/// Counts changes to the shape of a registry's tree (what is bound where, docs, flags), so
/// that cached render layouts know when they are stale.
final class TreeShape: Sendable {
    private let changes = Atomic<UInt64>(0)

    func changed() {
        changes.wrappingAdd(1, ordering: .relaxed)
    }

    var current: UInt64 { changes.load(ordering: .relaxed) }
}

/// What a stat's entry in the tree says about it besides its cell: docs and export hints.
struct StatDescription: Sendable {
    var doc: String?
    /// Set for a labelled series (see ``SnapshotStat/labels``).
    var labels: [StatLabel]? = nil
    /// The base unit carried into exported names (see ``SnapshotStat/unit``).
    var unit: String? = nil
    /// The label name of a dict's keys (see ``SnapshotStat/keyLabel``).
    var keyLabel: String? = nil
}

/// The registry's tree. Nodes are touched only while the registry's lock is held.
final class Node {
    enum Entry {
        case container(Node)
        case stat(any StatCell, StatDescription)
        case aggregation(Aggregation)
    }

    let id: UInt64
    /// The registry's shape counter, which every change of this node moves.
    let shape: TreeShape
    weak var parent: Node?
    let name: String
    var entries: [String: Entry] = [:] {
        didSet {
            sortedCache = nil
            shape.changed()
        }
    }
    /// `entries` in name order, kept until the next bind or removal changes this node, so a
    /// snapshot neither sorts nor hashes.
    private var sortedCache: [SortedEntry]?

    /// An entry and its name. A struct, not a tuple: copying a tuple of these types goes
    /// through the runtime's generic tuple copy, a cost per stat in every snapshot.
    struct SortedEntry {
        let name: String
        let entry: Entry
    }
    /// How many stats, and late ones, the last fresh snapshot taken at this node had: the
    /// next one reserves that much room for its value and late lists instead of growing them.
    var lastSnapshotCounts = (stats: 0, late: 0)
    /// Bound as a collection (an intermediate segment is not, and is pruned when it empties).
    var explicit = false
    // Binding again sets these to the values they have: only a real change is a new shape.
    var collapsed = false { didSet { if collapsed != oldValue { shape.changed() } } }
    /// `false` for a bridge's root whose name stays out of exported names.
    var addsToExportedNames = true { didSet { if addsToExportedNames != oldValue { shape.changed() } } }
    var typeName: String? { didSet { if typeName != oldValue { shape.changed() } } }
    var doc: String? { didSet { if doc != oldValue { shape.changed() } } }
    var instance: TemplateInstance? { didSet { if instance != oldValue { shape.changed() } } }
    /// For templated children: the ids in use per template segment, and the bound, if any.
    var instanceIDs: [StatPath.Segment: Set<String>] = [:]

    init(id: UInt64, name: String, parent: Node?, shape: TreeShape) {
        self.id = id
        self.shape = shape
        self.name = name
        self.parent = parent
        shape.changed()
    }

    /// The entries sorted by name (cached between changes).
    func sortedEntries() -> [SortedEntry] {
        if let sortedCache { return sortedCache }
        let sorted = entries.sorted { $0.key < $1.key }.map { SortedEntry(name: $0.key, entry: $0.value) }
        sortedCache = sorted
        return sorted
    }

    func container(named name: String) -> Node? {
        if case .container(let node) = entries[name] { return node }
        return nil
    }

    /// Every container at or below this node, depth first.
    func forEachContainer(_ body: (Node) -> Void) {
        body(self)
        for entry in entries.values {
            if case .container(let child) = entry { child.forEachContainer(body) }
        }
    }
}

/// A `sum`, `histogram` or `intDictSum` declared in a parent collection: derived from the
/// children's stat named `of` when read.
///
/// **Which children.** Below its collection, the aggregation takes the nearest containers that
/// hold an entry named `of` (and whose type is `childType`, when given), and does not look
/// further down inside them. That entry may be a stat or itself an aggregation (sums chain up
/// a tree: a cluster's `sum` of its nodes' `sum` of their workers), and nothing is counted
/// twice.
final class Aggregation {
    enum Kind: Sendable {
        case sum, histogram, intDictSum

        /// The kind's name in stats.yaml.
        var name: String {
            switch self {
            case .sum: return "sum"
            case .histogram: return "histogram"
            case .intDictSum: return "intDictSum"
            }
        }
    }

    let kind: Kind
    let of: String
    let childType: String?
    let doc: String?
    /// For `intDictSum`: the most keys kept for removed children (see ``retire(_:health:)``).
    let maxRetiredKeys: Int
    /// What removed children contributed (`sum` and `intDictSum` keep it; `histogram` does not).
    var retiredInt = 0
    var retiredDouble = 0.0
    var retiredIsDouble = false
    /// Whether retired values were counters (int or double), plain numbers, both or neither (a
    /// sum of counters is a counter).
    var retiredCounters = false
    var retiredPlainInts = false
    var retiredDict: [String: Int] = [:]
    /// Set once a child's `of` turned out to be a kind this aggregation cannot use (counted once
    /// in ``RegistryHealth/bindConflicts``).
    let mismatch = MismatchFlag()

    /// The default bound on the keys an `intDictSum` keeps for removed children.
    static let defaultMaxRetiredKeys = 1000

    init(kind: Kind, of: String, childType: String?, doc: String?, maxRetiredKeys: Int? = nil) {
        self.kind = kind
        self.of = of
        self.childType = childType
        self.doc = doc
        self.maxRetiredKeys = Swift.max(0, maxRetiredKeys ?? Self.defaultMaxRetiredKeys)
    }

    /// Whether `node` is a child this aggregation reads (its type matches and it holds `of`).
    func reads(_ node: Node) -> Bool {
        guard childType == nil || node.typeName == childType else { return false }
        switch node.entries[of] {
        case .stat, .aggregation: return true
        case .container, nil: return false
        }
    }

    /// What this aggregation reads below `owner`: the nearest matching containers' entries.
    func inputs(below owner: Node) -> [AggregationInput] {
        var inputs: [AggregationInput] = []
        for entry in owner.entries.values {
            if case .container(let child) = entry { collect(child, into: &inputs) }
        }
        return inputs
    }

    /// The inputs at or below `node` (a matching container stops the descent).
    func collect(_ node: Node, into inputs: inout [AggregationInput]) {
        if reads(node) {
            switch node.entries[of] {
            case .stat(let cell, _): inputs.append(.cell(cell))
            case .aggregation(let nested): inputs.append(.derived(nested.plan, nested.inputs(below: node)))
            case .container, nil: break
            }
            return
        }
        for entry in node.entries.values {
            if case .container(let child) = entry { collect(child, into: &inputs) }
        }
    }

    /// Whether this aggregation, declared in `owner`, reads entries inside `node` (a
    /// descendant): no container strictly between them is one it reads.
    func reachesInto(_ node: Node, from owner: Node) -> Bool {
        var current = node.parent
        while let between = current, between !== owner {
            if reads(between) { return false }
            current = between.parent
        }
        return current === owner
    }

    /// Keeps what a removed child contributed, for `sum` and `intDictSum`. (Always called
    /// while the child's entry is removed, which moves the tree's shape.)
    ///
    /// An `intDictSum` keeps the totals of at most ``maxRetiredKeys`` keys for removed
    /// children (so that short-lived children with keys of their own cannot grow it without
    /// bound); a removed child's total for a further key is added to the key
    /// ``IntDictStat/overflowKey`` and counted in ``RegistryHealth/overflowedKeys``.
    func retire(_ value: StatValue, health: HealthCounters) {
        switch (kind, value) {
        case (.sum, .int(let value)):
            retiredInt &+= value
            retiredPlainInts = true
        case (.sum, .counter(let value)):
            retiredInt &+= value
            retiredCounters = true
        case (.sum, .double(let value)):
            retiredDouble += value
            retiredIsDouble = true
            retiredPlainInts = true
        case (.sum, .doubleCounter(let value)):
            retiredDouble += value
            retiredIsDouble = true
            retiredCounters = true
        case (.intDictSum, .intDict(let dict)):
            for (key, value) in dict {
                if retiredDict[key] != nil || retiredKeyCount < maxRetiredKeys || key == IntDictStat.overflowKey {
                    retiredDict[key, default: 0] &+= value
                } else {
                    retiredDict[IntDictStat.overflowKey, default: 0] &+= value
                    health.overflowedKey()
                }
            }
        default:
            break
        }
    }

    /// Keys kept for removed children, not counting the overflow key.
    private var retiredKeyCount: Int {
        retiredDict.count - (retiredDict[IntDictStat.overflowKey] == nil ? 0 : 1)
    }

    var plan: AggregationPlan {
        AggregationPlan(
            kind: kind, retiredInt: retiredInt, retiredDouble: retiredDouble,
            retiredIsDouble: retiredIsDouble, retiredCounters: retiredCounters,
            retiredPlainInts: retiredPlainInts, retiredDict: retiredDict, mismatch: mismatch)
    }
}

/// Whether an aggregation has met a child stat of a kind it cannot use; flips once.
final class MismatchFlag: Sendable {
    private let seen = Atomic<Bool>(false)

    /// Marks it; `true` the first time only.
    func mark() -> Bool {
        !seen.exchange(true, ordering: .relaxed)
    }
}

/// One child entry an aggregation reads: a stat's cell, or a lower aggregation with its own
/// inputs (evaluated when read, like the one above it).
indirect enum AggregationInput: Sendable {
    case cell(any StatCell)
    case derived(AggregationPlan, [AggregationInput])

    func read(_ health: HealthCounters) -> StatValue {
        switch self {
        case .cell(let cell): return cell.read(health)
        case .derived(let plan, let inputs): return plan.evaluate(inputs.map { $0.read(health) }, health: health)
        }
    }

    /// Whether reading runs user code or heavy work (see ``StatCell/readsOutsideTreeLock``).
    var readsOutsideTreeLock: Bool {
        switch self {
        case .cell(let cell): return cell.readsOutsideTreeLock
        case .derived(_, let inputs): return inputs.contains { $0.readsOutsideTreeLock }
        }
    }
}

/// Builds a snapshot's tree while the registry's lock is held, reading every cell that is
/// cheap and runs no user code; the others (gauges, pmfs) are left as placeholders, listed in
/// `deferred` with their place in the tree, and read after the lock is released.
struct SnapshotBuilder {
    struct Deferred {
        var place: [Int]
        var read: @Sendable () -> StatValue
        /// The cell's ``StatCell/scalarKind`` (`nil` for aggregations).
        var scalarKind: ScalarKind? = nil
        /// The cell `read` reads (`nil` for aggregations), for renderers that call it directly.
        var cell: (any StatCell)? = nil
    }

    /// A read left for after the lock in a fresh snapshot (``defersAll`` false): the stat's
    /// ordinal in walk order and what to read, so a gauge costs no place array and no closure.
    /// The stat itself waits here, not in the tree (which holds a placeholder), so that filling
    /// it in moves it into place once instead of copying it out and back.
    struct Late {
        var ordinal: Int
        var cell: (any StatCell)?
        var input: AggregationInput?
        var stat: SnapshotStat
    }

    let health: HealthCounters
    /// Defers every stat, not only the expensive ones: the snapshot is a layout without
    /// values, and `deferred` reads them all (see ``JSONLayout``).
    let defersAll: Bool
    /// With ``defersAll``: every stat's reader and place.
    var deferred: [Deferred] = []
    /// Without ``defersAll``: the stats read after the lock, in walk order.
    var late: [Late] = []
    /// Without ``defersAll``: every stat's value by ordinal (a late one's once it is read), for
    /// renderers that lay the names out once per shape and need only the values
    /// (``PrometheusLayout``).
    var values: [StatValue] = []
    private var place: [Int] = []
    /// Stats walked so far (the next stat's ordinal).
    private var ordinal = 0
    /// How deep in the tree the walk is (0 outside it).
    private var depth = 0

    init(health: HealthCounters, defersAll: Bool = false) {
        self.health = health
        self.defersAll = defersAll
    }

    mutating func node(_ node: Node) -> SnapshotNode {
        if depth == 0, !defersAll {
            values.reserveCapacity(node.lastSnapshotCounts.stats)
            late.reserveCapacity(node.lastSnapshotCounts.late)
        }
        depth += 1
        defer {
            depth -= 1
            if depth == 0, !defersAll { node.lastSnapshotCounts = (values.count, late.count) }
        }
        let entries = node.sortedEntries()
        var children: [SnapshotNode] = []
        children.reserveCapacity(entries.count)
        // Through a buffer: subscripting the array of (name, entry) tuples copies each tuple
        // with the runtime's generic tuple copy.
        entries.withUnsafeBufferPointer { entries in
            for index in entries.indices {
                if defersAll { place.append(index) }  // only deferred readers keep places
                children.append(self.entry(entries[index].name, entries[index].entry, owner: node))
                if defersAll { place.removeLast() }
            }
        }
        return .container(SnapshotContainer(
            name: node.name, collapsed: node.collapsed, instance: node.instance, doc: node.doc,
            addsToExportedNames: node.addsToExportedNames, sortedChildren: children))
    }

    mutating func entry(_ name: String, _ entry: Node.Entry, owner: Node) -> SnapshotNode {
        switch entry {
        case .container(let child):
            return self.node(child)
        case .stat(let cell, let description):
            defer { ordinal += 1 }
            var stat = SnapshotStat(name: name, value: .absent, description)
            stat.declaredKind = cell.declaredKind
            stat.recentWindow = cell.recentWindow
            if defersAll {
                let health = self.health
                deferred.append(Deferred(place: place, read: { cell.read(health) }, scalarKind: cell.scalarKind, cell: cell))
            } else if cell.readsOutsideTreeLock {
                late.append(Late(ordinal: ordinal, cell: cell, input: nil, stat: stat))
                values.append(.absent)
                return Self.placeholder
            } else {
                stat.value = cell.read(health)
                values.append(stat.value)
            }
            return .stat(stat)
        case .aggregation(let aggregation):
            defer { ordinal += 1 }
            let input = AggregationInput.derived(aggregation.plan, aggregation.inputs(below: owner))
            let health = self.health
            var stat = SnapshotStat(name: name, value: .absent, doc: aggregation.doc)
            stat.declaredKind = aggregation.kind.name
            if defersAll {
                deferred.append(Deferred(place: place, read: { input.read(health) }))
            } else if input.readsOutsideTreeLock {
                late.append(Late(ordinal: ordinal, cell: nil, input: input, stat: stat))
                values.append(.absent)
                return Self.placeholder
            } else {
                stat.value = input.read(health)
                values.append(stat.value)
            }
            return .stat(stat)
        }
    }

    /// Reads the deferred cells (call after the lock is released) and puts their values in place.
    static func fill(_ root: inout SnapshotNode, with deferred: [Deferred]) {
        for item in deferred {
            put(item.read(), at: item.place[...], in: &root)
        }
    }

    /// Reads the late stats of a fresh snapshot (call after the lock is released) and puts
    /// their values in place: one walk in the builder's order, matching ordinals.
    static func fill(_ root: inout SnapshotNode, late: inout [Late], values: inout [StatValue], health: HealthCounters) {
        guard !late.isEmpty else { return }
        var next = 0
        var ordinal = 0
        // Through buffers: subscripting the array to reach a field may copy the whole record.
        late.withUnsafeMutableBufferPointer { late in
            values.withUnsafeMutableBufferPointer { values in
                fill(&root, late: late, values: values, next: &next, ordinal: &ordinal, health: health)
            }
        }
    }

    private static func fill(
        _ node: inout SnapshotNode, late: UnsafeMutableBufferPointer<Late>, values: UnsafeMutableBufferPointer<StatValue>,
        next: inout Int, ordinal: inout Int, health: HealthCounters
    ) {
        switch node {
        case .stat:
            if late[next].ordinal == ordinal {
                // Moves the waiting stat out (a swap, no copy of its fields) into the placeholder's place.
                var stat = placeholderStat
                swap(&stat, &late[next].stat)
                if let cell = late[next].cell {
                    stat.value = cell.read(health)
                } else {
                    stat.value = late[next].input?.read(health) ?? .absent
                }
                values[ordinal] = stat.value
                node = .stat(stat)
                next += 1
            }
            ordinal += 1
        case .container(var container):
            node = placeholder  // drops this reference so `container.children` is not copied
            for index in container.children.indices where next < late.count {
                fill(&container.children[index], late: late, values: values, next: &next, ordinal: &ordinal, health: health)
            }
            node = .container(container)
        }
    }

    private static func put(_ value: StatValue, at place: ArraySlice<Int>, in node: inout SnapshotNode) {
        switch node {
        case .stat(var stat):
            guard place.isEmpty else { return }
            node = placeholder
            stat.value = value
            node = .stat(stat)
        case .container(var container):
            guard let first = place.first, container.children.indices.contains(first) else { return }
            node = placeholder  // drops this reference so `container.children` is not copied
            put(value, at: place.dropFirst(), in: &container.children[first])
            node = .container(container)
        }
    }

    private static let placeholderStat = SnapshotStat(name: "", value: .absent)
    private static let placeholder = SnapshotNode.stat(placeholderStat)
}

/// An aggregation's retired totals, copied for one snapshot.
struct AggregationPlan: Sendable {
    let kind: Aggregation.Kind
    let retiredInt: Int
    let retiredDouble: Double
    let retiredIsDouble: Bool
    let retiredCounters: Bool
    let retiredPlainInts: Bool
    let retiredDict: [String: Int]
    let mismatch: MismatchFlag

    /// The aggregate of the children's `values` and the retired totals. A value of a kind this
    /// aggregation cannot use is left out and counted (once per aggregation) as a bind
    /// conflict; when no value was usable and nothing is retired, the result is absent rather
    /// than a 0 nobody asked for. An absent value (a failed gauge, counted already) is skipped.
    func evaluate(_ values: [StatValue], health: HealthCounters) -> StatValue {
        var usable = 0
        var unusable = 0
        defer {
            if unusable > 0, mismatch.mark() { health.bindConflict() }
        }
        switch kind {
        case .sum:
            var intTotal = retiredInt
            var doubleTotal = retiredDouble
            var isDouble = retiredIsDouble
            // A sum of counters only grows (removed children's values are kept): a counter too.
            var allCounters = (retiredCounters || !values.isEmpty) && !retiredPlainInts
            for value in values {
                switch value {
                case .counter(let v):
                    intTotal &+= v
                    usable += 1
                case .int(let v):
                    intTotal &+= v
                    allCounters = false
                    usable += 1
                case .double(let v):
                    doubleTotal += v
                    isDouble = true
                    allCounters = false
                    usable += 1
                case .doubleCounter(let v):
                    doubleTotal += v
                    isDouble = true
                    usable += 1
                case .absent: break
                default: unusable += 1
                }
            }
            if unusable > 0, usable == 0, !retiredIsDouble, !retiredCounters, !retiredPlainInts { return .absent }
            if isDouble {
                let total = doubleTotal + Double(intTotal)
                return allCounters ? .doubleCounter(total) : .double(total)
            }
            return allCounters ? .counter(intTotal) : .int(intTotal)
        case .histogram:
            var counts: [String: Int] = [:]
            for value in values {
                let key: String
                switch value {
                case .string(let s): key = s
                case .bool(let b): key = String(b)
                case .int(let i), .counter(let i): key = String(i)
                case .absent: continue
                default:
                    unusable += 1
                    continue
                }
                if key.isEmpty { continue }
                counts[key, default: 0] += 1
            }
            return .intDict(counts)
        case .intDictSum:
            var totals = retiredDict
            for value in values {
                switch value {
                case .intDict(let dict):
                    for (key, v) in dict { totals[key, default: 0] &+= v }
                    usable += 1
                case .absent: break
                default: unusable += 1
                }
            }
            if unusable > 0, usable == 0, retiredDict.isEmpty { return .absent }
            return .intDict(totals)
        }
    }
}

/// The mutable state behind a ``Registry``'s lock.
struct TreeState {
    var root: Node
    var nextID: UInt64 = 1

    init(shape: TreeShape) {
        root = Node(id: 0, name: "", parent: nil, shape: shape)
    }

    mutating func makeNode(named name: String, parent: Node) -> Node {
        defer { nextID += 1 }
        return Node(id: nextID, name: name, parent: parent, shape: parent.shape)
    }

    /// The node at `names` below the root, or `nil`.
    func node(at names: some Sequence<String>) -> Node? {
        var node = root
        for name in names {
            guard let child = node.container(named: name) else { return nil }
            node = child
        }
        return node
    }

    /// The node at `names`, creating intermediate containers; `nil` when a stat is in the way.
    mutating func makeContainers(at names: [String]) -> Node? {
        var node = root
        for name in names {
            switch node.entries[name] {
            case .container(let child):
                node = child
            case nil:
                let child = makeNode(named: name, parent: node)
                node.entries[name] = .container(child)
                node = child
            case .stat, .aggregation:
                return nil
            }
        }
        return node
    }

    /// The node whose id is `id` at `names`, if it is still in the tree.
    func node(at names: [String], id: UInt64) -> Node? {
        guard let node = node(at: names), node.id == id else { return nil }
        return node
    }
}
