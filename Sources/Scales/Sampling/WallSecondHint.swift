/// How a pmf finds the time slice of a record without reading the monotonic clock: by the
/// wall clock's whole seconds and a hint (pure functions, so tests can drive them with
/// simulated clocks).
///
/// Finding the slice was most of a record's cost: even the coarse monotonic clock
/// (`CLOCK_MONOTONIC_COARSE`) takes about 8 ns, twice `time()` (4 ns, one load in the vDSO).
/// So with ``SystemClock`` on Linux and slices of at least 2 s (the default 5-minute window
/// has 1-minute slices), a record reads `time()` and the histogram's hint,
/// `nextCheck << 32 | epoch`, and uses slice `epoch` while the wall second is in
/// `[nextCheck - sliceSeconds - 1, nextCheck)`. Otherwise (the first record, the last second
/// or so of each slice, a wall clock stepped by more than a slice) it reads the coarse
/// monotonic clock and stores a new hint: `nextCheck` is the wall second read just before
/// plus the whole seconds left in the slice by the monotonic reading.
///
/// **Early, never late.** Linux advances the wall and the monotonic clocks at the same rate
/// (NTP slews both; only steps differ). A record whose wall second is below `nextCheck` is
/// less than those whole seconds after the wall second read before the monotonic reading, so
/// it is still in that reading's slice: the check comes early, never late (and never later
/// than the coarse clock itself, which lags by a few milliseconds). A racing thread may
/// store an older hint over a newer one; each hint is consistent on its own, so that only
/// costs an earlier check.
///
/// **The one way to be late:** a wall clock stepped *backwards* by less than about a slice
/// (larger steps fall below the range's lower bound and are re-checked at once) keeps
/// records in the ending slice for up to the size of the step after it ends — at most 1 s
/// for a leap second. Reads (`figures`, snapshots) always use the monotonic clock.
@usableFromInline
package enum WallSecondHint {
    /// The smallest slice the shortcut is used for: with shorter ones most records would
    /// re-check anyway.
    package static var minimumSliceNanoseconds: UInt64 { 2_000_000_000 }

    /// The hint after a coarse monotonic reading `now`, in slice `epoch` of `sliceNanoseconds`,
    /// taken after reading the wall second `wall`; `nil` when under a second of the slice is
    /// left (no wall second is safe then) or a value does not fit in 32 bits (in 2106).
    @usableFromInline
    package static func hint(wall: UInt64, now: UInt64, epoch: UInt64, sliceNanoseconds: UInt64) -> UInt64? {
        let left = (epoch &+ 1) &* sliceNanoseconds &- now
        let nextCheck = wall &+ left / 1_000_000_000
        guard nextCheck > wall, nextCheck < 1 << 32, epoch < 1 << 32 else { return nil }
        return nextCheck << 32 | epoch
    }

    /// The slice `hint` vouches for at wall second `wall`, or `nil` when the monotonic clock
    /// must be read. `sliceSeconds` is the slice in whole seconds (rounded down).
    @inlinable @inline(__always)
    package static func epoch(_ hint: UInt64, wall: UInt64, sliceSeconds: UInt64) -> UInt64? {
        // `wall` in [nextCheck - sliceSeconds - 1, nextCheck), in one unsigned compare; no
        // hint (0) makes nextCheck - 1 wrap far above any wall second.
        (hint >> 32) &- 1 &- wall <= sliceSeconds ? hint & 0xFFFF_FFFF : nil
    }
}
