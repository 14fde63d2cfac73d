// Render caching: the layouts a registry's renders keep between requests, their bound, and
// the registry's render entry points that use them (`renderJSON`, `renderPrometheus`,
// `renderMetrics`).

/// The layouts of one registry's renders: for each subtree and options asked for, the output
/// with its values left out (``JSONLayout``, ``PrometheusLayout``), kept until the tree's shape
/// changes.
///
/// A registry holds one and knows nothing of what is in it. A render asks the cache for its
/// layout; the cache makes it, when missing or stale, from the registry's tree built without
/// reading a value (``SnapshotBuilder/Reads/none``), and the layout then reads the values.
final class RenderCache: Sendable {
    /// How many layouts of each format are kept (one per path and options rendered; paths come
    /// from requests, so the number must be bounded). At the bound, the kept ones are dropped.
    static let maxLayouts = 32

    private let json = Lock<[JSONLayoutKey: JSONLayout]>([:])
    private let prometheus = Lock<[PrometheusLayoutKey: PrometheusLayout]>([:])

    /// How many layouts of each format are kept now, and the bound.
    var counts: (json: Int, prometheus: Int, bound: Int) {
        (json.withLock(\.count), prometheus.withLock(\.count), Self.maxLayouts)
    }

    /// The JSON layout for `key` of `registry`'s tree as it is now; `nil` when nothing is
    /// bound at the path.
    func jsonLayout(_ key: JSONLayoutKey, of registry: Registry) -> JSONLayout? {
        if let kept = json.withLock({ $0[key] }), kept.shape == registry.shape.current { return kept }
        guard let tree = registry.buildTree(at: key.names, reads: .none) else { return nil }
        let made = JSONLayout(
            shape: tree.shape, root: tree.root, late: tree.late, health: registry.healthCounters, pretty: key.pretty,
            includeCollapsed: key.includeCollapsed)
        Self.keep(made, for: key, in: json)
        return made
    }

    /// The Prometheus layout for `key` of `registry`'s tree as it is now, or with `shape` only a
    /// layout of that shape (`nil` when the tree has another shape now); `nil` too when nothing
    /// is bound at the path.
    func prometheusLayout(_ key: PrometheusLayoutKey, of registry: Registry, shape wanted: UInt64? = nil)
        -> PrometheusLayout?
    {
        if let kept = prometheus.withLock({ $0[key] }), kept.shape == (wanted ?? registry.shape.current) { return kept }
        if let wanted, wanted != registry.shape.current { return nil }
        guard let tree = registry.buildTree(at: key.names, reads: .none) else { return nil }
        if let wanted, tree.shape != wanted { return nil }
        let (prefix, pattern) = PrometheusFormat.rootPrefix(key.path, namespace: key.namespace)
        let made = PrometheusLayout(
            shape: tree.shape, root: tree.root, late: tree.late, health: registry.healthCounters, prefix: prefix,
            pattern: pattern, format: key.format)
        Self.keep(made, for: key, in: prometheus)
        return made
    }

    private static func keep<Key, Layout>(_ layout: Layout, for key: Key, in layouts: Lock<[Key: Layout]>) {
        layouts.withLock { layouts in
            if layouts.count >= maxLayouts { layouts.removeAll(keepingCapacity: true) }
            layouts[key] = layout
        }
    }
}

/// Which JSON layout: the subtree and the options.
struct JSONLayoutKey: Hashable, Sendable {
    var names: [String]
    var pretty: Bool
    var includeCollapsed: Bool
}

/// Which Prometheus layout: the subtree, the namespace and the format.
struct PrometheusLayoutKey: Hashable, Sendable {
    var path: StatPath
    var names: [String]
    var namespace: String?
    var format: ExpositionFormat

    init(path: StatPath, namespace: String?, format: ExpositionFormat) {
        self.path = path
        self.names = path.segments.map(\.description)
        self.namespace = namespace
        self.format = format
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.names == rhs.names && lhs.namespace == rhs.namespace && lhs.format == rhs.format
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(names)
        hasher.combine(namespace)
        hasher.combine(format)
    }
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
    public func renderJSON(at path: StatPath = .root, pretty: Bool = false, includeCollapsed: Bool = false) -> [UInt8]?
    {
        let key = JSONLayoutKey(
            names: path.segments.map(\.description), pretty: pretty, includeCollapsed: includeCollapsed)
        return renderCache.jsonLayout(key, of: self)?.render()
    }

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
        renderMetrics(at: path, namespace: namespace, format: .prometheusText)
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
    public func renderMetrics(at path: StatPath = .root, namespace: String? = nil, format: ExpositionFormat) -> [UInt8]?
    {
        let key = PrometheusLayoutKey(path: path, namespace: namespace, format: format)
        guard let layout = renderCache.prometheusLayout(key, of: self) else { return nil }
        if let bytes = layout.render() { return bytes }
        // The layout cannot split (names collide across kept and fresh families): the writer.
        guard let snapshot = snapshot(at: path) else { return nil }
        let (bytes, collisions) = PrometheusFormat.renderBytesCountingCollisions(
            snapshot, namespace: namespace, format: format)
        if !collisions.isEmpty { healthCounters.nameCollisions(collisions) }
        return bytes
    }

    /// A snapshot this registry took, in `format`, from the layout of the snapshot's shape
    /// (the names, order and HELP lines worked out once; the values the snapshot's); `nil`
    /// when the tree has changed shape since, or the layout cannot split.
    func renderFromLayout(_ snapshot: Snapshot, shape: UInt64, namespace: String?, format: ExpositionFormat) -> [UInt8]?
    {
        let key = PrometheusLayoutKey(path: snapshot.path, namespace: namespace, format: format)
        guard let layout = renderCache.prometheusLayout(key, of: self, shape: shape), layout.splits else { return nil }
        return layout.render(snapshotValues: snapshot.values)
    }

    /// How many layouts of each format are kept now, and the bound (for tests).
    package var keptLayouts: (json: Int, prometheus: Int, bound: Int) { renderCache.counts }
}
