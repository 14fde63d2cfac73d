// The registry's tree: its nodes, the state behind the lock, and every change to it (binding
// collections and instances, removing stats and collections, pruning empty intermediates).

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

/// The registry's tree. Nodes are touched only while the registry's lock is held.
final class Node {
    enum Entry {
        case container(Node)
        /// The stat's cell and its record's fixed part (name, docs, hints), made at bind.
        case stat(any StatCell, StatInfo)
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

// MARK: Changing the tree

// Every change to the tree's shape goes through these, under the registry's lock.
extension Registry {
    func bindCollection(names: [String], instance: TemplateInstance?, type: String?, doc: String?, collapsed: Bool)
        -> StatCollection
    {
        let bound: (UInt64, Bool)? = state.withLock { state in
            guard let node = state.makeContainers(at: names) else { return nil }
            bindProperties(node, instance: instance, type: type, doc: doc, collapsed: collapsed)
            return (node.id, true)
        }
        guard let (id, _) = bound else {
            healthCounters.bindConflict()
            return StatCollection(registry: Registry(), names: names, nodeID: 0, detached: true)
        }
        return StatCollection(registry: self, names: names, nodeID: id, detached: false)
    }

    func bindInstance(
        parentNames: [String], parentID: UInt64?, template: StatPath.Segment, id: String, rest: [String],
        type: String?, doc: String?, collapsed: Bool, maxKeys: Int?
    ) -> StatCollection {
        let result: (names: [String], nodeID: UInt64, overflowed: Bool)? = state.withLock { state in
            let parent: Node?
            if let parentID {
                parent = state.node(at: parentNames, id: parentID)
            } else {
                parent = state.makeContainers(at: parentNames)
            }
            guard let parent else { return nil }
            var id = id
            var overflowed = false
            // In place: copying the set (or subtracting from it) made each bind cost as much as
            // the number of live siblings.
            if let maxKeys, id != IntDictStat.overflowKey, let ids = parent.instanceIDs[template], !ids.contains(id),
                ids.count - (ids.contains(IntDictStat.overflowKey) ? 1 : 0) >= maxKeys
            {
                id = IntDictStat.overflowKey
                overflowed = true
            }
            parent.instanceIDs[template, default: []].insert(id)
            let segment = template.filling(id).description
            let instanceNames = parentNames + [segment]
            guard let node = state.makeContainers(at: instanceNames + rest) else { return nil }
            guard let instanceNode = state.node(at: instanceNames) else { return nil }
            instanceNode.instance = TemplateInstance(template: template, id: id)
            if rest.isEmpty { instanceNode.explicit = true }
            bindProperties(
                node, instance: rest.isEmpty ? TemplateInstance(template: template, id: id) : node.instance,
                type: type, doc: doc, collapsed: collapsed)
            return (instanceNames + rest, node.id, overflowed)
        }
        if result?.overflowed == true { healthCounters.overflowedKey() }
        guard let result else {
            healthCounters.bindConflict()
            return StatCollection(registry: Registry(), names: parentNames, nodeID: 0, detached: true)
        }
        return StatCollection(registry: self, names: result.names, nodeID: result.nodeID, detached: false)
    }

    private func bindProperties(_ node: Node, instance: TemplateInstance?, type: String?, doc: String?, collapsed: Bool)
    {
        node.explicit = true
        if let instance { node.instance = instance }
        if let type { node.typeName = type }
        if let doc { node.doc = doc }
        if collapsed { node.collapsed = true }
    }

    /// Binds a stat named `name` in the collection `names` (`nodeID`): a new cell from `make`
    /// with its record's fixed part when nothing is there, the cell bound before when it is
    /// of the same type, otherwise a conflict.
    func bindStat<Cell: StatCell>(
        _ name: String, in names: [String], nodeID: UInt64, doc: String?, labels: [StatLabel]?, unit: String?,
        keyLabel: String?, make: (HealthCounters) -> Cell
    ) -> BindOutcome<Cell> {
        state.withLock { state in
            guard let node = state.node(at: names, id: nodeID) else { return .gone }
            switch node.entries[name] {
            case nil:
                let cell = make(healthCounters)
                let info = StatInfo(
                    name: name, doc: doc, labels: labels, unit: unit.flatMap { $0.isEmpty ? nil : $0 },
                    keyLabel: keyLabel.flatMap { $0.isEmpty ? nil : $0 }, declaredKind: cell.declaredKind,
                    recentWindow: cell.recentWindow)
                node.entries[name] = .stat(cell, info)
                return .bound(cell)
            case .stat(let existing, _):
                if let cell = existing as? Cell { return .bound(cell) }
                return .conflict
            case .container, .aggregation:
                return .conflict
            }
        }
    }

    /// Declares `aggregation` as `name` in the collection `names` (`nodeID`); `true` when
    /// something else is there (another kind, another `of`, a stat or a collection).
    func declareAggregation(_ name: String, in names: [String], nodeID: UInt64, _ aggregation: Aggregation) -> Bool {
        state.withLock { state in
            guard let node = state.node(at: names, id: nodeID) else { return false }
            switch node.entries[name] {
            case nil:
                node.entries[name] = .aggregation(aggregation)
                return false
            case .aggregation(let existing):
                return existing.kind != aggregation.kind || existing.of != aggregation.of
            case .stat, .container:
                return true
            }
        }
    }

    /// Binds the health counters at ``RegistryHealth/path`` (at creation and after a reset).
    func bindHealth() {
        let names = RegistryHealth.path.segments.map(\.description)
        state.withLock { state in
            guard let node = state.makeContainers(at: names) else { return }
            node.explicit = true
            node.doc = "The registry's own health: what it dropped, bounded or could not honour"
            for (name, cell, doc) in healthCounters.cells where node.entries[name] == nil {
                node.entries[name] = .stat(cell, StatInfo(name: name, doc: doc, declaredKind: cell.declaredKind))
            }
        }
    }

    func remove(names: [String], id: UInt64) {
        state.withLock { state in
            guard let node = state.node(at: names, id: id), let parent = node.parent else { return }
            Aggregation.retire(removed: node, health: healthCounters)
            detach(node)
            pruneEmptyIntermediates(from: parent)
        }
    }

    func removeStat(names: [String], id: UInt64, name: String, cell: AnyObject?) {
        state.withLock { state in
            guard let node = state.node(at: names, id: id), case .stat(let existing, _) = node.entries[name] else {
                return
            }
            if let cell, existing !== cell { return }
            Aggregation.retire(removedStat: existing, named: name, in: node, health: healthCounters)
            node.entries[name] = nil
            pruneEmptyIntermediates(from: node)
        }
    }

    /// Removes `node` and its ancestors while they are empty intermediate containers (never a
    /// bound collection, never the root). Call with the registry's lock held.
    private func pruneEmptyIntermediates(from node: Node) {
        var current = node
        while current.entries.isEmpty, !current.explicit, let up = current.parent {
            detach(current)
            current = up
        }
    }

    private func detach(_ node: Node) {
        guard let parent = node.parent else { return }
        parent.entries[node.name] = nil
        if let instance = node.instance {
            parent.instanceIDs[instance.template]?.remove(instance.id)
        }
        node.parent = nil
    }
}

/// What binding a stat found: the cell bound, the collection gone, or a conflict.
enum BindOutcome<Cell: Sendable>: Sendable {
    case bound(Cell)
    case gone
    case conflict
}
