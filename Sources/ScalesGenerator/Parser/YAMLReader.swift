import Yams

/// Composes a stats file's text into Yams nodes, turning every libyaml and Yams error into a
/// ``Diagnostic`` at the line and column it names.
enum YAMLReader {
    /// The outcome of composing one file.
    enum Outcome {
        /// The document's root node. `keepAlive` owns the anchors the nodes point to weakly.
        case document(Node, keepAlive: Parser)
        /// The file holds no document (empty, or only comments).
        case empty
        /// Composing failed; the diagnostics say why.
        case failed
    }

    /// Files larger than this are rejected before parsing (a real stats.yaml is a few kilobytes;
    /// 4,000 stats take about 150 KB).
    static let maximumSize = 8 << 20

    static func compose(_ source: SourceText, byteCount: Int, into log: inout DiagnosticLog) -> Outcome {
        let file = source.file
        let start = SourceLocation(file: file, line: 1, column: 1)
        if byteCount > maximumSize {
            log.error(
                "\(SourceText.displayName(file)) is \(byteCount) bytes, more than the \(maximumSize) a stats file may "
                    + "have",
                at: start)
            return .failed
        }
        let aliases = AliasScanner.resolvedAliases(in: source.text)
        if !aliases.isEmpty {
            // One error per alias name (an alias bomb repeats a few names many times).
            var seen: [String: Int] = [:]
            for alias in aliases { seen[alias.name, default: 0] += 1 }
            var reported: Set<String> = []
            for alias in aliases where !reported.contains(alias.name) {
                reported.insert(alias.name)
                let count = seen[alias.name] ?? 1
                let times = count > 1 ? " (used \(count) times)" : ""
                log.error(
                    "YAML aliases are not supported in stats files: write the value out instead of "
                        + "`*\(alias.name)`\(times)",
                    at: SourceLocation(file: file, line: alias.line, column: alias.column))
            }
            return .failed
        }
        // Yams stops at the first mapping with a duplicated key. To report every duplicate (and
        // the file's other errors) in one run, each reported duplicate entry of a block mapping
        // is blanked out, keeping every line where it was, and the text is composed again.
        var text = source.text
        var recovered = false
        for _ in 0..<100 {
            do {
                let parser = try Parser(yaml: text)
                guard let root = try parser.singleRoot() else { return recovered ? .failed : .empty }
                return .document(root, keepAlive: parser)
            } catch let error as YamlError {
                let current = SourceText(file: file, text: text)
                // Every duplicate of the mapping at once, so a file of many duplicates is composed
                // a few times, not once per duplicate.
                if case .duplicatedKeysInMapping(let keys, let context) = error,
                    let removal = removingDuplicates(keys: keys, firstMark: context.mark, in: current)
                {
                    for found in removal.diagnostics { log.append(found) }
                    text = removal.text
                    recovered = true
                    continue
                }
                log.append(diagnostic(for: error, in: current))
                guard case .duplicatedKeysInMapping(let keys, let context) = error,
                    let next = removingDuplicate(keys: keys, firstMark: context.mark, in: current)
                else { return .failed }
                text = next
                recovered = true
            } catch {
                log.error("invalid YAML: \(error)", at: start)
                return .failed
            }
        }
        return .failed
    }

