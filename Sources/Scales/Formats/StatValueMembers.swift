/// The named parts of structured stat values, as the JSON shape shows them.
///
/// A dict's entries, a `pmf`'s or a `meter`'s fields are *members*: queries look into them,
/// status pages nest them and paths such as `/web/latency/median` reach them.
///
/// ```swift
/// if case .stat(let stat) = snapshot.root, let members = stat.value.members {
///     for member in members { print(member.key, member.value) }   // "median", .double(0.25)
/// }
/// ```
extension StatValue {
    /// The members of a structured value, sorted by key for dicts and in scales' field order for
    /// `pmf` and `meter`; `nil` for a scalar (`int`, `counter`, `double`, `doubleCounter`, `string`, `bool`,
    /// `absent`).
    ///
    /// A `pmf` gives `count` and the window figures (an empty window's figures are
    /// ``StatValue/absent``); a `meter` gives `count`, `m1`, `m5`, `m15`, `mean` and `unit`.
    public var members: [(key: String, value: StatValue)]? {
        switch self {
        case .int, .counter, .double, .doubleCounter, .string, .bool, .absent:
            return nil
        case .intDict(let dict):
            return dict.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }
        case .stringDict(let dict):
            return dict.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }
        case .stateTime(let dict):
            return dict.sorted { $0.key < $1.key }.map { ($0.key, .double($0.value)) }
        case .pmfDict(let dict):
            return dict.sorted { $0.key < $1.key }.map { ($0.key, .pmf($0.value)) }
        case .meterDict(let dict):
            return dict.sorted { $0.key < $1.key }.map { ($0.key, .meter($0.value)) }
        case .pmf(let pmf):
            var members: [(key: String, value: StatValue)] = [("count", .int(pmf.count))]
            for field in pmf.fields {
                members.append((field.name, field.value.map(StatValue.double) ?? .absent))
            }
            return members
        case .meter(let meter):
            return [
                ("count", .int(meter.count)), ("m1", .double(meter.m1)), ("m5", .double(meter.m5)),
                ("m15", .double(meter.m15)), ("mean", .double(meter.meanRate)), ("unit", .string(meter.unit)),
            ]
        }
    }

    /// The member named `key`, if this is a structured value that has one.
    public func member(_ key: String) -> StatValue? {
        switch self {
        case .intDict(let dict): return dict[key].map(StatValue.int)
        case .stringDict(let dict): return dict[key].map(StatValue.string)
        case .stateTime(let dict): return dict[key].map(StatValue.double)
        case .pmfDict(let dict): return dict[key].map(StatValue.pmf)
        case .meterDict(let dict): return dict[key].map(StatValue.meter)
        default: return members?.first { $0.key == key }?.value
        }
    }

    /// Whether the value is a scalar (has no ``members``).
    public var isScalar: Bool {
        switch self {
        case .int, .counter, .double, .string, .bool, .absent: return true
        default: return false
        }
    }
}
