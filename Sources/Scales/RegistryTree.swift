import Synchronization

/// The registry's tree. Nodes are touched only while the registry's lock is held.
final class Node {
    enum Entry {
        case container(Node)
        case stat(any StatCell, doc: String?, labels: [StatLabel]?)
        case aggregation(Aggregation)
    }

    let id: UInt64
    weak var parent: Node?
    let name: String
    var entries: [String: Entry] = [:]
    /// Bound as a collection (an intermediate segment is not, and is pruned when it empties).
    var explicit = false
    var collapsed = false
    var typeName: String?
    var doc: String?
    var instance: TemplateInstance?
    /// For templated children: the ids in use per template segment, and the bound, if any.
    var instanceIDs: [StatPath.Segment: Set<String>] = [:]

    init(id: UInt64, name: String, parent: Node?) {
        self.id = id
        self.name = name
        self.parent = parent
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
final class Aggregation {
    enum Kind: Sendable { case sum, histogram, intDictSum }

    let kind: Kind
    let of: String
    let childType: String?
    let doc: String?
    /// What removed children contributed (`sum` and `intDictSum` keep it; `histogram` does not).
    var retiredInt = 0
    var retiredDouble = 0.0
    var retiredIsDouble = false
    var retiredDict: [String: Int] = [:]

    init(kind: Kind, of: String, childType: String?, doc: String?) {
        self.kind = kind
        self.of = of
        self.childType = childType
        self.doc = doc
    }

    /// The child cells this aggregation reads, found below `owner`.
    func sources(below owner: Node) -> [any StatCell] {
        var cells: [any StatCell] = []
        for (_, entry) in owner.entries {
            guard case .container(let child) = entry else { continue }
            child.forEachContainer { node in
                guard childType == nil || node.typeName == childType else { return }
                if case .stat(let cell, _, _) = node.entries[of] { cells.append(cell) }
            }
        }
        return cells
    }

    /// Keeps what a removed child contributed, for `sum` and `intDictSum`.
    func retire(_ cell: any StatCell, health: HealthCounters) {
        switch (kind, cell.read(health)) {
        case (.sum, .int(let value)), (.sum, .counter(let value)):
            retiredInt &+= value
        case (.sum, .double(let value)):
            retiredDouble += value
            retiredIsDouble = true
        case (.intDictSum, .intDict(let dict)):
            for (key, value) in dict { retiredDict[key, default: 0] &+= value }
        default:
            break
        }
    }

    var plan: AggregationPlan {
        AggregationPlan(
            kind: kind, retiredInt: retiredInt, retiredDouble: retiredDouble,
            retiredIsDouble: retiredIsDouble, retiredDict: retiredDict)
    }
}

/// What a snapshot copies out of the tree while the lock is held: structure and cell
/// references only. Values are read from it after the lock is released.
indirect enum PlanNode: Sendable {
    case container(name: String, collapsed: Bool, instance: TemplateInstance?, doc: String?, children: [PlanNode])
    case stat(name: String, cell: any StatCell, doc: String?, labels: [StatLabel]?)
    case aggregation(name: String, plan: AggregationPlan, sources: [any StatCell], doc: String?)

    init(_ node: Node) {
        var children: [PlanNode] = []
        children.reserveCapacity(node.entries.count)
        for (name, entry) in node.entries {
            children.append(PlanNode(name: name, entry: entry, owner: node))
        }
        self = .container(name: node.name, collapsed: node.collapsed, instance: node.instance, doc: node.doc, children: children)
    }

    init(name: String, entry: Node.Entry, owner: Node) {
        switch entry {
        case .container(let child):
            self.init(child)
        case .stat(let cell, let doc, let labels):
            self = .stat(name: name, cell: cell, doc: doc, labels: labels)
        case .aggregation(let aggregation):
            self = .aggregation(name: name, plan: aggregation.plan, sources: aggregation.sources(below: owner), doc: aggregation.doc)
        }
    }

    /// Reads every value; runs outside every registry lock (gauge closures run here).
    func evaluate(_ health: HealthCounters) -> SnapshotNode {
        switch self {
        case .container(let name, let collapsed, let instance, let doc, let children):
            return .container(SnapshotContainer(
                name: name, collapsed: collapsed, instance: instance, doc: doc,
                children: children.map { $0.evaluate(health) }))
        case .stat(let name, let cell, let doc, let labels):
            return .stat(SnapshotStat(name: name, value: cell.read(health), doc: doc, labels: labels))
        case .aggregation(let name, let plan, let sources, let doc):
            return .stat(SnapshotStat(name: name, value: plan.evaluate(sources.map { $0.read(health) }), doc: doc))
        }
    }
}

/// An aggregation's retired totals, copied for one snapshot.
struct AggregationPlan: Sendable {
    let kind: Aggregation.Kind
    let retiredInt: Int
    let retiredDouble: Double
    let retiredIsDouble: Bool
    let retiredDict: [String: Int]

    func evaluate(_ values: [StatValue]) -> StatValue {
        switch kind {
        case .sum:
            var intTotal = retiredInt
            var doubleTotal = retiredDouble
            var isDouble = retiredIsDouble
            for value in values {
                switch value {
                case .int(let v), .counter(let v): intTotal &+= v
                case .double(let v):
                    doubleTotal += v
                    isDouble = true
                default: break
                }
            }
            return isDouble ? .double(doubleTotal + Double(intTotal)) : .int(intTotal)
        case .histogram:
            var counts: [String: Int] = [:]
            for value in values {
                let key: String
                switch value {
                case .string(let s): key = s
                case .bool(let b): key = String(b)
                case .int(let i), .counter(let i): key = String(i)
                default: continue
                }
                if key.isEmpty { continue }
                counts[key, default: 0] += 1
            }
            return .intDict(counts)
        case .intDictSum:
            var totals = retiredDict
            for case .intDict(let dict) in values {
                for (key, v) in dict { totals[key, default: 0] &+= v }
            }
            return .intDict(totals)
        }
    }
}

/// The mutable state behind a ``Registry``'s lock.
struct TreeState {
    var root: Node
    var nextID: UInt64 = 1

    init() {
        root = Node(id: 0, name: "", parent: nil)
    }

    mutating func makeNode(named name: String, parent: Node) -> Node {
        defer { nextID += 1 }
        return Node(id: nextID, name: name, parent: parent)
    }

    /// The node at `names` below the root, or `nil`.
    func node(at names: [String]) -> Node? {
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
