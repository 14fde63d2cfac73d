/// The checks across collections once they are resolved: aggregations' `of:`, and stats or
/// collections that would share a path, a Graphite path or a Prometheus metric.
extension Validator {
    // MARK: Aggregations

    mutating func checkAggregations(resolved: [String: ResolvedCollection]) {
        for decl in allCollections where isCanonical(decl) {
            for stat in decl.stats where stat.kind.value.isAggregation {
                guard let of = stat.options.of else { continue }
                checkAggregation(stat, of: of, in: decl, resolved: resolved)
            }
        }
    }

    mutating func checkAggregation(
        _ stat: StatDecl, of: Located<AggregationSource>, in owner: CollectionDecl,
        resolved: [String: ResolvedCollection]
    ) {
        let kind = stat.kind.value
        let source = of.value
        guard let child = collectionsByName[source.collection] else {
            let names = collectionsByName.keys.sorted()
            log.error(
                "`of: \(source.collection).\(source.stat)` names no collection "
                    + "`\(source.collection)`\(Suggestions.didYouMean(source.collection, in: names)); `of` takes "
                    + "`ChildType.stat`",
                at: of.location)
            return
        }
        // The source must sit below the owner: a descendant through `parent:`, or a collection
        // whose absolute path lies under the owner's.
        var isBelow = false
        var ancestor = child.parent?.value
        var depth = 0
        while let name = ancestor, depth <= allCollections.count {
            if name == owner.name.value {
                isBelow = true
                break
            }
            ancestor = collectionsByName[name]?.parent?.value
            depth += 1
        }
        if !isBelow, let ownerPath = fullPaths[owner.name.value], let childPath = fullPaths[child.name.value],
            childPath.segments.count > ownerPath.segments.count, childPath.hasPrefix(ownerPath)
        {
            isBelow = true
        }
        if !isBelow {
            log.error(
                "`\(stat.name.value)` (a `\(kind.rawValue)`) aggregates `\(source.collection)`, which is not below "
                    + "`\(owner.name.value)`; add `parent: \(owner.name.value)` to `\(source.collection)` (with a "
                    + "relative path such as `\(SwiftNames.factoryName(forType: source.collection))-{id}`)",
                at: of.location)
            return
        }
        guard let target = child.stats.first(where: { $0.name.value == source.stat }) else {
            let names = child.stats.map(\.name.value)
            let listing =
                names.isEmpty
                ? "it has no stats"
                : "its stats are \(Suggestions.list(names, conjunction: "and"))"
            log.error(
                "`of: \(source.collection).\(source.stat)`: `\(source.collection)` has no stat "
                    + "`\(source.stat)`\(Suggestions.didYouMean(source.stat, in: names)); \(listing)",
                at: of.location)
            return
        }
        let targetKind = target.kind.value
        let accepted: [StatKind]
        let hint: String
        switch kind {
        case .sum:
            // Sums chain up a tree: a sum of the level below's sum.
            accepted = [.int, .double, .sum]
            hint =
                targetKind == .intDict
                ? "; use `intDictSum` for an intDict"
                : (targetKind == .string || targetKind == .bool ? "; use `histogram` to count children per value" : "")
        case .histogram:
            accepted = [.string, .bool, .int]
            hint =
                targetKind == .double
                ? "; use `sum` for a double"
                : (targetKind == .intDict
                    ? "; use `intDictSum` for an intDict" : "")
        case .intDictSum:
            accepted = [.intDict, .intDictSum]
            hint = targetKind == .int || targetKind == .double ? "; use `sum` for an \(targetKind.rawValue)" : ""
        default:
            return
        }
        if !accepted.contains(targetKind) {
            log.error(
                "`\(kind.rawValue)` needs \(Suggestions.list(accepted.map(\.rawValue))) stats, but "
                    + "`\(source.collection).\(source.stat)` is `\(targetKind.rawValue)`\(hint)",
                at: of.location,
                notes: [
                    .init(
                        location: target.kind.location,
                        message: "`\(source.stat)` is declared `\(targetKind.rawValue)` here")
                ])
        }
    }

    /// Whether `stat` is a `sum` of doubles: follows `of:` down a chain of sums to the double or
    /// int it adds (the chain goes down the tree, so it ends; the bound guards bad input).
    func sumsDoubles(_ stat: StatDecl) -> Bool {
        var current = stat
        for _ in 0...allCollections.count {
            guard current.kind.value == .sum, let of = current.options.of?.value,
                let target = collectionsByName[of.collection]?.stats.first(where: { $0.name.value == of.stat })
            else { return false }
            if target.kind.value == .double { return true }
            current = target
        }
        return false
    }

    // MARK: Path collisions

