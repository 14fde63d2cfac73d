/// Parents and paths: unknown parents, cycles of parents, path syntax, placeholders, and each
/// collection's absolute pattern.
extension Validator {
    // MARK: Parents

    mutating func checkParents() {
        for decl in allCollections {
            guard let parent = decl.parent, isCanonical(decl) else { continue }
            if collectionsByName[parent.value] == nil {
                let names = collectionsByName.keys.sorted()
                log.error(
                    "`parent: \(parent.value)` names no collection\(Suggestions.didYouMean(parent.value, in: names)); "
                        + "collections are \(Suggestions.list(names, conjunction: "and"))",
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
                        "collections form a cycle of parents: \((ordered + [ordered[0]]).joined(separator: " → ")); "
                            + "the topmost collection must have an absolute path and no `parent:`",
                        at: first.parent?.location ?? first.name.location)
                    cyclic.formUnion(cycle)
                    break
                }
                positionInChain[name] = chain.count
                chain.append(name)
                guard let parent = collectionsByName[name]?.parent?.value, collectionsByName[parent] != nil else {
                    break
                }
                name = parent
            }
            finished.formUnion(chain)
        }
    }

    func rotate(_ cycle: [String], toStartAt name: String) -> [String] {
        guard let index = cycle.firstIndex(of: name) else { return cycle }
        return Array(cycle[index...] + cycle[..<index])
    }

    // MARK: Paths

    mutating func resolvePaths() {
        for decl in allCollections where isCanonical(decl) {
            guard let path = decl.path else { continue }
            switch PathPattern.parse(path.value, relative: decl.parent != nil) {
            case .success(let pattern): ownPaths[decl.name.value] = pattern
            case .failure(let error): log.error(error.message, at: path.location)
            }
            if let placeholder = ownPaths[decl.name.value]?.templateSegment?.placeholder,
                collectionsByName[placeholder] != nil
            {
                // The placeholder is a parameter of the initializer or factory method, where it
                // would hide the type (the factory's body calls the child type's initializer).
                log.error(
                    "placeholder `{\(placeholder)}` in path `\(path.value)` would hide the type `\(placeholder)` where "
                        + "it becomes a parameter; use another name, such as "
                        + "`{\(SwiftNames.lowerFirst(placeholder))Id}`",
                    at: path.location)
            }
            if let maxKeys = decl.maxKeys, let pattern = ownPaths[decl.name.value], pattern.templateSegment == nil {
                log.error(
                    "`maxKeys` bounds the instances of a templated collection, but `\(decl.name.value)`'s path "
                        + "`\(path.value)` has no placeholder such as `{id}`; remove `maxKeys`",
                    at: maxKeys.location)
            }
        }
        for decl in allCollections where isCanonical(decl) {
            resolveFullPath(of: decl.name.value)
        }
        // Placeholders along one path must differ: each becomes an initializer label and a label.
        for decl in allCollections where isCanonical(decl) {
            guard let own = ownPaths[decl.name.value]?.templateSegment?.placeholder, let path = decl.path else {
                continue
            }
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
                if ownPaths[name]?.templateSegment?.placeholder == own, let ancestorPath = collectionsByName[name]?.path
                {
                    log.error(
                        "placeholder `{\(own)}` is already used by `\(name)` (`\(ancestorPath.value)`) above "
                            + "`\(decl.name.value)`; give this level its own name, such as "
                            + "`{\(SwiftNames.lowerFirst(decl.name.value))Id}`",
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
    mutating func resolveFullPath(of name: String) {
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
}
