import ScalesNaming

/// The names a stat gets in the exporters, computed by the exporters' own rule (the
/// `ScalesNaming` module), so that two stats that would end up under one name are caught at
/// build time instead of silently merging.
enum ExporterNames {
    /// Every Prometheus metric name a stat at `path` may write: the base name (each segment's
    /// literal text in snake case, joined with `_`; a template's id becomes a label) and the
    /// families of each shape its kind can take, with a summary's `_sum` and `_count`.
    static func prometheus(_ path: PathPattern, unit: String? = nil, shapes: [ExportShape]) -> [String] {
        let prefix = Prefix.root.appending(path.segments.dropLast())
        guard let last = path.segments.last else { return prometheus(prefix, unit: unit, shapes: shapes) }
        return prometheus(prefix.appending(CollectionOfOne(last)), unit: unit, shapes: shapes)
    }

    /// The names of a stat whose whole path is folded into `path`.
    static func prometheus(_ path: Prefix, unit: String?, shapes: [ExportShape]) -> [String] {
        let base = PrometheusNames.withUnit(PrometheusNames.metricName(path.prometheus), unit)
        var names: [String] = []
        for shape in shapes {
            for name in shape.names(base: base) where !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// A path's exporter names folded segment by segment, so that the names of everything below
    /// a collection extend the collection's instead of walking its whole path again.
    struct Prefix {
        /// The Prometheus base name so far (before `metricName` and the unit).
        var prometheus: String
        /// The Graphite path so far.
        var graphite: String

        static let root = Prefix(prometheus: "", graphite: "")

        func appending(_ segments: some Sequence<PathPattern.Segment>) -> Prefix {
            var result = self
            for segment in segments {
                let literal: String
                switch segment {
                case .name(let name): literal = name
                case .template(let prefix, _, let suffix): literal = prefix + suffix
                }
                result.prometheus = PrometheusNames.joined(result.prometheus, PrometheusNames.namePart(literal))
                let component = GraphiteNames.sanitize(segment.shape)
                result.graphite = result.graphite.isEmpty ? component : result.graphite + "." + component
            }
            return result
        }
    }

    /// The shapes a stat can have on `/metrics`. A `sum` is a gauge, or a counter when all it
    /// adds up are counters (which can change as children come and go), so it reserves both.
    static func shapes(of stat: ResolvedStat) -> [ExportShape] {
        switch stat.kind {
        case .int(let monotonic, _, _), .double(let monotonic, _, _): return [monotonic ? .counter : .gauge]
        case .bool, .intDict, .histogram, .intDictSum: return [.gauge]
        case .string, .stringDict: return [.info]
        case .gauge(let type, _): return [type == .string ? .info : .gauge]
        case .pmf, .pmfDict: return [.summary]
        case .meter, .meterDict: return [.meter]
        case .stateTime: return [.stateTime]
        case .sum: return [.gauge, .counter]
        }
    }

    /// The base unit a stat's exported names carry (a meter's `unit:` is a display unit, not one).
    static func unit(of stat: ResolvedStat) -> String? {
        switch stat.kind {
        case .int(_, _, let unit), .double(_, _, let unit), .gauge(_, let unit), .intDict(_, _, _, let unit),
            .pmf(_, _, let unit), .pmfDict(_, _, _, _, let unit):
            return unit
        case .string, .bool, .stringDict, .meter, .meterDict, .stateTime, .sum, .histogram, .intDictSum:
            return nil
        }
    }

    /// The Graphite path of a stat: segments sanitized by the pusher's rule and joined with
    /// `.`; template segments stand for all their instances.
    static func graphite(_ path: PathPattern) -> String {
        Prefix.root.appending(path.segments).graphite
    }
}
