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
        var place: [Int]
        var name: String
        var labels: PrometheusLabels
        var meta: PrometheusWriter.Meta
        var read: (@Sendable () -> StatValue)? = nil
        /// The stat's position in walk order (its value's index in a snapshot's values).
        var ordinal: Int? = nil
    }

    /// A kept family's value: where it goes, its reader, and its stat's position in walk order.
    struct Hole: Sendable {
        var offset: Int
        var read: @Sendable () -> StatValue
        var ordinal: Int
    }

    /// How many stats the layout's tree has (every stat has a reader).
    let statCount: Int

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

    init(
        shape: UInt64, root: SnapshotNode, readers: [SnapshotBuilder.Deferred], prefix: String, pattern: String,
        format: ExpositionFormat = .prometheusText
    ) {
        // Scalars get a placeholder of their kind (their lines do not depend on the value);
        // the other stats are set aside by the walk.
        var root = root
        var holeIndex: [[Int]: Int] = [:]
        var holeReaders: [(read: @Sendable () -> StatValue, ordinal: Int)] = []
        var dynamicReaders: [[Int]: (read: @Sendable () -> StatValue, ordinal: Int)] = [:]
        // The builder lists the readers in walk order, one per stat: a reader's index is its
        // stat's ordinal.
        for (ordinal, reader) in readers.enumerated() {
            guard let kind = reader.scalarKind else {
                dynamicReaders[reader.place] = (reader.read, ordinal)
                continue
            }
            holeIndex[reader.place] = holeReaders.count
            holeReaders.append((reader.read, ordinal))
            let placeholder: StatValue
            switch kind {
            case .int: placeholder = .int(0)
            case .counter: placeholder = .counter(0)
            case .double: placeholder = .double(0)
            case .doubleCounter: placeholder = .doubleCounter(0)
            case .bool: placeholder = .bool(false)
            }
            SnapshotBuilder.fill(&root, with: [.init(place: reader.place, read: { placeholder })])
        }
        var writer = PrometheusWriter(format: format)
        writer.holes = holeIndex
        writer.walk(root, prefix: prefix, labels: PrometheusLabels(), pattern: pattern, isRoot: true)
        var dynamic = writer.dynamic
        for index in dynamic.indices {
            dynamic[index].read = dynamicReaders[dynamic[index].place]?.read
            dynamic[index].ordinal = dynamicReaders[dynamic[index].place]?.ordinal
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
            Hole(offset: $0.offset, read: holeReaders[$0.hole].read, ordinal: holeReaders[$0.hole].ordinal)
        }
        self.dynamic = dynamic
        self.statCount = readers.count
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
            if let values {
                guard let ordinal = stat.ordinal else { continue }
                fresh.emit(values[ordinal], name: stat.name, labels: stat.labels, stat.meta)
            } else {
                guard let read = stat.read else { continue }
                fresh.emit(read(), name: stat.name, labels: stat.labels, stat.meta)
            }
        }
        var freshBytes: [UInt8] = []
        let freshFamilies = fresh.writeFamilies(into: &freshBytes)
        // A fresh stat renamed (its names taken): only the whole tree gives the right names.
        guard fresh.collisions.isEmpty else { return nil }

        // Written straight into the result: a kept value takes at most `maxScalarBytes`.
        let end: StaticString = format == .openMetrics ? "# EOF\n" : ""
        let capacity = template.count + holes.count * ByteWriter.maxScalarBytes + freshBytes.count + end.utf8CodeUnitCount
        // Nothing to write (an array of capacity 0 would write the shared empty-array storage).
        guard capacity > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var out = ByteWriter(base: buffer.baseAddress!)
            var cursor = (position: 0, hole: 0)
            let read: (Hole) -> StatValue = values.map { values in { values[$0.ordinal] } } ?? { $0.read() }
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

/// Which layout: the subtree and the namespace.
struct PrometheusLayoutKey: Hashable, Sendable {
    var names: [String]
    var namespace: String?
    var format: ExpositionFormat = .prometheusText
}

