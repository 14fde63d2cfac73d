public import Synchronization

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
/// Non-finite values, and values beyond the grid (magnitudes above 2^64, 1.8e19), are dropped
/// and counted in ``RegistryHealth/droppedValues``. Recording takes no lock shared with any
/// other stat, and allocates nothing once a value's power of two has been seen (see
/// ``precision``).
public final class PmfStat: StatCell {
    /// The default recent window: 5 minutes.
    public static let defaultWindow: Duration = .seconds(300)

    /// How far back the window figures look: 5 minutes unless configured (`window:` when
    /// binding, or the `window` key in `stats.yaml`).
    ///
    /// What the figures describe:
    ///
    /// - **`count` and `sum`** cover every value ever recorded, exactly (also under many
    ///   threads). Export them with summaries: rates and means aggregate across hosts;
    ///   percentiles do not (never average percentiles from several hosts).
    /// - **The window** is made of 5 time slices of `window / 5` (1 minute by default): the
    ///   current slice and the 4 before it, so it covers between 4/5 of `window` and all of it.
    ///   Older slices are dropped whole. Once nothing has been recorded for `window`, the window
    ///   is empty: `windowCount` is 0 and every other figure is `nil` (`null` in JSON) — never a
    ///   stale value, never a made-up 0. Reading never resets anything.
    /// - **Recent slices weigh more.** A slice's weight halves for every `window / 5` of age
    ///   (measured to its middle), much like scales' exponentially biased sample (whose weight
    ///   halves every 46 s), so after a change in behaviour the median follows within a minute
    ///   or two instead of after the whole window. `mean`, `stddev` and the percentiles are
    ///   weighted; `windowCount`, `min` and `max` are not.
    /// - **Percentiles** are nearest-rank percentiles (the smallest value with at least that
    ///   fraction of the weight at or below it) read from counts on an exact bucket grid, the
    ///   buckets of a Prometheus native histogram (see ``precision``): the reported value is
    ///   the geometric midpoint of the bucket that holds the exact percentile, clamped to the
    ///   exact `min` and `max`, so it is within **0.55%** of the exact value at the default
    ///   precision — whatever the order of the values (outliers first, idle gaps, values from
    ///   1 ns to a day in one window, zeros, negatives). Scales' 1028-value reservoir: several
    ///   percent, see the README. Values of magnitude up to 2^-64 count as 0.
    /// - **`stddev`** is computed from the buckets: within 0.55% of the values' magnitude.
    ///
    /// The window is at least 5 ms (slices of at least 1 ms).
    ///
    /// Cost: recording reads the wall clock's whole seconds (`time()`, a few nanoseconds) to
    /// find its slice, and the coarse monotonic clock (twice that) only in the last second or
    /// so of each slice; then it makes a few relaxed atomic operations on this stat's own
    /// memory, allocation-free. (With slices under 2 s, a clock other than ``SystemClock``, or off
    /// Linux, every record reads the coarse monotonic clock instead.) A wall clock stepped
    /// back by less than a slice can keep records in the ending slice for up to that step.
    public let window: Duration
    /// The bucket grid: the Prometheus native-histogram schema, `0...8` (default 6;
    /// `precision:` when binding, clamped to `0...8`).
    ///
    /// There are `2^precision` buckets per power of two, with the edges Prometheus defines:
    /// bucket `i` holds magnitudes in `(2^((i-1)/2^precision), 2^(i/2^precision)]`, negative
    /// values apart by magnitude, and magnitudes up to 2^-64 in a zero bucket. A value is
    /// reported within `2^(1/2^(precision+1)) - 1` of itself: 0.55% at 6, 0.27% at 7, 0.14% at
    /// 8, 1.1% at 5, 41% at 0. The all-time counts on this grid are in
    /// ``PmfSnapshot/buckets`` for exporters.
    ///
    /// Memory: a pmf is about 2.6 KiB when bound; each power of two its values reach adds a
    /// page of `28 × 2^precision` bytes (1,792 at the default), allocated by the first such
    /// value and kept, so a pmf whose values span 10 powers of two takes about 21 KiB at the
    /// default precision (at most 128 powers of two per sign). A pmf that two threads record
    /// into at once also gets stripes (see <doc:Contention>): a block of 2 KiB plus 128 bytes
    /// per stripe, and per power of two recorded into while striped, `20 × 2^precision` bytes
    /// per stripe (1,280 at the default; 2.5 KiB per such power on 2 CPUs, 10 KiB on 8).
    public let precision: Int
    @usableFromInline let histogram: WindowedHistogram
    @usableFromInline let clock: ClockReader
    @usableFromInline let health: HealthCounters
    let slowTimingHook = Lock<(@Sendable (_ seconds: Double, _ p99: Double) -> Void)?>(nil)
    @usableFromInline let hasSlowTimingHook = Atomic<Bool>(false)
    let slowTimingP99 = Atomic<UInt64>(Double.infinity.bitPattern)
    let slowTimingRefresh = Atomic<UInt64>(0)

