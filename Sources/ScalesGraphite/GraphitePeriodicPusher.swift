public import Logging
public import NIOCore
public import NIOPosix
public import Scales
public import ServiceLifecycle

/// Pushes a registry's stats to Graphite every `period` (60 s by default), as scales'
/// `GraphitePeriodicPusher` does — but a failing or slow carbon never stops the loop nor
/// reaches the application.
///
/// Start it by hand:
///
/// ```swift
/// let graphite = GraphitePeriodicPusher(host: "graphite.internal", port: 2003)
/// graphite.allow("*")
/// graphite.start()
/// // … at exit:
/// await graphite.stop()          // one last push; returns within `flushTimeout` (1 s)
/// ```
///
/// or run it as a swift-service-lifecycle `Service`, where graceful shutdown ends the loop with
/// the same final push:
///
/// ```swift
/// let group = ServiceGroup(services: [server, graphite], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
///
/// Each tick takes a snapshot and queues it (``GraphitePusher/enqueuePush()``); the connection
/// writes it in the background. The first push happens one period after the start. A pusher
/// runs once: after ``stop()`` (or the end of ``run()``), ``start()`` does nothing.
public final class GraphitePeriodicPusher: Service, Sendable {
    /// The pusher that does the work; its rules, statistics and `push()` are available.
    public let pusher: GraphitePusher
    /// Time between pushes.
    public let period: Duration
    /// The bound on ``stop()``: how long the final push may take to be written before what is
    /// left is dropped (and counted in `droppedLines` and `droppedPushes` under
    /// `/scales/graphite`). With carbon down or unreachable, `stop()` returns after about this
    /// long, never later. Default 1 s.
    public let flushTimeout: Duration

    private struct State {
        var loop: Task<Void, Never>?
        var started = false
        var finishing: Task<Void, Never>?
    }

    private let state = Lock(State())

    /// Wraps an existing pusher.
    ///
    /// - Parameters:
    ///   - pusher: Does the pushing; keep adding rules to it (or through this object).
    ///   - period: Time between pushes; 60 s by default. A period under 10 ms is raised to 10 ms.
    ///   - flushTimeout: Bound on ``stop()`` (the final push); 1 s by default.
    public init(pusher: GraphitePusher, period: Duration = .seconds(60), flushTimeout: Duration = .seconds(1)) {
        self.pusher = pusher
        self.period = max(period, .milliseconds(10))
        self.flushTimeout = flushTimeout
    }

    /// Creates the pusher too; see ``GraphitePusher/init(host:port:prefix:registry:configuration:eventLoopGroup:logger:)``.
    ///
    /// - Parameters:
    ///   - host: carbon's host name or address.
    ///   - port: carbon's plaintext port, usually 2003.
    ///   - prefix: Put before every name; `nil` uses the lowercased host name.
    ///   - period: Time between pushes; 60 s by default.
    ///   - flushTimeout: Bound on ``stop()`` (the final push); 1 s by default.
    ///   - registry: The registry to push; `Registry.current` by default.
    ///   - configuration: Timeouts, backoff and queue bound.
    ///   - eventLoopGroup: Where the connection lives.
    ///   - logger: Receives the first-failure and recovery lines.
    public convenience init(
        host: String, port: Int = 2003, prefix: String? = nil, period: Duration = .seconds(60),
        flushTimeout: Duration = .seconds(1), registry: Registry = .current,
        configuration: GraphiteConfiguration = GraphiteConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "scales.graphite")
    ) {
        self.init(
            pusher: GraphitePusher(
                host: host, port: port, prefix: prefix, registry: registry, configuration: configuration,
                eventLoopGroup: eventLoopGroup, logger: logger),
            period: period, flushTimeout: flushTimeout)
    }

    // MARK: Rules (forwarded to the pusher)

    /// Sends values whose path (no leading slash) matches the glob; `*` crosses slashes.
    public func allow(_ pattern: String) { pusher.allow(pattern) }
    /// Sends the stat or collection at `path` and everything below it; `{id}` matches any id.
    public func allow(_ path: StatPath) { pusher.allow(path) }
    /// Sends values for which `predicate(path, value)` is true.
    public func allow(where predicate: @escaping @Sendable (_ path: String, _ value: Double) -> Bool) {
        pusher.allow(where: predicate)
    }
    /// Does not send values whose path matches the glob (unless a newer rule allows them).
    public func forbid(_ pattern: String) { pusher.forbid(pattern) }
    /// Does not send the stat or collection at `path` nor anything below it.
    public func forbid(_ path: StatPath) { pusher.forbid(path) }
    /// Does not send values for which `predicate(path, value)` is true.
    public func forbid(where predicate: @escaping @Sendable (_ path: String, _ value: Double) -> Bool) {
        pusher.forbid(where: predicate)
    }
    /// Stops the walk at nodes whose path matches the glob.
    public func prune(_ pattern: String) { pusher.prune(pattern) }
    /// Stops the walk at `path`.
    public func prune(_ path: StatPath) { pusher.prune(path) }
    /// Stops the walk at nodes for which `predicate(path)` is true.
    public func prune(where predicate: @escaping @Sendable (_ path: String) -> Bool) { pusher.prune(where: predicate) }

    /// The pusher's counters now.
    public var statistics: GraphitePusherStatistics { pusher.statistics }

    // MARK: Running

    /// Starts pushing every `period` on a background task; returns at once. Idempotent.
    public func start() {
        _ = startLoop()
    }

    /// Stops the loop, pushes one last snapshot and waits (at most ``flushTimeout``) for it to be
    /// written; then closes the connection. Idempotent; safe to call while ``run()`` runs.
    ///
    /// Returns within about ``flushTimeout`` even when carbon refuses connections or never
    /// answers them: the final push is attempted at once (a retry waiting out its backoff is
    /// brought forward), and whatever is not written by then is dropped and counted
    /// (`droppedLines`, `droppedPushes`). The network work stays on the pusher's event loop.
    public func stop() async {
        let loop = state.withLock { state -> Task<Void, Never>? in
            state.started = true  // a stop before any start prevents later starts
            return state.loop
        }
        loop?.cancel()
        await loop?.value
        await finish()
    }

    /// Runs the loop until graceful shutdown or cancellation, then stops as ``stop()`` does.
    /// Never throws: failures to reach carbon are counted, not raised.
    public func run() async {
        guard let loop = startLoop() else {
            await finish()
            return
        }
        await withTaskCancellationOrGracefulShutdownHandler {
            await loop.value
        } onCancelOrGracefulShutdown: {
            loop.cancel()
        }
        await finish()
    }

    /// The loop's task, started now if it was not; `nil` if ``stop()`` came first.
    private func startLoop() -> Task<Void, Never>? {
        state.withLock { state in
            guard !state.started else { return state.loop }
            state.started = true
            let task = Task { [pusher, period] in
                let clock = ContinuousClock()
                var next = clock.now.advanced(by: period)
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(until: next, clock: clock)
                    } catch {
                        break
                    }
                    pusher.enqueuePush()
                    next = next.advanced(by: period)
                    if next < clock.now { next = clock.now.advanced(by: period) }
                }
            }
            state.loop = task
            return task
        }
    }

    private func finish() async {
        let finishing = state.withLock { state -> Task<Void, Never> in
            if let finishing = state.finishing { return finishing }
            let finishing = Task { [pusher, flushTimeout] in
                pusher.enqueuePush()
                await pusher.shutdown(timeout: flushTimeout)
            }
            state.finishing = finishing
            return finishing
        }
        await finishing.value
    }
}
