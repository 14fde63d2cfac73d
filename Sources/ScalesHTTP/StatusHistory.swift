public import Scales

/// The recent history of every numeric stat, for the status page's sparklines.
///
/// One object samples the whole tree: no timer per stat. A sample is one snapshot of the
/// registry's root, taken by ``sample(_:)`` at most once per ``interval`` (calls in between
/// return at once). ``StatusServer`` calls it from one repeated task on its event loops;
/// ``StatusHandler`` calls it when it renders an HTML page, so a framework-mounted page has
/// history from the first view on (call ``sample(_:)`` from your own timer for history while
/// nobody looks).
///
/// ```swift
/// let history = StatusHistory(points: 60, interval: .seconds(10), maxStats: 10_000)
/// var status = StatusHandler(registry: .shared, serverName: "api-7")
/// status.history = history
/// ```
///
/// **What is kept.** The numbers of `int`, `double` (monotonic or not), gauges and `sum`s:
/// ``points`` values per stat (60 by default: 10 minutes at one point per 10 s), in a ring.
/// Counters keep their value; the page draws their rate per second.
///
/// **Memory is bounded** per stat (``points`` numbers) and in total (``maxStats`` stats,
/// 10,000 by default; with 60 points a stat costs 633 bytes, measured, so about 6.3 MB). A
/// stat that appears when ``maxStats`` stats are kept gets no history and is counted in
/// ``untrackedStats``, shown on the page and in the sampled registry's tree at
/// `/scales/history/untrackedStats` (``countsPath``); a stat that has been missing from ``points``
/// samples in a row (removed from the registry) is forgotten and makes room.
///
/// **Cost** (`Benchmarks/…/PageBenchmarks.swift`). Recording a sample of 10,000 stats takes
/// about 2.5 ms; a page of 10,000 stats with full sparklines takes about 6 times the time of
/// the page without them (51 against 9 ms), most of it writing the 60 points of each line.
public final class StatusHistory: Sendable {
    /// Values kept per stat.
    public let points: Int
    /// The time between two samples: at most one sample is taken per interval.
    public let interval: Duration
    /// The most stats that have a history at once.
    public let maxStats: Int

    let intervalSeconds: Double
    let state: Lock<State>

    /// Creates an empty history.
    ///
    /// - Parameters:
    ///   - points: Values kept per stat, 2…1000 (60 by default).
    ///   - interval: The time between samples, at least 1 s (10 s by default).
    ///   - maxStats: The most stats with a history, at least 0 (10,000 by default).
    public init(points: Int = 60, interval: Duration = .seconds(10), maxStats: Int = 10_000) {
        self.points = Swift.min(Swift.max(points, 2), 1000)
        self.interval = Swift.max(interval, .seconds(1))
        self.maxStats = Swift.max(maxStats, 0)
        let (seconds, attoseconds) = self.interval.components
        self.intervalSeconds = Double(seconds) + Double(attoseconds) / 1e18
        self.state = Lock(State(points: self.points))
    }

    /// Stats seen in the latest sample that have no history because ``maxStats`` others have
    /// one (0 when everything fits). The page shows this number when it is not 0.
    public var untrackedStats: Int {
        state.withLock { $0.untracked }
    }

    /// Stats that have a history now.
    public var trackedStats: Int {
        state.withLock { $0.series.count }
    }

    /// Takes a sample of `registry`'s whole tree if none was taken in the current interval.
    ///
    /// - Returns: Whether a sample was taken.
    @discardableResult
    public func sample(_ registry: Registry) -> Bool {
        guard isDue(at: Registry.now()) else { return false }
        showCounts(in: registry)
        guard let snapshot = registry.snapshot(at: StatPath(names: [])) else { return false }
        return record(snapshot)
    }

    /// Where a sampled registry shows how many stats have a history and how many have none
    /// (``maxStats`` reached): `/scales/history/trackedStats` and `untrackedStats`, beside the
    /// registry's health counters, so a bound that bites is seen where operators look.
    public static let countsPath: StatPath = "/scales/history"

    /// Binds ``countsPath``'s two gauges in `registry` once (binding is idempotent; the gauges
    /// read this history, so the latest history to sample a registry is the one shown).
    func showCounts(in registry: Registry) {
        let identity = ObjectIdentifier(registry)
        guard state.withLock({ $0.shownIn.insert(identity).inserted }) else { return }
        let counts = registry.collection(
            at: Self.countsPath, doc: "The status page's sparkline history (StatusHistory)")
        counts.gauge("trackedStats", of: Int.self, doc: "Stats with a history now")
            .bind { [weak self] in self?.trackedStats ?? 0 }
        counts.gauge("untrackedStats", of: Int.self, doc: "Stats left without a history: maxStats others have one")
            .bind { [weak self] in self?.untrackedStats ?? 0 }
    }

    /// Records `snapshot` (of the registry's root) as the sample of its timestamp's interval,
    /// unless that interval already has one. For tests and for callers that already hold a
    /// root snapshot.
    ///
    /// - Returns: Whether the sample was recorded.
    @discardableResult
    public func record(_ snapshot: Snapshot) -> Bool {
        guard snapshot.path.segments.isEmpty else { return false }
        var numbers: [(path: String, value: Double, counter: Bool)] = []
        Self.collect(snapshot.root, prefix: "", into: &numbers)
        let slot = slot(of: snapshot.timestamp)
        return state.withLock { state in
            guard slot > state.lastSlot else { return false }
            state.lastSlot = slot
            state.add(snapshot.timestamp, numbers, maxStats: maxStats)
            return true
        }
    }

