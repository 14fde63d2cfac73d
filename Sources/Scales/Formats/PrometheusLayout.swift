import ScalesNaming

/// The Prometheus text of a subtree, laid out once per tree shape: the families of stats
/// that are one number of a fixed kind (`int`, monotonic `int`, `double`, `bool`) are kept as
/// bytes with holes for their values; the other stats (dicts, strings, gauges, statistics,
/// aggregations), whose lines depend on their values, are rendered afresh each time from
/// their names and labels worked out once, and their families merged in by name.
///
/// The output is byte for byte ``PrometheusFormat/render(_:namespace:)`` of a fresh snapshot.
/// When a kept family and a fresh one could share a name (`x` and `x_total`, a summary's
/// `x_sum`…), or when any stat must be renamed because its names are taken, the collision
/// rule needs the whole tree, and the render takes that path.
struct PrometheusLayout: Sendable {
    /// A stat rendered afresh: what the walk worked out for it, and how to read it.
    struct DynamicStat: Sendable {
        var name: String
        var labels: PrometheusLabels
        var meta: PrometheusWriter.Meta
        var reader: StatReader
        /// The stat's position in walk order (its value's index in a snapshot's values).
        var ordinal: Int
    }

    /// A kept family's value: where it goes, its reader, and its stat's position in walk order.
    struct Hole: Sendable {
        var offset: Int
        var reader: StatReader
        var ordinal: Int
    }

    /// How many stats the layout's tree has (every stat has a reader).
    let statCount: Int
    let health: HealthCounters

    /// The registry's shape when the layout was made; stale once it changes.
    let shape: UInt64
    /// `false` when kept and fresh families could conflict: render from a snapshot instead.
    let splits: Bool
    let template: [UInt8]
    /// Kept families in name order, with their bytes in `template`.
    let families: [(family: String, range: Range<Int>)]
    /// In template order.
    let holes: [Hole]
    /// In walk order.
    let dynamic: [DynamicStat]
    /// The format of the bytes.
    let format: ExpositionFormat
    /// OpenMetrics: the kept families' names, with and without their suffixes, which a fresh
    /// family's shorter name must not take.
    let openMetricsKept: Set<String>

    /// Lays out `root` (a tree built without reading a value) with each stat's reader and
    /// ordinal from `late` (every stat's, by the stat's ``StatInfo``).
    init(
        shape: UInt64, root: SnapshotNode, late: [SnapshotBuilder.Late], health: HealthCounters, prefix: String,
        pattern: String, format: ExpositionFormat = .prometheusText
    ) {
        var byInfo: [ObjectIdentifier: SnapshotBuilder.Late] = [:]
        byInfo.reserveCapacity(late.count)
        for stat in late { byInfo[ObjectIdentifier(stat.info)] = stat }
        // Numbers of a fixed kind become holes in the kept lines (their lines do not depend on
        // the value); the other stats are set aside to render afresh.
        var holeStats: [SnapshotBuilder.Late] = []
        var dynamic: [DynamicStat] = []
        var writer = PrometheusWriter(format: format)
        writer.walk(root, prefix: prefix, labels: PrometheusLabels(), pattern: pattern, isRoot: true) {
            writer, stat, name, labels, meta in
            guard let late = byInfo[ObjectIdentifier(stat.info)] else { return }
            if let kind = late.reader.scalarKind {
                writer.emitHole(holeStats.count, kind: kind, name: name, labels: labels, meta)
                holeStats.append(late)
            } else {
                dynamic.append(
                    DynamicStat(name: name, labels: labels, meta: meta, reader: late.reader, ordinal: late.ordinal))
            }
        }

        // Every name a fresh stat could write (whatever its value's shape), against the kept
        // families' names.
        var freshNames = Set<String>()
        for stat in dynamic {
            for shape in ExportShape.allCases {
                freshNames.formUnion(shape.names(base: stat.name))
            }
        }
        writer.openMetricsTaken = freshNames
        var template: [UInt8] = []
        let families = writer.writeFamilies(into: &template)
        var kept = Set<String>()
        if format == .openMetrics {
            for family in families {
                kept.insert(family.family)
                for suffix in ["_total", "_info"] where family.family.hasSuffix(suffix) {
                    kept.insert(String(family.family.dropLast(suffix.count)))
                }
            }
        }
        self.format = format
        self.openMetricsKept = kept
        self.shape = shape
        self.splits = writer.collisions.isEmpty && !families.contains { freshNames.contains($0.family) }
        self.template = template
        self.families = families
        self.holes = writer.holeOffsets.map {
            Hole(offset: $0.offset, reader: holeStats[$0.hole].reader, ordinal: holeStats[$0.hole].ordinal)
        }
        self.dynamic = dynamic
        self.statCount = late.count
        self.health = health
    }

