/// The names a stat gets in the exporters, computed the way they compute them, so that two
/// stats that would end up under one name are caught at build time instead of silently merging.
enum ExporterNames {
    /// Prometheus metric names for a stat at `path`: path segments joined by `_`, template
    /// segments reduced to their literal text (the id becomes a label), every character outside
    /// `[a-zA-Z0-9_]` replaced by `_`. A pmf is a summary, so it also owns `_count` and `_sum`.
    static func prometheus(_ path: PathPattern, kind: StatKind) -> [String] {
        var words: [String] = []
        for segment in path.segments {
            let text: String
            switch segment {
            case .name(let name): text = name
            case .template(let prefix, _, let suffix): text = trimmedSeparators(prefix + suffix)
            }
            if !text.isEmpty { words.append(text) }
        }
        var bytes = Array(words.joined(separator: "_").utf8)
        for index in bytes.indices {
            let byte = bytes[index]
            let isWordByte = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            if !isWordByte { bytes[index] = 0x5F }  // `_`; paths are ASCII, so bytes are characters
        }
        if let first = bytes.first, first >= 0x30 && first <= 0x39 { bytes.insert(0x5F, at: 0) }
        let base = String(decoding: bytes, as: UTF8.self)
        switch kind {
        case .pmf, .pmfDict: return [base, base + "_count", base + "_sum"]
        default: return [base]
        }
    }

    /// The Graphite path of a stat: segments sanitized as scales does (spaces and dots become
    /// `-`, slashes `_`) and joined with `.`; template segments stand for all their instances.
    static func graphite(_ path: PathPattern) -> String {
        path.segments.map { segment in
            var bytes = Array(segment.shape.utf8)
            for index in bytes.indices {
                switch bytes[index] {
                case 0x20, 0x2E: bytes[index] = 0x2D  // space, `.` → `-`
                case 0x2F: bytes[index] = 0x5F  // `/` → `_`
                default: break
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }.joined(separator: ".")
    }

    private static func trimmedSeparators(_ text: String) -> String {
        let separators: Set<Character> = ["-", "_", "."]
        return String(text.drop { separators.contains($0) }.reversed().drop { separators.contains($0) }.reversed())
    }
}
