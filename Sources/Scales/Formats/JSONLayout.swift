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
        /// Reads the value now: the cell itself (a direct call), or for an aggregation its reader.
        var cell: (any StatCell)?
        var read: (@Sendable () -> StatValue)?
        /// Set when the value is always one number or bool (at most
        /// ``ByteWriter/maxScalarBytes``): it is formatted straight into the output.
        var isScalar = false
    }

    /// The registry's shape when the layout was made; stale once it changes.
    let shape: UInt64
    let pretty: Bool
    let template: [UInt8]
    /// In template order.
    let holes: [Hole]
    let health: HealthCounters

    /// Lays out `root` (a snapshot made by a builder that defers every read) and pairs each
    /// value's place with its reader.
    init(
        shape: UInt64, root: SnapshotNode, readers: [SnapshotBuilder.Deferred], health: HealthCounters, pretty: Bool,
        includeCollapsed: Bool
    ) {
        var writer = JSONWriter(pretty: pretty, includeCollapsed: includeCollapsed)
        writer.holes = []
        writer.write(root, depth: 0)
        var byPlace: [[Int]: SnapshotBuilder.Deferred] = [:]
        byPlace.reserveCapacity(readers.count)
        for reader in readers { byPlace[reader.place] = reader }
        var holes = writer.holes ?? []
        for index in holes.indices {
            let reader = byPlace[holes[index].place]
            holes[index].cell = reader?.cell
            holes[index].read = reader?.cell == nil ? reader?.read : nil
            holes[index].isScalar = reader?.cell != nil && reader?.scalarKind != nil
        }
        self.health = health
        self.shape = shape
        self.pretty = pretty
        self.template = writer.bytes
        self.holes = holes
    }

    /// The JSON with every value read now.
    ///
    /// Values of unknown length (strings, dicts, statistics, aggregations) are written first,
    /// into a side buffer; then the output is written in one pass into memory sized
    /// beforehand: template, numbers formatted in place, side values copied.
    func render() -> [UInt8] {
        var side = JSONWriter(pretty: pretty, includeCollapsed: false, capacity: 0)
        var sideEnds: [Int] = []
        var scalars = 0
        holes.withUnsafeBufferPointer { holes in
            for index in holes.indices {
                if holes[index].isScalar {
                    scalars += 1
                    continue
                }
                if let cell = holes[index].cell {
                    side.write(cell.read(health), depth: holes[index].depth)
                } else {
                    side.write(holes[index].read?() ?? .absent, depth: holes[index].depth)
                }
                sideEnds.append(side.bytes.count)
            }
        }
        let capacity = template.count + scalars * ByteWriter.maxScalarBytes + side.bytes.count
        // Never empty (a template holds at least `{}`); capacity 0 would write the shared
        // empty-array storage.
        return [UInt8](unsafeUninitializedCapacity: Swift.max(capacity, 1)) { buffer, count in
            var out = ByteWriter(base: buffer.baseAddress!)
            template.withUnsafeBufferPointer { template in
                side.bytes.withUnsafeBufferPointer { sideBytes in
                    var (position, sideStart, sideIndex) = (0, 0, 0)
                    holes.withUnsafeBufferPointer { holes in
                        for index in holes.indices {
                            let offset = holes[index].offset
                            out.append(UnsafeBufferPointer(rebasing: template[position..<offset]))
                            position = offset
                            if holes[index].isScalar, let cell = holes[index].cell {
                                Self.appendScalar(cell.read(health), to: &out)
                            } else {
                                let end = sideEnds[sideIndex]
                                out.append(UnsafeBufferPointer(rebasing: sideBytes[sideStart..<end]))
                                (sideStart, sideIndex) = (end, sideIndex + 1)
                            }
                        }
                    }
                    out.append(UnsafeBufferPointer(rebasing: template[position...]))
                }
            }
            count = out.count
        }
    }

    /// A number or bool as ``JSONWriter`` writes it.
    static func appendScalar(_ value: StatValue, to out: inout ByteWriter) {
        switch value {
        case .int(let number), .counter(let number): out.appendInteger(number)
        case .double(let number), .doubleCounter(let number):
            switch JSONWriter.NumberForm(number) {
            case .null: out.append("null")
            case .integral(let integer):
                out.appendInteger(integer)
                out.append(".0")
            case .digits(let value): value.write(to: &out)
            }
        case .bool(let flag): out.append(flag ? "true" : "false")
        default: out.append("null")  // not a scalar: cannot happen for the kinds kept
        }
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
            shape: built.shape, root: built.root, readers: built.deferred, health: healthCounters, pretty: pretty,
            includeCollapsed: includeCollapsed)
        jsonLayouts.withLock { layouts in
            // Paths come from requests: keep a bounded number of layouts.
            if layouts.count >= Self.maxLayouts { layouts.removeAll(keepingCapacity: true) }
            layouts[key] = layout
        }
        return layout.render()
    }
}