    /// Creates a pmf not bound to any registry.
    ///
    /// - Parameters:
    ///   - window: How far back the window figures look (default ``defaultWindow``).
    ///   - precision: The grid's schema, `0...8` (default 6), clamped (see ``precision``).
    ///   - clock: The time source (default the system clock).
    public convenience init(window: Duration? = nil, precision: Int? = nil, clock: some StatClock = SystemClock()) {
        self.init(window: window, precision: precision, clock: clock, health: HealthCounters())
    }

    init(window: Duration?, precision: Int?, clock: any StatClock, health: HealthCounters) {
        let schema = Self.schema(precision)
        self.precision = schema
        self.histogram = WindowedHistogram(
            window: window ?? Self.defaultWindow, schema: schema, systemClock: clock is SystemClock)
        // The window in effect: 5 whole slices of at least 1 ms each.
        self.window = .nanoseconds(Int64(clamping: histogram.sliceNanoseconds &* UInt64(WindowedHistogram.slotCount)))
        self.clock = ClockReader(clock)
        self.health = health
    }

    /// The schema for a requested precision: `0...8`, 6 by default.
    static func schema(_ precision: Int?) -> Int {
        Swift.min(Swift.max(precision ?? NativeGrid.defaultSchema, 0), NativeGrid.finestSchema)
    }