    func isDue(at timestamp: Double) -> Bool {
        let slot = slot(of: timestamp)
        return state.withLock { slot > $0.lastSlot }
    }

    func slot(of timestamp: Double) -> Int64 {
        guard timestamp.isFinite else { return Int64.min }
        return Int64(clamping: Int64((timestamp / intervalSeconds).rounded(.down)))
    }

    /// The kept history, copied for one page (the page renders without the lock).
    func reading() -> Reading {
        state.withLock { state in
            Reading(
                times: state.ordered(state.times), series: state.series, index: state.index, order: state.order(),
                interval: intervalSeconds, points: points, untracked: state.untracked)
        }
    }

    /// The path key of a stat: each name after a `/`, with `%` and `/` in names escaped
    /// (`%25`, `%2F`), so two stats never share a key.
    static func key(_ names: [String]) -> String {
        var key = ""
        for name in names { appendSegment(name, to: &key) }
        return key
    }

    static func appendSegment(_ name: String, to key: inout String) {
        key += "/"
        if !name.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "%") }) {
            key += name
            return
        }
        for character in name.unicodeScalars {
            switch character {
            case "%": key += "%25"
            case "/": key += "%2F"
            default: key.unicodeScalars.append(character)
            }
        }
    }

    static func collect(
        _ node: SnapshotNode, prefix: String, into numbers: inout [(path: String, value: Double, counter: Bool)]
    ) {
        switch node {
        case .container(let container):
            for child in container.children {
                var path = prefix
                appendSegment(child.name, to: &path)
                collect(child, prefix: path, into: &numbers)
            }
        case .stat(let stat):
            switch stat.value {
            case .int(let number): numbers.append((prefix, Double(number), false))
            case .counter(let number): numbers.append((prefix, Double(number), true))
            case .double(let number) where number.isFinite: numbers.append((prefix, number, false))
            case .doubleCounter(let number) where number.isFinite: numbers.append((prefix, number, true))
            default: break
            }
        }
    }

    struct Series {
        let path: String
        /// Aligned with ``State/times``: `nan` where the stat had no value.
        var values: [Double]
        var counter: Bool
        /// The sample count when the stat was last seen.
        var lastSeen: Int
    }

    struct State {
        let points: Int
        var times: [Double]
        /// Where the next sample goes in the rings.
        var next = 0
        var samples = 0
        var lastSlot = Int64.min
        /// Every kept stat's values, in no order; ``index`` finds a path's.
        var series: [Series] = []
        var index: [String: Int] = [:]
        var untracked = 0
        /// The registries whose tree shows this history's counts (``showCounts(in:)``).
        var shownIn: Set<ObjectIdentifier> = []

        init(points: Int) {
            self.points = points
            self.times = Array(repeating: .nan, count: points)
        }

        mutating func add(_ time: Double, _ numbers: [(path: String, value: Double, counter: Bool)], maxStats: Int) {
            let slot = next
            times[slot] = time
            samples += 1
            // Forget what has been missing for a whole ring (the last series takes its place);
            // blank the slot of the others.
            var position = series.count - 1
            while position >= 0 {
                if samples - series[position].lastSeen > points {
                    index[series[position].path] = nil
                    let moved = series.removeLast()
                    if position < series.count {
                        series[position] = moved
                        index[moved.path] = position
                    }
                } else {
                    series[position].values[slot] = .nan
                }
                position -= 1
            }
            untracked = 0
            for number in numbers {
                if let position = index[number.path] {
                    series[position].values[slot] = number.value
                    series[position].counter = number.counter
                    series[position].lastSeen = samples
                } else if series.count < maxStats {
                    var values = Array(repeating: Double.nan, count: points)
                    values[slot] = number.value
                    index[number.path] = series.count
                    series.append(Series(path: number.path, values: values, counter: number.counter, lastSeen: samples))
                } else {
                    untracked += 1
                }
            }
            next = (next + 1) % points
        }

        /// The ring's slots oldest first.
        func order() -> [Int] {
            (0..<points).map { (next + $0) % points }
        }

        func ordered(_ ring: [Double]) -> [Double] {
            order().map { ring[$0] }
        }
    }

    /// A copy of the history for rendering one page.
    struct Reading {
        /// Sample times, oldest first (`nan` for slots not filled yet).
        let times: [Double]
        let series: [Series]
        let index: [String: Int]
        let order: [Int]
        let interval: Double
        let points: Int
        let untracked: Int

        /// The points to draw for the stat at `key`: (time, value) oldest first; a counter's
        /// are its rates per second between samples (a decrease, a reset, gives no point).
        func line(_ key: String) -> (points: [(time: Double, value: Double)], counter: Bool)? {
            guard let position = index[key] else { return nil }
            let series = self.series[position]
            var line: [(time: Double, value: Double)] = []
            line.reserveCapacity(points)
            var previous: (time: Double, value: Double)?
            for (index, slot) in order.enumerated() {
                let time = times[index]
                let value = series.values[slot]
                guard time.isFinite, !value.isNaN else {
                    previous = nil
                    continue
                }
                if series.counter {
                    if let previous, time > previous.time, value >= previous.value {
                        line.append((time, (value - previous.value) / (time - previous.time)))
                    }
                    previous = (time, value)
                } else {
                    line.append((time, value))
                }
            }
            return (line, series.counter)
        }
    }
}
