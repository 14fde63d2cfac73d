/// The types a `string`, `bool` or `gauge` stat can hold.
public protocol StatScalar: Sendable, Equatable {
    /// This value in a snapshot; `nil` when it cannot be shown (a non-finite number).
    var statValue: StatValue? { get }
}

extension String: StatScalar {
    /// A `.string` value.
    public var statValue: StatValue? { .string(self) }
}

extension Bool: StatScalar {
    /// A `.bool` value.
    public var statValue: StatValue? { .bool(self) }
}

extension Int: StatScalar {
    /// An `.int` value.
    public var statValue: StatValue? { .int(self) }
}

extension Double: StatScalar {
    /// A `.double` value, or `nil` when not finite.
    public var statValue: StatValue? { isFinite ? .double(self) : nil }
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
