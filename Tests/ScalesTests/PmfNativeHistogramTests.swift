import Dispatch
import Scales
import ScalesTestKit
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pmf's exact grid: Prometheus native-histogram buckets, the all-time counts in
/// `PmfSnapshot.buckets`, and the precision.
@Suite struct PmfNativeHistogramTests {
    /// The bounds of schema `s` within an octave as the Go client holds them, `2^(j/2^s - 1)`
    /// for `j < 2^s`, correctly rounded (computed in extended precision where there is one).
    static func goBounds(schema: Int) -> [Double] {
        let n = 1 << schema
        return (0..<n).map { j in
            #if arch(x86_64) && !os(Windows)
            return Double(exp2l(Float80(j) / Float80(n) - 1))
            #else
            return exp2(Double(j) / Double(n) - 1)
            #endif
        }
    }

    /// The Go client's `findBucket` for a positive value: `math.Frexp` and a search of the bounds.
    static func goIndex(_ value: Double, schema: Int, bounds: [Double]) -> Int {
        let (fraction, exponent) = frexp(value)
        if schema == 0 { return fraction == 0.5 ? exponent - 1 : exponent }
        let j = bounds.firstIndex { $0 >= fraction } ?? bounds.count
        return j + (exponent - 1) * bounds.count
    }

