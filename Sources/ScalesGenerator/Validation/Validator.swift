/// Checks the parsed files together (a target's stats files form one module, so a parent or an
/// `of:` may name a collection in another file) and resolves paths, parents and aggregations.
///
/// Every rule reports at the line and column of the offending key or value, says what is wrong
/// and what would be right, and checking goes on so one run shows every problem.
struct Validator {
    private(set) var log = DiagnosticLog()
    private let files: [StatsFile]
    private var collectionsByName: [String: CollectionDecl] = [:]
    private var ownPaths: [String: PathPattern] = [:]
    private var fullPaths: [String: PathPattern] = [:]
    private var cyclic: Set<String> = []
    /// Each name's position in file order (its first declaration), for reporting in that order.
    private var firstIndex: [String: Int] = [:]

    init(files: [StatsFile]) {
        self.files = files
        self.allCollections = files.flatMap(\.collections)
        for file in files {
            for collection in file.collections where accessByName[collection.name.value] == nil {
                accessByName[collection.name.value] = file.access
            }
        }
    }

    static func validate(_ files: [StatsFile]) -> (ResolvedModel?, [Diagnostic]) {
        var validator = Validator(files: files)
        let model = validator.run()
        return (validator.log.hasErrors ? nil : model, validator.log.diagnostics)
    }

    private let allCollections: [CollectionDecl]
    /// The access level of each collection's file (the first declaration's, for a duplicate).
    private var accessByName: [String: AccessLevel] = [:]

    /// Whether `decl` is the declaration its name refers to (not a later duplicate).
    private func isCanonical(_ decl: CollectionDecl) -> Bool {
        collectionsByName[decl.name.value]?.name.location == decl.name.location
    }

    mutating func run() -> ResolvedModel {
        registerCollectionNames()
        checkParents()
        resolvePaths()
        var resolvedFiles: [ResolvedFile] = []
        var factories: [String: [(name: Located<String>, child: String)]] = [:]
        var resolvedByName: [String: ResolvedCollection] = [:]
        for file in files {
            var collections: [ResolvedCollection] = []
            for decl in file.collections {
                guard let collection = resolveCollection(decl) else { continue }
                if let parent = collection.parent, let factory = parent.factoryName {
                    let location = decl.factory?.location ?? decl.parent?.location ?? decl.name.location
                    factories[parent.name, default: []].append((Located(factory, at: location), decl.name.value))
                }
                collections.append(collection)
                resolvedByName[collection.name] = collection
            }
            resolvedFiles.append(ResolvedFile(path: file.path, access: file.access, collections: collections))
        }
        checkMemberCollisions(factories: factories, resolved: resolvedByName)
        checkAggregations(resolved: resolvedByName)
        checkPathCollisions(resolved: resolvedFiles.flatMap(\.collections))
        checkExporterNameCollisions(resolved: resolvedFiles.flatMap(\.collections))
        return ResolvedModel(files: resolvedFiles)
    }

    // MARK: Collection names

    private mutating func registerCollectionNames() {
        let allNames = Set(allCollections.map(\.name.value))
        for (index, decl) in allCollections.enumerated() where firstIndex[decl.name.value] == nil {
            firstIndex[decl.name.value] = index
        }
        for decl in allCollections {
            let name = decl.name
            if let first = collectionsByName[name.value] {
                log.error(
                    "collection `\(name.value)` is declared twice; each type name may be declared once per target",
                    at: name.location, notes: [.init(location: first.name.location, message: "`\(name.value)` is first declared here")])
                continue
            }
            collectionsByName[name.value] = decl
            checkTypeName(name)
            for stat in decl.stats {
                checkStatName(stat.name, in: decl, collectionNames: allNames)
            }
        }
    }

