import CoreMetrics
import Dispatch
import Metrics
import Scales
import Testing

@testable import ScalesMetrics

/// swift-metrics' expectations of a backend, checked through the public API with the factory
/// passed explicitly (no process-wide bootstrap).
@Suite struct ScalesMetricsFactoryTests {
    let registry: Registry
    let factory: ScalesMetricsFactory

    init() {
        registry = Registry()
        factory = ScalesMetricsFactory(registry: registry)
    }

    func value(_ path: StatPath) -> StatValue? {
        guard case .stat(let stat) = registry.snapshot(at: path)?.root else { return nil }
        return stat.value
    }

    func stat(_ path: StatPath) -> SnapshotStat? {
        guard case .stat(let stat) = registry.snapshot(at: path)?.root else { return nil }
        return stat
    }

    @Test func countersAreMonotonicIntsAndReset() {
        let counter = Counter(label: "requests", factory: factory)
        counter.increment()
        counter.increment(by: 4)
        #expect(value("/metrics/requests/value") == .counter(5))
        counter.reset()
        #expect(value("/metrics/requests/value") == .counter(0))
    }

    @Test func dimensionsBecomeOneSortedSeriesPerSet() {
        let get = Counter(label: "http_requests", dimensions: [("status", "200"), ("method", "GET")], factory: factory)
        let post = Counter(label: "http_requests", dimensions: [("method", "POST")], factory: factory)
        get.increment()
        post.increment(by: 2)
        let series = stat("/metrics/http_requests/method=GET,status=200")
        #expect(series?.value == .counter(1))
        #expect(series?.labels == [StatLabel(name: "method", value: "GET"), StatLabel(name: "status", value: "200")])
        #expect(stat("/metrics/http_requests/method=POST")?.labels == [StatLabel(name: "method", value: "POST")])
        // Same label and dimensions (in any order) → the same cells.
        Counter(label: "http_requests", dimensions: [("method", "GET"), ("status", "200")], factory: factory)
            .increment()
        #expect(value("/metrics/http_requests/method=GET,status=200") == .counter(2))
    }

    @Test func floatingPointCountersIgnoreNegativeAndNonFinite() {
        let counter = FloatingPointCounter(label: "bytes", factory: factory)
        counter.increment(by: 1.5)
        counter.increment(by: -3)
        counter.increment(by: Double.nan)
        #expect(value("/metrics/bytes/value") == .doubleCounter(1.5))
        counter.reset()
        #expect(value("/metrics/bytes/value") == .doubleCounter(0))
    }

    /// On `/metrics`, swift-metrics names are the libraries' own (no `metrics_` in front), and a
    /// floating-point counter is a counter; a name an app stat already has gets `_2`, counted.
    @Test func prometheusNamesAreTheLibrariesOwn() throws {
        Counter(label: "http_requests_total", dimensions: [("method", "GET")], factory: factory).increment(by: 3)
        FloatingPointCounter(label: "cpu_seconds", factory: factory).increment(by: 0.5)
        Gauge(label: "web_queue", factory: factory).record(4)
        registry.collection(at: "/web").int("queue") += 7  // also `web_queue`: later in path order than /metrics
        let text = try #require(registry.renderPrometheus())
        #expect(text.contains("# TYPE http_requests_total counter\nhttp_requests_total{method=\"GET\"} 3\n"))
        #expect(text.contains("# TYPE cpu_seconds_total counter\ncpu_seconds_total 0.5\n"))
        #expect(text.contains("\nweb_queue 4.0\n"))
        #expect(text.contains("\nweb_queue_2 7\n"))
        #expect(registry.health.nameCollisions == 1)
        #expect(!text.contains("metrics_"))
    }

    @Test func metersSetIncrementAndDecrement() {
        let meter = Meter(label: "queue_depth", factory: factory)
        meter.set(10)
        meter.increment(by: 2.5)
        meter.decrement(by: 0.5)
        #expect(value("/metrics/queue_depth/value") == .double(12))
    }

    @Test func nonAggregatingRecordersKeepTheLastValue() {
        let recorder = Recorder(label: "temperature", aggregate: false, factory: factory)
        recorder.record(20)
        recorder.record(21.5)
        #expect(value("/metrics/temperature/value") == .double(21.5))
    }

