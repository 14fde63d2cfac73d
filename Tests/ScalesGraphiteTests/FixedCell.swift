import Scales

/// A cell that always reads as the same value: lets tests put `pmf`, `meter` and other
/// snapshot kinds into a real registry before their own cells exist.
final class FixedCell: StatCell {
    let value: StatValue

    init(_ value: StatValue) {
        self.value = value
    }

    func read(_ health: HealthCounters) -> StatValue { value }
}

extension StatCollection {
    /// Binds a cell reading `value` at `name`.
    @discardableResult
    func fixed(_ name: String, _ value: StatValue) -> FixedCell {
        bind(name, doc: nil) { _ in FixedCell(value) }
    }
}

/// A pmf with every window figure set, as the example server's latency would have.
let examplePmf = PmfSnapshot(
    count: 12, sum: 1.5, windowCount: 10, min: 0.01, max: 0.5, mean: 0.125, stddev: 0.0625, median: 0.1,
    p75: 0.2, p95: 0.375, p98: 0.4, p99: 0.45, p999: 0.5)

/// A meter with distinct rates.
let exampleMeter = MeterSnapshot(count: 7, m1: 0.25, m5: 0.125, m15: 0.0625, meanRate: 0.5)
