import ScalesNaming

/// Renders snapshots in the Prometheus text exposition format, version 0.0.4.
///
/// ```swift
/// let text = PrometheusFormat.render(registry.snapshot()!)
/// // serve with Content-Type: PrometheusFormat.contentType
/// ```
///
/// The mapping, deterministic for a given tree:
///
/// - **Names.** The path's segments, each turned to snake case (`byPath` → `by_path`), every
///   character outside `[a-z0-9_]` replaced by `_`, runs of `_` merged and trimmed, joined with
///   `_`: `/web/byPath` → `web_by_path`. A name that would start with a digit gets a leading `_`.
///   Names therefore match `[a-zA-Z_:][a-zA-Z0-9_:]*` (colons are never produced: Prometheus
///   keeps them for recording rules).
/// - **Templates become labels.** An instance of a templated collection contributes its
///   template's literal text to the name and its id as a label named after the placeholder:
///   `/handler/{id}/requests` with id `h1` → `handler_requests{id="h1"}`; `thread-{id}` → the
///   name part `thread` and the label `id`. Dict keys become the label `key` (`state` for a
///   `stateTime`). A labelled stat (``SnapshotStat/labels``, as the swift-metrics bridge makes
///   them) is one series of the family named by its parent container, with its labels. A
///   label name that is already taken in the series, or is `quantile` or `le`, gets `_2`,
///   `_3`… appended.
/// - **Kinds.**
///   | kind | exported as |
///   |---|---|
///   | `int`, `double`, `bool` (1 or 0), `intDict`, `histogram`, `intDictSum` | gauge |
///   | monotonic `int` | counter `<name>_total` |
///   | `string` | info gauge `<name>_info{value="…"} 1` |
///   | `stringDict` | info gauge `<name>_info{key="…",value="…"} 1` |
///   | `pmf`, `pmfDict` | summary: `quantile` 0.5, 0.75, 0.95, 0.98, 0.99, 0.999 over the recent window (left out when the window is empty), `_sum` and `_count` over all values ever recorded |
///   | `meter`, `meterDict` | counter `<name>_total` (events) and gauge `<name>_rate{window="1m"|"5m"|"15m"|"mean"}` (per second) |
///   | `stateTime` | counter `<name>_seconds_total{state="…"}` |
///   | absent gauge value | no sample |
/// - **HELP** is the stat's doc, or `scales <kind> <path pattern>`; `\` and newlines are
///   escaped, other control characters become spaces. **Label values** escape `\`, `"` and
///   newline. Gauge and summary values may be `NaN`, `+Inf` or `-Inf`; counter values never are
///   (a non-finite one is left out).
/// - **Order.** Families sorted by name, each contiguous with one `# HELP` and one `# TYPE`;
///   series sorted by their labels.
/// - **Collisions.** Two stats never share a name, nor is either left out: when a stat's names
///   (its families, and a summary's `_sum` and `_count`) are taken by a stat earlier in path
///   order (`/web/byPath` and `/web/by_path` are both `web_by_path`; an int `requestsTotal`
///   beside a monotonic `requests`), the later one is exported as `<name>_2` (`_3`, …).
///   ``Registry/renderPrometheus(at:namespace:)`` counts each such name once in
///   ``RegistryHealth/nameCollisions``. The generator rejects such pairs at build time.
///
/// Strings and bools are exported because a version string as an info gauge and a flag as 1/0
/// are what Prometheus users expect; a string that changes often (a state) makes a new series
/// per value, which Prometheus handles but which a `histogram` aggregation counts better.
public enum PrometheusFormat {
    /// The `Content-Type` of the text format: `text/plain; version=0.0.4; charset=utf-8`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The snapshot as exposition text: every stat below its root, named by its full path.
    ///
    /// A snapshot a registry took (``Registry/snapshot(at:)``) is rendered from what that
    /// registry worked out for its tree's shape (the names, HELP and TYPE lines, the order),
    /// with the snapshot's own values, as ``Registry/renderPrometheus(at:namespace:)`` does; a
    /// snapshot made by hand, or one older than the tree's current shape, is worked out here
    /// in full. The text is the same either way.
    ///
    /// - Parameters:
    ///   - snapshot: The tree to render (the whole registry, or a subtree).
    ///   - namespace: An optional first name part, such as the application's name.
    /// - Returns: Text ending in a newline (empty when there is no sample).
    public static func render(_ snapshot: Snapshot, namespace: String? = nil) -> String {
        renderCountingCollisions(snapshot, namespace: namespace).text
    }

