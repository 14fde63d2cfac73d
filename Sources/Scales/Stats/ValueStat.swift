/// The types a `string`, `bool` or `gauge` stat can hold: `String`, `Bool`, `Int` and `Double`.
///
/// A constraint, not an extension point: it adds no member to the four types (each module that
/// imports Scales sees them unchanged). A type of your own that conforms is shown as its
/// `String(describing:)` text, as a `string` stat would show it.
public protocol StatScalar: Sendable, Equatable {}

extension String: StatScalar {}
extension Bool: StatScalar {}
extension Int: StatScalar {}
extension Double: StatScalar {}

extension StatScalar {
    /// This value in a snapshot; `nil` when it cannot be shown (a non-finite number).
    ///
    /// Reads by the value's type rather than through a protocol requirement, so that the four
    /// types carry no public `statValue`. The checks compare type metadata (the type is the one
    /// named, so the bit cast is the value itself): a gauge's read, in code not specialized for
    /// the type, costs no dynamic cast.
    package var statValue: StatValue? {
        if Self.self == Int.self { return .int(unsafeBitCast(self, to: Int.self)) }
        if Self.self == Double.self {
            let value = unsafeBitCast(self, to: Double.self)
            return value.isFinite ? .double(value) : nil
        }
        if Self.self == Bool.self { return .bool(unsafeBitCast(self, to: Bool.self)) }
        if Self.self == String.self { return .string(unsafeBitCast(self, to: String.self)) }
        return .string(String(describing: self))
    }
}

/// A `string` or `bool` stat: a value replaced by assignment.
///
/// Generated code exposes it through the ``Stat`` property wrapper, so the idiom is plain
/// assignment: `thread.state = "waitingForTask"`.
public final class ValueStat<Value: StatScalar>: StatCell {
    let storage: Lock<Value>

    /// Creates a cell not bound to any registry.
    public init(_ initial: Value) {
        storage = Lock(initial)
    }

    /// The current value.
    public var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    package func read(_ health: HealthCounters) -> StatValue {
        value.statValue ?? .absent
    }

    /// A bool is always a bool; a string or a double may be absent.
    package var scalarKind: ScalarKind? { Value.self == Bool.self ? .bool : nil }
}

/// A `string` stat's cell.
public typealias StringStat = ValueStat<String>
/// A `bool` stat's cell.
public typealias BoolStat = ValueStat<Bool>

/// The property wrapper generated code uses for `string` and `bool` stats, so that assignment
/// updates the stat even through a `let` collection:
///
/// ```swift
/// let thread = processor.thread(id: "0")
/// thread.state = "waitingForTask"
/// ```
///
/// `$state` is the underlying ``ValueStat`` cell.
@propertyWrapper
public struct Stat<Value: StatScalar>: Sendable {
    /// The cell this property reads and writes.
    public let cell: ValueStat<Value>

    /// Wraps a bound cell (see ``StatCollection/string(_:initial:doc:)``).
    public init(_ cell: ValueStat<Value>) {
        self.cell = cell
    }

    /// The stat's current value; assigning replaces it.
    public var wrappedValue: Value {
        get { cell.value }
        nonmutating set { cell.value = newValue }
    }

    /// The underlying cell.
    public var projectedValue: ValueStat<Value> { cell }
}
