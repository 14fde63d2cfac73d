import Yams

/// Walks the Yams nodes of one stats file into a ``StatsFile``, reporting every shape problem
/// (unknown key or kind, wrong type of value) at the node's line and column and going on.
///
/// Only the structure stats.yaml defines is visited, so a large or aliased subtree somewhere
/// unexpected costs nothing.
struct StatsFileParser {
    static let topLevelKeys = ["version", "access", "collections"]
    static let collectionKeys = ["path", "parent", "doc", "collapsed", "maxKeys", "factory", "stats"]
    static let commonStatKeys = ["kind", "doc"]

    let file: String
    var log = DiagnosticLog()

    init(file: String) {
        self.file = file
    }

    // MARK: Entry

    mutating func parse(_ root: Node) -> StatsFile? {
        guard checkNoAnchor(root), let mapping = expectMapping(root, what: "a stats file", example: "`collections:`") else {
            return nil
        }
        var access = AccessLevel.internal
        var collections: [CollectionDecl] = []
        var sawCollections = false
        for (keyNode, value) in mapping {
            guard let key = keyName(keyNode) else { continue }
            switch key.value {
            case "version":
                parseVersion(value)
            case "access":
                if let level = parseAccess(value) { access = level }
            case "collections":
                sawCollections = true
                collections = parseCollections(value)
            default:
                unknownKey(key, expected: Self.topLevelKeys, in: "a stats file")
            }
        }
        if !sawCollections {
            log.error(
                "a stats file needs `collections:`, a mapping from type names to collections, such as `WebStats: { path: /web, stats: { errors: int } }`",
                at: location(root))
        }
        return StatsFile(path: file, access: access, collections: collections)
    }

    // MARK: Top level

    private mutating func parseVersion(_ node: Node) {
        guard checkNoAnchor(node) else { return }
        guard let scalar = node.scalar, scalar.style == .plain, scalar.string == "1" else {
            log.error("`version` must be 1, the only stats.yaml format so far; found \(describe(node))", at: location(node))
            return
        }
    }

    private mutating func parseAccess(_ node: Node) -> AccessLevel? {
        guard let text = expectText(node, key: "access") else { return nil }
        guard let level = AccessLevel(rawValue: text.value) else {
            let names = AccessLevel.allCases.map(\.rawValue)
            log.error(
                "`access` must be \(Suggestions.list(names)), not `\(text.value)`\(Suggestions.didYouMean(text.value, in: names))",
                at: text.location)
            return nil
        }
        return level
    }

    // MARK: Collections

    private mutating func parseCollections(_ node: Node) -> [CollectionDecl] {
        guard checkNoAnchor(node) else { return [] }
        if isNull(node) { return [] }
        guard let mapping = expectMapping(node, what: "`collections`", example: "`WebStats: { path: /web, stats: { errors: int } }`")
        else { return [] }
        var collections: [CollectionDecl] = []
        for (keyNode, value) in mapping {
            guard let name = keyName(keyNode) else { continue }
            if let collection = parseCollection(name: name, value) {
                collections.append(collection)
            }
        }
        return collections
    }

    private mutating func parseCollection(name: Located<String>, _ node: Node) -> CollectionDecl? {
        guard checkNoAnchor(node) else { return nil }
        guard let mapping = node.mapping else {
            log.error(
                "collection `\(name.value)` must be a mapping with `path:` and `stats:`, such as `{ path: /web, stats: { errors: int } }`; found \(describe(node))",
                at: location(node))
            return nil
        }
        var path: Located<String>?
        var sawPath = false
        var parent: Located<String>?
        var doc: String?
        var collapsed = false
        var maxKeys: Located<Int>?
        var factory: Located<String>?
        var stats: [StatDecl] = []
        for (keyNode, value) in mapping {
            guard let key = keyName(keyNode) else { continue }
            switch key.value {
            case "path":
                sawPath = true
                path = expectText(value, key: "path")
            case "parent": parent = expectText(value, key: "parent")
            case "doc": doc = parseDoc(value)
            case "collapsed": collapsed = expectBool(value, key: "collapsed") ?? false
            case "maxKeys":
                if let count = expectPositiveInt(value, key: "maxKeys") { maxKeys = Located(count, at: location(value)) }
            case "factory": factory = expectText(value, key: "factory")
            case "stats": stats = parseStats(value, collection: name.value)
            default: unknownKey(key, expected: Self.collectionKeys, in: "a collection")
            }
        }
        if !sawPath {
            log.error(
                "collection `\(name.value)` needs a `path:`, such as `path: /\(Self.lowerFirst(name.value))` (or `path: child-{id}` with a `parent:`)",
                at: name.location)
        }
        return CollectionDecl(
            name: name, path: path, parent: parent, doc: doc, collapsed: collapsed, maxKeys: maxKeys,
            factory: factory, stats: stats, file: file)
    }

