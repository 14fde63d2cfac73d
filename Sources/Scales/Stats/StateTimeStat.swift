/// A `stateTime` stat: how many seconds were spent in each state.
///
/// Set the state whenever it changes; the time since the last change is credited to the
/// state being left. Use ``acquire(_:)`` to count concurrent users: it raises an integer state
/// (`"0"` → `"1"` → …) for the duration of its body, as scales' `StateTimeStatDict.acquire`.
///
/// ```swift
/// pool.busy = "connecting"      // with the generated @StateTime property
/// pool.busy = "idle"
/// try pool.$busy.acquire { try query() }   // "1" while the query runs, "0" after
/// ```
///
/// Its value is seconds per state, including the time so far in the current state. A new stat
/// is in no state: it shows no state and counts no time until a state is set (or ``acquire(_:)``
/// raises it to `"1"`), so it never shows a state nobody set. (scales starts in no state too.)
/// Assigning `""` leaves every state: the time until then is credited, and no time is counted
/// until the next state.
public final class StateTimeStat: StatCell {
    struct State {
        /// `nil` before the first state, and after `""` was assigned.
        var current: String?
        var since: UInt64
        /// Nanoseconds per state left so far.
        var totals: [String: UInt64] = [:]

        mutating func change(to state: String, at now: UInt64) {
            let state: String? = state.isEmpty ? nil : state
            guard state != current else { return }
            let now = max(now, since)
            if let current { totals[current, default: 0] &+= now - since }
            current = state
            since = now
        }
    }

    let storage: Lock<State>
    let clock: ClockReader

    /// Creates a stat not bound to any registry.
    public convenience init(clock: some StatClock = SystemClock()) {
        self.init(clock: clock as any StatClock)
    }

    init(clock: any StatClock) {
        self.clock = ClockReader(clock)
        storage = Lock(State(current: nil, since: self.clock.now()))
    }

    /// The current state (`""` before any); assigning a different one credits the time since
    /// the last change to the state being left.
    public var state: String {
        get { storage.withLock { $0.current ?? "" } }
        set {
            let now = clock.now()
            storage.withLock { $0.change(to: newValue, at: now) }
        }
    }

    /// Seconds spent in each state so far, including the current one.
    public var seconds: [String: Double] {
        let now = clock.now()
        return storage.withLock { state in
            var result = state.totals.mapValues { Double($0) / 1e9 }
            if let current = state.current {
                result[current, default: 0] += Double(now > state.since ? now - state.since : 0) / 1e9
            }
            return result
        }
    }

    /// Raises the integer state by one for the duration of `body` and lowers it again after
    /// (also when `body` throws); returns `body`'s result.
    ///
    /// ```swift
    /// let rows = try pool.$active.acquire { try db.query(sql) }   // state "1" while it runs
    /// ```
    ///
    /// No state, or one that is not an integer, counts as 0 when raised; when lowered, a state
    /// that is no longer an integer (someone assigned a name meanwhile) is left alone. After the
    /// last body ends the state is `"0"` (nobody in it), which counts time like any state.
    public func acquire<R>(_ body: () throws -> R) rethrows -> R {
        step(by: 1)
        defer { step(by: -1) }
        return try body()
    }

    /// Raises the integer state by one for the duration of async `body`; see ``acquire(_:)``.
    public func acquire<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> R
    ) async rethrows -> R {
        step(by: 1)
        defer { step(by: -1) }
        return try await body()
    }

    func step(by delta: Int) {
        let now = clock.now()
        storage.withLock { state in
            if let current = state.current, let level = Int(current) {
                state.change(to: String(level &+ delta), at: now)
            } else if delta > 0 {
                state.change(to: String(delta), at: now)
            }
        }
    }

    package func read(_ health: HealthCounters) -> StatValue { .stateTime(seconds) }
}

/// The property wrapper generated code uses for `stateTime` stats, so that assignment changes
/// the state even through a `let` collection:
///
/// ```swift
/// let worker = WorkerStats()
/// worker.busy = "parsing"                   // credits the time so far to the old state
/// try worker.$busy.acquire { try work() }   // the cell: raise "0" to "1" while working
/// ```
@propertyWrapper
public struct StateTime: Sendable {
    /// The cell this property reads and writes.
    public let cell: StateTimeStat

    /// Wraps a bound cell (see ``StatCollection/stateTime(_:doc:)``).
    public init(_ cell: StateTimeStat) {
        self.cell = cell
    }

    /// The current state; assigning changes it.
    public var wrappedValue: String {
        get { cell.state }
        nonmutating set { cell.state = newValue }
    }

    /// The underlying cell.
    public var projectedValue: StateTimeStat { cell }
}
