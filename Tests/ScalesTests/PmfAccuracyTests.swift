import Scales
import ScalesTestKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct PmfAccuracyTests {
    /// The promise of the docs: p50, p90, p99 and p99.9 of a million values within 1% of the
    /// exact sorted percentiles (the estimator's bound is 0.78%).
    @Test(arguments: SampleDistribution.allCases)
    func percentilesOfAMillionValuesAreWithinOnePercent(_ distribution: SampleDistribution) throws {
        let (registry, _) = Registry.forTesting()
        let pmf = registry.collection(at: "/accuracy").pmf(distribution.rawValue)
        let values = distribution.samples()
        for value in values { pmf.record(value) }
        let sorted = values.sorted()
        let quantiles = [0.5, 0.9, 0.99, 0.999]
        let estimates = try #require(pmf.percentiles(quantiles))
        for (q, estimate) in zip(quantiles, estimates) {
            let exact = nearestRank(q, of: sorted)
            let error = abs(estimate - exact) / exact
            print("accuracy \(distribution) p\(q * 100): estimate \(estimate), exact \(exact), error \(error * 100)%")
            #expect(error <= 0.01, "\(distribution) p\(q * 100): \(estimate) vs exact \(exact), error \(error)")
        }
        let figures = pmf.figures
        #expect(figures.count == values.count)
        #expect(figures.windowCount == values.count)
        #expect(figures.min == sorted.first)
        #expect(figures.max == sorted.last)
        let exactMean = values.reduce(0, +) / Double(values.count)
        #expect(abs(try #require(figures.mean) - exactMean) <= exactMean * 1e-9)
        // Every reported field, each in its own place, from the same estimator.
        let reported: [(String, Double?, Double)] = [
            ("median", figures.median, 0.5), ("75percentile", figures.p75, 0.75), ("95percentile", figures.p95, 0.95),
            ("98percentile", figures.p98, 0.98), ("99percentile", figures.p99, 0.99), ("999percentile", figures.p999, 0.999),
        ]
        for (name, value, q) in reported {
            let exact = nearestRank(q, of: sorted)
            let estimate = try #require(value, "\(name) missing")
            #expect(abs(estimate - exact) <= exact * 0.01, "\(distribution) \(name): \(estimate) vs exact \(exact)")
        }
        // The standard deviation of the bucketed values: within 1% of the exact one.
        let exactDeviation = (values.reduce(0) { $0 + ($1 - exactMean) * ($1 - exactMean) } / Double(values.count)).squareRoot()
        let deviation = try #require(figures.stddev)
        print("accuracy \(distribution) stddev: estimate \(deviation), exact \(exactDeviation)")
        #expect(abs(deviation - exactDeviation) <= exactDeviation * 0.01, "\(distribution) stddev \(deviation) vs \(exactDeviation)")
    }

    /// Any value in the core is reported within 0.78% of itself (the grid's bound), also when
    /// it is neither the window's min nor its max (those are exact).
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
        #expect(worst <= 0.0078)
        #expect(worst > 0.005, "the probe should reach near the bound, or it proves nothing")
    }
}