    /// `source` with every later entry of a duplicated key (one of `keys`) of the block mapping
    /// around `firstMark` replaced by empty lines, with one diagnostic per entry removed (at it,
    /// with a note at the first); `nil` when the mapping cannot be read that way (a flow
    /// mapping, a first key after `- `, lone `\r` line breaks), or no duplicate was found.
    ///
    /// One pass over the mapping's lines: linear in the file's size however many duplicates.
    static func removingDuplicates(keys: [String], firstMark: Mark, in source: SourceText) -> (
        text: String, diagnostics: [Diagnostic]
    )? {
        guard !source.text.contains("\r") || !source.text.replacing("\r\n", with: "\n").contains("\r") else {
            return nil
        }
        var lines = source.text.split(separator: "\n", omittingEmptySubsequences: false).map { Substring($0) }
        let firstLine = firstMark.line - 1
        let indent = firstMark.column - 1
        guard firstLine >= 0, firstLine < lines.count, indent >= 0 else { return nil }
        func leadingSpaces(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }
        func isBlankOrComment(_ line: Substring) -> Bool {
            let content = line.drop { $0 == " " || $0 == "\t" }
            return content.isEmpty || content == "\r" || content.hasPrefix("#")
        }
        guard leadingSpaces(lines[firstLine]) == indent else { return nil }
        // The mapping's lines: up and down to the first line indented less than its keys.
        var start = firstLine
        while start > 0, isBlankOrComment(lines[start - 1]) || leadingSpaces(lines[start - 1]) >= indent { start -= 1 }
        var end = firstLine + 1
        while end < lines.count, isBlankOrComment(lines[end]) || leadingSpaces(lines[end]) >= indent { end += 1 }
        let wanted = Set(keys)
        var firstSeen: [String: SourceLocation] = [:]
        var diagnostics: [Diagnostic] = []
        var index = start
        while index < end {
            let line = lines[index]
            guard !isBlankOrComment(line), leadingSpaces(line) == indent,
                let key = Self.blockKey(line.dropFirst(indent)),
                wanted.contains(key)
            else {
                index += 1
                continue
            }
            let location = SourceLocation(file: source.file, line: index + 1, column: indent + 1)
            guard let first = firstSeen[key] else {
                firstSeen[key] = location
                index += 1
                continue
            }
            diagnostics.append(
                .error(
                    "`\(key)` is declared twice in this mapping; rename or remove one", at: location,
                    notes: [.init(location: first, message: "`\(key)` is first declared here")]))
            lines[index] = ""
            index += 1
            // The entry's value continues on lines indented deeper than its key (or blank ones).
            while index < end, isBlankOrComment(lines[index]) || leadingSpaces(lines[index]) > indent {
                lines[index] = ""
                index += 1
            }
        }
        guard !diagnostics.isEmpty else { return nil }
        return (lines.joined(separator: "\n"), diagnostics)
    }

