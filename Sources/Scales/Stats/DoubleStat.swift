public import Synchronization

/// A `double` stat: a floating-point value, updated atomically.
///
/// ```swift
/// web.bytesOut += Double(body.count)
/// web.temperature.value = 21.5
/// ```
///
/// Non-finite input (NaN, infinity) is dropped and counted in ``RegistryHealth/droppedValues``;
/// update calls never throw.
public final class DoubleStat: StatCell, CustomStringConvertible {
    @usableFromInline let bits: StripedDouble
    @usableFromInline let health: HealthCounters

    /// Creates a cell not bound to any registry.
    public convenience init(_ initial: Double = 0) {
        self.init(initial, health: HealthCounters())
    }

    package init(_ initial: Double, health: HealthCounters) {
        bits = StripedDouble(initial.isFinite ? initial : 0)
        self.health = health
    }

    /// The current value (the sum of the stat's cells); assigning a finite value stores it
    /// (clearing the stripes, as ``IntStat/value`` does), a non-finite one is dropped.
    public var value: Double {
        get { bits.load() }
        set {
            guard newValue.isFinite else { return health.droppedValue() }
            bits.store(newValue)
        }
    }

    /// Adds `amount` atomically (a compare-and-swap, striped once threads contend, see
    /// <doc:Contention>); non-finite amounts are dropped.
    @inlinable public func add(_ amount: Double) {
        guard amount.isFinite else { return health.droppedValue() }
        bits.add(amount)
    }

    /// Stripes in use: 0 until two threads are seen updating the stat at once.
    package var stripeCount: Int { bits.stripeCount }

    /// Gives the stat its stripes now, as two threads updating it at once would (for tests).
    package func spreadOverStripes() { bits.spread() }

    /// Atomically adds `rhs`: `stats.seconds += elapsed`.
    @inlinable public static func += (lhs: DoubleStat, rhs: Double) {
        lhs.add(rhs)
    }

    /// Atomically subtracts `rhs`.
    @inlinable public static func -= (lhs: DoubleStat, rhs: Double) {
        lhs.add(-rhs)
    }

    /// The value as text.
    public var description: String { String(value) }

    package func read(_ health: HealthCounters) -> StatValue { .double(value) }

    package var scalarKind: ScalarKind? { .double }
}

/// A `monotonic` double stat: a floating-point counter, such as seconds spent or bytes in
/// fractions; exported as a Prometheus counter (`…_total`).
///
/// ```swift
/// worker.busySeconds += elapsed
/// ```
///
/// Negative and non-finite amounts are dropped and counted in ``RegistryHealth/droppedValues``.
public final class DoubleCounterStat: StatCell, CustomStringConvertible {
    @usableFromInline let bits: StripedDouble
    @usableFromInline let health: HealthCounters

    /// Creates a counter not bound to any registry.
    public convenience init() {
        self.init(health: HealthCounters())
    }

    package init(health: HealthCounters) {
        bits = StripedDouble(0)
        self.health = health
    }

    /// The count so far (the sum of the counter's cells); it never goes backwards between two
    /// reads.
    public var value: Double { bits.load() }

    /// Adds `amount` atomically if it is finite and not negative (striped once threads
    /// contend, see <doc:Contention>); otherwise drops and counts it.
    @inlinable public func add(_ amount: Double) {
        guard amount.isFinite, amount >= 0 else { return health.droppedValue() }
        bits.add(amount)
    }

    /// Stripes in use: 0 until two threads are seen updating the counter at once.
    package var stripeCount: Int { bits.stripeCount }

    /// Gives the stat its stripes now, as two threads updating it at once would (for tests).
    package func spreadOverStripes() { bits.spread() }

    /// Sets the count back to 0, for bridges whose API has a reset; Prometheus treats the drop
    /// as a counter reset.
    package func reset() {
        bits.store(0)
    }

    /// Atomically adds `rhs`: `stats.busySeconds += elapsed`.
    @inlinable public static func += (lhs: DoubleCounterStat, rhs: Double) {
        lhs.add(rhs)
    }

    /// The value as text.
    public var description: String { String(value) }

    package func read(_ health: HealthCounters) -> StatValue { .doubleCounter(value) }

    package var scalarKind: ScalarKind? { .doubleCounter }
}

extension Atomic where Value == UInt64 {
    /// Adds `amount` to the Double whose bits this holds (a compare-and-swap loop, relaxed).
    @inlinable @inline(__always)
    func addDouble(_ amount: Double) {
        var old = load(ordering: .relaxed)
        while true {
            let new = (Double(bitPattern: old) + amount).bitPattern
            let (exchanged, original) = weakCompareExchange(
                expected: old, desired: new, successOrdering: .relaxed, failureOrdering: .relaxed)
            if exchanged { return }
            old = original
        }
    }
}
