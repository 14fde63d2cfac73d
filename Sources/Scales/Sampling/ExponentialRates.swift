import ScalesPlatform

/// The 1-, 5- and 15-minute exponentially weighted moving average rates of a meter, as Java
/// Metrics' `Meter` computes them (its `ExponentialMovingAverages` and `EWMA`).
///
/// Definition: time is cut into 5-second ticks from the start. Whenever the meter looks at the
/// clock (before each mark adds its events, and on each read) and *more* than 5 s have passed
/// since the open tick's start, the `k` whole ticks passed are taken: the first with every
/// event counted since the previous tick, the other `k - 1` with none. Taking a tick with `n`
/// events moves each average toward the instant rate `n / 5` per second:
/// `rate += alpha * (instant - rate)` with `alpha = 1 - exp(-5 / 60 / minutes)`; the first tick
/// ever sets every rate to its instant rate (Java's `initialized`); before it the rates are 0.
///
/// Because a mark brings the ticks up to date before it adds, each event belongs to the tick
/// it happened in, and a read commits only what the next mark would have: the figures do not
/// depend on who reads them when. (One edge, Java's too: a look exactly on a tick's end, to the
/// nanosecond, takes that tick at once if nothing looked during it, and an event at that
/// instant then counts in the next tick; after a look during the tick, it counts in that one.)
///
/// Nothing ticks in the background. Ticks without events are applied in closed form,
/// `rate * exp(-5k / 60 / minutes)` for `k` of them, and only when needed: the state is the
/// rates right after the last tick with events and that tick's number, so catching up after a
/// day of idleness costs the same as after 5 seconds, and the figures are a function of the
/// ticks with events alone, to the last bit, however the empty ones were taken (one look
/// across them, or many). They equal Java's tick-by-tick figures up to rounding.
struct ExponentialRates: Sendable {
    static let tickNanoseconds: UInt64 = 5_000_000_000
    static let tickSeconds = 5.0
    static let minutes: (Double, Double, Double) = (1, 5, 15)
    /// Rates below this (per second) read as 0: no denormal leftovers after long idleness.
    static let epsilon = 1e-9

    let start: UInt64
    /// Ticks taken since the start (Java's `lastTick` is `start + ticks * 5 s`).
    private(set) var ticks: UInt64 = 0
    /// The rates right after tick number ``eventTick``, the last with events (0: none yet).
    private var rates: (Double, Double, Double) = (0, 0, 0)
    private var eventTick: UInt64 = 0
    /// The meter's total count when the last tick was taken; events counted since are the open
    /// tick's (Java's `uncounted`).
    private var committed = 0

    init(start: UInt64) {
        self.start = start
    }

    /// The start of the open tick.
    var tickStart: UInt64 { start &+ ticks &* Self.tickNanoseconds }

    /// The end of the open tick: a look at or before it takes no tick.
    var tickEnd: UInt64 { tickStart &+ Self.tickNanoseconds }

    /// The rates as of the last tick taken.
    var m1: Double { Self.decay(rates.0, toward: 0, ticks: Double(ticks - eventTick), minutes: Self.minutes.0) }
    var m5: Double { Self.decay(rates.1, toward: 0, ticks: Double(ticks - eventTick), minutes: Self.minutes.1) }
    var m15: Double { Self.decay(rates.2, toward: 0, ticks: Double(ticks - eventTick), minutes: Self.minutes.2) }

    /// Java's `tickIfNecessary()` at `now`, `count` being the meter's total count then (every
    /// event counted so far belongs to the ticks that have ended). Returns whether it ticked.
    @discardableResult
    mutating func tickIfNecessary(count: Int, at now: UInt64) -> Bool {
        let open = tickStart
        // Another thread may have ticked with a later reading than ours.
        guard now > open, now - open > Self.tickNanoseconds else { return false }
        let first = ticks + 1
        ticks += (now - open) / Self.tickNanoseconds
        let events = count &- committed
        committed = count
        // The first of the ticks passed takes every event; the others are empty.
        if events != 0 { tick(first, events: Double(events)) }
        return true
    }

    /// Tick number `number`, with `events` in it: `rate += alpha * (instant - rate)`, or, at
    /// the first tick ever, `rate = instant`.
    private mutating func tick(_ number: UInt64, events: Double) {
        let instant = events / Self.tickSeconds
        if number == 1 {
            rates = (instant, instant, instant)
        } else {
            // Java's rates before this tick: initialized (tick 1 has been taken), decayed by
            // the empty ticks since the last one with events.
            let empty = Double(number - 1 - eventTick)
            let m1 = Self.decay(rates.0, toward: 0, ticks: empty, minutes: Self.minutes.0)
            let m5 = Self.decay(rates.1, toward: 0, ticks: empty, minutes: Self.minutes.1)
            let m15 = Self.decay(rates.2, toward: 0, ticks: empty, minutes: Self.minutes.2)
            rates = (
                m1 + Self.alpha(minutes: Self.minutes.0) * (instant - m1),
                m5 + Self.alpha(minutes: Self.minutes.1) * (instant - m5),
                m15 + Self.alpha(minutes: Self.minutes.2) * (instant - m15)
            )
        }
        eventTick = number
    }

    static func alpha(minutes: Double) -> Double {
        1 - exp(-tickSeconds / 60 / minutes)
    }

    /// `ticks` applications of `rate += alpha * (instant - rate)`, in closed form.
    static func decay(_ rate: Double, toward instant: Double, ticks: Double, minutes: Double) -> Double {
        instant + (rate - instant) * exp(-tickSeconds * ticks / 60 / minutes)
    }

    /// A rate as shown: 0 below ``epsilon``.
    static func shown(_ rate: Double) -> Double {
        rate.isFinite && rate >= epsilon ? rate : 0
    }
}