    /// ``render(_:namespace:)``, and the names that collided (see **Collisions** above).
    static func renderCountingCollisions(_ snapshot: Snapshot, namespace: String?) -> (
        text: String, collisions: [String]
    ) {
        let (bytes, collisions) = renderBytesCountingCollisions(snapshot, namespace: namespace, format: .prometheusText)
        return (String(decoding: bytes, as: UTF8.self), collisions)
    }

    /// The snapshot in `format` (see ``ExpositionFormat``), and the names that collided.
    static func renderBytesCountingCollisions(
        _ snapshot: Snapshot, namespace: String?, format: ExpositionFormat
    ) -> (bytes: [UInt8], collisions: [String]) {
        // A registry's snapshot: the names, order and HELP lines its registry worked out for
        // the tree's shape, with this snapshot's values (the same bytes; a layout that splits
        // has no collisions).
        if let registry = snapshot.registry,
            let bytes = registry.renderFromLayout(snapshot, shape: snapshot.shape, namespace: namespace, format: format)
        {
            return (bytes, [])
        }
        var writer = PrometheusWriter(format: format)
        let (prefix, pattern) = rootPrefix(snapshot.path, namespace: namespace)
        writer.walk(snapshot.root, prefix: prefix, labels: PrometheusLabels(), pattern: pattern, isRoot: true)
        var out: [UInt8] = []
        _ = writer.writeFamilies(into: &out)
        if format == .openMetrics { out.append(contentsOf: "# EOF\n".utf8) }
        return (out, writer.collisions)
    }

    /// The name prefix and HELP pattern of the segments above a snapshot's root.
    static func rootPrefix(_ path: StatPath, namespace: String?) -> (prefix: String, pattern: String) {
        var prefix = ""
        if let namespace { prefix = PrometheusNames.joined(prefix, PrometheusNames.namePart(namespace)) }
        var pattern = ""
        for segment in path.segments.dropLast() {
            prefix = PrometheusNames.joined(prefix, PrometheusNames.namePart(segment.description))
            pattern += "/" + segment.description
        }
        return (prefix, pattern)
    }

    /// A label value with `\`, `"` and newline escaped.
    static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A sample value: the shortest text that reads back as the same double; `NaN`, `+Inf`, `-Inf`
    /// (the status page shows doubles the same way).
    package static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        return value.description
    }
}

/// The labels of one series, in order, with unique names.
struct PrometheusLabels {
    static let reserved: Set<String> = ["quantile", "le"]
    var pairs: [(name: String, value: String)] = []

    /// Adds a label; a name already present or reserved gets `_2`, `_3`… appended.
    func adding(_ rawName: String, _ value: String) -> PrometheusLabels {
        let base = PrometheusNames.labelName(rawName)
        var name = base
        var suffix = 2
        while Self.reserved.contains(name) || pairs.contains(where: { $0.name == name }) {
            name = base + "_" + String(suffix)
            suffix += 1
        }
        var copy = self
        copy.pairs.append((name, value))
        return copy
    }

    /// `{a="x",b="y"}`, or `""` without labels; `extra` (already escaped) is added last.
    func text(extra: String? = nil) -> String {
        if pairs.isEmpty, extra == nil { return "" }
        var out = "{"
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out += "," }
            out += pair.name
            out += "=\""
            out += PrometheusFormat.escapeLabelValue(pair.value)
            out += "\""
        }
        if let extra {
            if !pairs.isEmpty { out += "," }
            out += extra
        }
        out += "}"
        return out
    }
}