    /// The text with every value read now, or `nil` when this layout cannot split (see `splits`).
    func render() -> [UInt8]? {
        render(values: nil)
    }

    /// The text of a snapshot of this layout's shape (its values by ordinal, as
    /// `Registry.snapshot` lists them), or `nil` when this layout cannot split or the values
    /// do not fit.
    func render(snapshotValues values: [StatValue]) -> [UInt8]? {
        guard values.count == statCount else { return nil }
        return render(values: values)
    }

    /// The text with the values read now (`values` `nil`) or taken from a snapshot's.
    private func render(values: [StatValue]?) -> [UInt8]? {
        guard splits else { return nil }
        var fresh = PrometheusWriter(format: format)
        fresh.openMetricsTaken = openMetricsKept
        for stat in dynamic {
            let value = values?[stat.ordinal] ?? stat.reader.read(health)
            fresh.emit(value, name: stat.name, labels: stat.labels, stat.meta)
        }
        var freshBytes: [UInt8] = []
        let freshFamilies = fresh.writeFamilies(into: &freshBytes)
        // A fresh stat renamed (its names taken): only the whole tree gives the right names.
        guard fresh.collisions.isEmpty else { return nil }

        // Written straight into the result: a kept value takes at most `maxScalarBytes`.
        let end: StaticString = format == .openMetrics ? "# EOF\n" : ""
        let capacity =
            template.count + holes.count * ByteWriter.maxScalarBytes + freshBytes.count + end.utf8CodeUnitCount
        // Nothing to write (an array of capacity 0 would write the shared empty-array storage).
        guard capacity > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var out = ByteWriter(base: buffer.baseAddress!)
            var cursor = (position: 0, hole: 0)
            let read: (Hole) -> StatValue =
                values.map { values in { values[$0.ordinal] } } ?? { [health] in $0.reader.read(health) }
            template.withUnsafeBufferPointer { template in
                freshBytes.withUnsafeBufferPointer { freshBytes in
                    // Each fresh family goes before the first kept family whose name sorts after it.
                    for fresh in freshFamilies {
                        var low = 0
                        var high = families.count
                        while low < high {
                            let middle = (low + high) / 2
                            if families[middle].family < fresh.family { low = middle + 1 } else { high = middle }
                        }
                        let end = low < families.count ? families[low].range.lowerBound : template.count
                        copyTemplate(template, upTo: end, cursor: &cursor, read: read, into: &out)
                        out.append(UnsafeBufferPointer(rebasing: freshBytes[fresh.range]))
                    }
                    copyTemplate(template, upTo: template.count, cursor: &cursor, read: read, into: &out)
                }
            }
            out.append(end)
            count = out.count
        }
    }

    /// Copies the template from the cursor up to `end`, filling the holes on the way.
    private func copyTemplate(
        _ template: UnsafeBufferPointer<UInt8>, upTo end: Int, cursor: inout (position: Int, hole: Int),
        read: (Hole) -> StatValue, into out: inout ByteWriter
    ) {
        var (position, hole) = cursor
        // `<=`: a protobuf family ends with its last value (a text line ends with a newline,
        // so there no hole is at a family's end); none is ever at a family's start.
        while hole < holes.count, holes[hole].offset <= end {
            out.append(UnsafeBufferPointer(rebasing: template[position..<holes[hole].offset]))
            Self.appendValue(read(holes[hole]), format: format, to: &out)
            position = holes[hole].offset
            hole += 1
        }
        out.append(UnsafeBufferPointer(rebasing: template[position..<end]))
        cursor = (end, hole)
    }

    /// A scalar's sample text, as ``PrometheusWriter/emit`` writes it; in protobuf, the
    /// value's eight bytes (a little-endian double).
    static func appendValue(_ value: StatValue, format: ExpositionFormat, to out: inout ByteWriter) {
        if format == .protobuf {
            let number: Double
            switch value {
            case .int(let value), .counter(let value): number = Double(value)
            case .double(let value), .doubleCounter(let value): number = value
            case .bool(let flag): number = flag ? 1 : 0
            default: number = 0  // not a scalar: cannot happen for the kinds kept
            }
            withUnsafeBytes(of: number.bitPattern.littleEndian) { out.append($0.bindMemory(to: UInt8.self)) }
            return
        }
        switch value {
        case .int(let number), .counter(let number): out.appendInteger(number)
        case .double(let number), .doubleCounter(let number):
            if number.isFinite {
                number.write(to: &out)  // the digits of `formatValue`, without a String
            } else {
                var text = PrometheusFormat.formatValue(number)
                text.withUTF8 { out.append($0) }
            }
        case .bool(let flag): out.append(flag ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        default: out.appendInteger(0)  // not a scalar: cannot happen for the kinds kept
        }
    }
}
