/// The validated model: every name checked, every path resolved to an absolute pattern, every
/// parent and `of:` linked, every stat's options typed by its kind. The translator turns it into
/// Swift without further checks and without looking back at the parsed files.
struct ResolvedModel {
    var files: [ResolvedFile]
}

struct ResolvedFile {
    let path: String
    let access: AccessLevel
    var collections: [ResolvedCollection]
}

struct ResolvedCollection {
    /// The generated type's name.
    let name: String
    /// Where the collection's `path:` (or, without one, its name) is written, for diagnostics.
    let location: SourceLocation
    let doc: String?
    let collapsed: Bool
    /// The bound on instances of a templated path.
    let maxKeys: Int?
    /// The absolute pattern, such as `/processor/thread-{id}`.
    let fullPath: PathPattern
    /// The path as declared (relative for a child).
    let ownPath: PathPattern
    /// The parent collection, for a child.
    let parent: Parent?
    /// The placeholder of the collection's own template segment (`id`), if templated.
    let placeholder: String?
    var stats: [ResolvedStat]

    /// A child's link to its parent, resolved once.
    struct Parent {
        /// The parent's type name.
        let name: String
        /// The access level of the file the parent is declared in: the factory method extends
        /// the parent, so it can be at most that visible.
        let access: AccessLevel
        /// The name of the factory method on the parent; `nil` when it could not be named (an
        /// error was reported).
        let factoryName: String?
    }
}

struct ResolvedStat {
    let name: String
    /// Where the stat's name is written, for diagnostics.
    let location: SourceLocation
    /// The stat's absolute pattern.
    let fullPath: PathPattern
    let doc: String?
    let kind: ResolvedKind
}

/// A stat's kind with the options that kind takes (an option not written is `nil` or `false`).
enum ResolvedKind: Equatable {
    case int(monotonic: Bool, initial: Int?, unit: String?)
    case double(monotonic: Bool, initial: Double?, unit: String?)
    case string(initial: String?)
    case bool(initial: Bool?)
    case gauge(GaugeType, unit: String?)
    case intDict(autoDelete: Bool, maxKeys: Int?, label: String?, unit: String?)
    case stringDict(maxKeys: Int?, label: String?)
    /// `window` in milliseconds.
    case pmf(window: Int?, precision: Int?, unit: String?)
    case pmfDict(maxKeys: Int?, window: Int?, precision: Int?, label: String?, unit: String?)
    /// `unit` is the display unit of the rates (`per second` by default), not a base unit.
    case meter(unit: String?)
    case meterDict(maxKeys: Int?, unit: String?, label: String?)
    case stateTime
    /// `addsDoubles`: whether, at the end of its chain of sums, it adds doubles (its handle reads
    /// a `Double`).
    case sum(of: AggregationSource, addsDoubles: Bool)
    case histogram(of: AggregationSource)
    /// `maxKeys`: the most keys kept for removed children.
    case intDictSum(of: AggregationSource, maxKeys: Int?)

    /// The typed kind of `decl`; `nil` for an aggregation without `of:` (reported by the parser).
    init?(_ decl: StatDecl, addsDoubles: Bool) {
        let options = decl.options
        let initial = options.initial?.value
        switch decl.kind.value {
        case .int: self = .int(monotonic: options.monotonic, initial: initial?.int, unit: options.unit)
        case .double: self = .double(monotonic: options.monotonic, initial: initial?.double, unit: options.unit)
        case .string: self = .string(initial: initial?.string)
        case .bool: self = .bool(initial: initial?.bool)
        case .gauge:
            self = .gauge(options.gaugeType, unit: options.unit)
        case .intDict:
            self = .intDict(
                autoDelete: options.autoDelete, maxKeys: options.maxKeys, label: options.label, unit: options.unit)
        case .stringDict:
            self = .stringDict(maxKeys: options.maxKeys, label: options.label)
        case .pmf:
            self = .pmf(window: options.windowMilliseconds, precision: options.precision, unit: options.unit)
        case .pmfDict:
            self = .pmfDict(
                maxKeys: options.maxKeys, window: options.windowMilliseconds, precision: options.precision,
                label: options.label, unit: options.unit)
        case .meter:
            self = .meter(unit: options.unit)
        case .meterDict:
            self = .meterDict(maxKeys: options.maxKeys, unit: options.unit, label: options.label)
        case .stateTime:
            self = .stateTime
        case .sum:
            guard let of = options.of?.value else { return nil }
            self = .sum(of: of, addsDoubles: addsDoubles)
        case .histogram:
            guard let of = options.of?.value else { return nil }
            self = .histogram(of: of)
        case .intDictSum:
            guard let of = options.of?.value else { return nil }
            self = .intDictSum(of: of, maxKeys: options.maxKeys)
        }
    }
}
