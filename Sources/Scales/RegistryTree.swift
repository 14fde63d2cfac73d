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
