import ScalesNaming

/// What the generated code says about one stat, by its kind: the one table the translator
/// reads, so that a kind's type, binding and doc are written side by side.
struct KindSpec {
    /// The stored property's type (the wrapped value's type where there is a wrapper).
    var type: TypeDescription
    /// The property wrapper, such as `Stat`, or `nil` for a handle held in a `let`.
    var wrapper: String?
    /// The `StatCollection` method that binds the stat.
    var method: String
    /// The method's arguments after the name, in the order its parameters take them (the stat's
    /// `doc:` follows them).
    var arguments: [Argument]
    /// The sentence of the property's doc comment that says how to use it.
    var usage: String

    /// The entry for `stat`.
    init(_ stat: ResolvedStat) {
        let path = "`\(stat.fullPath)`"
        let name = stat.name
        func bounded(_ maxKeys: Int?) -> String {
            maxKeys.map { " At most \($0) keys; more land in `\(overflowName)`." } ?? ""
        }
        switch stat.kind {
        case .int(let monotonic, let initial, let unit):
            type = .named(monotonic ? "CounterStat" : "IntStat")
            method = monotonic ? "counter" : "int"
            arguments = Self.present([("initial", initial.map(Expression.intLiteral)), ("unit", Self.text(unit))])
            usage =
                monotonic
                ? "A counter at \(path): `\(name) += 1` adds atomically; it never goes down."
                : "An `int` at \(path): `\(name) += 1` and `-=` are single atomic updates; `\(name).value` reads or "
                    + "stores."
        case .double(let monotonic, let initial, let unit):
            type = .named(monotonic ? "DoubleCounterStat" : "DoubleStat")
            method = monotonic ? "doubleCounter" : "double"
            arguments = Self.present([("initial", initial.map(Expression.doubleLiteral)), ("unit", Self.text(unit))])
            usage =
                monotonic
                ? "A floating-point counter at \(path): `\(name) += x` adds atomically; it never goes down."
                : "A `double` at \(path): `\(name) += x` adds atomically; `\(name).value` reads or stores; non-finite "
                    + "input is dropped."
        case .string(let initial):
            type = .named("String")
            wrapper = "Stat"
            method = "string"
            arguments = Self.present([("initial", Self.text(initial))])
            usage = "A `string` at \(path): assign to update; `$\(name)` is the cell."
        case .bool(let initial):
            type = .named("Bool")
            wrapper = "Stat"
            method = "bool"
            arguments = Self.present([("initial", initial.map(Expression.boolLiteral))])
            usage = "A `bool` at \(path): assign to update; `$\(name)` is the cell."
        case .gauge(let valueType, let unit):
            type = .generic("GaugeStat", [.named(valueType.swiftType)])
            method = "gauge"
            arguments = Self.present([("of", .typeReference(.named(valueType.swiftType))), ("unit", Self.text(unit))])
            usage =
                "A gauge of `\(valueType.swiftType)` at \(path): `\(name).bind { … }` sets the closure read at "
                + "snapshot time."
        case .intDict(let autoDelete, let maxKeys, let label, let unit):
            type = .named("IntDictStat")
            method = "intDict"
            arguments = Self.present([
                ("autoDelete", autoDelete ? .boolLiteral(true) : nil), ("maxKeys", maxKeys.map(Expression.intLiteral)),
                ("label", Self.text(label)), ("unit", Self.text(unit)),
            ])
            let deletes = autoDelete ? " Keys whose value reaches 0 are removed." : ""
            usage = "An `intDict` at \(path): `\(name)[key] += 1` updates one key.\(deletes)\(bounded(maxKeys))"
        case .stringDict(let maxKeys, let label):
            type = .named("StringDictStat")
            method = "stringDict"
            arguments = Self.present([("maxKeys", maxKeys.map(Expression.intLiteral)), ("label", Self.text(label))])
            usage =
                "A `stringDict` at \(path): `\(name)[key] = value` sets one key, `nil` removes it.\(bounded(maxKeys))"
        case .pmf(let window, let precision, let unit):
            type = .named("PmfStat")
            method = "pmf"
            arguments = Self.present([
                ("window", window.map(Self.duration)), ("precision", precision.map(Expression.intLiteral)),
                ("unit", Self.text(unit)),
            ])
            usage = "A `pmf` at \(path): `\(name).record(x)`, or `\(name).time { … }` to time a block."
        case .pmfDict(let maxKeys, let window, let precision, let label, let unit):
            type = .named("PmfDictStat")
            method = "pmfDict"
            arguments = Self.present([
                ("maxKeys", maxKeys.map(Expression.intLiteral)), ("window", window.map(Self.duration)),
                ("precision", precision.map(Expression.intLiteral)), ("label", Self.text(label)),
                ("unit", Self.text(unit)),
            ])
            usage = "A `pmfDict` at \(path): `\(name)[key].record(x)` samples one key.\(bounded(maxKeys))"
        case .meter(let unit):
            type = .named("MeterStat")
            method = "meter"
            arguments = Self.present([("unit", Self.text(unit))])
            usage = "A `meter` at \(path): `\(name).mark()` or `\(name).mark(n)`; 1, 5 and 15-minute rates."
        case .meterDict(let maxKeys, let unit, let label):
            type = .named("MeterDictStat")
            method = "meterDict"
            arguments = Self.present([
                ("maxKeys", maxKeys.map(Expression.intLiteral)), ("unit", Self.text(unit)), ("label", Self.text(label)),
            ])
            usage = "A `meterDict` at \(path): `\(name)[key].mark()` marks one key.\(bounded(maxKeys))"
        case .stateTime:
            type = .named("String")
            wrapper = "StateTime"
            method = "stateTime"
            arguments = []
            usage = "A `stateTime` at \(path): assign the current state; seconds spent in each state accumulate."
        case .sum(let of, let addsDoubles):
            type = .named(addsDoubles ? "DoubleSumStat" : "SumStat")
            method = addsDoubles ? "doubleSum" : "sum"
            arguments = Self.source(of)
            usage =
                "The `sum` of \(Self.reference(of)) over the children, derived when read: `\(name).value` is "
                + (addsDoubles ? "a `Double`." : "an `Int`.")
        case .histogram(let of):
            type = .named("HistogramStat")
            method = "histogram"
            arguments = Self.source(of)
            usage =
                "A `histogram` of \(Self.reference(of)), derived when read: `\(name).value` maps each value to how "
                + "many children hold it."
        case .intDictSum(let of, let maxKeys):
            type = .named("IntDictSumStat")
            method = "intDictSum"
            // maxKeys: the most keys kept for removed children.
            arguments = Self.source(of) + Self.present([("maxKeys", maxKeys.map(Expression.intLiteral))])
            usage =
                "The `intDictSum` of \(Self.reference(of)), derived when read: `\(name).value` holds the per-key "
                + "totals over the children."
        }
    }

    /// The labelled arguments whose value is present, in order.
    private static func present(_ arguments: [(String, Expression?)]) -> [Argument] {
        arguments.compactMap { label, value in value.map { Argument(label, $0) } }
    }

    private static func text(_ value: String?) -> Expression? {
        value.map(Expression.stringLiteral)
    }

    /// `of:` and `childType:` of an aggregation.
    private static func source(_ of: AggregationSource) -> [Argument] {
        [Argument("of", .stringLiteral(of.stat)), Argument("childType", .stringLiteral(of.collection))]
    }

    private static func reference(_ of: AggregationSource) -> String {
        "``\(of.collection)/\(of.stat)``"
    }

    private static func duration(_ milliseconds: Int) -> Expression {
        if milliseconds % 1000 == 0 {
            return .call(.member(nil, "seconds"), [Argument(nil, .intLiteral(milliseconds / 1000))])
        }
        return .call(.member(nil, "milliseconds"), [Argument(nil, .intLiteral(milliseconds))])
    }
}
