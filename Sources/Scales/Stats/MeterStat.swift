import ScalesPlatform
public import Synchronization

/// A `meter` stat: counts events and reports their 1-, 5- and 15-minute moving average rates
/// and the mean rate, per second.
///
/// ```swift
/// web.hits.mark()          // one event
/// web.bytesIn.mark(512)    // n events
/// ```
///
/// The rates are Java Metrics' `Meter`'s: exponentially weighted moving averages over 5-second
/// ticks from the meter's creation, each event counted in the tick it happened in (see
/// ``figures``), so they do not depend on who reads them when. Startup: the mean rate is exact
/// from the first event; `m1`, `m5` and `m15` are 0 until the first tick ends, then start at
/// its rate. Rates below 1e-9 per second read as 0 (Java's would show the leftovers). A
/// negative `n` is dropped and counted in ``RegistryHealth/droppedValues``.
///
/// Cost: there is no background thread; a mark is one relaxed atomic add (on the cell of its
/// thread's CPU once threads contend for the meter, see <doc:Contention>) plus a check that
/// its tick has not ended. With ``SystemClock`` on Linux the check reads the wall clock's
/// whole seconds (`time()`, one load in the vDSO) against a hint; only the first mark after
/// each tick's end (or one the hint cannot vouch for) reads the coarse monotonic clock and,
/// under a lock, takes the ticks that have ended. With any other clock (such as a test's
/// `ManualClock`), and on other systems, every mark reads the clock.
///
/// Concurrency: the total count is exact. A mark racing the end of a tick on another thread
/// may be counted in the neighbouring tick (Java's `Meter` has the same race).
public final class MeterStat: StatCell {
    /// The unit shown when none is given: `per second`, as scales shows it.
    public static let defaultUnit = "per second"

    // The words marks only read come first; the count marks add to comes after the others,
    // on another cache line, so that two threads marking do not also fight over the hint.

    /// Whether marks check their tick with the wall clock's seconds: ``SystemClock`` on Linux.
    @usableFromInline let wallHints: Bool
    /// The wall second from which marks must read the monotonic clock (0: from now). Every
    /// wall second below it ends before the open tick does (see
    /// `nextCheck(wallNanoseconds:now:tickEnd:)`).
    @usableFromInline let nextCheck = Atomic<UInt64>(0)
    /// `ExponentialRates.tickEnd` as of the last tick (by the meter's clock): a mark at or
    /// before it takes no tick.
    @usableFromInline let tickEnd: Atomic<UInt64>
    let rates: Lock<ExponentialRates>
    let created: UInt64
    /// The unit shown next to the rates.
    public let unit: String
    let clock: ClockReader
    @usableFromInline let health: HealthCounters
    @usableFromInline let count: StripedInt

    /// Creates a meter not bound to any registry.
    public convenience init(unit: String? = nil, clock: some StatClock = SystemClock()) {
        self.init(unit: unit, clock: clock, health: HealthCounters())
    }

    init(unit: String?, clock: any StatClock, health: HealthCounters) {
        let reader = ClockReader(clock)
        var now = reader.coarse()
        var start = now
        var hints = false
        #if os(Linux)
        if reader.isSystem, let (wall, monotonic) = Self.coarseWallAndMonotonic() {
            // The ticks start at the wall clock's last whole second (under a second before
            // creation), so they end as the wall second changes: the hint then vouches for
            // every wall second of a tick, and only the first mark after a tick's end checks.
            now = monotonic
            start = monotonic &- wall % 1_000_000_000
            hints = true
        }
        #endif
        self.clock = reader
        wallHints = hints
        created = now
        let rates = ExponentialRates(start: start)
        tickEnd = Atomic(rates.tickEnd)
        self.rates = Lock(rates)
        count = StripedInt(0)
        self.unit = unit ?? Self.defaultUnit
        self.health = health
        if hints { refreshHint(tickEnd: rates.tickEnd) }
    }

    /// Marks one event.
    @inlinable public func mark() {
        if vouched() {
            count.add(1)
        } else {
            markChecking(1)
        }
    }

    /// Marks `n` events; a negative `n` is dropped and counted.
    @inlinable public func mark(_ n: Int) {
        guard n > 0 else {
            if n < 0 { health.droppedValue() }
            return
        }
        if vouched() {
            count.add(n)
        } else {
            markChecking(n)
        }
    }

    /// Events marked since the meter was created.
    public var total: Int { count.load() }

    /// Stripes of the count in use: 0 until two threads are seen marking at once.
    package var stripeCount: Int { count.stripeCount }

    /// Gives the stat its stripes now, as two threads updating it at once would (for tests).
    package func spreadOverStripes() { count.spread() }

