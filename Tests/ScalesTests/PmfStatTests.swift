import Foundation
import Scales
import ScalesTestKit
import Testing

@Suite struct PmfStatTests {
    struct Failure: Error {}

    @Test func timesSyncBodiesReturnsTheirValueAndRecordsSeconds() throws {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        let result = latency.time { () -> Int in
            clock.advance(by: .milliseconds(250))
            return 42
        }
        #expect(result == 42)
        let figures = try #require(registry.pmfFigures(at: "/web/latency"))
        #expect(figures.count == 1)
        #expect(figures.median == 0.25)
        #expect(figures.sum == 0.25)
    }

    @Test func aThrowingBodyIsTimedAndRethrown() throws {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        #expect(throws: Failure.self) {
            try latency.time {
                clock.advance(by: .seconds(2))
                throw Failure()
            }
        }
        #expect(latency.figures.count == 1)
        #expect(latency.figures.max == 2)
    }

    @Test func timesAsyncBodies() async throws {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        let value = try await latency.time { () async throws -> String in
            await Task.yield()
            clock.advance(by: .milliseconds(40))
            return "page"
        }
        #expect(value == "page")
        #expect(latency.figures.count == 1)
        #expect(abs(try #require(latency.figures.median) - 0.04) < 1e-12)
        await #expect(throws: Failure.self) {
            try await latency.time { () async throws in throw Failure() }
        }
        #expect(latency.figures.count == 2)
    }

    @Test func aTimingHandleStopsOrDiscards() {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        let kept = latency.startTiming()
        let dropped = latency.startTiming()
        clock.advance(by: .milliseconds(500))
        #expect(kept.elapsed == 0.5)
        kept.stop()
        dropped.discard()
        #expect(latency.figures.count == 1)
        #expect(latency.figures.min == 0.5)
    }

    @Test func nonFiniteValuesAreDroppedAndCounted() {
        let (registry, _) = Registry.forTesting()
        let sizes = registry.collection(at: "/web").pmf("sizes")
        sizes.record(.nan)
        sizes.record(.infinity)
        sizes.record(-.infinity)
        sizes.record(3)
        #expect(sizes.figures.count == 1)
        #expect(sizes.figures.max == 3)
        #expect(registry.health.droppedValues == 3)
    }

    @Test func negativeZeroAndPositiveValuesKeepTheirOrder() throws {
        let (registry, _) = Registry.forTesting()
        let skew = registry.collection(at: "/clock").pmf("skew")
        for value in [-5.0, -0.5, 0, 0, 0, 0.5, 5] { skew.record(value) }
        let figures = skew.figures
        #expect(figures.min == -5)
        #expect(figures.max == 5)
        #expect(figures.median == 0)
        #expect(figures.mean == 0)
        // Nearest rank: the 6th of 7 values is 0.5, the 7th is 5, each within the grid's bound
        // (every value has its exact bucket, whatever its sign).
        #expect(abs(try #require(figures.p75) - 0.5) <= 0.5 * 0.0055)
        #expect(abs(try #require(figures.p999) - 5) <= 5 * 0.0055)
        #expect(abs(try #require(skew.percentiles([0.01])?.first) + 5) <= 5 * 0.0055)
    }

    /// USERS.md §1: after a change in behaviour the figures follow within the window; the old
    /// values do not dominate.
    @Test func theMedianFollowsAChangeWithinTheWindow() throws {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        var generator = SplitMix64(seed: 1)
        // 10 minutes of ~1 ms, then 2 minutes of ~100 ms, ten values a second.
        for _ in 0..<6_000 {
            latency.record(0.001 * (0.9 + 0.2 * generator.unit()))
            clock.advance(by: .milliseconds(100))
        }
        #expect(abs(try #require(latency.figures.median) - 0.001) < 0.00011)
        for _ in 0..<1_200 {
            latency.record(0.1 * (0.9 + 0.2 * generator.unit()))
            clock.advance(by: .milliseconds(100))
        }
        let figures = latency.figures
        let median = try #require(figures.median)
        #expect(median > 0.09 && median < 0.11, "median \(median)")
        #expect(try #require(figures.p75) > 0.09)
        // The window still holds some of the old values (it covers 4 to 5 minutes)...
        #expect(try #require(figures.min) < 0.0011)
        #expect(figures.windowCount > 1_200 && figures.windowCount <= 3_000)
        // ...and the all-time figures hold everything.
        #expect(figures.count == 7_200)
    }

    /// USERS.md §1: once traffic stops for longer than the window, the window is empty: no
    /// stale percentiles and no fake zeros, while the all-time count and sum remain.
    @Test func anIdleWindowIsEmptyNotStale() throws {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        for _ in 0..<100 { latency.record(0.2) }
        clock.advance(by: .seconds(240))
        #expect(latency.figures.windowCount == 100, "values stay at least 4/5 of the window")
        clock.advance(by: .seconds(61))
        let figures = latency.figures
        #expect(figures.count == 100)
        #expect(abs(figures.sum - 20) < 1e-9)
        #expect(figures.windowCount == 0)
        #expect(figures.fields.allSatisfy { $0.value == nil })
        // Reading never resets: a second read is the same, and JSON shows nulls.
        #expect(latency.figures == figures)
        let json = try parsedJSON(registry, at: "/web")
        let pmf = try #require(json["latency"] as? [String: Any])
        #expect(pmf["count"] as? Int == 100)
        #expect(pmf["windowCount"] as? Int == 0)
        #expect(
            pmf["median"] is NSNull && pmf["min"] is NSNull && pmf["mean"] is NSNull && pmf["999percentile"] is NSNull)
        // New values start a fresh window.
        latency.record(0.3)
        #expect(latency.figures.windowCount == 1)
        #expect(latency.figures.median == 0.3)
        #expect(latency.figures.count == 101)
    }

    @Test func theWindowIsConfigurable() {
        let (registry, clock) = Registry.forTesting()
        let web = registry.collection(at: "/web")
        let short = web.pmf("short", window: .seconds(10))
        let long = web.pmf("long")
        #expect(short.window == .seconds(10))
        #expect(long.window == PmfStat.defaultWindow)
        short.record(1)
        long.record(1)
        clock.advance(by: .seconds(11))
        #expect(short.figures.windowCount == 0)
        #expect(long.figures.windowCount == 1)
        #expect(web.pmf("tiny", window: .zero).window == .milliseconds(5), "at least 5 slices of 1 ms")
        // Binding again gives the same cell, with its window.
        #expect(web.pmf("short", window: .seconds(99)) === short)
    }

    @Test func recentSlicesWeighMore() throws {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        // Equal numbers of values three minutes apart: the newer ones decide the median.
        for _ in 0..<100 { latency.record(1) }
        clock.advance(by: .seconds(180))
        for _ in 0..<100 { latency.record(2) }
        let figures = latency.figures
        #expect(figures.windowCount == 200)
        #expect(abs(try #require(figures.median) - 2) < 0.02)
        // The mean is weighted the same way: closer to 2 than the plain mean 1.5.
        #expect(try #require(figures.mean) > 1.8)
        #expect(figures.min == 1)
    }

    /// Every value has its exact bucket, so an outlier that happens to come first in a new
    /// slice does not cost the others their precision (see PmfGridTests for the exact bound).
    @Test func anOutlierFirstInASliceKeepsThePrecision() throws {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        var generator = SplitMix64(seed: 3)
        var values: [Double] = []
        func typical() -> Double { 0.001 * (0.5 + generator.unit()) }
        for _ in 0..<1_000 {
            values.append(typical())
            latency.record(values[values.count - 1])
        }
        clock.advance(by: .seconds(60))
        latency.record(1e-9)  // first in the new slice, 20 powers of two below the rest
        values.append(1e-9)
        clock.advance(by: .seconds(30))  // the new slice now outweighs the old one only a little
        for _ in 0..<1_000 {
            values.append(typical())
            latency.record(values[values.count - 1])
        }
        // Both slices hold the same distribution, so weighting does not move the percentiles
        // by more than the sampling noise; the bucket error must stay below 0.55%.
        let sorted = values.sorted()
        let estimates = try #require(latency.percentiles([0.25, 0.5, 0.9]))
        for (q, estimate) in zip([0.25, 0.5, 0.9], estimates) {
            let exact = nearestRank(q, of: sorted)
            #expect(abs(estimate - exact) / exact < 0.03, "p\(q * 100): \(estimate) vs \(exact)")
        }
        #expect(latency.figures.min == 1e-9)
    }

    @Test func warnsAboveTheNinetyNinthPercentile() {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        for _ in 0..<1_000 { latency.record(0.01) }
        let warnings = Lock<[Double]>([])
        latency.warnAboveP99 { seconds, p99 in
            warnings.withLock { $0.append(seconds) }
            #expect(p99 < seconds)
        }
        latency.time { clock.advance(by: .milliseconds(5)) }
        latency.time { clock.advance(by: .milliseconds(800)) }
        #expect(warnings.withLock { $0 } == [0.8])
        latency.warnAboveP99(nil)
        latency.time { clock.advance(by: .seconds(3)) }
        #expect(warnings.withLock { $0 }.count == 1)
    }

    @Test func bindingIsIdempotentAndDictsKeepAPmfPerKey() {
        let (registry, _) = Registry.forTesting()
        let web = registry.collection(at: "/web")
        #expect(web.pmf("latency") === web.pmf("latency"))
        let byPath = web.pmfDict("byPath", maxKeys: 2)
        byPath["/"].record(1)
        byPath["/a"].record(2)
        byPath["/b"].record(3)
        byPath["/c"].record(4)
        byPath["/"].record(5)
        #expect(Set(byPath.keys) == ["/", "/a", IntDictStat.overflowKey])
        #expect(registry.health.overflowedKeys == 2)
        guard case .pmfDict(let figures) = registry.value(at: "/web/byPath") else {
            Issue.record("not a pmfDict")
            return
        }
        #expect(figures["/"]?.count == 2)
        #expect(figures[IntDictStat.overflowKey]?.count == 2)
        #expect(figures[IntDictStat.overflowKey]?.max == 4)
    }

    /// The issue's memory bound: a pmf whose values span 10 powers of two, with everything it
    /// allocates, fits in 32 KiB at the default precision. Measured with the allocator's own
    /// figure for each block (`malloc_usable_size`), so alignment and rounding are included.
    @Test func aPmfOfTenOctavesFitsIn32KiB() throws {
        guard let usableSize = mallocUsableSize else {
            Issue.record("malloc_usable_size not found")
            return
        }
        func bytes(_ pmf: PmfStat) -> (total: Int, pages: Int) {
            let objects = pmf.heapObjects.map { usableSize(Unmanaged.passUnretained($0).toOpaque()) }
            let mutexBlocks = 2 * (MemoryLayout<pthread_mutex_t>.size + 8 + 15) / 16 * 16
            let pages = pmf.heapPages.map { usableSize($0) }
            return (objects.reduce(0, +) + mutexBlocks + pages.reduce(0, +), pages.count)
        }
        let clock = ManualClock()
        let pmf = PmfStat(clock: clock)
        let empty = bytes(pmf)
        print("pmf memory, empty: \(empty.total) bytes; histogram layout \(PmfStat.histogramLayoutSize)")
        #expect(empty.pages == 0 && empty.total <= 4 * 1024, "creating a pmf is cheap: \(empty.total) bytes")
        // 1 ms to 1.024 s: 10 powers of two, in every slice of the window.
        for _ in 0..<5 {
            for i in 1...1_000_000 where i % 97 == 0 { pmf.record(Double(i) * 1.024e-6 + 0.001) }
            clock.advance(by: .seconds(60))
        }
        let ten = bytes(pmf)
        print("pmf memory, 10 octaves: \(ten.total) bytes in \(ten.pages) pages")
        #expect(ten.pages <= 11)
        #expect(ten.total <= 32 * 1024, "\(ten.total) bytes")
        // Values seen before allocate nothing more.
        for i in 1...1_000 { pmf.record(Double(i) * 0.001) }
        #expect(bytes(pmf).pages == ten.pages)
    }
}

/// glibc's `malloc_usable_size`, looked up at run time (its header is not in the Glibc module).
let mallocUsableSize: (@convention(c) (UnsafeMutableRawPointer?) -> Int)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutableRawPointer?) -> Int).self)
}()
