import Foundation
import Scales

/// A stat that reads a fixed pmf record: a stand-in, in this branch, for a `pmf` whose
/// snapshot carries ``PmfSnapshot/buckets`` (the pmf's own exact grid lands separately). It is
/// bound through the registry like any cell, so it is served by the real handler and layouts.
final class HandMadePmfCell: StatCell {
    let value: StatValue

    init(_ pmf: PmfSnapshot) { value = .pmf(pmf) }
    init(dict: [String: PmfSnapshot]) { value = .pmfDict(dict) }

    func read(_ health: HealthCounters) -> StatValue { value }
}

extension StatCollection {
    /// Binds a hand-made pmf record at `name`.
    func handMadePmf(_ name: String, _ pmf: PmfSnapshot, unit: String? = nil, doc: String? = nil) {
        _ = bind(name, doc: doc, unit: unit) { _ in HandMadePmfCell(pmf) }
    }

    /// Binds a hand-made pmfDict record at `name`.
    func handMadePmfDict(_ name: String, _ dict: [String: PmfSnapshot], label: String? = nil) {
        _ = bind(name, doc: nil, keyLabel: label) { _ in HandMadePmfCell(dict: dict) }
    }
}

/// Exact native-histogram bucketing, written for the tests from Prometheus' definition:
/// bucket `i` of schema `s` holds `2^((i-1)/2^s) < |v| <= 2^(i/2^s)`.
enum NativeBucketing {
    static func index(of value: Double, schema: Int) -> Int {
        let magnitude = abs(value)
        let scale = Double(1 << schema)
        var index = Int((log2(magnitude) * scale).rounded(.up))
        // log2 may be off by an ulp at a bucket edge: settle on the definition.
        while upper(index - 1, schema) >= magnitude { index -= 1 }
        while upper(index, schema) < magnitude { index += 1 }
        return index
    }

    /// The upper edge of bucket `index`.
    static func upper(_ index: Int, _ schema: Int) -> Double {
        exp2(Double(index) / Double(1 << schema))
    }

    /// The histogram of `values` (zero bucket for `|v| <= zeroThreshold`).
    static func histogram(_ values: [Double], schema: Int, zeroThreshold: Double) -> NativeHistogram {
        var positive: [Int: Int] = [:]
        var negative: [Int: Int] = [:]
        var zero = 0
        for value in values {
            if abs(value) <= zeroThreshold {
                zero += 1
            } else if value > 0 {
                positive[index(of: value, schema: schema), default: 0] += 1
            } else {
                negative[index(of: value, schema: schema), default: 0] += 1
            }
        }
        func buckets(_ counts: [Int: Int]) -> [NativeBucket] {
            counts.sorted { $0.key < $1.key }.map { NativeBucket(index: $0.key, count: $0.value) }
        }
        return NativeHistogram(
            schema: schema, zeroThreshold: zeroThreshold, zeroCount: zero, count: values.count,
            sum: values.reduce(0, +), positive: buckets(positive), negative: buckets(negative))
    }

    /// A pmf record for `values` whose window holds them all (nearest-rank percentiles) and
    /// whose buckets are their exact histogram.
    static func pmf(_ values: [Double], schema: Int, zeroThreshold: Double) -> PmfSnapshot {
        let sorted = values.sorted()
        func rank(_ q: Double) -> Double? {
            sorted.isEmpty ? nil : sorted[max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1)]
        }
        var pmf = PmfSnapshot(
            count: values.count, sum: values.reduce(0, +), windowCount: values.count, min: sorted.first,
            max: sorted.last,
            median: rank(0.5), p75: rank(0.75), p95: rank(0.95), p98: rank(0.98), p99: rank(0.99), p999: rank(0.999))
        pmf.buckets = histogram(values, schema: schema, zeroThreshold: zeroThreshold)
        return pmf
    }
}

/// A seeded data set: latencies in seconds, log-normal-ish around 50 ms with a long tail.
func seededLatencies(count: Int, seed: UInt64) -> [Double] {
    var state = seed
    func next() -> Double {  // splitmix64, uniform in (0, 1)
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / Double(1 << 53)
    }
    return (0..<count).map { _ in
        // Box-Muller: exp(N(ln 0.05, 0.8)).
        let normal = (-2 * log(next())).squareRoot() * cos(2 * .pi * next())
        return exp(log(0.05) + 0.8 * normal)
    }
}
