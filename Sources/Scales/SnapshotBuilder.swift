// ``SnapshotBuilder``: builds a snapshot's tree under the registry's lock, and fills in the
// deferred values (gauges, pmfs) read after it is released.

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
        case .stat(let cell, let info):
            defer { ordinal += 1 }
            var stat = SnapshotStat(info: info, value: .absent)
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
            var stat = SnapshotStat(info: aggregation.info(named: name), value: .absent)
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
