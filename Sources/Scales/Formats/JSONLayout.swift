/// The JSON of a subtree with its values left out: the bytes between values, and for each
/// value where it goes and how to read it.
///
/// Names, nesting, key order, escaping and indentation only change when the tree's shape
/// does, so ``Registry/renderJSON(at:pretty:includeCollapsed:)`` builds a layout once per
/// shape and afterwards only reads and formats the values — the output is byte for byte what
/// ``JSONFormat/renderBytes(_:pretty:includeCollapsed:)`` writes for a fresh snapshot.
struct JSONLayout: Sendable {
    /// Where one stat's value goes.
    struct Hole: Sendable {
        /// Offset in ``JSONLayout/template`` at which the value is written.
        var offset: Int
        /// The nesting depth of the value (for pretty output).
        var depth: Int
        /// The stat's place in the snapshot tree (child indices from the root), to find its reader.
        var place: [Int]
        /// Reads the value now.
        var read: (@Sendable () -> StatValue)?
    }

    /// The registry's shape when the layout was made; stale once it changes.
    let shape: UInt64
    let pretty: Bool
    let template: [UInt8]
    /// In template order.
    let holes: [Hole]

    /// Lays out `root` (a snapshot made by a builder that defers every read) and pairs each
    /// value's place with its reader.
    init(shape: UInt64, root: SnapshotNode, readers: [SnapshotBuilder.Deferred], pretty: Bool, includeCollapsed: Bool) {
        var writer = JSONWriter(pretty: pretty, includeCollapsed: includeCollapsed)
        writer.holes = []
        writer.write(root, depth: 0)
        var byPlace: [[Int]: @Sendable () -> StatValue] = [:]
        byPlace.reserveCapacity(readers.count)
        for reader in readers { byPlace[reader.place] = reader.read }
        var holes = writer.holes ?? []
        for index in holes.indices { holes[index].read = byPlace[holes[index].place] }
        self.shape = shape
        self.pretty = pretty
        self.template = writer.bytes
        self.holes = holes
    }

    /// The JSON with every value read now.
    func render() -> [UInt8] {
        var writer = JSONWriter(pretty: pretty, includeCollapsed: false, capacity: template.count + template.count / 4 + 64)
        var start = 0
        template.withUnsafeBufferPointer { template in
            for hole in holes {
                writer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: template[start..<hole.offset]))
                writer.write(hole.read?() ?? .absent, depth: hole.depth)
                start = hole.offset
            }
            writer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: template[start...]))
        }
        return writer.bytes
    }
}

/// Which layout: the subtree and the options.
struct JSONLayoutKey: Hashable, Sendable {
    var names: [String]
    var pretty: Bool
    var includeCollapsed: Bool
}

extension Registry {
    /// The subtree at `path` as UTF-8 JSON bytes: the same bytes as
    /// `JSONFormat.renderBytes(registry.snapshot(at: path)!, …)`, faster.
    ///
    /// ```swift
    /// let body = registry.renderJSON(at: "/web") ?? []   // nil: nothing at that path
    /// ```
    ///
    /// The layout of the output (names, nesting, key order, escaping) is kept until the tree's
    /// shape changes — a bind, a removal, a new templated instance — so a render only reads
    /// and formats the values. The status page serves JSON this way.
    ///
    /// - Parameters:
    ///   - path: A collection or a stat; the root by default.
    ///   - pretty: Two-space indentation.
    ///   - includeCollapsed: Also write collapsed containers below the root.
    /// - Returns: The JSON, or `nil` when nothing is bound at `path`.
    public func renderJSON(at path: StatPath = .root, pretty: Bool = false, includeCollapsed: Bool = false) -> [UInt8]? {
        let key = JSONLayoutKey(names: path.segments.map(\.description), pretty: pretty, includeCollapsed: includeCollapsed)
        if let layout = jsonLayouts.withLock({ $0[key] }), layout.shape == shape.current {
            return layout.render()
        }
        guard let built = buildSnapshot(at: key.names, defersAll: true) else { return nil }
        let layout = JSONLayout(
            shape: built.shape, root: built.root, readers: built.deferred, pretty: pretty, includeCollapsed: includeCollapsed)
        jsonLayouts.withLock { layouts in
            // Paths come from requests: keep a bounded number of layouts.
            if layouts.count >= Self.maxLayouts { layouts.removeAll(keepingCapacity: true) }
            layouts[key] = layout
        }
        return layout.render()
    }
}
