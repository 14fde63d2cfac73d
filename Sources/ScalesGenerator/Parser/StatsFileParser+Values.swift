import Yams

/// Reading single values (names, text, bools, numbers) with their locations, and describing a
/// node in a message.
extension StatsFileParser {
    // MARK: Values

    mutating func keyName(_ node: Node) -> Located<String>? {
        guard checkNoAnchor(node) else { return nil }
        guard let scalar = node.scalar, !isNull(node) || scalar.style != .plain else {
            log.error("keys must be names; found \(describe(node))", at: location(node))
            return nil
        }
        return Located(scalar.string, at: location(node))
    }

    mutating func expectMapping(_ node: Node, what: String, example: String) -> Node.Mapping? {
        if let mapping = node.mapping { return mapping }
        log.error("\(what) must be a mapping, such as \(example); found \(describe(node))", at: location(node))
        return nil
    }

    mutating func expectText(_ node: Node, key: String) -> Located<String>? {
        guard checkNoAnchor(node) else { return nil }
        guard let scalar = node.scalar, !isNull(node) else {
            // `path: {id}` is a flow mapping to YAML; the fix is quoting.
            let hint =
                node.mapping != nil && key == "path"
                ? " (a path starting with `{` must be quoted: `path: \"{id}\"`)" : ""
            log.error("`\(key)` must be a single value; found \(describe(node))\(hint)", at: location(node))
            return nil
        }
        return Located(scalar.string, at: location(node))
    }

    mutating func expectBool(_ node: Node, key: String) -> Bool? {
        guard checkNoAnchor(node) else { return nil }
        if let scalar = node.scalar, scalar.style == .plain, let value = Self.boolValue(scalar.string) {
            return value
        }
        log.error("`\(key)` must be `true` or `false`; found \(describe(node))", at: location(node))
        return nil
    }

    mutating func expectPositiveInt(_ node: Node, key: String) -> Int? {
        guard checkNoAnchor(node) else { return nil }
        if let scalar = node.scalar, scalar.style == .plain, let value = Int(scalar.string.replacingUnderscores()),
            value > 0
        {
            return value
        }
        log.error("`\(key)` must be a whole number greater than 0; found \(describe(node))", at: location(node))
        return nil
    }

    mutating func unknownKey(_ key: Located<String>, expected: [String], in context: String) {
        let hint = Suggestions.closest(to: key.value, in: expected).map { "did you mean `\($0)`? " } ?? ""
        log.error(
            "unknown key `\(key.value)` in \(context); \(hint)valid keys are \(Suggestions.list(expected))",
            at: key.location)
    }

    /// Anchors are not part of the format; an anchored node is reported and not read.
    mutating func checkNoAnchor(_ node: Node) -> Bool {
        guard let anchor = node.anchor else { return true }
        log.error(
            "YAML anchors are not supported in stats files: remove `&\(anchor.rawValue)` and write each value out",
            at: location(node))
        return false
    }

    // MARK: Helpers

    func location(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(file: file, line: 1, column: 1) }
        return SourceLocation(file: file, line: max(1, mark.line), column: max(1, mark.column))
    }

    func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            let text = scalar.string
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "`\(shown.replacingNewlines())`"
        }
    }

    static func boolValue(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// `a` or `an`, for a word shown in backticks.
    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeio".contains(first) ? "an" : "a"
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    func replacingUnderscores() -> String {
        String(self.filter { $0 != "_" })
    }

    func replacingNewlines() -> String {
        String(self.map { $0.isNewline ? " " : $0 })
    }
}
