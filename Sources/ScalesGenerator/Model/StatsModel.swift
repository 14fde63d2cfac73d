/// A value read from a stats file, with where it was written.
struct Located<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The value.
    let value: Value
    /// Where the value starts.
    let location: SourceLocation

    /// Creates a located value.
    init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// The access level of generated declarations (the file's `access:` key).
enum AccessLevel: String, CaseIterable, Sendable, Equatable {
    /// Visible inside the module (the default).
    case `internal`
    /// Visible to other packages.
    case `public`
    /// Visible inside the package.
    case `package`

    /// How widely the level exposes a declaration: internal < package < public.
    var rank: Int {
        switch self {
        case .internal: return 0
        case .package: return 1
        case .public: return 2
        }
    }
}

/// One parsed stats file: what its keys said, each with its location.
struct StatsFile: Sendable, Equatable {
    /// The file's path, as given.
    let path: String
    /// The access level of the generated code.
    let access: AccessLevel
    /// The collections, in file order.
    let collections: [CollectionDecl]
}

/// A collection declared under `collections:`; becomes one Swift struct.
struct CollectionDecl: Sendable, Equatable {
    /// The generated type's name (the mapping key).
    let name: Located<String>
    /// The `path:` as written: absolute (`/web`, `/handler/{id}`) or, with a parent, relative.
    let path: Located<String>?
    /// The `parent:` type name.
    let parent: Located<String>?
    /// The `doc:` text.
    let doc: String?
    /// The `collapsed:` flag.
    let collapsed: Bool
    /// The `maxKeys:` bound on instances (templated paths only).
    let maxKeys: Located<Int>?
    /// The `factory:` name of the method on the parent that makes an instance.
    let factory: Located<String>?
    /// The stats, in file order.
    let stats: [StatDecl]
    /// The file the collection is declared in.
    let file: String
}

/// A stat declared under a collection's `stats:`; becomes one stored property.
struct StatDecl: Sendable, Equatable {
    /// The stat's name (the mapping key), also its last path segment and property name.
    let name: Located<String>
    /// Its kind.
    let kind: Located<StatKind>
    /// The `doc:` text.
    let doc: String?
    /// Everything else the stat's mapping said.
    let options: StatOptions
}

/// The kinds of stat, named as stats.yaml names them.
enum StatKind: String, CaseIterable, Sendable, Equatable {
    case int, double, string, bool, gauge, intDict, stringDict, pmf, pmfDict, meter, meterDict, stateTime
    case sum, histogram, intDictSum

    /// Whether the kind is derived from children (`sum`, `histogram`, `intDictSum`).
    var isAggregation: Bool {
        switch self {
        case .sum, .histogram, .intDictSum: return true
        default: return false
        }
    }

    /// The option keys the kind accepts besides `kind` and `doc`.
    var optionKeys: [String] {
        switch self {
        case .int, .double: return ["monotonic", "value", "unit"]
        case .string, .bool: return ["value"]
        case .gauge: return ["type", "unit"]
        case .intDict: return ["autoDelete", "maxKeys", "label", "unit"]
        case .stringDict: return ["maxKeys", "label"]
        case .pmf: return ["window", "precision", "unit"]
        case .pmfDict: return ["maxKeys", "window", "precision", "label", "unit"]
        case .meter: return ["unit"]
        case .meterDict: return ["maxKeys", "unit", "label"]
        case .stateTime: return []
        case .sum, .histogram: return ["of"]
        case .intDictSum: return ["of", "maxKeys"]
        }
    }
}

/// The type a `gauge` reads from its closure (its `type:` key).
enum GaugeType: String, CaseIterable, Sendable, Equatable {
    case int, double, string, bool

    /// The Swift type name.
    var swiftType: String {
        switch self {
        case .int: return "Int"
        case .double: return "Double"
        case .string: return "String"
        case .bool: return "Bool"
        }
    }
}

/// An initial value from a `value:` key.
enum InitialValue: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    var int: Int? { if case .int(let value) = self { value } else { nil } }
    var double: Double? { if case .double(let value) = self { value } else { nil } }
    var string: String? { if case .string(let value) = self { value } else { nil } }
    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
}

/// What an aggregation's `of:` names: a collection type and one of its stats.
struct AggregationSource: Sendable, Equatable {
    /// The child collection type, such as `ThreadStats`.
    let collection: String
    /// The stat in it, such as `finished`.
    let stat: String
}

/// The per-kind keys of a stat as the parser reads them, key by key (any order, so a bag); the
/// validator turns them into the stat's ``ResolvedKind``, which carries only its kind's options.
struct StatOptions: Sendable, Equatable {
    /// `monotonic: true` on an int or a double: a counter.
    var monotonic = false
    /// `value:` on int, double, string or bool.
    var initial: Located<InitialValue>?
    /// `type:` on a gauge (double when absent).
    var gaugeType: GaugeType = .double
    /// `autoDelete:` on an intDict.
    var autoDelete = false
    /// `maxKeys:` on a dict.
    var maxKeys: Int?
    /// `window:` on pmf and pmfDict, in milliseconds.
    var windowMilliseconds: Int?
    /// `precision:` on pmf and pmfDict: the native-histogram schema of the bucket grid (0...8).
    var precision: Int?
    /// `unit:`: on a meter or meterDict the unit its rates are shown in (`per second` by
    /// default); on the numeric kinds a base unit (`seconds`, `bytes`) carried into the
    /// exported name.
    var unit: String?
    /// `label:` on a dict kind: the keys' label name on `/metrics` (`key` by default).
    var label: String?
    /// `of:` on an aggregation.
    var of: Located<AggregationSource>?
}
