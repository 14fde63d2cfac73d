/// A stat whose value is read at snapshot time from a closure the library owns (the process
/// stats): any ``StatValue`` case, so a figure that only grows (CPU seconds) reports
/// ``StatValue/doubleCounter(_:)`` and is exported as a counter, which ``GaugeStat`` cannot do.
///
/// The closure runs outside every registry lock. When it gives `nil` (the figure could not be
/// read) the value is ``StatValue/absent`` and the failure is counted in
/// ``RegistryHealth/gaugeFailures`` (`readFailures` in the tree), never shown as 0.
package final class SampledStat: StatCell {
    let sample: @Sendable () -> StatValue?

    /// Creates a stat whose value `sample` gives at each read.
    package init(_ sample: @escaping @Sendable () -> StatValue?) {
        self.sample = sample
    }

    /// It may read files: never under the registry's lock.
    package var readsOutsideTreeLock: Bool { true }

    package func read(_ health: HealthCounters) -> StatValue {
        if let value = sample() { return value }
        health.gaugeFailed()
        return .absent
    }
}
