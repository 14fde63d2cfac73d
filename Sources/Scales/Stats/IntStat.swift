import Synchronization

/// An `int` stat: an integer that goes up and down, exact under concurrency.
///
/// Updates are relaxed atomic operations on a cell the property holds directly (striped over
/// per-CPU cells once threads contend for it, see <doc:Contention>):
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
    @usableFromInline let storage: StripedInt

    /// Creates a cell not bound to any registry (bind cells with ``StatCollection/int(_:unit:doc:)``).
    public init(_ initial: Int = 0) {
        storage = StripedInt(initial)
    }

    /// The current value (the sum of the stat's cells); assigning stores a new one.
    ///
    /// A store clears the stripes and then sets the value, so the value read right after is
    /// the stored one plus the adds made since; an add racing the store counts either before
    /// it (and is overwritten) or after it (and is kept).
    public var value: Int {
        get { storage.load() }
        set { storage.store(newValue) }
    }

    /// Adds `amount` (wrapping on overflow, never trapping).
    @inlinable public func add(_ amount: Int) {
        storage.add(amount)
    }

    /// Atomically adds `rhs` to the stat: `web.errors += 1`.
    @inlinable public static func += (lhs: IntStat, rhs: Int) {
        lhs.storage.add(rhs)
    }

    /// Atomically subtracts `rhs` from the stat: `web.inFlight -= 1`.
    @inlinable public static func -= (lhs: IntStat, rhs: Int) {
        lhs.storage.add(0 &- rhs)
    }

    /// Stripes in use: 0 until two threads are seen updating the stat at once.
    package var stripeCount: Int { storage.stripeCount }

    /// Gives the stat its stripes now, as two threads updating it at once would (for tests).
    package func spreadOverStripes() { storage.spread() }

    /// Whether an add of `amount` to `old` checks for contention (see ``Stripes``).
    package static func checksContention(after old: Int, adding amount: Int) -> Bool {
        StripedInt.checksContention(after: old, adding: amount)
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
/// Updates are striped over per-CPU cells once threads contend for the counter (see
/// <doc:Contention>). There is no `-=` and no assignment, so a counter cannot be made to go
/// down by mistake; a negative amount is dropped and counted in ``RegistryHealth/droppedValues``.
public final class CounterStat: StatCell, CustomStringConvertible {
    @usableFromInline let storage: StripedInt
    @usableFromInline let health: HealthCounters

    /// Creates a counter not bound to any registry.
    public convenience init() {
        self.init(health: HealthCounters())
    }

    package init(health: HealthCounters) {
        storage = StripedInt(0)
        self.health = health
    }

    /// The count so far (the sum of the counter's cells). It never goes backwards between two
    /// reads, also while other threads add.
    public var value: Int { storage.load() }

    /// Adds `amount` if it is not negative; a negative amount is dropped and counted.
    @inlinable public func add(_ amount: Int) {
        if amount >= 0 {
            storage.add(amount)
        } else {
            health.droppedValue()
        }
    }

    /// Sets the count back to 0, for bridges whose API has a reset (swift-metrics' `Counter.reset()`);
    /// Prometheus treats the drop as a counter reset.
    package func reset() {
        storage.store(0)
    }

    /// Stripes in use: 0 until two threads are seen updating the counter at once.
    package var stripeCount: Int { storage.stripeCount }

    /// Gives the stat its stripes now, as two threads updating it at once would (for tests).
    package func spreadOverStripes() { storage.spread() }

    /// Atomically adds `rhs`: `web.requests += 1`.
    @inlinable public static func += (lhs: CounterStat, rhs: Int) {
        lhs.add(rhs)
    }

    /// The value as text.
    public var description: String { String(value) }

    package func read(_ health: HealthCounters) -> StatValue { .counter(value) }

    package var scalarKind: ScalarKind? { .counter }
}