    @Test func aggregatingRecordersArePmfs() throws {
        let recorder = Recorder(label: "payload", factory: factory)
        for v in 1...100 { recorder.record(v) }
        guard case .pmf(let pmf) = value("/metrics/payload/value") else {
            Issue.record("not a pmf: \(String(describing: value("/metrics/payload/value")))")
            return
        }
        #expect(pmf.count == 100)
        #expect(pmf.sum == 5050)
        #expect(pmf.min == 1)
        #expect(pmf.max == 100)
        let median = try #require(pmf.median)
        #expect(abs(median - 50.5) <= 1)
    }

    @Test func timersRecordSecondsOrThePreferredUnit() throws {
        let timer = Timer(label: "latency", factory: factory)
        timer.recordMilliseconds(250)
        guard case .pmf(let seconds) = value("/metrics/latency/value") else {
            Issue.record("not a pmf")
            return
        }
        #expect(try abs(#require(seconds.max) - 0.25) < 0.25 * 0.01)

        let millis = Timer(label: "db_latency", preferredDisplayUnit: .milliseconds, factory: factory)
        millis.recordNanoseconds(3_000_000)
        guard case .pmf(let ms) = value("/metrics/db_latency/value") else {
            Issue.record("not a pmf")
            return
        }
        #expect(try abs(#require(ms.max) - 3) < 3 * 0.01)
    }

    @Test func destroyRemovesTheSeriesAndRecreatingWorks() {
        let counter = Counter(label: "jobs", dimensions: [("queue", "a")], factory: factory)
        counter.increment()
        counter.destroy()
        #expect(registry.snapshot(at: "/metrics/jobs/queue=a") == nil)
        #expect(registry.snapshot(at: "/metrics/jobs") == nil)
        let again = Counter(label: "jobs", dimensions: [("queue", "a")], factory: factory)
        again.increment(by: 3)
        #expect(value("/metrics/jobs/queue=a") == .counter(3))
    }

    @Test func aLabelKeepsItsFirstKind() {
        Counter(label: "mixed", factory: factory).increment()
        let meter = factory.makeMeter(label: "mixed", dimensions: [("a", "b")])
        meter.set(5.0)  // works, but outside the tree
        meter.increment(by: 2)
        #expect((meter as? MeterSeries)?.series.cell.value == 7, "the handler works")
        #expect(registry.health.bindConflicts == 1)
        #expect(registry.snapshot(at: "/metrics/mixed/a=b") == nil)
        #expect(value("/metrics/mixed/value") == .counter(1))
    }

    @Test func cardinalityIsBoundedAndOverflowIsCounted() {
        let factory = ScalesMetricsFactory(registry: registry, root: "/m", maxDimensionSets: 2)
        for user in ["a", "b", "c", "d"] {
            Counter(label: "logins", dimensions: [("user", user)], factory: factory).increment()
        }
        #expect(value("/m/logins/user=a") == .counter(1))
        #expect(value("/m/logins/user=b") == .counter(1))
        #expect(value(StatPath("/m/logins/\(overflowSeries)")) == .counter(2))
        #expect(stat(StatPath("/m/logins/\(overflowSeries)"))?.labels == [StatLabel(name: "overflow", value: "true")])
        #expect(registry.snapshot(at: "/m/logins/user=c") == nil)
        #expect(registry.health.overflowedKeys == 2)
    }

    @Test func twoThreadsIncrementingThroughTheAPILoseNothing() {
        let counter = Counter(label: "hits", factory: factory)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<1_000_000 { counter.increment() }
        }
        #expect(value("/metrics/hits/value") == .counter(2_000_000))
    }

    @Test func handlersCanBeMadeFromManyThreadsAtOnce() {
        let factory = self.factory
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for i in 0..<2_000 {
                Counter(label: "made", dimensions: [("n", String(i % 10))], factory: factory).increment()
                if worker == 0, i % 50 == 0 { _ = registry.snapshot() }
            }
        }
        let total = (0..<10).compactMap { n -> Int? in
            if case .counter(let v) = value(StatPath(names: ["metrics", "made", "n=\(n)"])) { return v }
            return nil
        }.reduce(0, +)
        #expect(total == 4_000)
    }
}