    // MARK: Stats

    private mutating func parseStats(_ node: Node, collection: String) -> [StatDecl] {
        guard checkNoAnchor(node) else { return [] }
        if isNull(node) { return [] }
        guard let mapping = expectMapping(node, what: "`stats`", example: "`errors: int`") else { return [] }
        var stats: [StatDecl] = []
        for (keyNode, value) in mapping {
            guard let name = keyName(keyNode) else { continue }
            if let stat = parseStat(name: name, value) {
                stats.append(stat)
            }
        }
        return stats
    }

    private mutating func parseStat(name: Located<String>, _ node: Node) -> StatDecl? {
        guard checkNoAnchor(node) else { return nil }
        if let scalar = node.scalar {
            if isNull(node) {
                log.error("stat `\(name.value)` needs a kind, such as `\(name.value): int`", at: name.location)
                return nil
            }
            guard let kind = parseKind(Located(scalar.string, at: location(node))) else { return nil }
            if kind.value.isAggregation {
                // The short form cannot say what is aggregated; without `of:` there is nothing to bind.
                log.error(
                    Self.missingOfMessage(kind: kind.value, stat: name.value)
                        + "; write it in the long form: `\(name.value): { kind: \(kind.value.rawValue), of: ThreadStats.\(name.value) }`",
                    at: kind.location)
                return nil
            }
            return StatDecl(name: name, kind: kind, doc: nil, options: StatOptions())
        }
        guard let mapping = node.mapping else {
            log.error(
                "stat `\(name.value)` must be a kind (`\(name.value): int`) or a mapping (`\(name.value): { kind: int, doc: … }`); found \(describe(node))",
                at: location(node))
            return nil
        }
        // The kind decides which other keys apply, so read it first.
        var kind: Located<StatKind>?
        var sawKind = false
        for (keyNode, value) in mapping where keyNode.scalar?.string == "kind" {
            sawKind = true
            if let text = expectText(value, key: "kind") { kind = parseKind(text) }
        }
        if !sawKind {
            log.error(
                "stat `\(name.value)` needs `kind:`, one of \(Suggestions.list(StatKind.allCases.map(\.rawValue)))",
                at: location(node))
        }
        var doc: String?
        var options = StatOptions()
        for (keyNode, value) in mapping {
            guard let key = keyName(keyNode) else { continue }
            switch key.value {
            case "kind": continue
            case "doc": doc = parseDoc(value)
            default:
                guard let kind else { continue }  // unknown kind: reported already; skip its options
                parseOption(key, value, kind: kind.value, into: &options)
            }
        }
        guard let kind else { return nil }
        let hasOf = mapping.contains { $0.key.scalar?.string == "of" }
        if kind.value.isAggregation, !hasOf {
            log.error(Self.missingOfMessage(kind: kind.value, stat: name.value), at: location(node))
        }
        return StatDecl(name: name, kind: kind, doc: doc, options: options)
    }

    /// The error for an aggregation that does not say what it aggregates.
    static func missingOfMessage(kind: StatKind, stat: String) -> String {
        "`\(kind.rawValue)` stat `\(stat)` needs `of:` naming a child collection's stat, such as `of: ThreadStats.\(stat)`"
    }

    private mutating func parseKind(_ text: Located<String>) -> Located<StatKind>? {
        if let kind = StatKind(rawValue: text.value) { return Located(kind, at: text.location) }
        let names = StatKind.allCases.map(\.rawValue)
        let hint = Suggestions.closest(to: text.value, in: names).map { "did you mean `\($0)`? " } ?? ""
        let shown = text.value.count > 40 ? String(text.value.prefix(40)) + "…" : text.value
        log.error("unknown stat kind `\(shown)`; \(hint)kinds are \(Suggestions.list(names))", at: text.location)
        return nil
    }

