import Synchronization

/// A `meter` stat: counts events and reports their 1-, 5- and 15-minute moving average rates
/// and the mean rate, per second.
///
/// ```swift
/// web.hits.mark()          // one event
/// web.bytesIn.mark(512)    // n events
/// ```
///
/// Marking is one relaxed atomic add (and, on every 64th event, a look at the clock); there is
/// no background thread. The rates are Java Metrics' exponentially weighted moving averages
/// over 5-second ticks, brought up to date in closed form when read (see the discussion of
/// ``figures``). Startup: the mean rate is exact from the first event; `m1`, `m5` and `m15` are
/// 0 until the first 5-second tick completes, then start at that tick's rate. Rates below
/// 1e-9 per second read as 0. A negative `n` is dropped and counted in
/// ``RegistryHealth/droppedValues``.
public final class MeterStat: StatCell {
    /// The unit shown when none is given: `per second`, as scales shows it.
    public static let defaultUnit = "per second"
    /// Marks between two looks at the clock (a power of two).
    @usableFromInline static let observeEvery = 64

    @usableFromInline let count: Atomic<Int>
    let rates: Lock<ExponentialRates>
    let created: UInt64
    /// The unit shown next to the rates.
    public let unit: String
    let clock: ClockReader
    @usableFromInline let health: HealthCounters

    /// Creates a meter not bound to any registry.
    public convenience init(unit: String? = nil, clock: some StatClock = SystemClock()) {
        self.init(unit: unit, clock: clock, health: HealthCounters())
    }

    init(unit: String?, clock: any StatClock, health: HealthCounters) {
        self.clock = ClockReader(clock)
        let now = self.clock.coarse()
        count = Atomic(0)
        created = now
        rates = Lock(ExponentialRates(start: now))
        self.unit = unit ?? Self.defaultUnit
        self.health = health
    }

    /// Marks one event.
    @inlinable public func mark() {
        let old = count.wrappingAdd(1, ordering: .relaxed).oldValue
        if old & (Self.observeEvery - 1) == Self.observeEvery - 1 { observe() }
    }

    /// Marks `n` events; a negative `n` is dropped and counted.
    @inlinable public func mark(_ n: Int) {
        guard n > 0 else {
            if n < 0 { health.droppedValue() }
            return
        }
        let old = count.wrappingAdd(n, ordering: .relaxed).oldValue
        if (old / Self.observeEvery) != ((old &+ n) / Self.observeEvery) { observe() }
    }

    /// Events marked since the meter was created.
    public var total: Int { count.load(ordering: .relaxed) }

    @usableFromInline
    func observe() {
        let now = clock.coarse()
        rates.withLock { $0.observe(count: count.load(ordering: .relaxed), at: now) }
    }

    /// The figures now: count, the three moving averages and the mean rate, per second.
    ///
    /// Reading brings the averages up to date first (a look at the clock); it never resets
    /// anything.
    public var figures: MeterSnapshot {
        let now = clock.coarse()
        let (total, rates) = self.rates.withLock { rates -> (Int, ExponentialRates) in
            let total = count.load(ordering: .relaxed)
            rates.observe(count: total, at: now)
            return (total, rates)
        }
        let elapsed = Double(now &- created) / 1e9
        let mean = total > 0 && elapsed > 0 ? Double(total) / elapsed : 0
        return MeterSnapshot(
            count: total, m1: ExponentialRates.shown(rates.m1), m5: ExponentialRates.shown(rates.m5),
            m15: ExponentialRates.shown(rates.m15), meanRate: mean, unit: unit)
    }

    package func read(_ health: HealthCounters) -> StatValue { .meter(figures) }
}
