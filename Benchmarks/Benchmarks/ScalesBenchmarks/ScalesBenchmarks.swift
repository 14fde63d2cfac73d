import Benchmark
import BenchmarkSupport
import CoreMetrics
import Dispatch
import Foundation
import Prometheus
import Scales
import ScalesMetrics
import Synchronization

// Every update benchmark runs one million operations per iteration (`scalingFactor: .mega`), so
// the reported time is per operation. The "2 threads" variants split the million across two
// threads updating the *same* stat, so their figure is aggregate time per operation.
// `Scripts/ratios.py` turns a run into ratios against "floor: Atomic<Int> relaxed add".

func updateConfiguration(scale: BenchmarkScalingFactor = .mega) -> Benchmark.Configuration {
    Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: scale,
        maxDuration: .seconds(2),
        maxIterations: 50
    )
}

func renderConfiguration() -> Benchmark.Configuration {
    Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        maxDuration: .seconds(3),
        maxIterations: 30
    )
}

/// A swift-prometheus name without its deprecated string-only constructors.
func descriptor(_ name: String) -> MetricNameDescriptor {
    MetricNameDescriptor(metricName: name, unitName: "", helpText: "")
}

/// Runs `body` on two threads at once (``BenchmarkSupport/onTwoThreads(_:)``), each `count / 2` times.
@inline(__always)
func onTwoThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
    onTwoThreads { _ in
        for _ in 0..<(count / 2) { body() }
    }
}

