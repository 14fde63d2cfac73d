import CHeapInUse
import Scales
import ScalesHTTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Bytes per stat, measured: heap bytes in use (glibc mallinfo2) before and after binding
// 10,000 of a kind, divided by 10,000. Includes the cell, its lock if any, and its entry in the
// registry's tree (name string, dictionary slot). Run:
//   swift run -c release --package-path Benchmarks MemoryFootprint

func heapInUse() -> Int { scales_heap_in_use() }

func line(_ name: String, _ bytes: Double) {
    let padded = name + String(repeating: " ", count: max(1, 44 - name.count))
    print("\(padded) \(Int(bytes.rounded())) bytes")
}

func bytesPer(_ count: Int = 10_000, _ body: (StatCollection, Int) -> Void) -> Double {
    let registry = Registry()
    let collection = registry.collection(at: "/m")
    let before = heapInUse()
    for i in 0..<count { body(collection, i) }
    let after = heapInUse()
    return withExtendedLifetime(registry) { Double(after - before) / Double(count) }
}

var cells: [IntStat] = []
cells.reserveCapacity(10_000)
let beforeCells = heapInUse()
for _ in 0..<10_000 { cells.append(IntStat()) }
line("int cell alone (what an update touches)", Double(heapInUse() - beforeCells) / 10_000)
withExtendedLifetime(cells) {}

let names = (0..<10_000).map { "stat\($0)" }
line("int (cell + tree entry)", bytesPer { c, i in c.int(names[i]) += 1 })
line("monotonic int", bytesPer { c, i in c.counter(names[i]) += 1 })
line("double", bytesPer { c, i in c.double(names[i]) += 1 })
let keys = (0..<10_000).map { "/path/\($0)" }
let dict = Registry().collection(at: "/m").intDict("byPath")
let beforeKeys = heapInUse()
for key in keys { dict[key] += 1 }
line("intDict key (short string key)", Double(heapInUse() - beforeKeys) / 10_000)
line("pmf (empty)", bytesPer(2_000) { c, i in _ = c.pmf(names[i]) })
line(
    "pmf (after 1,000 records over 5 minutes)",
    bytesPer(500) { c, i in
        let pmf = c.pmf(names[i])
        for v in 0..<1_000 { pmf.record(Double(v) * 0.001 + 0.0001) }
    })
// A pmf's pages: one per power of two its values reach (1,792 bytes each at the default
// precision), allocated by the first such value; the values below are spread evenly over
// `octaves` powers of two from 2^-20 up.
for octaves in [1, 10, 40] {
    line(
        "pmf (values spanning \(octaves) octave\(octaves == 1 ? "" : "s"))",
        bytesPer(500) { c, i in
            let pmf = c.pmf(names[i])
            for v in 0..<1_000 { pmf.record(exp2(-20 + Double(octaves) * (Double(v) + 0.5) / 1_000)) }
        })
}
line("meter", bytesPer { c, i in c.meter(names[i]).mark() })

// The status page's history (ScalesHTTP.StatusHistory) of 10,000 ints, full (60 points each):
// what it keeps per stat.
let historyRegistry = Registry()
for i in 0..<10_000 { historyRegistry.collection(at: StatPath(names: ["h", "c\(i / 100)"])).int(names[i]).value = i }
if let snapshot = historyRegistry.snapshot(at: .root) {
    let beforeHistory = heapInUse()
    let history = StatusHistory(points: 60, interval: .seconds(10), maxStats: 20_000)
    for sample in 0..<60 {
        history.record(
            Snapshot(path: snapshot.path, root: snapshot.root, timestamp: 1_800_000_000 + Double(sample) * 10))
    }
    line("status page history, 60 points", Double(heapInUse() - beforeHistory) / Double(history.trackedStats))
    withExtendedLifetime(history) {}
}
