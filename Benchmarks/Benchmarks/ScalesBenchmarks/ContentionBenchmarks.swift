import Benchmark
import BenchmarkSupport
import Dispatch
import Scales
import Synchronization

// Contention (issue 17): the stats two threads update at once, beside the 2-thread floors.
// The rows "scales: int += 1, 2 threads", "scales: meter.mark(), 2 threads" and
// "scales: pmf.record, 2 threads" are in ScalesBenchmarks.swift; these add the other striped
// kinds, the ideal (each thread on its own cache line) and what reading a striped stat costs.

/// Two atomics 128 bytes apart (cache lines of their own): what two threads cost when they
/// share nothing. Never freed (one per run).
final class SeparateAtomics: @unchecked Sendable {
    // @unchecked: the block is only touched through the atomics in it.
    let block: UnsafeMutablePointer<Atomic<Int>>

    init() {
        block = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 128).bindMemory(
            to: Atomic<Int>.self, capacity: 32)
        for index in 0..<32 { (block + index).initialize(to: Atomic(0)) }
    }

    /// Thread `thread`'s atomic (0 or 1).
    func cell(_ thread: Int) -> UnsafeMutablePointer<Atomic<Int>> { block + 16 * thread }
}

func contentionBenchmarks(_ updates: Benchmark.Configuration) {
    let separate = SeparateAtomics()
    Benchmark("floor: Atomic<Int> relaxed add, 2 threads on separate lines", configuration: updates) { benchmark in
        let perThread = benchmark.scaledIterations.count / 2
        onTwoThreads { thread in
            let cell = separate.cell(thread)
            for _ in 0..<perThread { cell.pointee.wrappingAdd(1, ordering: .relaxed) }
        }
    }

    let web = Registry().collection(at: "/contention")
    let counter = web.counter("requests")
    Benchmark("contention: counter += 1, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { counter += 1 }
    }
    let doubleCounter = web.doubleCounter("busy")
    Benchmark("contention: doubleCounter += x, 2 threads", configuration: updates) { benchmark in
        onTwoThreads(benchmark.scaledIterations.count) { doubleCounter += 0.25 }
    }
    // The 2-thread twin of "scales: pmf.record" (varied values, not one bucket).
    let pmf = web.pmf("latency")
    Benchmark("contention: pmf.record varied, 2 threads", configuration: updates) { benchmark in
        let perThread = benchmark.scaledIterations.count / 2
        onTwoThreads { thread in
            for i in 0..<perThread { pmf.record(Double((i &+ thread) & 1023) / 1000) }
        }
    }

    // Reading: one cell, and a stat striped by two threads (the sum of every stripe).
    let single = web.int("single")
    single += 1
    Benchmark("contention: int read, one cell", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(single.value) }
    }
    let striped = web.int("striped")
    for _ in 0..<10 { onTwoThreads(200_000) { striped += 1 } }
    Benchmark("contention: int read, striped", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(striped.value) }
    }
    Benchmark("contention: int += 1 after striping, 1 thread", configuration: updates) { benchmark in
        for _ in benchmark.scaledIterations { striped += 1 }
    }
}
