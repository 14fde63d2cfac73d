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
        /// Reads the value now: the cell itself, or an aggregation over its inputs.
        var reader: StatReader?
        /// Set when the value is always one number or bool (at most
        /// ``ByteWriter/maxScalarBytes``): it is formatted straight into the output.
        var isScalar: Bool
    }

    /// The registry's shape when the layout was made; stale once it changes.
    let shape: UInt64
    let pretty: Bool
    let template: [UInt8]
    /// In template order.
    let holes: [Hole]
    let health: HealthCounters

    /// Lays out `root` (a tree built without reading a value) and pairs each stat with its
    /// reader in `late` (every stat's, by the stat's ``StatInfo``).
    init(
        shape: UInt64, root: SnapshotNode, late: [SnapshotBuilder.Late], health: HealthCounters, pretty: Bool,
        includeCollapsed: Bool
    ) {
        var readers: [ObjectIdentifier: StatReader] = [:]
        readers.reserveCapacity(late.count)
        for stat in late { readers[ObjectIdentifier(stat.info)] = stat.reader }
        var writer = JSONWriter(pretty: pretty, includeCollapsed: includeCollapsed)
        var holes: [Hole] = []
        writer.write(root, depth: 0) { writer, stat, depth in
            let reader = readers[ObjectIdentifier(stat.info)]
            holes.append(
                Hole(offset: writer.bytes.count, depth: depth, reader: reader, isScalar: reader?.scalarKind != nil))
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
                side.write(holes[index].reader?.read(health) ?? .absent, depth: holes[index].depth)
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
                            if holes[index].isScalar, let reader = holes[index].reader {
                                Self.appendScalar(reader.read(health), to: &out)
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
