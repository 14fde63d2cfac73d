#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The 1-, 5- and 15-minute exponentially weighted moving average rates of a meter, defined
/// as Java Metrics (and scales) define them, computed lazily and in closed form.
///
/// Definition: time is cut into 5-second ticks from the meter's creation. At the end of each
/// tick, with `n` events in it, the instant rate is `n / 5` per second and each average moves
/// toward it: `rate += alpha * (instant - rate)` with `alpha = 1 - exp(-5 / 60 / minutes)`.
/// The first completed tick sets every rate to its instant rate (Java's `initialized` rule);
/// before that the rates are 0.
///
/// Nothing ticks in the background. The state is brought up to date when the meter *observes*
/// the clock (on every read, and on every 64th event). `k` ticks with the same instant rate
/// `r` are applied at once in closed form, `rate = r + (rate - r) * exp(-5k / 60 / minutes)`,
/// so catching up after a day of idleness costs the same as after 5 seconds. Events between
/// two observations are spread evenly over the time between them (exact for steady traffic).
struct ExponentialRates: Sendable {
    static let tickNanoseconds: UInt64 = 5_000_000_000
    static let tickSeconds = 5.0
    static let minutes: (Double, Double, Double) = (1, 5, 15)
    /// Rates below this (per second) read as 0: no denormal leftovers after long idleness.
    static let epsilon = 1e-9

    private(set) var m1 = 0.0
    private(set) var m5 = 0.0
    private(set) var m15 = 0.0
    private var initialized = false
    private var intervalStart: UInt64
    private var lastObservation: UInt64
    private var observedCount = 0
    /// Events attributed to the open tick so far.
    private var pending = 0.0

    init(start: UInt64) {
        intervalStart = start
        lastObservation = start
    }

    /// Brings the rates up to `now`, given the meter's total count then.
    mutating func observe(count: Int, at now: UInt64) {
        let now = max(now, lastObservation)
        let newEvents = Double(count &- observedCount)
        let span = now - lastObservation
        observedCount = count
        defer { lastObservation = now }
        let tickEnd = intervalStart &+ Self.tickNanoseconds
        guard now >= tickEnd else {
            pending += newEvents
            return
        }
        // Events per nanosecond over (lastObservation, now].
        let density = span > 0 ? newEvents / Double(span) : 0
        tick(events: pending + density * Double(tickEnd - lastObservation))
        let fullTicks = (now - tickEnd) / Self.tickNanoseconds
        if fullTicks > 0 {
            let instant = density * 1e9
            let k = Double(fullTicks)
            m1 = Self.decay(m1, toward: instant, ticks: k, minutes: Self.minutes.0)
            m5 = Self.decay(m5, toward: instant, ticks: k, minutes: Self.minutes.1)
            m15 = Self.decay(m15, toward: instant, ticks: k, minutes: Self.minutes.2)
        }
        intervalStart = tickEnd &+ fullTicks &* Self.tickNanoseconds
        pending = density * Double(now - intervalStart)
    }

    private mutating func tick(events: Double) {
        let instant = events / Self.tickSeconds
        if initialized {
            m1 += Self.alpha(minutes: Self.minutes.0) * (instant - m1)
            m5 += Self.alpha(minutes: Self.minutes.1) * (instant - m5)
            m15 += Self.alpha(minutes: Self.minutes.2) * (instant - m15)
        } else {
            m1 = instant
            m5 = instant
            m15 = instant
            initialized = true
        }
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