    mutating func checkPathCollisions(resolved: [ResolvedCollection]) {
        // Paths are interned segment by segment (a trie of shapes), so each prefix of a path is
        // one integer: comparing and looking up prefixes costs no string building.
        var trie = PathTrie()
        var collectionsByNode: [Int: ResolvedCollection] = [:]
        var nodes: [[Int]] = []
        for collection in resolved {
            let prefixes = trie.insert(collection.fullPath)
            nodes.append(prefixes)
            let node = prefixes.last ?? 0
            if let first = collectionsByNode[node] {
                log.error(
                    "`\(collection.name)` and `\(first.name)` are both bound at `\(collection.fullPath)`; give each "
                        + "collection its own path",
                    at: collection.location,
                    notes: [.init(location: first.location, message: "`\(first.name)` is bound there")])
            } else {
                collectionsByNode[node] = collection
            }
        }
        // A stat's path cannot also be (or contain) a collection's.
        var stats: [Int: (ResolvedStat, String)] = [:]
        for (owner, prefixes) in zip(resolved, nodes) {
            for stat in owner.stats {
                stats[trie.child(of: prefixes.last ?? 0, shape: stat.name)] = (stat, owner.name)
            }
        }
        for (collection, prefixes) in zip(resolved, nodes) {
            for node in prefixes {
                guard let (stat, owner) = stats[node] else { continue }
                log.error(
                    "`\(collection.name)` at `\(collection.fullPath)` would sit inside the stat "
                        + "`\(owner).\(stat.name)` at `\(stat.fullPath)`; move the collection or rename the stat",
                    at: collection.location,
                    notes: [.init(location: stat.location, message: "`\(stat.name)` is declared here")])
                break
            }
        }
    }

    mutating func checkExporterNameCollisions(resolved: [ResolvedCollection]) {
        var prometheus: [String: (ResolvedStat, ResolvedCollection)] = [:]
        var graphite: [String: (ResolvedStat, ResolvedCollection)] = [:]
        // Each collection's names extend its parent's (a deep chain is not walked per level).
        let byName = Dictionary(resolved.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var prefixes: [String: ExporterNames.Prefix] = [:]
        func prefix(of collection: ResolvedCollection) -> ExporterNames.Prefix {
            var chain: [ResolvedCollection] = []
            var base: ExporterNames.Prefix?
            var current: ResolvedCollection? = collection
            while let next = current, chain.count <= resolved.count {
                if let known = prefixes[next.name] {
                    base = known
                    break
                }
                chain.append(next)
                current = next.parent.flatMap { byName[$0.name] }
            }
            var result = base ?? .root
            for (index, member) in chain.reversed().enumerated() {
                result = result.appending(
                    index == 0 && base == nil ? member.fullPath.segments : member.ownPath.segments)
                prefixes[member.name] = result
            }
            return result
        }
        let all = resolved.flatMap { collection in collection.stats.map { ($0, collection) } }
            .sorted { $0.0.location < $1.0.location }
        for (stat, owner) in all {
            let statPath = prefix(of: owner).appending(CollectionOfOne(PathPattern.Segment.name(stat.name)))
            let graphiteName = statPath.graphite
            if let (other, otherOwner) = graphite[graphiteName] {
                log.error(
                    "`\(owner.name).\(stat.name)` at `\(stat.fullPath)` and `\(otherOwner.name).\(other.name)` at "
                        + "`\(other.fullPath)` both become the Graphite path `\(graphiteName)` (dots in paths become "
                        + "`-`); rename one of them",
                    at: stat.location,
                    notes: [.init(location: other.location, message: "`\(other.name)` is declared here")])
                continue
            }
            graphite[graphiteName] = (stat, owner)
            let names = ExporterNames.prometheus(
                statPath, unit: ExporterNames.unit(of: stat), shapes: ExporterNames.shapes(of: stat))
            for name in names {
                if let (other, otherOwner) = prometheus[name] {
                    log.error(
                        "`\(owner.name).\(stat.name)` at `\(stat.fullPath)` and `\(otherOwner.name).\(other.name)` at "
                            + "`\(other.fullPath)` both become the Prometheus metric `\(name)`; rename one of them",
                        at: stat.location,
                        notes: [.init(location: other.location, message: "`\(other.name)` is declared here")])
                    break
                }
            }
            for name in names where prometheus[name] == nil {
                prometheus[name] = (stat, owner)
            }
        }
    }
}

/// Path shapes interned segment by segment: node 0 is the root, and each node is one prefix.
struct PathTrie {
    private var children: [Key: Int] = [:]
    private var count = 1

    private struct Key: Hashable {
        let parent: Int
        let shape: String
    }

    /// The node of `shape` below `parent`, made if new.
    mutating func child(of parent: Int, shape: String) -> Int {
        let key = Key(parent: parent, shape: shape)
        if let node = children[key] { return node }
        children[key] = count
        count += 1
        return count - 1
    }

    /// The nodes of each prefix of `path`, from its first segment to all of it.
    mutating func insert(_ path: PathPattern) -> [Int] {
        var node = 0
        return path.segments.map { segment in
            node = child(of: node, shape: segment.shape)
            return node
        }
    }
}