    private mutating func parseOption(_ key: Located<String>, _ value: Node, kind: StatKind, into options: inout StatOptions) {
        let allKeys = Set(StatKind.allCases.flatMap(\.optionKeys))
        guard kind.optionKeys.contains(key.value) else {
            if allKeys.contains(key.value) {
                let owners = StatKind.allCases.filter { $0.optionKeys.contains(key.value) }.map(\.rawValue)
                let accepted = kind.optionKeys.isEmpty
                    ? "`\(kind.rawValue)` takes only `kind` and `doc`"
                    : "`\(kind.rawValue)` takes \(Suggestions.list(Self.commonStatKeys + kind.optionKeys, conjunction: "and"))"
                log.error(
                    "`\(key.value)` does not apply to `\(kind.rawValue)` stats, only to \(Suggestions.list(owners)); \(accepted)",
                    at: key.location)
            } else {
                unknownKey(key, expected: Self.commonStatKeys + kind.optionKeys, in: "\(Self.article(kind.rawValue)) `\(kind.rawValue)` stat")
            }
            return
        }
        switch key.value {
        case "monotonic":
            options.monotonic = expectBool(value, key: "monotonic") ?? false
        case "value":
            options.initial = parseInitialValue(value, kind: kind)
        case "type":
            guard let text = expectText(value, key: "type") else { return }
            if let type = GaugeType(rawValue: text.value) {
                options.gaugeType = type
            } else {
                let names = GaugeType.allCases.map(\.rawValue)
                log.error(
                    "a gauge's `type` must be \(Suggestions.list(names)), not `\(text.value)`\(Suggestions.didYouMean(text.value, in: names))",
                    at: text.location)
            }
        case "autoDelete":
            options.autoDelete = expectBool(value, key: "autoDelete") ?? false
        case "maxKeys":
            options.maxKeys = expectPositiveInt(value, key: "maxKeys")
        case "precision":
            guard checkNoAnchor(value) else { return }
            if let scalar = value.scalar, scalar.style == .plain, let schema = Int(scalar.string), (0...8).contains(schema) {
                options.precision = schema
            } else {
                log.error(
                    "`precision` is the pmf's native-histogram schema, a whole number from 0 (2 buckets per power of two, within 19%) to 8 (256, within 0.14%); 6 (within 0.55%) is the default; found \(describe(value))",
                    at: location(value))
            }
        case "window":
            options.windowMilliseconds = parseWindow(value)
        case "unit":
            guard let text = expectText(value, key: "unit") else { return }
            if kind == .meter || kind == .meterDict {
                options.unit = text.value  // the rates' display unit, as in scales
            } else if Self.isBaseUnit(text.value) {
                options.unit = text.value
            } else {
                log.error(
                    "`unit` is a base unit in lower case, such as `seconds` or `bytes` (Prometheus names carry it: `latency_seconds`); found `\(text.value)`\(Self.baseUnitHint(text.value))",
                    at: text.location)
            }
        case "label":
            guard let text = expectText(value, key: "label") else { return }
            if Self.isLabelName(text.value) {
                options.label = text.value
            } else {
                log.error(
                    "`label` is the Prometheus label name of the keys, such as `path` or `status`: letters, digits and `_`, not starting with a digit or `__`, and not `le` or `quantile`; found `\(text.value)`",
                    at: text.location)
            }
        case "of":
            options.of = parseAggregationSource(value)
        default:
            break
        }
    }

    /// A base unit: lower-case letters and `_`, such as `seconds`, `bytes`, `celsius`.
    static func isBaseUnit(_ text: String) -> Bool {
        guard baseUnitHint(text).isEmpty, let first = text.utf8.first, first >= 0x61, first <= 0x7A else { return false }
        return text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }

    /// A hint for units that are not base units.
    static func baseUnitHint(_ text: String) -> String {
        switch text.lowercased() {
        case "ms", "milliseconds", "us", "µs", "microseconds", "ns", "nanoseconds", "s", "sec", "secs", "second", "minutes", "m":
            return "; record seconds and say `unit: seconds`"
        case "kb", "mb", "gb", "kib", "mib", "gib", "b", "byte":
            return "; record bytes and say `unit: bytes`"
        default:
            return ""
        }
    }

