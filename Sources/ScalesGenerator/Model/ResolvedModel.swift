/// The validated model: every name checked, every path resolved to an absolute pattern, every
/// parent and `of:` linked. The translator turns it into Swift without further checks.
struct ResolvedModel {
    var files: [ResolvedFile]
}

struct ResolvedFile {
    let path: String
    let access: AccessLevel
    var collections: [ResolvedCollection]
}

struct ResolvedCollection {
    let decl: CollectionDecl
    /// The absolute pattern, such as `/processor/thread-{id}`.
    let fullPath: PathPattern
    /// The path as declared (relative for a child).
    let ownPath: PathPattern
    /// The parent collection's type name.
    let parent: String?
    /// The placeholder of the collection's own template segment (`id`), if templated.
    let placeholder: String?
    /// The name of the factory method on the parent (children only).
    let factoryName: String?
    var stats: [ResolvedStat]

    var name: String { decl.name.value }
}

struct ResolvedStat {
    let decl: StatDecl
    /// The stat's absolute pattern.
    let fullPath: PathPattern
    /// For a `sum`: whether it adds doubles (at the end of its chain of sums), so its handle reads a `Double`.
    let sumsDoubles: Bool

    var name: String { decl.name.value }
    var kind: StatKind { decl.kind.value }
}