    private mutating func checkTypeName(_ name: Located<String>) {
        if !SwiftNames.isIdentifier(name.value) {
            log.error(
                "collection name `\(name.value)` is not a Swift type name; use ASCII letters, digits and `_`, starting with a letter, such as `\(SwiftNames.suggestedIdentifier(from: name.value, upperFirst: true))`",
                at: name.location)
        } else if SwiftNames.keywords.contains(name.value) || SwiftNames.typeKeywords.contains(name.value) {
            log.error(
                "collection name `\(name.value)` is a Swift keyword; choose another name, such as `\(name.value.prefix(1).uppercased() + name.value.dropFirst())Stats`",
                at: name.location)
        } else if SwiftNames.reservedTypeNames.contains(name.value) {
            log.error(
                "collection name `\(name.value)` would hide the type `\(name.value)` that generated code uses; choose another name, such as `\(name.value)Stats`",
                at: name.location)
        }
    }

    private mutating func checkStatName(_ name: Located<String>, in collection: CollectionDecl, collectionNames: Set<String>) {
        let text = name.value
        if !SwiftNames.isIdentifier(text) {
            log.error(
                "stat name `\(text)` is not a Swift identifier; use ASCII letters, digits and `_`, starting with a letter, such as `\(SwiftNames.suggestedIdentifier(from: text, upperFirst: false))`",
                at: name.location)
        } else if SwiftNames.keywords.contains(text) {
            log.error(
                "stat name `\(text)` is a Swift keyword; choose another name, such as `\(text)Count`", at: name.location)
        } else if text.hasPrefix("_") {
            log.error(
                "stat name `\(text)` starts with `_`, which generated code reserves for property-wrapper storage; use `\(text.drop { $0 == "_" })`",
                at: name.location)
        } else if SwiftNames.reservedMemberNames.contains(text) {
            log.error(
                "stat name `\(text)` is taken by the generated `\(text)` member of `\(collection.name.value)`; choose another name, such as `\(text)Count`",
                at: name.location)
        } else if SwiftNames.reservedTypeNames.contains(text) || collectionNames.contains(text) {
            log.error(
                "stat name `\(text)` would hide the type `\(text)` inside `\(collection.name.value)`; choose another name, such as `\(SwiftNames.factoryName(forType: text))`",
                at: name.location)
        }
    }

    // MARK: Parents

    private mutating func checkParents() {
        for decl in allCollections {
            guard let parent = decl.parent, isCanonical(decl) else { continue }
            if collectionsByName[parent.value] == nil {
                let names = collectionsByName.keys.sorted()
                log.error(
                    "`parent: \(parent.value)` names no collection\(Suggestions.didYouMean(parent.value, in: names)); collections are \(Suggestions.list(names, conjunction: "and"))",
                    at: parent.location)
            }
        }
        // Cycles: follow each chain once (a name already followed is not followed again, so this
        // is linear in the number of collections); report each cycle once, at its first member
        // in file order.
        var finished: Set<String> = []
        for decl in allCollections where isCanonical(decl) {
            var chain: [String] = []
            var positionInChain: [String: Int] = [:]
            var name = decl.name.value
            while !finished.contains(name) {
                if let start = positionInChain[name] {
                    let cycle = Array(chain[start...])
                    let firstName = cycle.min { (firstIndex[$0] ?? 0) < (firstIndex[$1] ?? 0) } ?? name
                    let first = collectionsByName[firstName] ?? decl
                    let ordered = rotate(cycle, toStartAt: firstName)
                    log.error(
                        "collections form a cycle of parents: \((ordered + [ordered[0]]).joined(separator: " → ")); the topmost collection must have an absolute path and no `parent:`",
                        at: first.parent?.location ?? first.name.location)
                    cyclic.formUnion(cycle)
                    break
                }
                positionInChain[name] = chain.count
                chain.append(name)
                guard let parent = collectionsByName[name]?.parent?.value, collectionsByName[parent] != nil else { break }
                name = parent
            }
            finished.formUnion(chain)
        }
    }

    private func rotate(_ cycle: [String], toStartAt name: String) -> [String] {
        guard let index = cycle.firstIndex(of: name) else { return cycle }
        return Array(cycle[index...] + cycle[..<index])
    }

    // MARK: Paths

