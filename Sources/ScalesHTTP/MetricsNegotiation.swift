public import Scales

/// Picks the format of `/metrics` from a scraper's `Accept` header.
///
/// The formats offered and the media ranges that select them:
/// - protobuf (`PrometheusProtobuf`): `application/vnd.google.protobuf` with
///   `proto=io.prometheus.client.MetricFamily` and `encoding=delimited` (both required, as
///   client_golang requires them);
/// - OpenMetrics 1.0 (`OpenMetricsFormat`): `application/openmetrics-text` with
///   `version=1.0.0` or no version;
/// - text 0.0.4 (`PrometheusFormat`): `text/plain` with `version=0.0.4` or no version,
///   `text/*` and `*/*`.
///
/// Each format takes the `q` of the most specific range that matches it (an exact type over
/// `type/*` over `*/*`); the highest `q` above 0 wins, a tie goes to the range listed first,
/// and a tie within one range (`*/*` matches all three) to text 0.0.4. No `Accept`, an empty
/// one, or one that accepts none of them gets text 0.0.4 (a scraper gets an answer it can
/// most likely read rather than a 406). Parameter names and type names compare without ASCII
/// case; a malformed `q` drops its range.
///
/// For example Prometheus with native histograms sends
/// `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1`
/// and gets protobuf; without them it sends
/// `application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`
/// and gets OpenMetrics.
public enum MetricsNegotiation {
    /// The format to answer `accept` (the `Accept` header's value, `nil` when absent) with.
    public static func format(accept: String?) -> ExpositionFormat {
        guard let accept, accept.contains(where: { !$0.isWhitespace }) else { return .prometheusText }
        // Per format: (q, specificity, position) of its best range.
        var best: [ExpositionFormat: (q: Double, specificity: Int, position: Int)] = [:]
        for (position, range) in accept.split(separator: ",").enumerated() {
            guard let parsed = MediaRange(range) else { continue }
            for format in ExpositionFormat.allCases {
                guard let specificity = parsed.specificity(for: format) else { continue }
                if let current = best[format], current.specificity >= specificity { continue }
                best[format] = (parsed.q, specificity, position)
            }
        }
        var chosen = ExpositionFormat.prometheusText
        var chosenRank: (q: Double, position: Int)?
        // Text first: on a tie within one range it stays.
        for format in [ExpositionFormat.prometheusText, .openMetrics, .protobuf] {
            guard let match = best[format], match.q > 0 else { continue }
            if let rank = chosenRank, !(match.q > rank.q || (match.q == rank.q && match.position < rank.position)) {
                continue
            }
            chosen = format
            chosenRank = (match.q, match.position)
        }
        return chosen
    }

    /// One media range of an `Accept` header: `type/subtype;name=value;…;q=…`.
    struct MediaRange {
        var type: Substring
        var subtype: Substring
        var parameters: [(name: String, value: String)] = []
        var q = 1.0

        init?(_ text: Substring) {
            let parts = text.split(separator: ";", omittingEmptySubsequences: false)
            let media = parts[0].trimmingASCIISpaces()
            guard let slash = media.firstIndex(of: "/") else { return nil }
            type = media[..<slash]
            subtype = media[media.index(after: slash)...]
            guard !type.isEmpty, !subtype.isEmpty else { return nil }
            for part in parts.dropFirst() {
                let parameter = part.trimmingASCIISpaces()
                if parameter.isEmpty { continue }
                guard let equals = parameter.firstIndex(of: "=") else { return nil }
                let name = parameter[..<equals].trimmingASCIISpaces().lowercased()
                var value = parameter[parameter.index(after: equals)...].trimmingASCIISpaces()
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                if name == "q" {
                    guard let q = Double(value), q >= 0, q <= 1 else { return nil }
                    self.q = q
                } else {
                    parameters.append((name, String(value)))
                }
            }
        }

        func parameter(_ name: String) -> String? {
            parameters.first { $0.name == name }?.value
        }

        /// 3 when the range is `type/subtype` (parameters are not compared), 2 for `type/*`,
        /// 1 for `*/*`; `nil` when it does not match.
        func specificity(type wantedType: String, subtype wantedSubtype: String) -> Int? {
            let type = self.type.lowercased()
            let subtype = self.subtype.lowercased()
            if type == "*", subtype == "*" { return 1 }
            guard type == wantedType else { return nil }
            if subtype == "*" { return 2 }
            return subtype == wantedSubtype ? 3 : nil
        }

        /// 3 for an exact match, 2 for `type/*`, 1 for `*/*`; `nil` when the range does not
        /// match `format`.
        func specificity(for format: ExpositionFormat) -> Int? {
            let mediaType: (type: String, subtype: String) =
                switch format {
                case .prometheusText: ("text", "plain")
                case .openMetrics: ("application", "openmetrics-text")
                case .protobuf: ("application", "vnd.google.protobuf")
                }
            guard let specificity = specificity(type: mediaType.type, subtype: mediaType.subtype) else { return nil }
            guard specificity == 3 else { return specificity }
            switch format {
            case .prometheusText:
                if let version = parameter("version"), version != "0.0.4" { return nil }
            case .openMetrics:
                if let version = parameter("version"), version != "1.0.0" { return nil }
            case .protobuf:
                guard parameter("proto") == "io.prometheus.client.MetricFamily",
                    parameter("encoding") == "delimited"
                else { return nil }
            }
            return 3
        }
    }
}

extension Substring {
    func trimmingASCIISpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
