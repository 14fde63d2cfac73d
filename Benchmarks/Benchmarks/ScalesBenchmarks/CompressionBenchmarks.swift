import Benchmark
import Scales
import ScalesHTTP

/// What gzip costs on the status page's biggest answers (issue 16): the HTML page, `/metrics`
/// (Prometheus text) and JSON of 10,000 stats, each answered by ``StatusHandler`` as it is and
/// gzip-compressed, in the same run. The identity variant is the baseline: the gzip one's time
/// over it is the cost of compressing, and the custom metric "Response bytes" the saving.
func compressionBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, responseBytes],
        maxDuration: .seconds(3),
        maxIterations: 30
    )
    let registry = Registry()
    for c in 0..<500 {
        let collection = registry.collection(at: StatPath(names: ["service", "c\(c)"]))
        for s in 0..<20 { collection.int("s\(s)") += c * s }
    }
    let handler = StatusHandler(registry: registry, serverName: "bench")
    let pages: [(name: String, target: String)] = [
        ("status page HTML", "/status/"),
        ("/metrics text", "/metrics"),
        ("JSON", "/status/?format=json"),
    ]
    for (name, target) in pages {
        for coding in ["identity", "gzip"] {
            let request = StatusRequest(target: target, headers: coding == "gzip" ? [("Accept-Encoding", "gzip")] : [])
            Benchmark("http: \(name) of 10,000 ints, \(coding)", configuration: configuration) { benchmark in
                let response = handler.handle(request)
                benchmark.measurement(responseBytes, response.bodyBytes.count)
                blackHole(response)
            }
        }
    }
}

/// The size of the body sent (after compression), per response.
let responseBytes = BenchmarkMetric.custom("Response bytes", polarity: .prefersSmaller, useScalingFactor: false)
