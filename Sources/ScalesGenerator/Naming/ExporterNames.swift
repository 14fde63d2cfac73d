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
        var base = String(words.joined(separator: "_").unicodeScalars.map { scalar -> Character in
            SwiftNames.isLetter(scalar) || SwiftNames.isDigit(scalar) || scalar == "_" ? Character(scalar) : "_"
        })
        if let first = base.unicodeScalars.first, SwiftNames.isDigit(first) { base = "_" + base }
        switch kind {
        case .pmf, .pmfDict: return [base, base + "_count", base + "_sum"]
        default: return [base]
        }
    }

    /// The Graphite path of a stat: segments sanitized as scales does (spaces and dots become
    /// `-`, slashes `_`) and joined with `.`; template segments stand for all their instances.
    static func graphite(_ path: PathPattern) -> String {
        path.segments.map { segment in
            String(segment.shape.map { character -> Character in
                switch character {
                case " ", ".": return "-"
                case "/": return "_"
                default: return character
                }
            })
        }.joined(separator: ".")
    }

    private static func trimmedSeparators(_ text: String) -> String {
        let separators: Set<Character> = ["-", "_", "."]
        return String(text.drop { separators.contains($0) }.reversed().drop { separators.contains($0) }.reversed())
    }
}
