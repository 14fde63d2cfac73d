// ``SnapshotBuilder``: builds a snapshot's tree under the registry's lock, and fills in the
// values read after it is released (gauges, pmfs).

/// Builds a snapshot's tree while the registry's lock is held.
///
/// Each stat becomes a record that shares its ``StatInfo`` with the tree, numbered in walk
/// order (its *ordinal*). Which values are read under the lock is the one choice: a snapshot
/// reads every cell that is cheap and runs no user code, a render layout reads none. The
/// others are listed in ``late`` with their readers, to read after the lock is released
/// (``fill(_:late:values:health:)``) or, for a layout, at each render.
struct SnapshotBuilder {
    /// Which values are read while the lock is held.
    enum Reads {
        /// Cells that are cheap and run no user code; the others are late (a snapshot).
        case cheap
        /// None: every stat is late, its record left without a value (a render layout).
        case none
    }

    /// A stat whose value is read after the lock: its ordinal and how to read it.
    struct Late {
        var ordinal: Int
        var reader: StatReader
        /// The stat's record's fixed part, which identifies it in the tree.
        var info: StatInfo
    }

    let health: HealthCounters
    let reads: Reads
    /// The stats left for after the lock, in walk order.
    var late: [Late] = []
    /// Every stat's value by ordinal (`.absent` for a late one until it is read), for renderers
    /// that lay the names out once per shape and need only the values (``PrometheusLayout``).
    var values: [StatValue] = []
    /// Stats walked so far (the next stat's ordinal).
    private var ordinal = 0
    /// How deep in the tree the walk is (0 outside it).
    private var depth = 0

    init(health: HealthCounters, reads: Reads) {
        self.health = health
        self.reads = reads
    }

    mutating func node(_ node: Node) -> SnapshotNode {
        if depth == 0 {
            values.reserveCapacity(node.lastSnapshotCounts.stats)
            late.reserveCapacity(reads == .none ? node.lastSnapshotCounts.stats : node.lastSnapshotCounts.late)
        }
        depth += 1
        defer {
            depth -= 1
            if depth == 0, reads == .cheap { node.lastSnapshotCounts = (values.count, late.count) }
        }
        let entries = node.sortedEntries()
        var children: [SnapshotNode] = []
        children.reserveCapacity(entries.count)
        // Through a buffer: subscripting the array copies each entry out.
        entries.withUnsafeBufferPointer { entries in
            for index in entries.indices {
                children.append(self.entry(entries[index].name, entries[index].entry, owner: node))
            }
        }
        return .container(
            SnapshotContainer(
                name: node.name, collapsed: node.collapsed, instance: node.instance, doc: node.doc,
                addsToExportedNames: node.addsToExportedNames, sortedChildren: children))
    }

    mutating func entry(_ name: String, _ entry: Node.Entry, owner: Node) -> SnapshotNode {
        switch entry {
        case .container(let child):
            return self.node(child)
        case .stat(let cell, let info):
            return stat(info, cell.readsOutsideTreeLock, .cell(cell))
        case .aggregation(let aggregation):
            let reader = StatReader.derived(aggregation.plan, aggregation.inputs(below: owner))
            return stat(aggregation.info(named: name), reader.readsOutsideTreeLock, reader)
        }
    }

    private mutating func stat(_ info: StatInfo, _ readsOutsideTreeLock: Bool, _ reader: @autoclosure () -> StatReader)
        -> SnapshotNode
    {
        defer { ordinal += 1 }
        if reads == .none || readsOutsideTreeLock {
            late.append(Late(ordinal: ordinal, reader: reader(), info: info))
            values.append(.absent)
            return .stat(SnapshotStat(info: info, value: .absent))
        }
        let value = reader().read(health)
        values.append(value)
        return .stat(SnapshotStat(info: info, value: value))
    }

    /// Reads the late stats of a snapshot (call after the lock is released) and puts their
    /// values in place: one walk in the builder's order, matching ordinals.
    static func fill(_ root: inout SnapshotNode, late: [Late], values: inout [StatValue], health: HealthCounters) {
        guard !late.isEmpty else { return }
        var next = 0
        var ordinal = 0
        late.withUnsafeBufferPointer { late in
            values.withUnsafeMutableBufferPointer { values in
                fill(&root, late: late, values: values, next: &next, ordinal: &ordinal, health: health)
            }
        }
    }

    private static func fill(
        _ node: inout SnapshotNode, late: UnsafeBufferPointer<Late>, values: UnsafeMutableBufferPointer<StatValue>,
        next: inout Int, ordinal: inout Int, health: HealthCounters
    ) {
        switch node {
        case .stat(var stat):
            if late[next].ordinal == ordinal {
                node = placeholder  // drops this reference so the record is changed in place
                stat.value = late[next].reader.read(health)
                values[ordinal] = stat.value
                node = .stat(stat)
                next += 1
            }
            ordinal += 1
        case .container(var container):
            node = placeholder  // drops this reference so `container.children` is not copied
            for index in container.children.indices where next < late.count {
                fill(
                    &container.children[index], late: late, values: values, next: &next, ordinal: &ordinal,
                    health: health)
            }
            node = .container(container)
        }
    }

    private static let placeholder = SnapshotNode.stat(SnapshotStat(name: "", value: .absent))
}
