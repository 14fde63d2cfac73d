/// A `pmfDict` stat: a ``PmfStat`` per key, such as latency per endpoint.
///
/// ```swift
/// web.latencyByPath[request.path].record(seconds)
/// let page = try web.latencyByPath["/"].time { try render() }
/// ```
///
/// A key's pmf is created on first use and kept. With `maxKeys`, once that many keys exist,
/// new keys share the pmf of ``IntDictStat/overflowKey`` and each such lookup is counted in
/// ``RegistryHealth/overflowedKeys``. Hold on to `dict[key]` to record without the lookup.
public final class PmfDictStat: StatCell {
    let pmfs: Lock<[String: PmfStat]>
    /// The most keys kept (not counting the overflow key), or `nil` for no bound.
    public let maxKeys: Int?
    /// The window of every key's pmf.
    public let window: Duration
    /// The grid schema of every key's pmf (see ``PmfStat/precision``).
    public let precision: Int
    let clock: any StatClock
    let health: HealthCounters

    /// Creates a dict not bound to any registry.
    ///
    /// - Parameters:
    ///   - maxKeys: The most keys kept (not counting the overflow key), or `nil` for no bound.
    ///   - window: The window of every key's pmf (default ``PmfStat/defaultWindow``).
    ///   - precision: Every key's grid schema, `0...8` (default 6), clamped (see
    ///     ``PmfStat/precision``).
    ///   - clock: The clock of every key's window.
    public convenience init(
        maxKeys: Int? = nil, window: Duration? = nil, precision: Int? = nil, clock: some StatClock = SystemClock()
    ) {
        self.init(maxKeys: maxKeys, window: window, precision: precision, clock: clock, health: HealthCounters())
    }

    init(maxKeys: Int?, window: Duration?, precision: Int?, clock: any StatClock, health: HealthCounters) {
        pmfs = Lock([:])
        self.maxKeys = maxKeys.map { Swift.max(0, $0) }
        self.window = window ?? PmfStat.defaultWindow
        self.precision = PmfStat.schema(precision)
        self.clock = clock
        self.health = health
    }

    /// The pmf for `key`, created on first use.
    public subscript(key: String) -> PmfStat {
        let (pmf, overflowed) = pmfs.withLock { pmfs -> (PmfStat, Bool) in
            if let existing = pmfs[key] { return (existing, false) }
            let target = KeyBound.target(for: key, in: pmfs, maxKeys: maxKeys)
            if let overflow = pmfs[target] { return (overflow, true) }
            let pmf = PmfStat(window: window, precision: precision, clock: clock, health: health)
            pmfs[target] = pmf
            return (pmf, target != key)
        }
        if overflowed { health.overflowedKey() }
        return pmf
    }

    /// The keys in use.
    public var keys: [String] {
        pmfs.withLock { Array($0.keys) }
    }

    /// Every key's figures now.
    public var figures: [String: PmfSnapshot] {
        let cells = pmfs.withLock { $0 }
        return cells.mapValues(\.figures)
    }

    /// Computing percentiles is not for under the registry's lock.
    package var readsOutsideTreeLock: Bool { true }

    package func read(_ health: HealthCounters) -> StatValue { .pmfDict(figures) }

    /// The window, for displays (``StatCell/recentWindow``).
    package var recentWindow: Duration? { window }
}
