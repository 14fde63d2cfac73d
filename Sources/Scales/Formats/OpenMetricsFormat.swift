import ScalesNaming

/// Renders snapshots in OpenMetrics 1.0 text: the families, names, labels and values of
/// ``PrometheusFormat``, with OpenMetrics' metadata.
///
/// - A counter family is named without `_total` (`# TYPE web_requests counter`); its samples
///   keep it (`web_requests_total 42`). A string is an `info` family (`# TYPE web_version info`,
///   sample `web_version_info{value="1.4.2"} 1`).
/// - When that shorter family name is taken by another family or sample name in the same
///   exposition (a gauge `x` beside a counter `x_total`), the counter is typed `unknown` and the
///   info a `gauge`, both under their full names: the samples are the same either way.
/// - A `pmf` is a summary, as in text 0.0.4. HELP escapes `\`, `"` and newline. The text ends
///   with `# EOF`.
///
/// ```swift
/// let text = OpenMetricsFormat.render(registry.snapshot()!)
/// // serve with Content-Type: OpenMetricsFormat.contentType
/// ```
public enum OpenMetricsFormat {
    /// `application/openmetrics-text; version=1.0.0; charset=utf-8`.
    public static let contentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    /// The snapshot as OpenMetrics text, ending in `# EOF\n`.
    ///
    /// - Parameters:
    ///   - snapshot: The tree to render (the whole registry, or a subtree).
    ///   - namespace: An optional first name part, such as the application's name.
    public static func render(_ snapshot: Snapshot, namespace: String? = nil) -> String {
        String(decoding: ExpositionFormat.openMetrics.render(snapshot, namespace: namespace), as: UTF8.self)
    }
}

extension PrometheusWriter {
    /// How many families or samples each OpenMetrics name is written by: every text family
    /// name, a summary's `_sum` and `_count`, and the shorter names of counters and infos.
    func openMetricsNameCounts(_ blocks: [Block], _ sorted: [Int]) -> [String: Int] {
        var counts: [String: Int] = [:]
        counts.reserveCapacity(blocks.count * 2)
        for block in blocks {
            let head = entries[block.first]
            counts[head.family, default: 0] += 1
            if block.kind == .summary {
                counts[head.family + "_sum", default: 0] += 1
                counts[head.family + "_count", default: 0] += 1
            }
            if let short = Self.openMetricsShortName(head, block.kind) { counts[short, default: 0] += 1 }
        }
        return counts
    }

    /// The family name without its sample suffix: `x` for a counter `x_total` or an info `x_info`.
    static func openMetricsShortName(_ head: Entry, _ kind: Kind) -> String? {
        switch (kind, head.suffix) {
        case (.counter, _) where head.family.hasSuffix("_total"):
            return String(head.family.dropLast(6))
        case (.gauge, .info) where head.family.hasSuffix("_info"):
            return String(head.family.dropLast(5))
        default:
            return nil
        }
    }

    /// `# TYPE`, `# HELP` and the samples of one family in OpenMetrics.
    mutating func writeOpenMetricsFamily(_ block: Block, _ sorted: [Int], names: [String: Int], into out: inout [UInt8])
    {
        let head = entries[block.first]
        var name = head.family
        var type: StaticString
        switch block.kind {
        case .gauge: type = "gauge"
        case .counter: type = "unknown"
        case .summary: type = "summary"
        }
        if let short = Self.openMetricsShortName(head, block.kind), !short.isEmpty,
            names[short] == 1, !openMetricsTaken.contains(short)
        {
            name = short
            type = block.kind == .counter ? "counter" : "info"
        }
        out.append(contentsOf: "# TYPE ".utf8)
        out.append(contentsOf: name.utf8)
        out.append(0x20)
        type.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(contentsOf: "\n# HELP ".utf8)
        out.append(contentsOf: name.utf8)
        out.append(0x20)
        Self.appendHelp(helps[head.help], to: &out, escaping: .openMetrics)
        out.append(0x0A)
        appendTextSamples(block, sorted, into: &out)
    }
}
