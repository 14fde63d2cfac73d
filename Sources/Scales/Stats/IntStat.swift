import Synchronization

/// An `int` stat: an integer that goes up and down, exact under concurrency.
///
/// Updates are relaxed atomic operations on a cell the property holds directly:
///
/// ```swift
/// web.errors += 1
/// web.inFlight -= 1
/// web.errors.value = 0
/// let errors = web.errors.value
/// ```
///
/// Exported as a Prometheus gauge; declare `monotonic: true` to get a ``CounterStat`` instead.
public final class IntStat: StatCell, CustomStringConvertible {
    @usableFromInline let storage: Atomic<Int>

    /// Creates a cell not bound to any registry (bind cells with ``StatCollection/int(_:unit:doc:)``).
    public init(_ initial: Int = 0) {
        storage = Atomic(initial)
    }

    /// The current value; assigning stores a new one atomically.
    @inlinable public var value: Int {
        get { storage.load(ordering: .relaxed) }
        set { storage.store(newValue, ordering: .relaxed) }
    }

    /// Adds `amount` (wrapping on overflow, never trapping).
    @inlinable public func add(_ amount: Int) {
        storage.wrappingAdd(amount, ordering: .relaxed)
    }

    /// Atomically adds `rhs` to the stat: `web.errors += 1`.
    @inlinable public static func += (lhs: IntStat, rhs: Int) {
        lhs.storage.wrappingAdd(rhs, ordering: .relaxed)
    }

    /// Atomically subtracts `rhs` from the stat: `web.inFlight -= 1`.
    @inlinable public static func -= (lhs: IntStat, rhs: Int) {
        lhs.storage.wrappingSubtract(rhs, ordering: .relaxed)
    }

    /// The value as text.
    public var description: String { String(value) }

    package func read(_ health: HealthCounters) -> StatValue { .int(value) }

    package var scalarKind: ScalarKind? { .int }
}

/// A `monotonic` int stat: a counter that only goes up, exported as a Prometheus counter.
///
/// ```swift
/// web.requests += 1
/// ```
///
/// There is no `-=` and no assignment, so a counter cannot be made to go down by mistake; a
/// negative amount is dropped and counted in ``RegistryHealth/droppedValues``.
public final class CounterStat: StatCell, CustomStringConvertible {
    @usableFromInline let storage: Atomic<Int>
    @usableFromInline let health: HealthCounters

    /// Creates a counter not bound to any registry.
    public convenience init() {
        self.init(health: HealthCounters())
    }

    package init(health: HealthCounters) {
        storage = Atomic(0)
        self.health = health
    }

    /// The count so far.
    @inlinable public var value: Int { storage.load(ordering: .relaxed) }

    /// Adds `amount` if it is not negative; a negative amount is dropped and counted.
    @inlinable public func add(_ amount: Int) {
        if amount >= 0 {
            storage.wrappingAdd(amount, ordering: .relaxed)
        } else {
            health.droppedValue()
        }
    }

    /// Sets the count back to 0, for bridges whose API has a reset (swift-metrics' `Counter.reset()`);
    /// Prometheus treats the drop as a counter reset.
    package func reset() {
        storage.store(0, ordering: .relaxed)
    }

    /// Atomically adds `rhs`: `web.requests += 1`.
    @inlinable public static func += (lhs: CounterStat, rhs: Int) {
        lhs.add(rhs)
    }

    /// The value as text.
    public var description: String { String(value) }

    package func read(_ health: HealthCounters) -> StatValue { .counter(value) }

    package var scalarKind: ScalarKind? { .counter }
}
