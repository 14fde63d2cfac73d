public import Logging
public import NIOCore
public import NIOPosix
public import Scales
import ScalesPlatform
import Synchronization

/// Sends a registry's stats to Graphite (carbon's plaintext protocol) on demand, as scales'
/// `GraphitePusher` does, without ever blocking or failing the caller.
///
/// Nothing is sent until a rule allows it (see ``GraphiteRules``); the newest matching rule wins.
///
/// ```swift
/// let pusher = GraphitePusher(host: "graphite.internal", port: 2003)   // prefix: "<hostname>."
/// pusher.allow("*")
/// pusher.forbid("web/byPath/*")
/// let outcome = await pusher.push()          // .sent(lines: 42), or .queued / .dropped
/// await pusher.shutdown()
/// ```
///
/// Each push takes one snapshot and turns it into lines `prefix.segment.segment value timestamp`
/// with one timestamp (see ``GraphiteNaming`` for how names are made safe). What is sent:
/// - `int` and `monotonic` as integers, `double` as the shortest decimal that reads back as the
///   same number, `bool` as `1` / `0` (scales sent no bools; graphs of a flag are useful);
/// - a dict's keys, a `stateTime`'s states, and the figures of a `pmf` (`count`, `min`, `max`,
///   `mean`, `stddev`, `median`, `75percentile` … `999percentile`, as in scales' JSON) and of a
///   `meter` (`count`, `m1`, `m5`, `m15`, `mean`) as sub-paths: `web.latency.median`;
/// - never NaN or infinity, strings, absent gauges, nor a `pmf`'s window figures while its
///   window is empty (its `count` is still sent). The lines are
/// queued and written by a background connection on a SwiftNIO event loop: the caller's task
/// does no network work. If carbon is down or slow, pushes wait in a bounded queue
/// (``GraphiteConfiguration/maxPendingPushes``; the oldest is dropped and counted when it is
/// full) while the connection retries with a jittered, capped exponential backoff, resolving
/// the host name again each time. One warning is logged at the first failure and one notice at
/// recovery. The pusher's counters are stats of its registry (``GraphitePusherStatistics``).
///
/// carbon's plaintext protocol has no acknowledgement: a push counts as sent once its lines are
/// written to the socket. If carbon then resets the connection (it died with our bytes unread),
/// the last push written on it is also counted as ``GraphitePusherStatistics/unconfirmedLines``.
///
/// For pushing every minute, use ``GraphitePeriodicPusher``.
public final class GraphitePusher: Sendable {
    /// The carbon host name or address; resolved again on every connection attempt.
    public let host: String
    /// carbon's plaintext (line receiver) port, usually 2003.
    public let port: Int
    /// The text put before every metric name: empty, or ending with a dot.
    public let prefix: String
    /// The registry whose tree is pushed; it also holds the pusher's own counters.
    public let registry: Registry
    /// Timeouts, backoff and queue bound.
    public let configuration: GraphiteConfiguration

    let ruleList: Lock<GraphiteRules>
    let counters: GraphiteCounters
    let eventLoop: any EventLoop
    let connection: NIOLoopBoundBox<GraphiteConnection>
    let pushIDs = Atomic<Int>(0)

