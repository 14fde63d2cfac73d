/// A `meterDict` stat: a ``MeterStat`` per key, such as requests per status class.
///
/// ```swift
/// web.hitsByStatus["2xx"].mark()
/// ```
///
/// A key's meter is created on first use and kept. With `maxKeys`, once that many keys exist,
/// new keys share the meter of ``IntDictStat/overflowKey`` and each such lookup is counted in
/// ``RegistryHealth/overflowedKeys``. Hold on to `dict[key]` to mark without the lookup.
public final class MeterDictStat: StatCell {
    let meters: Lock<[String: MeterStat]>
    /// The most keys kept (not counting the overflow key), or `nil` for no bound.
    public let maxKeys: Int?
    /// The unit every key's meter reports (scales: `per second`).
    public let unit: String
    let clock: any StatClock
    let health: HealthCounters

    /// Creates a dict not bound to any registry.
    public convenience init(maxKeys: Int? = nil, unit: String? = nil, clock: some StatClock = SystemClock()) {
        self.init(maxKeys: maxKeys, unit: unit, clock: clock, health: HealthCounters())
    }

    init(maxKeys: Int?, unit: String?, clock: any StatClock, health: HealthCounters) {
        meters = Lock([:])
        self.maxKeys = maxKeys.map { Swift.max(0, $0) }
        self.unit = unit ?? MeterStat.defaultUnit
        self.clock = clock
        self.health = health
    }

    /// The meter for `key`, created on first use.
    public subscript(key: String) -> MeterStat {
        let (meter, overflowed) = meters.withLock { meters -> (MeterStat, Bool) in
            if let existing = meters[key] { return (existing, false) }
            let target = KeyBound.target(for: key, in: meters, maxKeys: maxKeys)
            if let overflow = meters[target] { return (overflow, true) }
            let meter = MeterStat(unit: unit, clock: clock, health: health)
            meters[target] = meter
            return (meter, target != key)
        }
        if overflowed { health.overflowedKey() }
        return meter
    }

    /// The keys in use.
    public var keys: [String] {
        meters.withLock { Array($0.keys) }
    }

    /// Every key's figures now.
    public var figures: [String: MeterSnapshot] {
        let cells = meters.withLock { $0 }
        return cells.mapValues(\.figures)
    }

    package func read(_ health: HealthCounters) -> StatValue { .meterDict(figures) }
}
