import Benchmark
import Prometheus
import Scales
import ScalesHTTP

// Issue 17, part 2: the keyed path beside swift-prometheus' labelled path, gauge reads, and
// fresh snapshots of 10,000 stats (the existing rows "scales: intDict[key] += 1", "scales:
// gauge read at snapshot" and "scales: snapshot + … of 10,000 ints" measure the rest).

/// Registers the keyed and snapshot benchmarks (called from the main closure).
func keyedAndSnapshotBenchmarks(updates: Benchmark.Configuration, renders: Benchmark.Configuration) {
    // MARK: A known key, held (one atomic), and swift-prometheus' labelled lookup.

    let dict = Registry().collection(at: "/web").intDict("byPath")
    dict["/index.html"] += 1
    let handle = dict.handle("/index.html")  // keyed: handle
    Benchmark("scales: intDict handle += 1", configuration: updates) { benchmark in  // keyed: handle
        for _ in benchmark.scaledIterations { handle += 1 }  // keyed: handle
    }  // keyed: handle
    Benchmark("scales: intDict handle += 1, 2 threads", configuration: updates) { benchmark in  // keyed: handle
        onTwoThreads(benchmark.scaledIterations.count) { handle += 1 }  // keyed: handle
    }  // keyed: handle
    // As users of its registry write a labelled counter: looked up by name and labels at each
    // increment (`makeCounter(name:labels:)` is deprecated for this `descriptor:` form).
    let prometheus = PrometheusCollectorRegistry()
    let labels = [("path", "/index.html")]
    Benchmark("swift-prometheus: makeCounter(labels:) + increment", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations {
            prometheus.makeCounter(descriptor: descriptor("requests"), labels: labels).increment()
        }
    }
    Benchmark("swift-prometheus: makeCounter(labels:) + increment, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) {
            prometheus.makeCounter(descriptor: descriptor("requests"), labels: labels).increment()
        }
    }

    // MARK: Gauges: one snapshot of 1,000 gauges per iteration, reported per gauge.

    let gauges = Registry()
    let load = gauges.collection(at: "/load")
    var gaugeCells: [GaugeStat<Double>] = []
    for g in 0..<1_000 {
        let gauge = load.gauge("g\(g)", of: Double.self)
        gauge.bind { 0.5 }
        gaugeCells.append(gauge)
    }
    // The read a snapshot makes of each gauge (`currentValue()` is the same read: the gauge's
    // lock, a copy of the closure, the call), without the snapshot's walk, per gauge.
    Benchmark(
        "scales: gauge read itself, as a snapshot makes it (per gauge)",
        configuration: Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo,
            maxDuration: .seconds(2), maxIterations: 200)
    ) { _ in
        for gauge in gaugeCells { blackHole(try? gauge.currentValue()) }
    }
    Benchmark(
        "scales: gauge read in a snapshot of 1,000 gauges (per gauge)",
        configuration: Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo,
            maxDuration: .seconds(2), maxIterations: 200)
    ) { _ in
        blackHole(gauges.snapshot(at: "/load"))
    }

    // MARK: The HTML page of 10,000 stats, as the status server renders it (no history).

    let big = Registry()
    for c in 0..<500 {
        let collection = big.collection(at: StatPath(names: ["service", "c\(c)"]))
        for s in 0..<20 { collection.int("s\(s)") += c * s }
    }
    Benchmark("scales: snapshot + HTML page of 10,000 ints", configuration: renders) { _ in
        if let snapshot = big.snapshot() {
            blackHole(HTMLPage.render(snapshot, serverName: "bench", statusPath: "/status", metricsPath: "/metrics"))
        }
    }
}
