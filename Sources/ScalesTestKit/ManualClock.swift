public import Scales
import Synchronization

/// A clock that moves only when told to, for tests of windows, rates and state times.
///
/// ```swift
/// let clock = ManualClock()
/// let registry = Registry(clock: clock)
/// let hits = registry.collection(at: "/web").meter("hits")
/// hits.mark()
/// clock.advance(by: .seconds(60))
/// ```
///
/// It starts at an arbitrary non-zero reading; only differences matter. Safe to advance from
/// any thread.
public final class ManualClock: StatClock {
    let reading: Atomic<UInt64>

    /// Creates a clock reading `start` (one hour of nanoseconds by default).
    public init(start: UInt64 = 3_600_000_000_000) {
        reading = Atomic(start)
    }

    /// The current reading, in nanoseconds.
    public func nanoseconds() -> UInt64 {
        reading.load(ordering: .acquiring)
    }

    /// Moves the clock forward by `duration` (a negative duration is ignored: the clock is
    /// monotonic).
    public func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return }
        let nanoseconds = UInt64(seconds) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
        reading.wrappingAdd(nanoseconds, ordering: .acquiringAndReleasing)
    }

    /// Moves the clock forward by `seconds` (fractions allowed; negative is ignored).
    public func advance(seconds: Double) {
        guard seconds.isFinite, seconds > 0 else { return }
        reading.wrappingAdd(UInt64((seconds * 1e9).rounded()), ordering: .acquiringAndReleasing)
    }
}