let benchmarks: @Sendable () -> Void = {
    let updates = updateConfiguration()
    let renders = renderConfiguration()
    pageBenchmarks()
    // MARK: The floor: what one atomic or one lock costs on this machine.

    let atomic = Atomic<Int>(0)
    Benchmark("floor: Atomic<Int> relaxed add", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { atomic.wrappingAdd(1, ordering: .relaxed) }
    }
    Benchmark("floor: Atomic<Int> relaxed add, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { atomic.wrappingAdd(1, ordering: .relaxed) }
    }
    let mutex = Mutex<Int>(0)
    Benchmark("floor: Mutex<Int> add", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { mutex.withLock { $0 += 1 } }
    }
    Benchmark("floor: Mutex<Int> add, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { mutex.withLock { $0 += 1 } }
    }

    // MARK: swift-scales update paths.

    let registry = Registry()
    let web = registry.collection(at: "/web")
    let int = web.int("success")
    Benchmark("scales: int += 1", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { int += 1 }
    }
    Benchmark("scales: int += 1, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { int += 1 }
    }
    let double = web.double("seconds")
    Benchmark("scales: double += x", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { double += 0.25 }
    }
    Benchmark("scales: double += x, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { double += 0.25 }
    }
    let dict = web.intDict("byPath")
    dict["/index.html"] += 1
    Benchmark("scales: intDict[key] += 1", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { dict["/index.html"] += 1 }
    }
    Benchmark("scales: intDict[key] += 1, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { dict["/index.html"] += 1 }
    }

    let gaugeRegistry = Registry()
    gaugeRegistry.collection(at: "/web").gauge("load", of: Double.self).bind { 0.5 }
    Benchmark("scales: gauge read at snapshot", configuration: updateConfiguration(scale: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(gaugeRegistry.snapshot(at: "/web/load")) }
    }
    let pmf = web.pmf("latency")
    Benchmark("scales: pmf.record", configuration: updates) { benchmark in
        for i in benchmark.scaledIterations { pmf.record(Double(i & 1023) / 1000) }
    }
    Benchmark("scales: pmf.record, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { pmf.record(0.042) }
    }
    let timed = web.pmf("timed")
    Benchmark("scales: pmf.time { }", configuration: updates) { benchmark in
        for i in benchmark.scaledIterations { blackHole(timed.time { i }) }
    }
    Benchmark("scales: pmf.time { }, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { blackHole(timed.time { 1 }) }
    }
    // What `pmf.time { }` must cost no more than: two reads of the clock it times with and a
    // record (same loop and blackHole as the benchmark above).
    let baseline = web.pmf("baseline")
    Benchmark("baseline: 2 clock reads + pmf.record", configuration: updates) { benchmark in
        let clock = SystemClock()
        for i in benchmark.scaledIterations {
            let start = clock.nanoseconds()
            let end = clock.nanoseconds()
            baseline.record(Double(end &- start) / 1e9)
            blackHole(i)
        }
    }
    // Creating and removing a child collection holding one pmf (issue 15's churn cost), with
    // an int child as the control; 1,000 cycles per iteration, so the figure is per cycle.
    let churn = Registry().collection(at: "/churn")
    Benchmark("scales: create+remove child with a pmf", configuration: updateConfiguration(scale: .kilo)) { benchmark in
        for i in benchmark.scaledIterations {
            let child = churn.child("{id}", id: String(i & 7))
            child.pmf("latency").record(0.001)
            child.remove()
        }
    }
    Benchmark("scales: create+remove child with an int", configuration: updateConfiguration(scale: .kilo)) {
        benchmark in
        for i in benchmark.scaledIterations {
            let child = churn.child("{id}", id: String(i & 7))
            child.int("hits") += 1
            child.remove()
        }
    }
    let meter = web.meter("hits")
    Benchmark("scales: meter.mark()", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { meter.mark() }
    }
    Benchmark("scales: meter.mark(), 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { meter.mark() }
    }

    contentionBenchmarks(updates)

    // MARK: swift-prometheus, the alternative.

    let prometheus = PrometheusCollectorRegistry()
    let promCounter = prometheus.makeCounter(descriptor: descriptor("requests"))
    Benchmark("swift-prometheus: Counter.increment", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { promCounter.increment() }
    }
    Benchmark("swift-prometheus: Counter.increment, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { promCounter.increment() }
    }
    let promGauge = prometheus.makeGauge(descriptor: descriptor("load"))
    Benchmark("swift-prometheus: Gauge.set", configuration: updates) { benchmark in
        for i in benchmark.scaledIterations { promGauge.set(Double(i)) }
    }
    let promHistogram = prometheus.makeValueHistogram(
        descriptor: descriptor("latency"), buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    Benchmark("swift-prometheus: ValueHistogram.record", configuration: updates) { benchmark in
        for i in benchmark.scaledIterations { promHistogram.record(Double(i & 1023) / 1000) }
    }
    Benchmark("swift-prometheus: ValueHistogram.record, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { promHistogram.record(0.042) }
    }

    // MARK: The swift-metrics API over each backend.

    let promFactory = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
    let metricsOverPrometheus = CoreMetrics.Counter(label: "requests", factory: promFactory)
    Benchmark("swift-metrics Counter over swift-prometheus", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { metricsOverPrometheus.increment() }
    }
    let timerOverPrometheus = CoreMetrics.Timer(label: "latency", factory: promFactory)
    Benchmark("swift-metrics Timer over swift-prometheus", configuration: updates) { benchmark in
        for i in benchmark.scaledIterations { timerOverPrometheus.recordNanoseconds(Int64(i & 1023) * 1000) }
    }
    let metricsOverScales = CoreMetrics.Counter(label: "requests", factory: ScalesMetricsFactory(registry: Registry()))
    Benchmark("swift-metrics Counter over ScalesMetrics", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { metricsOverScales.increment() }
    }
    let metricsOverNoop = CoreMetrics.Counter(label: "requests", factory: NOOPMetricsHandler.instance)
    Benchmark("swift-metrics Counter over NOOP", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { metricsOverNoop.increment() }
    }

    // MARK: Rendering 10,000 stats.

    let big = Registry()
    for c in 0..<500 {
        let collection = big.collection(at: StatPath(names: ["service", "c\(c)"]))
        for s in 0..<20 { collection.int("s\(s)") += c * s }
    }
    // What the status page and /metrics do: render from the layout kept per tree shape.
    Benchmark("scales: renderJSON of 10,000 ints", configuration: renders) { _ in
        blackHole(big.renderJSON())
    }
    Benchmark("scales: renderPrometheus of 10,000 ints", configuration: renders) { _ in
        blackHole(big.renderPrometheus())
    }
    // A fresh snapshot rendered by the formats (exporters, queries, the HTML page).
    Benchmark("scales: snapshot + JSON of 10,000 ints", configuration: renders) { _ in
        blackHole(JSONFormat.renderBytes(big.snapshot()!))
    }
    Benchmark("scales: snapshot + Prometheus text of 10,000 ints", configuration: renders) { _ in
        blackHole(PrometheusFormat.render(big.snapshot()!))
    }
    // /metrics in protobuf (what a Prometheus with native histograms asks for): 10,000 ints and
    // 100 pmfs with values over 3 octaves, each a native histogram.
    let withPmfs = Registry()
    for c in 0..<500 {
        let collection = withPmfs.collection(at: StatPath(names: ["service", "c\(c)"]))
        for s in 0..<20 { collection.int("s\(s)") += c * s }
    }
    for p in 0..<100 {
        let pmf = withPmfs.collection(at: StatPath(names: ["latency"])).pmf("p\(p)")
        for v in 0..<200 { pmf.record(0.001 * Double(1 + (v * 37 + p) % 8)) }
    }
    Benchmark("scales: /metrics protobuf of 10,000 ints + 100 pmfs", configuration: renders) { _ in
        blackHole(withPmfs.renderMetrics(format: .protobuf))
    }
    Benchmark("scales: /metrics text of 10,000 ints + 100 pmfs", configuration: renders) { _ in
        blackHole(withPmfs.renderMetrics(format: .prometheusText))
    }
    keyedAndSnapshotBenchmarks(updates: updates, renders: renders)
    let bigPrometheus = PrometheusCollectorRegistry()
    for i in 0..<10_000 { bigPrometheus.makeCounter(descriptor: descriptor("counter_\(i)")).increment(by: Int64(i)) }
    Benchmark("swift-prometheus: emit 10,000 counters", configuration: renders) { _ in
        var buffer: [UInt8] = []
        bigPrometheus.emit(into: &buffer)
        blackHole(buffer)
    }
    compressionBenchmarks()
}
