/// Finds YAML aliases (`*name`) that refer to an anchor (`&name`) before the text is composed.
///
/// Composing resolves aliases, and a document built from nested aliases (the "billion laughs")
/// is tiny as text but enormous as a tree: hashing or comparing one of its nodes takes
/// exponential time. stats.yaml has no use for anchors, so an alias is reported and the text is
/// never composed.
///
/// The scan is lexical: it skips comments, quoted scalars and block scalars, and counts a `&` or
/// `*` only where a token starts. It can mistake plain text such as `rock &roll` for an anchor,
/// so a match is reported only when an alias names an anchor found in the same text.
enum AliasScanner {
    struct Token {
        let name: String
        let line: Int
        let column: Int
    }

    /// Aliases whose name is also the name of an anchor in `text`.
    static func resolvedAliases(in text: String) -> [Token] {
        let (anchors, aliases) = scan(text)
        let anchorNames = Set(anchors.map(\.name))
        return aliases.filter { anchorNames.contains($0.name) }
    }

    static func scan(_ text: String) -> (anchors: [Token], aliases: [Token]) {
        var anchors: [Token] = []
        var aliases: [Token] = []
        var quote: Unicode.Scalar?
        var blockParentIndent: Int?
        var flowDepth = 0
        let lines = splitLines(text)
        for (lineIndex, line) in lines.enumerated() {
            let indent = line.prefix { $0 == " " }.count
            let isBlank = line.allSatisfy { $0 == " " || $0 == "\t" }
            if let parentIndent = blockParentIndent {
                if isBlank || indent > parentIndent { continue }
                blockParentIndent = nil
            }
            var previous: Unicode.Scalar? = nil
            var index = 0
            var inPlain = false
            while index < line.count {
                let scalar = line[index]
                defer {
                    previous = scalar
                    index += 1
                }
                if let open = quote {
                    if open == "\"" && scalar == "\\" {
                        index += 1
                        continue
                    }
                    if scalar == open {
                        if open == "'" && index + 1 < line.count && line[index + 1] == "'" {
                            index += 1
                            continue
                        }
                        quote = nil
                    }
                    continue
                }
                let afterSpace = previous == nil || previous == " " || previous == "\t"
                if scalar == "#" && afterSpace { break }
                if inPlain {
                    // A plain scalar runs to `: `, or in flow context to a flow indicator.
                    let next = index + 1 < line.count ? line[index + 1] : " "
                    if scalar == ":" && (next == " " || next == "\t") {
                        inPlain = false
                    } else if flowDepth > 0 && (scalar == "," || scalar == "]" || scalar == "}") {
                        inPlain = false
                    } else {
                        continue
                    }
                }
                switch scalar {
                case "[", "{": flowDepth += 1
                case "]", "}": flowDepth = max(0, flowDepth - 1)
                default: break
                }
                let atTokenStart = afterSpace || previous == "[" || previous == "{" || previous == ","
                guard atTokenStart else { continue }
                if scalar == "\"" || scalar == "'" {
                    quote = scalar
                } else if scalar == "&" || scalar == "*" {
                    var end = index + 1
                    while end < line.count, isAnchorCharacter(line[end]) { end += 1 }
                    if end > index + 1 {
                        var name = ""
                        name.unicodeScalars.append(contentsOf: line[(index + 1)..<end])
                        let token = Token(name: name, line: lineIndex + 1, column: index + 1)
                        if scalar == "&" { anchors.append(token) } else { aliases.append(token) }
                        index = end - 1
                    }
                } else if !Self.indicators.contains(scalar) && scalar != " " && scalar != "\t" {
                    inPlain = true
                } else if scalar == "-" || scalar == "?" || scalar == ":" {
                    // `- x`, `? x`, `: x` are indicators only when followed by a space.
                    let next = index + 1 < line.count ? line[index + 1] : " "
                    if next != " " && next != "\t" { inPlain = true }
                }
            }
            // A line whose value ends in `|` or `>` (with optional indicators) opens a block scalar.
            if quote == nil, opensBlockScalar(line) {
                blockParentIndent = indent
            }
        }
        return (anchors, aliases)
    }

    private static let indicators: Set<Unicode.Scalar> = [
        "-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`",
    ]

    private static func isAnchorCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", ",", "[", "]", "{", "}": return false
        default: return scalar.value > 0x20
        }
    }

    private static func opensBlockScalar(_ line: [Unicode.Scalar]) -> Bool {
        var content = line
        // Drop a trailing comment.
        if let hash = content.indices.first(where: { content[$0] == "#" && ($0 == 0 || content[$0 - 1] == " ") }) {
            content = Array(content[..<hash])
        }
        while let last = content.last, last == " " || last == "\t" { content.removeLast() }
        var tokenStart = content.count
        while tokenStart > 0, content[tokenStart - 1] != " " { tokenStart -= 1 }
        let token = content[tokenStart...]
        guard let first = token.first, first == "|" || first == ">" else { return false }
        let allowed: Set<Unicode.Scalar> = ["+", "-", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
        return token.dropFirst().allSatisfy { allowed.contains($0) }
    }

    private static func splitLines(_ text: String) -> [[Unicode.Scalar]] {
        var lines: [[Unicode.Scalar]] = [[]]
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n":
                if !previousWasCR { lines.append([]) }
                previousWasCR = false
            case "\r":
                lines.append([])
                previousWasCR = true
            default:
                lines[lines.count - 1].append(scalar)
                previousWasCR = false
            }
        }
        return lines
    }
}
