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
        guard checkNoAnchor(root), let mapping = expectMapping(root, what: "a stats file", example: "`collections:`")
        else {
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
                "a stats file needs `collections:`, a mapping from type names to collections, such as `WebStats: { "
                    + "path: /web, stats: { errors: int } }`",
                at: location(root))
        }
        return StatsFile(path: file, access: access, collections: collections)
    }

    // MARK: Top level

    mutating func parseVersion(_ node: Node) {
        guard checkNoAnchor(node) else { return }
        guard let scalar = node.scalar, scalar.style == .plain, scalar.string == "1" else {
            log.error(
                "`version` must be 1, the only stats.yaml format so far; found \(describe(node))", at: location(node))
            return
        }
    }

    mutating func parseAccess(_ node: Node) -> AccessLevel? {
        guard let text = expectText(node, key: "access") else { return nil }
        guard let level = AccessLevel(rawValue: text.value) else {
            let names = AccessLevel.allCases.map(\.rawValue)
            log.error(
                "`access` must be \(Suggestions.list(names)), not "
                    + "`\(text.value)`\(Suggestions.didYouMean(text.value, in: names))",
                at: text.location)
            return nil
        }
        return level
    }

    // MARK: Collections

    mutating func parseCollections(_ node: Node) -> [CollectionDecl] {
        guard checkNoAnchor(node) else { return [] }
        if isNull(node) { return [] }
        guard
            let mapping = expectMapping(
                node, what: "`collections`",
                example: "`WebStats: { path: /web, stats: { errors: int } }`")
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

    mutating func parseCollection(name: Located<String>, _ node: Node) -> CollectionDecl? {
        guard checkNoAnchor(node) else { return nil }
        guard let mapping = node.mapping else {
            log.error(
                "collection `\(name.value)` must be a mapping with `path:` and `stats:`, such as `{ path: /web, stats: "
                    + "{ errors: int } }`; found \(describe(node))",
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
                if let count = expectPositiveInt(value, key: "maxKeys") {
                    maxKeys = Located(count, at: location(value))
                }
            case "factory": factory = expectText(value, key: "factory")
            case "stats": stats = parseStats(value, collection: name.value)
            default: unknownKey(key, expected: Self.collectionKeys, in: "a collection")
            }
        }
        if !sawPath {
            log.error(
                "collection `\(name.value)` needs a `path:`, such as `path: /\(SwiftNames.lowerFirst(name.value))` (or "
                    + "`path: child-{id}` with a `parent:`)",
                at: name.location)
        }
        return CollectionDecl(
            name: name, path: path, parent: parent, doc: doc, collapsed: collapsed, maxKeys: maxKeys,
            factory: factory, stats: stats, file: file)
    }

    // MARK: Stats

    mutating func parseStats(_ node: Node, collection: String) -> [StatDecl] {
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

    mutating func parseStat(name: Located<String>, _ node: Node) -> StatDecl? {
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
                        + "; write it in the long form: `\(name.value): { kind: \(kind.value.rawValue), of: "
                        + "ThreadStats.\(name.value) }`",
                    at: kind.location)
                return nil
            }
            return StatDecl(name: name, kind: kind, doc: nil, options: StatOptions())
        }
        guard let mapping = node.mapping else {
            log.error(
                "stat `\(name.value)` must be a kind (`\(name.value): int`) or a mapping (`\(name.value): { kind: int, "
                    + "doc: … }`); found \(describe(node))",
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
        "`\(kind.rawValue)` stat `\(stat)` needs `of:` naming a child collection's stat, such as `of: "
            + "ThreadStats.\(stat)`"
    }

    mutating func parseKind(_ text: Located<String>) -> Located<StatKind>? {
        if let kind = StatKind(rawValue: text.value) { return Located(kind, at: text.location) }
        let names = StatKind.allCases.map(\.rawValue)
        let hint = Suggestions.closest(to: text.value, in: names).map { "did you mean `\($0)`? " } ?? ""
        let shown = text.value.count > 40 ? String(text.value.prefix(40)) + "…" : text.value
        log.error("unknown stat kind `\(shown)`; \(hint)kinds are \(Suggestions.list(names))", at: text.location)
        return nil
    }
}