    @Test(arguments: 0...8)
    func bucketIndicesAreThoseOfThePrometheusGoClient(schema: Int) {
        let bounds = Self.goBounds(schema: schema)
        let n = 1 << schema
        var mismatches: [String] = []
        func check(_ value: Double) {
            let ours = PmfStat.bucketIndex(of: value, precision: schema)
            let theirs = Self.goIndex(value, schema: schema, bounds: bounds)
            if ours != theirs, mismatches.count < 5 { mismatches.append("\(value): \(ours) vs \(theirs)") }
        }
        // Every bucket edge of a few octaves at both ends and the middle of the grid, exactly
        // and one ulp either side (the upper edge is inclusive).
        for octave in [-64, -63, -31, -1, 0, 1, 20, 62, 63] {
            for j in 0..<n {
                let edge = 2 * bounds[j] * exp2(Double(octave))
                for value in [edge.nextDown, edge, edge.nextUp] where value > 0x1p-64 && value <= 0x1p64 {
                    check(value)
                }
            }
        }
        var generator = SplitMix64(seed: UInt64(schema))
        for _ in 0..<200_000 { check(exp2(-63.9 + 127.8 * generator.unit())) }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func precisionIsClampedAndSetsTheBound() throws {
        let (registry, _) = Registry.forTesting()
        let web = registry.collection(at: "/web")
        #expect(web.pmf("default").precision == 6)
        #expect(web.pmf("fine", precision: 8).precision == 8)
        #expect(web.pmf("tooFine", precision: 12).precision == 8)
        #expect(web.pmf("negative", precision: -3).precision == 0)
        #expect(web.pmf("fine", precision: 2).precision == 8, "binding again keeps the cell")
        #expect(web.pmfDict("byPath", precision: 4)["/"].precision == 4)
        #expect(abs(PmfStat.bound(precision: 6) - 0.00543) < 1e-5)
        for precision in [0, 3, 8] {
            let pmf = web.pmf("p\(precision)", precision: precision)
            var generator = SplitMix64(seed: 99)
            let values = (0..<20_000).map { _ in 0.01 * exp(generator.normal()) }
            for value in values { pmf.record(value) }
            let sorted = values.sorted()
            let qs = [0.01, 0.25, 0.5, 0.9, 0.99]
            let estimates = try #require(pmf.percentiles(qs))
            let bound = PmfStat.bound(precision: precision)
            var worst = 0.0
            for (q, estimate) in zip(qs, estimates) {
                let exact = nearestRank(q, of: sorted)
                worst = max(worst, abs(estimate - exact) / exact)
            }
            #expect(worst <= bound * (1 + 1e-9), "precision \(precision): \(worst) > \(bound)")
            #expect(pmf.figures.buckets?.schema == precision)
        }
    }

    /// The all-time counts: slices folded when cleared plus the live ones, per bucket, sorted by
    /// index, zero counts omitted; `count` and `sum` those of the pmf.
    @Test func bucketsHoldAllTimeCountsOnTheGrid() throws {
        let (registry, clock) = Registry.forTesting()
        let pmf = registry.collection(at: "/web").pmf("values")
        var generator = SplitMix64(seed: 5)
        var values: [Double] = []
        for slice in 0..<12 {
            for _ in 0..<2_000 {
                let magnitude = exp2(-30 + 46 * generator.unit())
                let value = generator.unit() < 0.2 ? -magnitude : magnitude
                values.append(slice % 4 == 0 && values.count % 50 == 0 ? 0 : value)
                pmf.record(values[values.count - 1])
            }
            pmf.record(1e-25)  // below the zero threshold
            values.append(1e-25)
            clock.advance(by: .seconds(slice == 7 ? 400 : 60))
        }
        let figures = pmf.figures
        let buckets = try #require(figures.buckets)
        #expect(buckets.schema == 6)
        #expect(buckets.zeroThreshold == 0x1p-64)
        #expect(buckets.count == values.count && figures.count == values.count)
        #expect(buckets.sum == figures.sum)
        #expect(abs(buckets.sum - values.reduce(0, +)) <= 1e-9 * values.reduce(0) { $0 + abs($1) })
        var positive: [Int: Int] = [:]
        var negative: [Int: Int] = [:]
        var zeros = 0
        for value in values {
            if abs(value) <= 0x1p-64 {
                zeros += 1
            } else if value > 0 {
                positive[PmfStat.bucketIndex(of: value, precision: 6), default: 0] += 1
            } else {
                negative[PmfStat.bucketIndex(of: -value, precision: 6), default: 0] += 1
            }
        }
        #expect(buckets.zeroCount == zeros)
        #expect(
            buckets.positive == positive.sorted { $0.key < $1.key }.map { NativeBucket(index: $0.key, count: $0.value) }
        )
        #expect(
            buckets.negative == negative.sorted { $0.key < $1.key }.map { NativeBucket(index: $0.key, count: $0.value) }
        )
        #expect(buckets.positive.allSatisfy { $0.count > 0 } && buckets.negative.allSatisfy { $0.count > 0 })
        // The window is recent; the buckets are all-time.
        #expect(figures.windowCount < figures.count)
        clock.advance(by: .seconds(600))
        let idle = pmf.figures
        #expect(idle.windowCount == 0 && idle.median == nil)
        #expect(idle.buckets == buckets, "reading or idling changes no all-time count")
        // Two reads agree, buckets included (PmfSnapshot's == compares them too).
        #expect(pmf.figures == idle)
        let empty = PmfStat(clock: clock).figures
        #expect(
            empty.buckets
                == NativeHistogram(
                    schema: 6, zeroThreshold: 0x1p-64, zeroCount: 0, count: 0, sum: 0, positive: [], negative: []))
    }

    @Test func valuesBeyondTheGridAreDroppedAndCounted() {
        let (registry, _) = Registry.forTesting()
        let pmf = registry.collection(at: "/web").pmf("sizes")
        pmf.record(0x1p64)
        pmf.record(-0x1p64)
        pmf.record(0x1p64.nextUp)
        pmf.record(-1e300)
        #expect(pmf.figures.count == 2)
        #expect(registry.health.droppedValues == 2)
        #expect(pmf.figures.buckets?.positive == [NativeBucket(index: 64 << 6, count: 1)])
    }

    /// Two threads recording over many octaves at once (racing to allocate the same pages)
    /// while slices rotate: no count lost, in the total or per bucket.
    @Test func racingPageAllocationsLoseNoCount() throws {
        let (registry, clock) = Registry.forTesting()
        let pmf = registry.collection(at: "/web").pmf("latency", window: .seconds(5))
        let perThread = 100_000
        DispatchQueue.concurrentPerform(iterations: 3) { thread in
            guard thread < 2 else {
                for _ in 0..<50 { _ = registry.snapshot() }
                return
            }
            for index in 0..<perThread {
                let value = exp2(Double(index % 100) - 50) * (thread == 0 ? 1 : -1)
                pmf.record(value)
                if index % 10_000 == 0 { clock.advance(by: .milliseconds(700)) }
            }
        }
        let figures = pmf.figures
        let buckets = try #require(figures.buckets)
        #expect(figures.count == 2 * perThread)
        #expect(buckets.positive.reduce(0) { $0 + $1.count } == perThread)
        #expect(buckets.negative.reduce(0) { $0 + $1.count } == perThread)
        #expect(buckets.positive.count == 100 && buckets.positive.allSatisfy { $0.count == perThread / 100 })
        #expect(pmf.heapPages.count == 200)
    }
}
