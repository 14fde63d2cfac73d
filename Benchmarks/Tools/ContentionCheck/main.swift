// Two threads on one stat, measured in one process with no other thread running: the
// benchmark runner's own threads share this 2-core VM's two CPUs with the two under test and
// made its 2-thread rows swing (two threads on separate cache lines took 3.2 ns to 10.9 ns
// aggregate in runs an hour apart). Each row is timed over rounds of 2 × 10 million updates on
// the calling thread and a thread of its own released by a spin barrier, and reported as the
// median aggregate time per update with its ratio to the same round's 2-thread shared-atomic
// floor.
//
//   swift run -c release ContentionCheck          (from Benchmarks/)

import BenchmarkSupport
import Dispatch
import Foundation
import Scales
import Synchronization

/// Atomics 128 bytes apart: cell 0 and cell 16 are on cache lines of their own.
final class Cells: @unchecked Sendable {
    // @unchecked: only touched through the atomics in it.
    let block: UnsafeMutablePointer<Atomic<Int>>
    init() {
        block = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 128).bindMemory(
            to: Atomic<Int>.self, capacity: 32)
        for index in 0..<32 { (block + index).initialize(to: Atomic(0)) }
    }
}

let perThread = 10_000_000
let rounds = 7
let cells = Cells()
let web = Registry().collection(at: "/contention")
let int = web.int("int")
let counter = web.counter("counter")
let meter = web.meter("meter")
let double = web.double("double")
let pmf = web.pmf("pmf")
let single = web.pmf("single")
// The keyed path (issue 17): `requests["GET"] += 1` on an existing key, from one thread and
// from two threads on the same key (the case users hit), and a handle on it.
let requests = web.intDict("requests")
let keyedSingle = web.intDict("single")
requests["GET"] += 0
keyedSingle["GET"] += 0
let handle = requests.handle("GET")

/// Aggregate nanoseconds per update of `body` run `perThread` times on each of two threads.
func twoThreads(_ body: @escaping @Sendable (Int) -> Void) -> Double {
    let started = DispatchTime.now().uptimeNanoseconds
    onTwoThreads { thread in body(thread) }
    return Double(DispatchTime.now().uptimeNanoseconds - started) / Double(2 * perThread)
}

/// Nanoseconds per update of `body` run `2 × perThread` times on this thread.
func oneThread(_ body: () -> Void) -> Double {
    let started = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<2 * perThread { body() }
    return Double(DispatchTime.now().uptimeNanoseconds - started) / Double(2 * perThread)
}

let rows: [(String, () -> Double)] = [
    ("floor: Atomic<Int> relaxed add, 1 thread", { oneThread { cells.block[0].wrappingAdd(1, ordering: .relaxed) } }),
    (
        "floor: Atomic<Int> relaxed add, 2 threads",
        { twoThreads { _ in for _ in 0..<perThread { cells.block[0].wrappingAdd(1, ordering: .relaxed) } } }
    ),
    (
        "floor: 2 threads on separate lines",
        {
            twoThreads { thread in
                let cell = cells.block + 16 * thread
                for _ in 0..<perThread { cell.pointee.wrappingAdd(1, ordering: .relaxed) }
            }
        }
    ),
    ("int += 1, 2 threads", { twoThreads { _ in for _ in 0..<perThread { int += 1 } } }),
    ("counter += 1, 2 threads", { twoThreads { _ in for _ in 0..<perThread { counter += 1 } } }),
    ("meter.mark(), 2 threads", { twoThreads { _ in for _ in 0..<perThread { meter.mark() } } }),
    ("double += 0.5, 2 threads", { twoThreads { _ in for _ in 0..<perThread { double += 0.5 } } }),
    ("pmf.record, 1 thread", { oneThread { single.record(0.042) } }),
    ("pmf.record, 2 threads", { twoThreads { _ in for _ in 0..<perThread { pmf.record(0.042) } } }),
    ("intDict[key] += 1, 1 thread", { oneThread { keyedSingle["GET"] += 1 } }),
    (
        "intDict[key] += 1, 2 threads on one key",
        { twoThreads { _ in for _ in 0..<perThread { requests["GET"] += 1 } } }
    ),
    ("intDict handle += 1, 2 threads on one key", { twoThreads { _ in for _ in 0..<perThread { handle += 1 } } }),
]

var figures = [[Double]](repeating: [], count: rows.count)
for _ in 0..<rounds {
    for (index, row) in rows.enumerated() { figures[index].append(row.1()) }
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
let floor2 = median(figures[1])
print("| row | median ns per update (aggregate) | ratio to the 2-thread floor | range |")
print("|---|---:|---:|---|")
for (index, row) in rows.enumerated() {
    let m = median(figures[index])
    let range = String(format: "%.2f–%.2f", figures[index].min() ?? 0, figures[index].max() ?? 0)
    print("| \(row.0) | \(String(format: "%.2f", m)) | \(String(format: "%.2fx", m / floor2)) | \(range) |")
}
// The sums stay exact: every update counted once.
let expected = rounds * 2 * perThread
guard int.value == expected, counter.value == expected, meter.total == expected, double.value == Double(expected) / 2,
    pmf.figures.count == expected, keyedSingle["GET"].value == expected, requests["GET"].value == 2 * expected
else {
    print(
        "ContentionCheck: a sum is not exact: int \(int.value), counter \(counter.value), meter \(meter.total), double \(double.value), pmf \(pmf.figures.count), intDict \(keyedSingle["GET"].value) and \(requests["GET"].value); expected \(expected) (\(2 * expected) for the two-row key)"
    )
    exit(1)
}
print(
    "exact: each of int, counter, meter, double, pmf and the 1-thread intDict key counted \(expected) updates, the 2-thread intDict key \(2 * expected)"
)
