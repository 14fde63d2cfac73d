/// The formats `/metrics` is served in; every one carries the same families, names and labels
/// (see ``PrometheusFormat`` for the mapping), and differs only in encoding and in how a
/// `pmf` is typed.
public enum ExpositionFormat: Sendable, Hashable, CaseIterable {
    /// Prometheus text format 0.0.4 (``PrometheusFormat``); the default.
    case prometheusText
    /// OpenMetrics 1.0 text (``OpenMetricsFormat``).
    case openMetrics
    /// Length-delimited `io.prometheus.client.MetricFamily` messages (``PrometheusProtobuf``),
    /// with native histograms for pmfs that carry ``PmfSnapshot/buckets``.
    case protobuf

    /// The `Content-Type` of a response in this format.
    public var contentType: String {
        switch self {
        case .prometheusText: return PrometheusFormat.contentType
        case .openMetrics: return OpenMetricsFormat.contentType
        case .protobuf: return PrometheusProtobuf.contentType
        }
    }

    /// The snapshot in this format.
    ///
    /// - Parameters:
    ///   - snapshot: The tree to render (the whole registry, or a subtree).
    ///   - namespace: An optional first name part, such as the application's name.
    public func render(_ snapshot: Snapshot, namespace: String? = nil) -> [UInt8] {
        PrometheusFormat.renderBytesCountingCollisions(snapshot, namespace: namespace, format: self).bytes
    }
}
