import Benchmark
import Scales
import ScalesHTTP

/// The status page of 10,000 stats, without and with a 60-point history (sparklines), and what
/// the history costs to fill: compare the two page rows' medians and bytes allocated in one run.
func pageBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .mallocBytesCount, .peakMemoryResident],
        maxDuration: .seconds(3),
        maxIterations: 30
    )
    // 100 collections of 100 stats: half ints, half counters (the page draws a counter's rate).
    let registry = Registry()
    var ints: [IntStat] = []
    var counters: [CounterStat] = []
    for index in 0..<10_000 {
        let collection = registry.collection(at: StatPath(names: ["page", "c\(index / 100)"]))
        if index % 2 == 0 {
            ints.append(collection.int("n\(index)"))
        } else {
            counters.append(collection.counter("n\(index)"))
        }
    }
    // A full history: 60 samples 10 s apart, values moving between them.
    let history = StatusHistory(points: 60, interval: .seconds(10), maxStats: 10_000)
    let start = 1_800_000_000.0
    var snapshots: [Snapshot] = []
    for sample in 0..<60 {
        for (index, stat) in ints.enumerated() { stat.value = (index * 7 + sample * 13) % 100 }
        for (index, stat) in counters.enumerated() { stat += (index + sample) % 5 }
        guard let snapshot = registry.snapshot(at: .root) else { return }
        let timed = Snapshot(path: snapshot.path, root: snapshot.root, timestamp: start + Double(sample) * 10)
        history.record(timed)
        snapshots.append(timed)
    }
    guard let page = registry.snapshot(at: .root) else { return }
    Benchmark("page: HTML of 10,000 stats, no history", configuration: configuration) { _ in
        blackHole(HTMLPage.render(page, serverName: "bench"))
    }
    Benchmark("page: HTML of 10,000 stats with 60-point sparklines", configuration: configuration) { _ in
        blackHole(HTMLPage.render(page, serverName: "bench", history: history))
    }
    // Filling a fresh history with the 60 samples: the time of 60 samples and the bytes one
    // full history of 10,000 stats allocates.
    Benchmark("page: fill a 60-point history of 10,000 stats (60 samples)", configuration: configuration) { _ in
        let fresh = StatusHistory(points: 60, interval: .seconds(10), maxStats: 10_000)
        for snapshot in snapshots { fresh.record(snapshot) }
        blackHole(fresh)
    }
}