    /// The key a block mapping entry line starts with (`key:` or a quoted `"key":`, followed by
    /// a space or the line's end), or `nil`.
    static func blockKey(_ text: Substring) -> String? {
        if let quote = text.first, quote == "\"" || quote == "'" {
            let body = text.dropFirst()
            guard let close = body.firstIndex(of: quote) else { return nil }
            let key = body[..<close]
            if key.contains("\\") || key.contains("\"") || key.contains("'") { return nil }
            let rest = body[body.index(after: close)...].drop { $0 == " " }
            guard rest.first == ":", Self.endsKey(rest.dropFirst()) else { return nil }
            return String(key)
        }
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == ":", Self.endsKey(text[text.index(after: index)...]) {
                var key = text[..<index]
                while key.last == " " { key = key.dropLast() }
                return key.isEmpty || key.hasPrefix("- ") || key.hasPrefix("? ") || key.contains(" #")
                    ? nil : String(key)
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func endsKey(_ rest: Substring) -> Bool {
        rest.isEmpty || rest.first == " " || rest.first == "\t" || rest.first == "\r"
    }

    /// `source` with the duplicated entry of a block mapping replaced by empty lines, or `nil`
    /// when the duplicate cannot be removed that way (a flow mapping, lone `\r` line breaks).
    static func removingDuplicate(keys: [String], firstMark: Mark, in source: SourceText) -> String? {
        let key = keys.sorted().first ?? ""
        let first = SourceLocation(file: source.file, line: max(1, firstMark.line), column: max(1, firstMark.column))
        guard let second = secondOccurrence(of: key, after: first, in: source), second.line > first.line,
            !source.text.replacing("\r\n", with: "\n").contains("\r")
        else { return nil }
        var lines = source.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let indent = second.column - 1
        var index = second.line - 1
        guard index < lines.count else { return nil }
        lines[index] = ""
        index += 1
        // The entry's value continues on lines indented deeper than its key (or blank ones).
        while index < lines.count {
            let line = lines[index]
            let leading = line.prefix { $0 == " " }.count
            let isBlank = line.allSatisfy { $0 == " " || $0 == "\r" || $0 == "\t" }
            if !isBlank && leading <= indent { break }
            lines[index] = ""
            index += 1
        }
        return lines.joined(separator: "\n")
    }

    static func diagnostic(for error: YamlError, in source: SourceText) -> Diagnostic {
        let file = source.file
        func location(_ mark: Mark) -> SourceLocation {
            source.clamped(line: mark.line, column: mark.column)
        }
        func contextSuffix(_ context: YamlError.Context?) -> String {
            guard let context else { return "" }
            return " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            if source.scalar(at: mark.line, column: mark.column) == "\t" {
                return .error("tab characters cannot indent YAML; indent with spaces", at: location(mark))
            }
            if let hint = unquotedFlowValueHint(problem: problem, line: mark.line, column: mark.column, in: source) {
                return .error(hint, at: location(mark))
            }
            return .error("invalid YAML: \(problem)\(contextSuffix(context))", at: location(mark))
        case .composer(let context, let problem, let mark, _):
            if problem == "but found another document" {
                return .error(
                    "a stats file holds one YAML document; remove this `---` and what follows, or move it to a file of "
                        + "its own",
                    at: location(mark))
            }
            if problem == "found undefined alias" {
                return .error(
                    "YAML aliases are not supported in stats files, and this one names no anchor", at: location(mark))
            }
            return .error("invalid YAML: \(problem)\(contextSuffix(context))", at: location(mark))
        case .reader(let problem, let offset, let value, _):
            let place =
                offset.map { source.location(ofCharacterOffset: $0) } ?? SourceLocation(file: file, line: 1, column: 1)
            let character = value >= 0 ? " (U+\(hex(value)))" : ""
            return .error("invalid YAML: \(problem)\(character)", at: place)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKeyDiagnostic(duplicates: duplicates, firstMark: context.mark, source: source)
        case .memory:
            return .error("the YAML reader ran out of memory", at: SourceLocation(file: file, line: 1, column: 1))
        default:
            return .error("invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    /// The message for a flow mapping (`{ … }`) broken by a `{`, `[` or `: ` inside an unquoted
    /// value, as in `{ kind: int, path: /cache/{name} }` or `{ doc: Requests: all of them }`:
    /// libyaml only says it "did not find expected ',' or '}'" at that character. The message
    /// names the character and shows the entry with its value quoted; `nil` for other errors.
    ///
    /// The value is read on the error's line: from after the `key: ` of the entry (which starts
    /// after the last `,` or `{` before the character, or at the line's first non-space) up to
    /// the next `,` or unmatched `}` or `]` after it, nested brackets included.
    static func unquotedFlowValueHint(problem: String, line: Int, column: Int, in source: SourceText) -> String? {
        guard problem == "did not find expected ',' or '}'" else { return nil }
        let lines = source.text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        guard line >= 1, line <= lines.count else { return nil }
        let scalars = Array(lines[line - 1].unicodeScalars)
        let at = column - 1
        guard at >= 0, at < scalars.count, let character = ["{", "[", ":"].first(where: { $0 == scalars[at] }) else {
            return nil
        }
        // The entry: after the last `,` or `{` before the character, or the line's indentation.
        var start = at
        while start > 0, scalars[start - 1] != ",", scalars[start - 1] != "{" { start -= 1 }
        let entry = Array(scalars[start..<at])
        guard
            let colon = entry.indices.first(where: { entry[$0] == ":" && $0 + 1 < entry.count && entry[$0 + 1] == " " })
        else {
            return nil
        }
        let key = trimmingSpaces(entry[..<colon])
        guard !key.isEmpty, !key.unicodeScalars.contains(where: { "\"'{}[],".unicodeScalars.contains($0) }) else {
            return nil
        }
        // The rest of the value: up to a `,` or an unmatched closing bracket.
        var end = at
        var depth = 0
        while end < scalars.count {
            let scalar = scalars[end]
            if scalar == "{" || scalar == "[" {
                depth += 1
            } else if scalar == "}" || scalar == "]" {
                if depth == 0 { break }
                depth -= 1
            } else if scalar == ",", depth == 0 {
                break
            }
            end += 1
        }
        let value = trimmingSpaces(entry[(colon + 1)...] + scalars[at..<end])
        var quoted = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        quoted += "\""
        let what = character == ":" ? "`:` followed by a space" : "`\(character)`"
        return "\(what) cannot appear in an unquoted value inside `{ … }`; quote the value: `\(key): \(quoted)`"
    }

    /// `scalars` as text without the spaces and tabs at either end.
    private static func trimmingSpaces<C: Collection<Unicode.Scalar>>(_ scalars: C) -> String {
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let trimmed = Array(scalars[first...])
        let last = trimmed.lastIndex(where: { !isSpace($0) }) ?? 0
        var text = ""
        text.unicodeScalars.append(contentsOf: trimmed[...last])
        return text
    }

    private static func hex(_ value: Int32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Yams reports a duplicated key at its first occurrence; point at the second one, which is
    /// the one to remove or rename, and mention the first in a note.
    static func duplicateKeyDiagnostic(duplicates: [String], firstMark: Mark, source: SourceText) -> Diagnostic {
        let key = duplicates.sorted().first ?? ""
        let first = SourceLocation(file: source.file, line: max(1, firstMark.line), column: max(1, firstMark.column))
        let message = "`\(key)` is declared twice in this mapping; rename or remove one"
        guard let second = secondOccurrence(of: key, after: first, in: source) else {
            return .error(message, at: first)
        }
        return .error(message, at: second, notes: [.init(location: first, message: "`\(key)` is first declared here")])
    }

    /// The next key `key` in the same mapping: on the same line for a flow mapping, or on a
    /// later line at the same indentation for a block mapping.
    static func secondOccurrence(of key: String, after first: SourceLocation, in source: SourceText) -> SourceLocation?
    {
        let lines = source.text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        guard first.line - 1 < lines.count else { return nil }
        let keyScalars = Array(key.unicodeScalars)
        func keyStarts(in scalars: [Unicode.Scalar], at index: Int) -> Bool {
            var position = index
            var quote: Unicode.Scalar? = nil
            if position < scalars.count, scalars[position] == "\"" || scalars[position] == "'" {
                quote = scalars[position]
                position += 1
            }
            guard position + keyScalars.count <= scalars.count,
                Array(scalars[position..<(position + keyScalars.count)]) == keyScalars
            else { return false }
            position += keyScalars.count
            if let quote {
                guard position < scalars.count, scalars[position] == quote else { return false }
                position += 1
            }
            while position < scalars.count, scalars[position] == " " { position += 1 }
            return position < scalars.count && scalars[position] == ":"
        }
        // Flow mapping: a later `key:` on the same line, after a `,` or `{`.
        let firstLine = Array(lines[first.line - 1].unicodeScalars)
        var index = first.column  // the scalar after the first key's first character
        while index < firstLine.count {
            if firstLine[index - 1] == "," || firstLine[index - 1] == "{" || firstLine[index - 1] == " " {
                if index >= first.column + keyScalars.count, keyStarts(in: firstLine, at: index) {
                    return SourceLocation(file: source.file, line: first.line, column: index + 1)
                }
            }
            index += 1
        }
        // Block mapping: a later line indented exactly like the first key.
        let indent = first.column - 1
        for lineIndex in first.line..<lines.count {
            let scalars = Array(lines[lineIndex].unicodeScalars)
            let leading = scalars.prefix { $0 == " " }.count
            if leading == scalars.count || scalars[leading] == "#" { continue }
            if leading < indent { return nil }
            if leading == indent, keyStarts(in: scalars, at: leading) {
                return SourceLocation(file: source.file, line: lineIndex + 1, column: leading + 1)
            }
        }
        return nil
    }
}
