import Scales
import ScalesTestKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct PmfAccuracyTests {
    /// What one distribution's run gives: the estimates and the exact values they are held to.
    struct Outcome: Sendable {
        var count: Int
        var figures: PmfSnapshot
        /// `pmf.percentiles` of ``quantiles``.
        var estimates: [Double]?
        /// Nearest-rank values of the sorted data, by quantile.
        var exact: [Double: Double]
        var minimum: Double?
        var maximum: Double?
        var mean: Double
        var deviation: Double
    }

    static let quantiles = [0.5, 0.9, 0.99, 0.999]

    /// Records a million values and works out the exact figures, on a thread of its own: seconds
    /// of CPU that would otherwise hold a thread of the shared pool, where the suites that time
    /// things run.
    static func run(_ distribution: SampleDistribution) async -> Outcome {
        await onThread {
            let (registry, _) = Registry.forTesting()
            let pmf = registry.collection(at: "/accuracy").pmf(distribution.rawValue)
            let values = distribution.samples()
            for value in values { pmf.record(value) }
            let sorted = values.sorted()
            var exact: [Double: Double] = [:]
            for q in quantiles + [0.75, 0.95, 0.98] { exact[q] = nearestRank(q, of: sorted) }
            let mean = values.reduce(0, +) / Double(values.count)
            let deviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            return Outcome(
                count: values.count, figures: pmf.figures, estimates: pmf.percentiles(quantiles), exact: exact,
                minimum: sorted.first, maximum: sorted.last, mean: mean, deviation: deviation)
        }
    }

    /// The promise of the docs: p50, p90, p99 and p99.9 of a million values within 0.55% of the
    /// exact sorted percentiles (the grid's bound).
    @Test(arguments: SampleDistribution.allCases)
    func percentilesOfAMillionValuesAreWithinOnePercent(_ distribution: SampleDistribution) async throws {
        let outcome = await Self.run(distribution)
        let estimates = try #require(outcome.estimates)
        for (q, estimate) in zip(Self.quantiles, estimates) {
            let exact = try #require(outcome.exact[q])
            let error = abs(estimate - exact) / exact
            print("accuracy \(distribution) p\(q * 100): estimate \(estimate), exact \(exact), error \(error * 100)%")
            #expect(error <= 0.0055, "\(distribution) p\(q * 100): \(estimate) vs exact \(exact), error \(error)")
        }
        let figures = outcome.figures
        #expect(figures.count == outcome.count)
        #expect(figures.windowCount == outcome.count)
        #expect(figures.min == outcome.minimum)
        #expect(figures.max == outcome.maximum)
        #expect(abs(try #require(figures.mean) - outcome.mean) <= outcome.mean * 1e-9)
        // Every reported field, each in its own place, from the same estimator.
        let reported: [(String, Double?, Double)] = [
            ("median", figures.median, 0.5), ("75percentile", figures.p75, 0.75), ("95percentile", figures.p95, 0.95),
            ("98percentile", figures.p98, 0.98), ("99percentile", figures.p99, 0.99),
            ("999percentile", figures.p999, 0.999),
        ]
        for (name, value, q) in reported {
            let exact = try #require(outcome.exact[q])
            let estimate = try #require(value, "\(name) missing")
            #expect(abs(estimate - exact) <= exact * 0.0055, "\(distribution) \(name): \(estimate) vs exact \(exact)")
        }
        // The standard deviation of the bucketed values: within 1% of the exact one.
        let deviation = try #require(figures.stddev)
        print("accuracy \(distribution) stddev: estimate \(deviation), exact \(outcome.deviation)")
        #expect(
            abs(deviation - outcome.deviation) <= outcome.deviation * 0.01,
            "\(distribution) stddev \(deviation) vs \(outcome.deviation)")
    }

    /// Any value is reported within 0.55% of itself (the default grid's bound, 2^(1/128) - 1),
    /// also when it is neither the window's min nor its max (those are exact).
    @Test func aValueIsReportedWithinTheBucketBound() throws {
        var generator = SplitMix64(seed: 7)
        var worst = 0.0
        for _ in 0..<1_000 {
            let pmf = PmfStat(clock: ManualClock())
            let value = 0.001 * pow(2, generator.unit() * 20)
            for _ in 0..<3 { pmf.record(value) }
            pmf.record(value / 1000)
            pmf.record(value * 1000)
            let median = try #require(pmf.percentiles([0.5])?.first)
            worst = max(worst, abs(median - value) / value)
        }
        #expect(worst <= 0.0055)
        #expect(worst > 0.005, "the probe should reach near the bound, or it proves nothing")
    }
}