    /// Creates a pusher; nothing connects until the first push.
    ///
    /// - Parameters:
    ///   - host: carbon's host name or address (`127.0.0.1`; carbon listens on IPv4 only by default).
    ///   - port: carbon's plaintext port, usually 2003.
    ///   - prefix: Put before every metric name. `nil` (the default) uses this machine's host
    ///     name, lowercased, as scales does; `""` sends names without a prefix. A dot is added at
    ///     the end if missing; each dot-separated part is sanitized like a path segment.
    ///   - registry: The registry to push; `Registry.current` by default.
    ///   - configuration: Timeouts, backoff and queue bound.
    ///   - eventLoopGroup: Where the connection lives; NIO's shared singleton group by default.
    ///   - logger: Receives the first-failure and recovery lines.
    public init(
        host: String, port: Int = 2003, prefix: String? = nil, registry: Registry = .current,
        configuration: GraphiteConfiguration = GraphiteConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "scales.graphite")
    ) {
        self.host = host
        self.port = port
        self.prefix = GraphiteNaming.sanitizePrefix(prefix ?? Self.hostName().lowercased())
        self.registry = registry
        self.configuration = configuration
        self.ruleList = Lock(GraphiteRules())
        let counters = GraphiteCounters(registry: registry, path: configuration.statsPath)
        self.counters = counters
        let eventLoop = eventLoopGroup.next()
        self.eventLoop = eventLoop
        self.connection = NIOLoopBoundBox.makeBoxSendingValue(
            GraphiteConnection(
                host: host, port: port, eventLoop: eventLoop, configuration: configuration, counters: counters,
                logger: logger),
            as: GraphiteConnection.self, eventLoop: eventLoop)
    }

    deinit {
        let connection = self.connection
        eventLoop.execute { connection.value.stop() }
    }

    // MARK: Rules

    /// All rules at once: read them, or replace them with a list built elsewhere (the methods
    /// below append to it).
    public var rules: GraphiteRules {
        get { ruleList.withLock { $0 } }
        set { ruleList.withLock { $0 = newValue } }
    }

    /// Sends values whose path (no leading slash) matches the glob; `*` crosses slashes.
    public func allow(_ pattern: String) { ruleList.withLock { $0.allow(pattern) } }
    /// Sends the stat or collection at `path` and everything below it; `{id}` matches any id.
    public func allow(_ path: StatPath) { ruleList.withLock { $0.allow(path) } }
    /// Sends values for which `predicate(path, value)` is true.
    public func allow(where predicate: @escaping @Sendable (_ path: String, _ value: Double) -> Bool) {
        ruleList.withLock { $0.allow(where: predicate) }
    }
    /// Does not send values whose path matches the glob (unless a newer rule allows them).
    public func forbid(_ pattern: String) { ruleList.withLock { $0.forbid(pattern) } }
    /// Does not send the stat or collection at `path` nor anything below it.
    public func forbid(_ path: StatPath) { ruleList.withLock { $0.forbid(path) } }
    /// Does not send values for which `predicate(path, value)` is true.
    public func forbid(where predicate: @escaping @Sendable (_ path: String, _ value: Double) -> Bool) {
        ruleList.withLock { $0.forbid(where: predicate) }
    }
    /// Stops the walk at nodes whose path matches the glob.
    public func prune(_ pattern: String) { ruleList.withLock { $0.prune(pattern) } }
    /// Stops the walk at `path`.
    public func prune(_ path: StatPath) { ruleList.withLock { $0.prune(path) } }
    /// Stops the walk at nodes for which `predicate(path)` is true.
    public func prune(where predicate: @escaping @Sendable (_ path: String) -> Bool) {
        ruleList.withLock { $0.prune(where: predicate) }
    }

    // MARK: Pushing

    /// Takes a snapshot of the registry now, queues its lines and waits until they are written
    /// to carbon's socket, dropped, or `timeout` has passed (then they stay queued and the
    /// result is ``GraphitePushOutcome/queued(lines:)``).
    ///
    /// Never throws and never waits longer than `timeout` (plus the time to take the snapshot):
    /// the network work happens on the pusher's event loop, the caller only awaits the outcome.
    ///
    /// - Parameter timeout: The longest wait for the outcome; 10 s by default.
    /// - Returns: What happened to the push.
    @discardableResult
    public func push(timeout: Duration = .seconds(10)) async -> GraphitePushOutcome {
        guard let snapshot = registry.snapshot() else { return .nothingToSend }
        return await push(snapshot, timeout: timeout)
    }

    /// Pushes `snapshot` (of any registry, or made by hand) as ``push(timeout:)`` does.
    ///
    /// - Parameters:
    ///   - snapshot: The tree to send; its timestamp is the lines' timestamp.
    ///   - timeout: The longest wait for the outcome.
    @discardableResult
    public func push(_ snapshot: Snapshot, timeout: Duration = .seconds(10)) async -> GraphitePushOutcome {
        guard let push = prepare(snapshot) else { return .nothingToSend }
        let promise = eventLoop.makePromise(of: GraphitePushOutcome.self)
        let connection = self.connection
        eventLoop.execute { connection.value.enqueue(push, promise: promise, timeout: timeout) }
        return (try? await promise.futureResult.get()) ?? .dropped(lines: push.lines)
    }

    /// Takes a snapshot now and queues its lines; returns at once with the number of lines
    /// queued. This is what ``GraphitePeriodicPusher`` does on every tick.
    @discardableResult
    public func enqueuePush() -> Int {
        guard let snapshot = registry.snapshot() else { return 0 }
        return enqueuePush(snapshot)
    }

    /// Queues the lines of `snapshot`; returns at once with the number of lines queued.
    @discardableResult
    public func enqueuePush(_ snapshot: Snapshot) -> Int {
        guard let push = prepare(snapshot) else { return 0 }
        let connection = self.connection
        eventLoop.execute { connection.value.enqueue(push, promise: nil, timeout: .zero) }
        return push.lines
    }

    /// Waits until every queued push is written (`true`) or `timeout` has passed (`false`).
    @discardableResult
    public func flush(timeout: Duration = .seconds(10)) async -> Bool {
        let promise = eventLoop.makePromise(of: Bool.self)
        let connection = self.connection
        eventLoop.execute { connection.value.flush(promise: promise, timeout: timeout) }
        return (try? await promise.futureResult.get()) ?? false
    }

    /// Waits up to `timeout` for queued pushes to be written, then drops (and counts) what is
    /// left and closes the connection. Later pushes are dropped. Idempotent.
    ///
    /// Returns within about `timeout` whatever carbon does: a retry waiting out its backoff is
    /// attempted at once rather than after the shutdown, and a connect or write still under
    /// way when `timeout` ends is abandoned (its push is counted in `droppedLines`).
    ///
    /// - Parameter timeout: The longest wait for the queue to drain; 1 s by default.
    public func shutdown(timeout: Duration = .seconds(1)) async {
        let promise = eventLoop.makePromise(of: Bool.self)
        let connection = self.connection
        eventLoop.execute { connection.value.flush(promise: promise, timeout: timeout, final: true) }
        _ = try? await promise.futureResult.get()
        let done = eventLoop.makePromise(of: Void.self)
        eventLoop.execute {
            connection.value.stop()
            done.succeed()
        }
        try? await done.futureResult.get()
    }

    /// The pusher's counters now (also stats of its registry).
    public var statistics: GraphitePusherStatistics { counters.statistics }

    /// The plaintext lines a push of `snapshot` would send, for inspection and tests.
    public func plaintext(of snapshot: Snapshot) -> String {
        var buffer = ByteBuffer()
        _ = encoder().encode(snapshot, into: &buffer)
        return String(buffer: buffer)
    }

    func encoder() -> PlaintextEncoder {
        PlaintextEncoder(prefix: prefix, rules: ruleList.withLock { $0 })
    }

    /// Snapshot and encode on the caller's task (CPU only); `nil` if no line passed the rules.
    func prepare(_ snapshot: Snapshot) -> PendingPush? {
        var buffer = ByteBuffer()
        let result = encoder().encode(snapshot, into: &buffer)
        if result.skippedNames > 0 { counters.skippedNames.add(result.skippedNames) }
        if !result.collisions.isEmpty { registry.countNameCollisions(result.collisions) }
        guard result.lines > 0 else { return nil }
        let id = pushIDs.wrappingAdd(1, ordering: .relaxed).newValue
        return PendingPush(id: id, bytes: buffer, lines: result.lines)
    }

    /// This machine's host name (`gethostname`), or `localhost` if it cannot be read.
    static func hostName() -> String {
        PlatformEnvironment.hostName() ?? "localhost"
    }
}