    /// Whether the hint vouches that the open tick has not ended: the wall second is in
    /// `[nextCheck - 5, nextCheck)` (a wall clock stepped back by more than that re-checks).
    @inlinable @inline(__always)
    func vouched() -> Bool {
        guard wallHints else { return false }
        let wall = SystemClock.wallSeconds()
        // One unsigned compare; no hint (0) wraps far above.
        return nextCheck.load(ordering: .relaxed) &- 1 &- wall < 5
    }

    /// A mark the hint did not vouch for: reads the meter's clock and, if the open tick has
    /// ended, takes the ticks passed (with the count before this mark's events) first.
    @usableFromInline @inline(never)
    func markChecking(_ n: Int) {
        let now = clock.coarse()
        let end = tickEnd.load(ordering: .acquiring)
        if now > end {
            let newEnd = tick(at: now)
            if wallHints { refreshHint(tickEnd: newEnd) }
        } else if wallHints, end - now >= 1_000_000_000 {
            // No hint, or an old one: a second or more is left, so a new one vouches for some.
            refreshHint(tickEnd: end)
        }
        count.add(n)
    }

    /// Java's `tickIfNecessary()` at `now`, with the count now; returns the open tick's end.
    func tick(at now: UInt64) -> UInt64 {
        rates.withLock { rates in
            if rates.tickIfNecessary(count: count.load(), at: now) {
                tickEnd.store(rates.tickEnd, ordering: .releasing)
            }
            return rates.tickEnd
        }
    }

    /// Stores the hint for a tick ending at `end` (the coarse monotonic clock).
    func refreshHint(tickEnd end: UInt64) {
        guard let (wall, monotonic) = Self.coarseWallAndMonotonic(),
            let hint = Self.nextCheck(wallNanoseconds: wall, now: monotonic, tickEnd: end)
        else { return }
        // A racing thread may store an older hint over this one: that only costs an earlier
        // check (each hint vouches only for times before an end the meter has reached).
        nextCheck.store(hint, ordering: .relaxed)
    }

    /// The hint for a tick ending at `tickEnd`, from a reading of the coarse wall clock
    /// (`wallNanoseconds`, since 1970) and of the coarse monotonic clock (`now`) taken at the
    /// same timer tick: the wall second at the tick's end, rounded down, or `nil` if the tick
    /// has ended or the value does not fit in 32 bits.
    ///
    /// Why it holds: Linux sets both coarse clocks at each timer tick, a fixed offset apart
    /// (only a step of the wall clock changes it). A later mark reading wall second
    /// `w < nextCheck` is at a coarse wall time below `nextCheck` seconds, so at a coarse
    /// monotonic time below `tickEnd`: in the open tick, as ``figures`` would find. The one
    /// way to be late: a wall clock stepped *back* (by up to 5 s; larger steps fail the range
    /// check) keeps marks in the ending tick for up to the size of the step.
    package static func nextCheck(wallNanoseconds wall: UInt64, now: UInt64, tickEnd: UInt64) -> UInt64? {
        guard tickEnd > now else { return nil }
        let hint = (wall &+ (tickEnd - now)) / 1_000_000_000
        return hint > 0 && hint < 1 << 32 ? hint : nil
    }

    /// The coarse wall and monotonic clocks as of the same timer tick (nanoseconds), or `nil`
    /// where they are not known to move together (off Linux) or kept changing.
    static func coarseWallAndMonotonic() -> (wall: UInt64, monotonic: UInt64)? {
        PlatformClock.coarseWallAndMonotonic()
    }

    /// The figures now: count, the three moving averages and the mean rate, per second.
    ///
    /// Reading does what Java's rate getters do: it takes the ticks that have ended (with the
    /// count now: every event so far happened before now), exactly as the next mark would,
    /// then reports. So a read changes no later figure, and never resets anything. The rates
    /// move only when a tick ends: every 5 s from the meter's creation. (With ``SystemClock``
    /// on Linux, from the wall clock's last whole second before creation: the first tick is
    /// 4 to 5 s long, so that ticks end as the wall second changes.)
    public var figures: MeterSnapshot {
        let now = clock.coarse()
        let (total, rates, ticked) = self.rates.withLock { rates -> (Int, ExponentialRates, Bool) in
            let total = count.load()
            let ticked = rates.tickIfNecessary(count: total, at: now)
            if ticked { tickEnd.store(rates.tickEnd, ordering: .releasing) }
            return (total, rates, ticked)
        }
        if ticked && wallHints { refreshHint(tickEnd: rates.tickEnd) }
        let elapsed = Double(now &- created) / 1e9
        let mean = total > 0 && elapsed > 0 ? Double(total) / elapsed : 0
        return MeterSnapshot(
            count: total, m1: ExponentialRates.shown(rates.m1), m5: ExponentialRates.shown(rates.m5),
            m15: ExponentialRates.shown(rates.m15), meanRate: mean, unit: unit)
    }

    package func read(_ health: HealthCounters) -> StatValue { .meter(figures) }
}
