/// Checks the parsed files together (a target's stats files form one module, so a parent or an
/// `of:` may name a collection in another file) and resolves paths, parents and aggregations.
///
/// Every rule reports at the line and column of the offending key or value, says what is wrong
/// and what would be right, and checking goes on so one run shows every problem.
struct Validator {
    var log = DiagnosticLog()
    let files: [StatsFile]
    var collectionsByName: [String: CollectionDecl] = [:]
    var ownPaths: [String: PathPattern] = [:]
    var fullPaths: [String: PathPattern] = [:]
    var cyclic: Set<String> = []
    /// Each name's position in file order (its first declaration), for reporting in that order.
    var firstIndex: [String: Int] = [:]

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

    let allCollections: [CollectionDecl]
    /// The access level of each collection's file (the first declaration's, for a duplicate).
    var accessByName: [String: AccessLevel] = [:]

    /// Whether `decl` is the declaration its name refers to (not a later duplicate).
    func isCanonical(_ decl: CollectionDecl) -> Bool {
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

    mutating func registerCollectionNames() {
        let allNames = Set(allCollections.map(\.name.value))
        for (index, decl) in allCollections.enumerated() where firstIndex[decl.name.value] == nil {
            firstIndex[decl.name.value] = index
        }
        for decl in allCollections {
            let name = decl.name
            if let first = collectionsByName[name.value] {
                log.error(
                    "collection `\(name.value)` is declared twice; each type name may be declared once per target",
                    at: name.location,
                    notes: [
                        .init(
                            location: first.name.location,
                            message: "`\(name.value)` is first declared here")
                    ])
                continue
            }
            collectionsByName[name.value] = decl
            checkTypeName(name)
            for stat in decl.stats {
                checkStatName(stat.name, in: decl, collectionNames: allNames)
            }
        }
    }

    mutating func checkTypeName(_ name: Located<String>) {
        if !SwiftNames.isIdentifier(name.value) {
            log.error(
                "collection name `\(name.value)` is not a Swift type name; use ASCII letters, digits and `_`, starting "
                    + "with a letter, such as `\(SwiftNames.suggestedIdentifier(from: name.value, upperFirst: true))`",
                at: name.location)
        } else if SwiftNames.keywords.contains(name.value) || SwiftNames.typeKeywords.contains(name.value) {
            log.error(
                "collection name `\(name.value)` is a Swift keyword; choose another name, such as "
                    + "`\(SwiftNames.upperFirst(name.value))Stats`",
                at: name.location)
        } else if SwiftNames.reservedTypeNames.contains(name.value) {
            log.error(
                "collection name `\(name.value)` would hide the type `\(name.value)` that generated code uses; choose "
                    + "another name, such as `\(name.value)Stats`",
                at: name.location)
        }
    }

    mutating func checkStatName(_ name: Located<String>, in collection: CollectionDecl, collectionNames: Set<String>) {
        let text = name.value
        if !SwiftNames.isIdentifier(text) {
            log.error(
                "stat name `\(text)` is not a Swift identifier; use ASCII letters, digits and `_`, starting with a "
                    + "letter, such as `\(SwiftNames.suggestedIdentifier(from: text, upperFirst: false))`",
                at: name.location)
        } else if SwiftNames.keywords.contains(text) {
            log.error(
                "stat name `\(text)` is a Swift keyword; choose another name, such as `\(text)Count`", at: name.location
            )
        } else if text.hasPrefix("_") {
            log.error(
                "stat name `\(text)` starts with `_`, which generated code reserves for property-wrapper storage; use "
                    + "`\(text.drop { $0 == "_" })`",
                at: name.location)
        } else if SwiftNames.reservedMemberNames.contains(text) {
            log.error(
                "stat name `\(text)` is taken by the generated `\(text)` member of `\(collection.name.value)`; choose "
                    + "another name, such as `\(text)Count`",
                at: name.location)
        } else if SwiftNames.reservedTypeNames.contains(text) || collectionNames.contains(text) {
            log.error(
                "stat name `\(text)` would hide the type `\(text)` inside `\(collection.name.value)`; choose another "
                    + "name, such as `\(SwiftNames.factoryName(forType: text))`",
                at: name.location)
        }
    }

    // MARK: Collections and stats

    mutating func resolveCollection(_ decl: CollectionDecl) -> ResolvedCollection? {
        guard isCanonical(decl) else { return nil }
        let name = decl.name.value
        var factoryName: String?
        if let factory = decl.factory {
            if decl.parent == nil {
                log.error(
                    "`factory` names the method a parent uses to make a child, but `\(name)` has no `parent:`; remove "
                        + "`factory` or add `parent:`",
                    at: factory.location)
            } else if !SwiftNames.isIdentifier(factory.value) || SwiftNames.keywords.contains(factory.value)
                || factory.value.hasPrefix("_")
            {
                log.error(
                    "`factory: \(factory.value)` is not a usable method name; use a Swift identifier that is not a "
                        + "keyword, such as `make\(name)`",
                    at: factory.location)
            } else {
                factoryName = factory.value
            }
        } else if let parent = decl.parent {
            let derived = SwiftNames.factoryName(forType: name)
            if SwiftNames.keywords.contains(derived) || !SwiftNames.isIdentifier(derived) {
                log.error(
                    "the method that makes `\(name)` on its parent would be named `\(derived)`, a Swift keyword; name "
                        + "it with `factory:`, such as `factory: \(derived)Stats`",
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
            let suggestion = "make" + SwiftNames.upperFirst(name)
            if let factory = decl.factory {
                log.error(
                    "`factory: \(method)` would hide the type `\(method)` inside `\(parent.value)`; choose another "
                        + "name, such as `factory: \(suggestion)`",
                    at: factory.location)
            } else {
                log.error(
                    "the method that makes `\(name)` on its parent would be named `\(method)`, which would hide the "
                        + "type `\(method)` inside `\(parent.value)`; name it with `factory:`, such as `factory: "
                        + "\(suggestion)`",
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
                    name: stat.name.value, location: stat.name.location,
                    fullPath: full.appending(name: stat.name.value),
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

    mutating func checkStatOptions(_ stat: StatDecl) {
        if stat.options.monotonic, let initial = stat.options.initial {
            log.error(
                "a `monotonic` \(stat.kind.value.rawValue) is a counter and starts at 0; remove `value`, or drop "
                    + "`monotonic: true` to start `\(stat.name.value)` elsewhere",
                at: initial.location)
        }
    }

    /// Factory methods live on the parent, next to its stats: their names must not collide.
    mutating func checkMemberCollisions(
        factories: [String: [(name: Located<String>, child: String)]], resolved: [String: ResolvedCollection]
    ) {
        for (parent, made) in factories.sorted(by: { $0.key < $1.key }) {
            guard let parentDecl = collectionsByName[parent] else { continue }
            var seen: [String: (Located<String>, String)] = [:]
            for stat in parentDecl.stats { seen[stat.name.value] = (stat.name, "stat") }
            for member in SwiftNames.reservedMemberNames {
                seen[member] = (Located(member, at: parentDecl.name.location), "generated member")
            }
            for factory in made.sorted(by: { $0.name.location < $1.name.location }) {
                if let (existing, what) = seen[factory.name.value] {
                    log.error(
                        "`\(factory.child)` is made by a method `\(parent).\(factory.name.value)(…)`, which clashes "
                            + "with the \(what) `\(existing.value)` of `\(parent)`; set `factory:` on "
                            + "`\(factory.child)` to another name, such as `factory: make\(factory.child)`",
                        at: factory.name.location,
                        notes: what == "stat"
                            ? [
                                .init(
                                    location: existing.location,
                                    message: "`\(existing.value)` is declared here")
                            ] : [])
                } else {
                    seen[factory.name.value] = (factory.name, "factory method of `\(factory.child)`")
                }
            }
        }
    }
}
