#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded pseudo-random generator (SplitMix64), so accuracy tests see the same data on
/// every run and platform.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 random bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u = 1 - unit()  // (0, 1]
        let v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// The three distributions of the accuracy requirement, 1,000,000 values each.
enum SampleDistribution: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Latency-like: median 50 ms, sigma 1 (in natural-log units).
    case lognormal
    /// Uniform in [0, 1).
    case uniform
    /// 90% around 2 ms and 10% around 200 ms (each lognormal, sigma 0.25).
    case bimodal

    var description: String { rawValue }

    func samples(count: Int = 1_000_000, seed: UInt64 = 20_240_601) -> [Double] {
        var generator = SplitMix64(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            switch self {
            case .lognormal:
                values.append(exp(log(0.05) + generator.normal()))
            case .uniform:
                values.append(generator.unit())
            case .bimodal:
                let center = generator.unit() < 0.9 ? 0.002 : 0.2
                values.append(center * exp(0.25 * generator.normal()))
            }
        }
        return values
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `q` of all
/// values at or below it.
func nearestRank(_ q: Double, of sorted: [Double]) -> Double {
    let rank = Int((q * Double(sorted.count)).rounded(.up))
    return sorted[max(0, min(sorted.count - 1, rank - 1))]
}
