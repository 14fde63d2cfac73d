/// Binding labelled series: stats that are one series of a family named by their collection
/// (see ``SnapshotStat/labels``). Bridges such as `ScalesMetrics` bind through these.
extension StatCollection {
    /// Binds a monotonic int series with `labels`.
    package func labelledCounter(_ name: String, labels: [StatLabel]) -> CounterStat {
        bind(name, doc: nil, labels: labels) { CounterStat(health: $0) }
    }

    /// Binds a double series with `labels`.
    package func labelledDouble(_ name: String, labels: [StatLabel]) -> DoubleStat {
        bind(name, doc: nil, labels: labels) { DoubleStat(0, health: $0) }
    }

    /// Binds a pmf series with `labels` (default window).
    package func labelledPmf(_ name: String, labels: [StatLabel]) -> PmfStat {
        let clock = registry.clock
        return bind(name, doc: nil, labels: labels) { PmfStat(window: nil, clock: clock, health: $0) }
    }
}
