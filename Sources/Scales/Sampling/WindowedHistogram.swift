import Synchronization

/// Placeholder estimator (API-first commit): exact values per time slice under a lock.
/// Replaced by the bounded log-bucket histogram.
final class WindowedHistogram: Sendable {
    struct State {
        var slices: [(epoch: UInt64, values: [Double])] = []
        var count = 0
        var sum = 0.0
    }
    let state = Mutex(State())
    let sliceNanoseconds: UInt64
    static let sliceCount: UInt64 = 5

    init(window: Duration) {
        sliceNanoseconds = max(1, window.clampedNanoseconds / Self.sliceCount)
    }

    func record(_ value: Double, at now: UInt64) {
        let epoch = now / sliceNanoseconds
        state.withLock { state in
            state.count += 1
            state.sum += value
            if let last = state.slices.last, last.epoch == epoch {
                state.slices[state.slices.count - 1].values.append(value)
            } else {
                state.slices.append((epoch, [value]))
            }
            state.slices.removeAll { $0.epoch + Self.sliceCount <= epoch }
        }
    }

    func snapshot(at now: UInt64) -> PmfSnapshot {
        let epoch = now / sliceNanoseconds
        let (count, sum, values) = state.withLock { state in
            (state.count, state.sum, state.slices.filter { $0.epoch + Self.sliceCount > epoch }.flatMap(\.values))
        }
        var result = PmfSnapshot(count: count, sum: sum, windowCount: values.count)
        guard !values.isEmpty else { return result }
        let sorted = values.sorted()
        func q(_ p: Double) -> Double { sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
        let mean = sorted.reduce(0, +) / Double(sorted.count)
        result.min = sorted.first
        result.max = sorted.last
        result.mean = mean
        result.stddev = (sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sorted.count)).squareRoot()
        result.median = q(0.5)
        result.p75 = q(0.75)
        result.p95 = q(0.95)
        result.p98 = q(0.98)
        result.p99 = q(0.99)
        result.p999 = q(0.999)
        return result
    }
}
