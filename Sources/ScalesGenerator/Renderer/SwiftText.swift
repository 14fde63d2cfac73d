/// Turns arbitrary user text (YAML `doc` strings) into Swift that cannot break: string literals
/// with every special character escaped, and comment lines free of line breaks and control or
/// bidirectional-formatting characters.
enum SwiftText {
    /// A double-quoted Swift string literal for `text`.
    static func stringLiteral(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\0": result += "\\0"
            default:
                if needsEscape(scalar) {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// `text` split at every kind of line break into comment-safe lines.
    static func docLines(_ text: String) -> [String] {
        // Fast path: printable ASCII on one line (nearly every generated comment).
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return [text.utf8.last == 0x20 ? trimmingTrailingSpaces(text) : text]
        }
        var lines: [String] = [""]
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n":
                if !previousWasCR { lines.append("") }
                previousWasCR = false
                continue
            case "\r", "\u{85}", "\u{2028}", "\u{2029}", "\u{0B}", "\u{0C}":
                lines.append("")
                previousWasCR = scalar == "\r"
                continue
            case "\t":
                lines[lines.count - 1] += " "
            default:
                if !needsEscape(scalar) { lines[lines.count - 1].unicodeScalars.append(scalar) }
            }
            previousWasCR = false
        }
        return lines.map { trimmingTrailingSpaces($0) }
    }

    /// `line` broken at spaces into pieces of at most `width` characters (a longer word stays
    /// whole); continuation pieces keep the line's indentation, plus two spaces under a list item.
    static func wrap(_ line: String, width: Int) -> [String] {
        // UTF-8 length bounds the character count: most lines are decided without counting.
        guard line.utf8.count > width, line.count > width else { return [line] }
        let leading = String(line.prefix { $0 == " " })
        // A list item's continuation lines are indented under its text; prose lines are not.
        let continuation = line.dropFirst(leading.count).hasPrefix("- ") ? leading + "  " : leading
        var pieces: [String] = []
        var current = leading
        for word in line.dropFirst(leading.count).split(separator: " ", omittingEmptySubsequences: true) {
            let prefix = pieces.isEmpty ? leading : continuation
            if current.count > prefix.count, current.count + 1 + word.count > width {
                pieces.append(current)
                current = continuation + word
            } else {
                current += (current.count > prefix.count ? " " : "") + word
            }
        }
        pieces.append(current)
        return pieces
    }

    /// One comment line: line breaks become spaces, control characters are dropped.
    static func commentLine(_ text: String) -> String {
        docLines(text).joined(separator: " ")
    }

    /// A literal that reads back as exactly `value` (which is finite).
    static func doubleLiteral(_ value: Double) -> String {
        let text = String(value)
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    /// Control characters, line and paragraph separators, and invisible formatting characters
    /// (bidirectional overrides and isolates, zero-width joiners, the BOM).
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value >= 0x20 && scalar.value < 0x7F { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
            return true
        default:
            return false
        }
    }

    private static func trimmingTrailingSpaces(_ text: String) -> String {
        var scalars = text.unicodeScalars[...]
        while let last = scalars.last, last == " " { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
