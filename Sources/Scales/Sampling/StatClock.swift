public import ScalesPlatform

/// The time source of the time-dependent stats (`pmf` windows and timings, `meter` rates,
/// `stateTime` totals): a monotonic count of nanoseconds.
///
/// A ``Registry`` holds one clock, and every stat bound in it uses it. Production code uses
/// ``SystemClock``; tests pass a manual clock (`ManualClock` in the `ScalesTestKit` module) so
/// that minutes pass in microseconds:
///
/// ```swift
/// let clock = ManualClock()
/// let registry = Registry(clock: clock)
/// let latency = registry.collection(at: "/web").pmf("latency")
/// latency.record(0.25)
/// clock.advance(by: .seconds(600))   // the value has left the window
/// ```
///
/// Readings only need to be monotonic (never decrease); their origin is arbitrary.
public protocol StatClock: Sendable {
    /// Nanoseconds since an arbitrary fixed origin; never decreases.
    func nanoseconds() -> UInt64

    /// A cheaper reading that may lag ``nanoseconds()`` by a few milliseconds; used to place
    /// recorded values in their time slice, where milliseconds do not matter. Defaults to
    /// ``nanoseconds()``.
    func coarseNanoseconds() -> UInt64
}

extension StatClock {
    /// Defaults to ``nanoseconds()``.
    public func coarseNanoseconds() -> UInt64 { nanoseconds() }
}

/// The operating system's monotonic clock (`CLOCK_MONOTONIC`; its coarse reading is
/// `CLOCK_MONOTONIC_COARSE` on Linux, a few nanoseconds instead of a few dozen; on macOS
/// `CLOCK_UPTIME_RAW` and `CLOCK_UPTIME_RAW_APPROX`).
///
/// ```swift
/// let registry = Registry(clock: SystemClock())   // the same as Registry()
/// ```
public struct SystemClock: StatClock {
    /// Creates the system clock.
    public init() {}

    /// Nanoseconds of the monotonic clock.
    @inlinable public func nanoseconds() -> UInt64 { SystemClock.now() }

    /// Nanoseconds of the coarse monotonic clock (resolution of a few milliseconds).
    @inlinable public func coarseNanoseconds() -> UInt64 { SystemClock.coarseNow() }

    @usableFromInline
    static func now() -> UInt64 {
        PlatformClock.monotonicNanoseconds()
    }

    @usableFromInline
    static func coarseNow() -> UInt64 {
        PlatformClock.coarseMonotonicNanoseconds()
    }

    /// Whole seconds of the wall clock (`time()`), 0 before 1970. On Linux this is the
    /// cheapest clock there is (one load in the vDSO, about 4 ns where `CLOCK_MONOTONIC_COARSE`
    /// takes 8); a pmf uses it to notice that its time slice may have ended (see
    /// ``WallSecondHint``), never as a timestamp.
    @inlinable @inline(__always)
    static func wallSeconds() -> UInt64 {
        PlatformClock.wallSeconds()
    }
}

/// How a stat reads its clock: straight to the system clock when it is one (no dynamic
/// dispatch on the hot path), otherwise through the protocol.
@usableFromInline
struct ClockReader: Sendable {
    @usableFromInline let clock: any StatClock
    @usableFromInline let isSystem: Bool

    init(_ clock: any StatClock) {
        self.clock = clock
        self.isSystem = clock is SystemClock
    }

    @inlinable @inline(__always)
    func now() -> UInt64 {
        isSystem ? SystemClock.now() : clock.nanoseconds()
    }

    @inlinable @inline(__always)
    func coarse() -> UInt64 {
        isSystem ? SystemClock.coarseNow() : clock.coarseNanoseconds()
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `0...UInt64.max`.
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        if seconds >= 18_000_000_000 { return UInt64.max }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }

    /// The duration in seconds as a Double.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