    private mutating func resolvePaths() {
        for decl in allCollections where isCanonical(decl) {
            guard let path = decl.path else { continue }
            switch PathPattern.parse(path.value, relative: decl.parent != nil) {
            case .success(let pattern): ownPaths[decl.name.value] = pattern
            case .failure(let error): log.error(error.message, at: path.location)
            }
            if let placeholder = ownPaths[decl.name.value]?.templateSegment?.placeholder, collectionsByName[placeholder] != nil {
                // The placeholder is a parameter of the initializer or factory method, where it
                // would hide the type (the factory's body calls the child type's initializer).
                log.error(
                    "placeholder `{\(placeholder)}` in path `\(path.value)` would hide the type `\(placeholder)` where it becomes a parameter; use another name, such as `{\(Self.lowerFirst(placeholder))Id}`",
                    at: path.location)
            }
            if let maxKeys = decl.maxKeys, let pattern = ownPaths[decl.name.value], pattern.templateSegment == nil {
                log.error(
                    "`maxKeys` bounds the instances of a templated collection, but `\(decl.name.value)`'s path `\(path.value)` has no placeholder such as `{id}`; remove `maxKeys`",
                    at: maxKeys.location)
            }
        }
        for decl in allCollections where isCanonical(decl) {
            resolveFullPath(of: decl.name.value)
        }
        // Placeholders along one path must differ: each becomes an initializer label and a label.
        for decl in allCollections where isCanonical(decl) {
            guard let own = ownPaths[decl.name.value]?.templateSegment?.placeholder, let path = decl.path else { continue }
            // The parent's full path holds every placeholder above; look for the one that clashes
            // only when there is one.
            if let parent = decl.parent?.value, let above = fullPaths[parent],
                !above.segments.contains(where: { $0.placeholder == own })
            {
                continue
            }
            var ancestor = decl.parent?.value
            var depth = 0
            while let name = ancestor, depth <= allCollections.count, !cyclic.contains(name) {
                if ownPaths[name]?.templateSegment?.placeholder == own, let ancestorPath = collectionsByName[name]?.path {
                    log.error(
                        "placeholder `{\(own)}` is already used by `\(name)` (`\(ancestorPath.value)`) above `\(decl.name.value)`; give this level its own name, such as `{\(Self.lowerFirst(decl.name.value))Id}`",
                        at: path.location)
                    break
                }
                ancestor = collectionsByName[name]?.parent?.value
                depth += 1
            }
        }
    }

    /// Resolves the absolute pattern of `name` and of every collection above it, walking up the
    /// chain once (iteratively, so a deep chain neither recurses deeply nor is walked again for
    /// each of its members).
    private mutating func resolveFullPath(of name: String) {
        var pending: [String] = []
        var current = name
        var base: PathPattern
        while true {
            if let known = fullPaths[current] {
                base = known
                break
            }
            guard !cyclic.contains(current), let decl = collectionsByName[current], ownPaths[current] != nil,
                pending.count <= collectionsByName.count
            else { return }
            pending.append(current)
            guard let parent = decl.parent?.value else {
                base = PathPattern(segments: [])
                break
            }
            current = parent
        }
        for member in pending.reversed() {
            guard let own = ownPaths[member] else { return }
            base = base.appending(own)
            fullPaths[member] = base
        }
    }

    // MARK: Collections and stats

