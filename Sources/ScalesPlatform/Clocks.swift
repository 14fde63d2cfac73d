// The platform shim: the one place in the package that imports the C library (Glibc, Musl or
// Darwin). Every other target goes through these `package` declarations; `.ci/run` fails if a
// platform module is named anywhere else in Sources/ or Examples/ (Scripts/check-platform.sh).
// Linux (Glibc) is built and tested in CI; the Darwin and Musl branches are written for but
// not built there.
//
// Each file of the shim that calls the C library repeats the three-way import below: Swift's
// imports are per file, and the one way to write it once (`@_exported import` in one file)
// would hand the C library to every module that imports ScalesPlatform, undoing the check.
// `public import`: the @inlinable clock reads below name the C library in their
// bodies, which the compiler allows only from a public import (even for `package` declarations).
#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#elseif canImport(Darwin)
public import Darwin
#endif

/// The system's clocks, in nanoseconds or seconds.
@usableFromInline
package enum PlatformClock {
    /// Nanoseconds of the monotonic clock, which does not advance while the machine sleeps
    /// (`CLOCK_MONOTONIC` on Linux; `CLOCK_UPTIME_RAW`, the clock of `mach_absolute_time`, on
    /// Darwin).
    @inlinable
    package static func monotonicNanoseconds() -> UInt64 {
        #if canImport(Darwin)
        return clock_gettime_nsec_np(CLOCK_UPTIME_RAW)
        #else
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
        #endif
    }

    /// A cheaper reading of the same clock that may lag by a few milliseconds
    /// (`CLOCK_MONOTONIC_COARSE` on Linux; `CLOCK_UPTIME_RAW_APPROX` on Darwin).
    @inlinable
    package static func coarseMonotonicNanoseconds() -> UInt64 {
        #if canImport(Darwin)
        return clock_gettime_nsec_np(CLOCK_UPTIME_RAW_APPROX)
        #else
        var spec = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_MONOTONIC_COARSE, &spec)
        #else
        clock_gettime(CLOCK_MONOTONIC, &spec)
        #endif
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
        #endif
    }

    /// Whole seconds of the wall clock (`time()`), 0 before 1970; the cheapest clock on Linux
    /// (one load in the vDSO).
    @inlinable @inline(__always)
    package static func wallSeconds() -> UInt64 {
        UInt64(clamping: time(nil))
    }

    /// Seconds since 1970-01-01 UTC from the real-time clock (`CLOCK_REALTIME`).
    @inlinable
    package static func wallClockSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// The coarse wall and monotonic clocks as of the same timer tick (nanoseconds), or `nil`
    /// where they are not known to move together (off Linux) or kept changing.
    package static func coarseWallAndMonotonic() -> (wall: UInt64, monotonic: UInt64)? {
        #if os(Linux)
        for _ in 0..<4 {
            var before = timespec()
            var monotonic = timespec()
            var after = timespec()
            clock_gettime(CLOCK_REALTIME_COARSE, &before)
            clock_gettime(CLOCK_MONOTONIC_COARSE, &monotonic)
            clock_gettime(CLOCK_REALTIME_COARSE, &after)
            // The same wall reading before and after: no timer tick in between.
            guard before.tv_sec == after.tv_sec, before.tv_nsec == after.tv_nsec else { continue }
            guard before.tv_sec >= 0 else { return nil }
            return (
                UInt64(before.tv_sec) &* 1_000_000_000 &+ UInt64(before.tv_nsec),
                UInt64(monotonic.tv_sec) &* 1_000_000_000 &+ UInt64(monotonic.tv_nsec)
            )
        }
        #endif
        return nil
    }
}

// MARK: Math

/// e raised to `x` (the C library's `exp`).
@inlinable @inline(__always)
package func exp(_ x: Double) -> Double {
    #if canImport(Glibc)
    Glibc.exp(x)
    #elseif canImport(Musl)
    Musl.exp(x)
    #elseif canImport(Darwin)
    Darwin.exp(x)
    #endif
}

/// 2 raised to `x` (the C library's `exp2`).
@inlinable @inline(__always)
package func exp2(_ x: Double) -> Double {
    #if canImport(Glibc)
    Glibc.exp2(x)
    #elseif canImport(Musl)
    Musl.exp2(x)
    #elseif canImport(Darwin)
    Darwin.exp2(x)
    #endif
}