    /// A Prometheus label name a user may choose.
    static func isLabelName(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(first >= 0x30 && first <= 0x39), !text.hasPrefix("__"),
            text != "le", text != "quantile"
        else { return false }
        return text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    private mutating func parseInitialValue(_ node: Node, kind: StatKind) -> Located<InitialValue>? {
        guard checkNoAnchor(node) else { return nil }
        guard let scalar = node.scalar, !isNull(node) else {
            log.error("`value` must be a single \(kind.rawValue) value; found \(describe(node))", at: location(node))
            return nil
        }
        let text = scalar.string
        let at = location(node)
        switch kind {
        case .string:
            return Located(.string(text), at: at)
        case .bool:
            if scalar.style == .plain, let value = Self.boolValue(text) { return Located(.bool(value), at: at) }
            log.error("`value` of a bool must be `true` or `false`, not `\(text)`", at: at)
        case .int:
            if scalar.style == .plain, let value = Int(text.replacingUnderscores()) { return Located(.int(value), at: at) }
            log.error("`value` of an int must be a whole number that fits in 64 bits, such as `0` or `-5`; found `\(text)`", at: at)
        case .double:
            if scalar.style == .plain, let value = Double(text.replacingUnderscores()), value.isFinite {
                return Located(.double(value), at: at)
            }
            log.error("`value` of a double must be a finite number, such as `0.5`; found `\(text)`", at: at)
        default:
            break
        }
        return nil
    }

    /// `window: 300` (seconds), or `"5m"`, `"30s"`, `"500ms"`, `"1h"`.
    private mutating func parseWindow(_ node: Node) -> Int? {
        guard let text = expectText(node, key: "window") else { return nil }
        let raw = text.value.trimmingSpaces()
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var number = Substring(raw)
        var factor = 1000.0
        for (suffix, scale) in units where raw.hasSuffix(suffix) {
            let candidate = raw.dropLast(suffix.count)
            if Double(candidate.trimmingSpaces()) != nil {
                number = Substring(candidate.trimmingSpaces())
                factor = scale
                break
            }
        }
        guard let value = Double(number), value.isFinite, value > 0 else {
            log.error(
                "`window` must be a positive duration: seconds as a number (`300`) or a string such as `\"5m\"`, `\"30s\"`, `\"500ms\"`, `\"1h\"`; found `\(text.value)`",
                at: text.location)
            return nil
        }
        let milliseconds = value * factor
        guard milliseconds >= 1, milliseconds <= 7 * 24 * 3_600_000, milliseconds == milliseconds.rounded() else {
            log.error(
                "`window` must be a whole number of milliseconds between 1ms and 7 days; found `\(text.value)`",
                at: text.location)
            return nil
        }
        return Int(milliseconds)
    }

    private mutating func parseAggregationSource(_ node: Node) -> Located<AggregationSource>? {
        guard let text = expectText(node, key: "of") else { return nil }
        let parts = text.value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            log.error(
                "`of` must name a child collection's stat as `Type.stat`, such as `ThreadStats.finished`; found `\(text.value)`",
                at: text.location)
            return nil
        }
        return Located(AggregationSource(collection: String(parts[0]), stat: String(parts[1])), at: text.location)
    }

    private mutating func parseDoc(_ node: Node) -> String? {
        guard checkNoAnchor(node) else { return nil }
        if isNull(node) { return nil }
        guard let scalar = node.scalar else {
            log.error("`doc` must be text; found \(describe(node))", at: location(node))
            return nil
        }
        let trimmed = scalar.string.trimmingSpaces()
        return trimmed.isEmpty ? nil : trimmed
    }

    // MARK: Values

    private mutating func keyName(_ node: Node) -> Located<String>? {
        guard checkNoAnchor(node) else { return nil }
        guard let scalar = node.scalar, !isNull(node) || scalar.style != .plain else {
            log.error("keys must be names; found \(describe(node))", at: location(node))
            return nil
        }
        return Located(scalar.string, at: location(node))
    }

    private mutating func expectMapping(_ node: Node, what: String, example: String) -> Node.Mapping? {
        if let mapping = node.mapping { return mapping }
        log.error("\(what) must be a mapping, such as \(example); found \(describe(node))", at: location(node))
        return nil
    }

    private mutating func expectText(_ node: Node, key: String) -> Located<String>? {
        guard checkNoAnchor(node) else { return nil }
        guard let scalar = node.scalar, !isNull(node) else {
            // `path: {id}` is a flow mapping to YAML; the fix is quoting.
            let hint = node.mapping != nil && key == "path" ? " (a path starting with `{` must be quoted: `path: \"{id}\"`)" : ""
            log.error("`\(key)` must be a single value; found \(describe(node))\(hint)", at: location(node))
            return nil
        }
        return Located(scalar.string, at: location(node))
    }

    private mutating func expectBool(_ node: Node, key: String) -> Bool? {
        guard checkNoAnchor(node) else { return nil }
        if let scalar = node.scalar, scalar.style == .plain, let value = Self.boolValue(scalar.string) {
            return value
        }
        log.error("`\(key)` must be `true` or `false`; found \(describe(node))", at: location(node))
        return nil
    }

    private mutating func expectPositiveInt(_ node: Node, key: String) -> Int? {
        guard checkNoAnchor(node) else { return nil }
        if let scalar = node.scalar, scalar.style == .plain, let value = Int(scalar.string.replacingUnderscores()), value > 0 {
            return value
        }
        log.error("`\(key)` must be a whole number greater than 0; found \(describe(node))", at: location(node))
        return nil
    }

    private mutating func unknownKey(_ key: Located<String>, expected: [String], in context: String) {
        let hint = Suggestions.closest(to: key.value, in: expected).map { "did you mean `\($0)`? " } ?? ""
        log.error(
            "unknown key `\(key.value)` in \(context); \(hint)valid keys are \(Suggestions.list(expected))",
            at: key.location)
    }

    /// Anchors are not part of the format; an anchored node is reported and not read.
    private mutating func checkNoAnchor(_ node: Node) -> Bool {
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

    static func lowerFirst(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.lowercased() + name.dropFirst()
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