    /// Records `value`; a NaN or infinite value, or one of magnitude above 2^64, is dropped and
    /// counted.
    @inlinable @inline(__always)
    public func record(_ value: Double) {
        // Always inlined: a call into the module (register saves and spills around the
        // record's atomics) would cost about a third of the record itself. Everything rare
        // (a new slice, a clock check, a new page) is out of line. One comparison drops NaN,
        // the infinities and magnitudes beyond the grid.
        guard value.magnitude <= NativeGrid.maxMagnitude else {
            health.droppedValue()
            return
        }
        histogram.record(value, clock: clock)
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
    @inlinable
    public func time<R>(_ body: () throws -> R) rethrows -> R {
        // Inlinable so that callers get it specialized, with `body` inlined: then a timing
        // costs two clock reads and a record, nothing for the generic call or the closure.
        let start = clock.now()
        defer { finishTiming(start: start) }
        return try body()
    }

    /// Runs async `body`, records how long it took in seconds (also when it throws), and
    /// returns its result.
    ///
    /// ```swift
    /// let page = try await web.latency.time { try await render(request) }
    /// ```
    @inlinable
    public func time<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> R
    ) async rethrows -> R {
        let start = clock.now()
        defer { finishTiming(start: start) }
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

    /// Records the time since `start` (a reading of ``clock``), at the precise end reading:
    /// no second clock read to find the time slice.
    @inlinable @inline(__always)
    func finishTiming(start: UInt64) {
        let end = clock.now()
        let seconds = Self.seconds(end &- start)
        histogram.record(seconds, at: end)
        if hasSlowTimingHook.load(ordering: .relaxed) {
            checkSlowTiming(seconds, at: end)
        }
    }

    /// `nanoseconds` in seconds. A multiply, not a division: the value feeds every atomic
    /// operation of the record, and a division's latency (several times a multiply's) showed
    /// in `time { }`; the result is within an ulp of `Double(nanoseconds) / 1e9`.
    @inlinable @inline(__always)
    static func seconds(_ nanoseconds: UInt64) -> Double {
        Double(nanoseconds) * 1e-9
    }

    /// Compares a timing with the window's 99th percentile, refreshed at most every 20 s.
    @usableFromInline @inline(never)
    func checkSlowTiming(_ seconds: Double, at now: UInt64) {
        var p99 = Double(bitPattern: slowTimingP99.load(ordering: .relaxed))
        if now >= slowTimingRefresh.load(ordering: .relaxed) {
            slowTimingRefresh.store(now &+ 20_000_000_000, ordering: .relaxed)
            p99 = histogram.figures(at: now, buckets: false).p99 ?? .infinity
            slowTimingP99.store(p99.bitPattern, ordering: .relaxed)
        }
        guard seconds > p99, let hook = slowTimingHook.withLock({ $0 }) else { return }
        hook(seconds, p99)
    }

    /// The figures now: all-time count and sum (and the all-time counts on the grid,
    /// ``PmfSnapshot/buckets``), and the window's statistics.
    public var figures: PmfSnapshot {
        histogram.figures(at: clock.coarse())
    }

    /// Percentiles of the window now, for quantiles other than the reported ones: for each
    /// `q` in `0...1`, the nearest-rank value (within 0.55% at the default precision, see
    /// ``window``); `nil` when the
    /// window is empty.
    ///
    /// ```swift
    /// if let p90 = web.latency.percentiles([0.9])?.first { ... }
    /// ```
    public func percentiles(_ quantiles: [Double]) -> [Double]? {
        let qs = quantiles.map { $0.isNaN ? 0 : Swift.min(Swift.max($0, 0), 1) }
        return histogram.contents(at: clock.coarse(), buckets: false).quantiles(qs)
    }

    /// Stripes in use: 0 until two threads are seen recording at once.
    package var stripeCount: Int { histogram.stripeCount }

    /// Gives the stat its stripes now, as two threads updating it at once would (for tests).
    package func spreadOverStripes() { histogram.spread() }

    /// Computing percentiles is not for under the registry's lock.
    package var readsOutsideTreeLock: Bool { true }

    package func read(_ health: HealthCounters) -> StatValue { .pmf(figures) }

    /// The window, for displays (``StatCell/recentWindow``).
    package var recentWindow: Duration? { window }

    /// The heap objects this pmf owns (itself, with the histogram inline, and its two locks),
    /// for tests that measure its memory with the allocator. Each lock also owns a
    /// `pthread_mutex_t` block; the histogram's pages are ``heapPages``.
    package var heapObjects: [AnyObject] {
        [self, histogram.retired, slowTimingHook]
    }

    /// The blocks holding the histogram's pages (one per power of two and sign seen).
    package var heapPages: [UnsafeMutableRawPointer] {
        histogram.pageAddresses
    }

    /// The Prometheus index of the bucket of `magnitude` (`> 2^-64`, `<= 2^64`) on schema
    /// `precision`, as the pmf finds it (for tests).
    package static func bucketIndex(of magnitude: Double, precision: Int) -> Int {
        NativeGrid.prometheusIndex(magnitude, schema: precision)
    }

    /// The relative bound of a reported value on schema `precision`: `2^(1/2^(precision+1)) - 1`.
    package static func bound(precision: Int) -> Double {
        NativeGrid.bound(schema: schema(precision))
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
            PmfStat.seconds(stat.clock.now() &- start)
        }
    }
}
