import Synchronization

/// A `pmf` stat: sample statistics of recorded values, usually timings in seconds.
///
/// ```swift
/// web.latency.record(0.012)                                   // a value
/// let page = try web.latency.time { try render(request) }     // times the body, in seconds
/// let body = try await web.latency.time { try await fetch() } // async bodies too
///
/// let timing = web.latency.startTiming()                      // a timing you may abandon
/// if cacheHit { timing.discard() } else { timing.stop() }
/// ```
///
/// It reports `count` and `sum` over every value ever recorded, and over a recent window:
/// `min`, `max`, `mean`, `stddev`, `median` and the 75/95/98/99/99.9th percentiles
/// (scales' JSON names). See ``window`` for what the window is, and ``PmfSnapshot`` for the
/// figures; an empty window has no figures (`nil`, JSON `null`), never stale ones.
///
/// Non-finite values are dropped and counted in ``RegistryHealth/droppedValues``.
/// Recording takes no lock shared with any other stat and allocates nothing.
public final class PmfStat: StatCell {
    /// The default recent window: 5 minutes.
    public static let defaultWindow: Duration = .seconds(300)

    /// How far back the window figures look.
    public let window: Duration
    let histogram: WindowedHistogram
    let clock: ClockReader
    let health: HealthCounters
    let slowTimingHook = Lock<(@Sendable (_ seconds: Double, _ p99: Double) -> Void)?>(nil)
    let hasSlowTimingHook = Atomic<Bool>(false)
    let slowTimingP99 = Atomic<UInt64>(Double.infinity.bitPattern)
    let slowTimingRefresh = Atomic<UInt64>(0)

    /// Creates a pmf not bound to any registry.
    ///
    /// - Parameters:
    ///   - window: How far back the window figures look (default ``defaultWindow``).
    ///   - clock: The time source (default the system clock).
    public convenience init(window: Duration? = nil, clock: some StatClock = SystemClock()) {
        self.init(window: window, clock: clock, health: HealthCounters())
    }

    init(window: Duration?, clock: any StatClock, health: HealthCounters) {
        let window = window ?? Self.defaultWindow
        self.window = window
        self.histogram = WindowedHistogram(window: window)
        self.clock = ClockReader(clock)
        self.health = health
    }

    /// Records `value`; a NaN or infinite value is dropped and counted.
    public func record(_ value: Double) {
        guard value.isFinite else {
            health.droppedValue()
            return
        }
        histogram.record(value, at: clock.coarse())
    }

    /// Records a duration, in seconds.
    public func record(_ duration: Duration) {
        record(duration.inSeconds)
    }

    /// Runs `body`, records how long it took in seconds (also when it throws), and returns
    /// its result.
    ///
    /// ```swift
    /// let rows = try db.latency.time { try db.query(sql) }
    /// ```
    public func time<R>(_ body: () throws -> R) rethrows -> R {
        let timing = startTiming()
        defer { timing.stop() }
        return try body()
    }

    /// Runs async `body`, records how long it took in seconds (also when it throws), and
    /// returns its result.
    ///
    /// ```swift
    /// let page = try await web.latency.time { try await render(request) }
    /// ```
    public func time<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> R
    ) async rethrows -> R {
        let timing = startTiming()
        defer { timing.stop() }
        return try await body()
    }

    /// Starts one timing; call ``Timing/stop()`` to record it or ``Timing/discard()`` to
    /// abandon it.
    ///
    /// ```swift
    /// let timing = web.latency.startTiming()
    /// defer { timing.stop() }
    /// ```
    public func startTiming() -> Timing {
        Timing(stat: self, start: clock.now())
    }

    /// Calls `handler` when a timing (``time(_:)`` or ``Timing/stop()``) takes longer than the
    /// window's current 99th percentile, as scales' `warn99` does; the percentile is refreshed
    /// at most every 20 seconds. `handler` runs on the timing's thread after the value is
    /// recorded; log from it (the `Scales` module itself does not log):
    ///
    /// ```swift
    /// web.latency.warnAboveP99 { seconds, p99 in
    ///     logger.warning("slow request: \(seconds)s, p99 \(p99)s")
    /// }
    /// ```
    ///
    /// Pass `nil` to remove the hook.
    public func warnAboveP99(_ handler: (@Sendable (_ seconds: Double, _ p99: Double) -> Void)?) {
        slowTimingHook.withLock { $0 = handler }
        hasSlowTimingHook.store(handler != nil, ordering: .releasing)
    }

    func finishTiming(start: UInt64) {
        let end = clock.now()
        let seconds = Double(end &- start) / 1e9
        histogram.record(seconds, at: end)
        if hasSlowTimingHook.load(ordering: .relaxed) {
            checkSlowTiming(seconds, at: end)
        }
    }

    /// Compares a timing with the window's 99th percentile, refreshed at most every 20 s.
    @inline(never)
    func checkSlowTiming(_ seconds: Double, at now: UInt64) {
        var p99 = Double(bitPattern: slowTimingP99.load(ordering: .relaxed))
        if now >= slowTimingRefresh.load(ordering: .relaxed) {
            slowTimingRefresh.store(now &+ 20_000_000_000, ordering: .relaxed)
            p99 = histogram.figures(at: now).p99 ?? .infinity
            slowTimingP99.store(p99.bitPattern, ordering: .relaxed)
        }
        guard seconds > p99, let hook = slowTimingHook.withLock({ $0 }) else { return }
        hook(seconds, p99)
    }

    /// The figures now: all-time count and sum, and the window's statistics.
    public var figures: PmfSnapshot {
        histogram.figures(at: clock.coarse())
    }

    /// Percentiles of the window now, for quantiles other than the reported ones: for each
    /// `q` in `0...1`, the nearest-rank value (within 0.78%, see ``window``); `nil` when the
    /// window is empty.
    ///
    /// ```swift
    /// if let p90 = web.latency.percentiles([0.9])?.first { ... }
    /// ```
    public func percentiles(_ quantiles: [Double]) -> [Double]? {
        let qs = quantiles.map { $0.isNaN ? 0 : Swift.min(Swift.max($0, 0), 1) }
        return histogram.contents(at: clock.coarse()).quantiles(qs)
    }

    package func read(_ health: HealthCounters) -> StatValue { .pmf(figures) }

    /// The heap objects this pmf owns (itself, with the histogram inline, and its two locks),
    /// for tests that measure its memory with the allocator. Each lock also owns a
    /// `pthread_mutex_t` block.
    package var heapObjects: [AnyObject] {
        [self, histogram.retired, slowTimingHook]
    }

    /// The size of the histogram stored inline in a pmf, from its memory layout.
    package static var histogramLayoutSize: Int {
        MemoryLayout<WindowedHistogram>.size
    }

    /// One timing started by ``PmfStat/startTiming()``.
    ///
    /// Call ``stop()`` once to record the elapsed time, or ``discard()`` to record nothing.
    public struct Timing: Sendable {
        /// The pmf the timing records into.
        public let stat: PmfStat
        let start: UInt64

        /// Records the time since the timing started, in seconds.
        public func stop() {
            stat.finishTiming(start: start)
        }

        /// Ends the timing without recording anything (scales' `discard`): for a request
        /// that should not count, such as a health check.
        public func discard() {}

        /// Seconds since the timing started.
        public var elapsed: Double {
            Double(stat.clock.now() &- start) / 1e9
        }
    }
}