    private mutating func resolveCollection(_ decl: CollectionDecl) -> ResolvedCollection? {
        guard isCanonical(decl) else { return nil }
        let name = decl.name.value
        var factoryName: String?
        if let factory = decl.factory {
            if decl.parent == nil {
                log.error(
                    "`factory` names the method a parent uses to make a child, but `\(name)` has no `parent:`; remove `factory` or add `parent:`",
                    at: factory.location)
            } else if !SwiftNames.isIdentifier(factory.value) || SwiftNames.keywords.contains(factory.value) || factory.value.hasPrefix("_") {
                log.error(
                    "`factory: \(factory.value)` is not a usable method name; use a Swift identifier that is not a keyword, such as `make\(name)`",
                    at: factory.location)
            } else {
                factoryName = factory.value
            }
        } else if let parent = decl.parent {
            let derived = SwiftNames.factoryName(forType: name)
            if SwiftNames.keywords.contains(derived) || !SwiftNames.isIdentifier(derived) {
                log.error(
                    "the method that makes `\(name)` on its parent would be named `\(derived)`, a Swift keyword; name it with `factory:`, such as `factory: \(derived)Stats`",
                    at: parent.location)
            } else {
                factoryName = derived
            }
        }
        if let method = factoryName, let parent = decl.parent,
            collectionsByName[method] != nil || SwiftNames.reservedTypeNames.contains(method)
        {
            // Inside the parent, a method of a type's name hides the type, which the method's
            // body calls.
            let suggestion = "make" + name.prefix(1).uppercased() + name.dropFirst()
            if let factory = decl.factory {
                log.error(
                    "`factory: \(method)` would hide the type `\(method)` inside `\(parent.value)`; choose another name, such as `factory: \(suggestion)`",
                    at: factory.location)
            } else {
                log.error(
                    "the method that makes `\(name)` on its parent would be named `\(method)`, which would hide the type `\(method)` inside `\(parent.value)`; name it with `factory:`, such as `factory: \(suggestion)`",
                    at: parent.location)
            }
            factoryName = nil
        }
        for stat in decl.stats {
            checkStatOptions(stat)
        }
        guard let own = ownPaths[name], let full = fullPaths[name] else { return nil }
        let stats = decl.stats.compactMap { stat in
            ResolvedKind(stat, addsDoubles: sumsDoubles(stat)).map { kind in
                ResolvedStat(
                    name: stat.name.value, location: stat.name.location, fullPath: full.appending(name: stat.name.value),
                    doc: stat.doc, kind: kind)
            }
        }
        let parent = decl.parent.map { parent in
            ResolvedCollection.Parent(
                name: parent.value, access: accessByName[parent.value] ?? .internal, factoryName: factoryName)
        }
        return ResolvedCollection(
            name: name, location: decl.path?.location ?? decl.name.location, doc: decl.doc, collapsed: decl.collapsed,
            maxKeys: decl.maxKeys?.value, fullPath: full, ownPath: own, parent: parent,
            placeholder: own.templateSegment?.placeholder, stats: stats)
    }