extension Registry {
    /// The subtree at `path` as Prometheus text (format 0.0.4): the same text as
    /// `PrometheusFormat.render(registry.snapshot(at: path)!, namespace: namespace)`, faster.
    ///
    /// ```swift
    /// let body = registry.renderPrometheus()   // serve with PrometheusFormat.contentType
    /// ```
    ///
    /// Names, HELP and TYPE lines and the order of the families are worked out once per tree
    /// shape (a bind, a removal, a new templated instance changes it); a render then formats
    /// the numbers of `int`, `double` and `bool` stats into the kept lines, and renders the
    /// other kinds, whose lines depend on their values, from their names worked out once.
    ///
    /// - Parameters:
    ///   - path: A collection or a stat; the root by default.
    ///   - namespace: An optional first name part, such as the application's name.
    /// - Returns: The text (empty when there is no sample), or `nil` when nothing is bound at `path`.
    public func renderPrometheus(at path: StatPath = .root, namespace: String? = nil) -> String? {
        renderPrometheusBytes(at: path, namespace: namespace).map { String(decoding: $0, as: UTF8.self) }
    }

    /// ``renderPrometheus(at:namespace:)`` as UTF-8 bytes, for servers that send them as they are.
    package func renderPrometheusBytes(at path: StatPath = .root, namespace: String? = nil) -> [UInt8]? {
        renderMetricsBytes(at: path, namespace: namespace, format: .prometheusText)
    }

    /// The subtree at `path` in `format`: text 0.0.4 (as ``renderPrometheus(at:namespace:)``),
    /// OpenMetrics 1.0 or protobuf, with the same families, names and labels; laid out once
    /// per tree shape and format.
    ///
    /// ```swift
    /// let body = registry.renderMetrics(format: .protobuf)   // Content-Type: ExpositionFormat.protobuf.contentType
    /// ```
    ///
    /// - Parameters:
    ///   - path: A collection or a stat; the root by default.
    ///   - namespace: An optional first name part, such as the application's name.
    ///   - format: The exposition format.
    /// - Returns: The bytes, or `nil` when nothing is bound at `path`.
    public func renderMetrics(at path: StatPath = .root, namespace: String? = nil, format: ExpositionFormat) -> [UInt8]? {
        renderMetricsBytes(at: path, namespace: namespace, format: format)
    }

    package func renderMetricsBytes(at path: StatPath = .root, namespace: String? = nil, format: ExpositionFormat) -> [UInt8]? {
        let key = PrometheusLayoutKey(names: path.segments.map(\.description), namespace: namespace, format: format)
        guard let layout = prometheusLayout(key, path: path, shape: nil) else { return nil }
        if let bytes = layout.render() { return bytes }
        guard let snapshot = snapshot(at: path) else { return nil }
        let (bytes, collisions) = PrometheusFormat.renderBytesCountingCollisions(snapshot, namespace: namespace, format: format)
        if !collisions.isEmpty { healthCounters.nameCollisions(collisions) }
        return bytes
    }

    /// The kept layout for `key`, made anew when the tree's shape has changed since; with
    /// `shape`, only a layout of that shape (`nil` when the tree has another shape now).
    /// `nil` too when nothing is bound at the path.
    func prometheusLayout(_ key: PrometheusLayoutKey, path: StatPath, shape wanted: UInt64?) -> PrometheusLayout? {
        if let kept = prometheusLayouts.withLock({ $0[key] }), kept.shape == (wanted ?? shape.current) { return kept }
        if let wanted, wanted != shape.current { return nil }
        guard let built = buildSnapshot(at: key.names, defersAll: true) else { return nil }
        if let wanted, built.shape != wanted { return nil }
        let (prefix, pattern) = PrometheusFormat.rootPrefix(path, namespace: key.namespace)
        let made = PrometheusLayout(
            shape: built.shape, root: built.root, readers: built.deferred, prefix: prefix, pattern: pattern, format: key.format)
        prometheusLayouts.withLock { layouts in
            if layouts.count >= Self.maxLayouts { layouts.removeAll(keepingCapacity: true) }
            layouts[key] = made
        }
        return made
    }

    /// A snapshot this registry took, in `format`, from the layout of the snapshot's shape
    /// (the names, order and HELP lines worked out once; the values the snapshot's); `nil`
    /// when the tree has changed shape since, or the layout cannot split.
    func renderFromLayout(_ snapshot: Snapshot, shape: UInt64, namespace: String?, format: ExpositionFormat) -> [UInt8]? {
        let key = PrometheusLayoutKey(names: snapshot.path.segments.map(\.description), namespace: namespace, format: format)
        guard let layout = prometheusLayout(key, path: snapshot.path, shape: shape), layout.splits else { return nil }
        return layout.render(snapshotValues: snapshot.values)
    }
}
