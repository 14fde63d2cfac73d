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
        // The reported fields use the same estimator.
        #expect(abs(try #require(figures.median) - nearestRank(0.5, of: sorted)) <= nearestRank(0.5, of: sorted) * 0.01)
        #expect(abs(try #require(figures.p999) - nearestRank(0.999, of: sorted)) <= nearestRank(0.999, of: sorted) * 0.01)
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
