/// Binding labelled series: stats that are one series of a family named by their collection
/// (see ``SnapshotStat/labels``). Bridges such as `ScalesMetrics` bind through these.
extension StatCollection {
    /// Binds a monotonic int series with `labels`.
    package func labelledCounter(_ name: String, labels: [StatLabel]) -> CounterStat {
        bind(name, doc: nil, labels: labels) { CounterStat(health: $0) }
    }

    /// Binds a floating-point counter series with `labels`.
    package func labelledDoubleCounter(_ name: String, labels: [StatLabel]) -> DoubleCounterStat {
        bind(name, doc: nil, labels: labels) { DoubleCounterStat(health: $0) }
    }

    /// Keeps this collection's name out of the exported names below it (a bridge's root, such
    /// as `/metrics`, whose metrics keep their own names on `/metrics`).
    package func leaveOutOfExportedNames() {
        if detached { return }
        registry.state.withLock { state in
            state.node(at: names, id: nodeID)?.addsToExportedNames = false
        }
    }

    /// Binds a double series with `labels`.
    package func labelledDouble(_ name: String, labels: [StatLabel]) -> DoubleStat {
        bind(name, doc: nil, labels: labels) { DoubleStat(0, health: $0) }
    }

    /// Binds a pmf series with `labels` (default window).
    package func labelledPmf(_ name: String, labels: [StatLabel]) -> PmfStat {
        let clock = registry.clock
        return bind(name, doc: nil, labels: labels) { PmfStat(window: nil, precision: nil, clock: clock, health: $0) }
    }
}