    /// Whether `stat` is a `sum` of doubles: follows `of:` down a chain of sums to the double or
    /// int it adds (the chain goes down the tree, so it ends; the bound guards bad input).
    private func sumsDoubles(_ stat: StatDecl) -> Bool {
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

    private mutating func checkStatOptions(_ stat: StatDecl) {
        if stat.options.monotonic, let initial = stat.options.initial {
            log.error(
                "a `monotonic` \(stat.kind.value.rawValue) is a counter and starts at 0; remove `value`, or drop `monotonic: true` to start `\(stat.name.value)` elsewhere",
                at: initial.location)
        }
    }

    /// Factory methods live on the parent, next to its stats: their names must not collide.
    private mutating func checkMemberCollisions(
        factories: [String: [(name: Located<String>, child: String)]], resolved: [String: ResolvedCollection]
    ) {
        for (parent, made) in factories.sorted(by: { $0.key < $1.key }) {
            guard let parentDecl = collectionsByName[parent] else { continue }
            var seen: [String: (Located<String>, String)] = [:]
            for stat in parentDecl.stats { seen[stat.name.value] = (stat.name, "stat") }
            for member in SwiftNames.reservedMemberNames { seen[member] = (Located(member, at: parentDecl.name.location), "generated member") }
            for factory in made.sorted(by: { $0.name.location < $1.name.location }) {
                if let (existing, what) = seen[factory.name.value] {
                    log.error(
                        "`\(factory.child)` is made by a method `\(parent).\(factory.name.value)(…)`, which clashes with the \(what) `\(existing.value)` of `\(parent)`; set `factory:` on `\(factory.child)` to another name, such as `factory: make\(factory.child)`",
                        at: factory.name.location,
                        notes: what == "stat" ? [.init(location: existing.location, message: "`\(existing.value)` is declared here")] : [])
                } else {
                    seen[factory.name.value] = (factory.name, "factory method of `\(factory.child)`")
                }
            }
        }
    }

    // MARK: Aggregations

    private mutating func checkAggregations(resolved: [String: ResolvedCollection]) {
        for decl in allCollections where isCanonical(decl) {
            for stat in decl.stats where stat.kind.value.isAggregation {
                guard let of = stat.options.of else { continue }
                checkAggregation(stat, of: of, in: decl, resolved: resolved)
            }
        }
    }

    private mutating func checkAggregation(
        _ stat: StatDecl, of: Located<AggregationSource>, in owner: CollectionDecl, resolved: [String: ResolvedCollection]
    ) {
        let kind = stat.kind.value
        let source = of.value
        guard let child = collectionsByName[source.collection] else {
            let names = collectionsByName.keys.sorted()
            log.error(
                "`of: \(source.collection).\(source.stat)` names no collection `\(source.collection)`\(Suggestions.didYouMean(source.collection, in: names)); `of` takes `ChildType.stat`",
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
                "`\(stat.name.value)` (a `\(kind.rawValue)`) aggregates `\(source.collection)`, which is not below `\(owner.name.value)`; add `parent: \(owner.name.value)` to `\(source.collection)` (with a relative path such as `\(SwiftNames.factoryName(forType: source.collection))-{id}`)",
                at: of.location)
            return
        }
        guard let target = child.stats.first(where: { $0.name.value == source.stat }) else {
            let names = child.stats.map(\.name.value)
            let listing = names.isEmpty ? "it has no stats" : "its stats are \(Suggestions.list(names, conjunction: "and"))"
            log.error(
                "`of: \(source.collection).\(source.stat)`: `\(source.collection)` has no stat `\(source.stat)`\(Suggestions.didYouMean(source.stat, in: names)); \(listing)",
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
            hint = targetKind == .intDict ? "; use `intDictSum` for an intDict" : (targetKind == .string || targetKind == .bool ? "; use `histogram` to count children per value" : "")
        case .histogram:
            accepted = [.string, .bool, .int]
            hint = targetKind == .double ? "; use `sum` for a double" : (targetKind == .intDict ? "; use `intDictSum` for an intDict" : "")
        case .intDictSum:
            accepted = [.intDict, .intDictSum]
            hint = targetKind == .int || targetKind == .double ? "; use `sum` for an \(targetKind.rawValue)" : ""
        default:
            return
        }
        if !accepted.contains(targetKind) {
            log.error(
                "`\(kind.rawValue)` needs \(Suggestions.list(accepted.map(\.rawValue))) stats, but `\(source.collection).\(source.stat)` is `\(targetKind.rawValue)`\(hint)",
                at: of.location, notes: [.init(location: target.kind.location, message: "`\(source.stat)` is declared `\(targetKind.rawValue)` here")])
        }
    }

    // MARK: Path collisions

    private mutating func checkPathCollisions(resolved: [ResolvedCollection]) {
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
                    "`\(collection.name)` and `\(first.name)` are both bound at `\(collection.fullPath)`; give each collection its own path",
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
                    "`\(collection.name)` at `\(collection.fullPath)` would sit inside the stat `\(owner).\(stat.name)` at `\(stat.fullPath)`; move the collection or rename the stat",
                    at: collection.location,
                    notes: [.init(location: stat.location, message: "`\(stat.name)` is declared here")])
                break
            }
        }
    }

    private mutating func checkExporterNameCollisions(resolved: [ResolvedCollection]) {
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
                result = result.appending(index == 0 && base == nil ? member.fullPath.segments : member.ownPath.segments)
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
                    "`\(owner.name).\(stat.name)` at `\(stat.fullPath)` and `\(otherOwner.name).\(other.name)` at `\(other.fullPath)` both become the Graphite path `\(graphiteName)` (dots in paths become `-`); rename one of them",
                    at: stat.location,
                    notes: [.init(location: other.location, message: "`\(other.name)` is declared here")])
                continue
            }
            graphite[graphiteName] = (stat, owner)
            let names = ExporterNames.prometheus(statPath, unit: ExporterNames.unit(of: stat), shapes: ExporterNames.shapes(of: stat))
            for name in names {
                if let (other, otherOwner) = prometheus[name] {
                    log.error(
                        "`\(owner.name).\(stat.name)` at `\(stat.fullPath)` and `\(otherOwner.name).\(other.name)` at `\(other.fullPath)` both become the Prometheus metric `\(name)`; rename one of them",
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

    static func lowerFirst(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.lowercased() + name.dropFirst()
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
