public import Scales

/// How a ``GraphitePusher`` talks to carbon and how much it keeps while carbon is away.
///
/// The defaults suit a pusher that sends every minute; tests shorten the timeouts.
///
/// ```swift
/// var configuration = GraphiteConfiguration()
/// configuration.connectTimeout = .seconds(2)
/// configuration.maxPendingPushes = 30          // keep half an hour of minutely pushes
/// let pusher = GraphitePusher(host: "graphite.internal", port: 2003, configuration: configuration)
/// ```
public struct GraphiteConfiguration: Sendable {
    /// Longest wait for a connection, name resolution included. Default 5 s.
    public var connectTimeout: Duration = .seconds(5)
    /// Longest time a write may make no progress (the peer reads nothing) before the connection
    /// is closed and the push retried. Default 10 s.
    public var writeTimeout: Duration = .seconds(10)
    /// Delay before the first retry after a failure; it doubles after each further failure (with
    /// a random factor between 0.5 and 1 so that many servers do not retry in step). Default 100 ms.
    public var initialBackoff: Duration = .milliseconds(100)
    /// The longest delay between retries. Default 30 s.
    public var maxBackoff: Duration = .seconds(30)
    /// How many pushes wait while carbon is unreachable (the one being written not counted);
    /// when another arrives the **oldest** waiting push is dropped and its lines are counted in
    /// `droppedLines`. At least 1. Default 10.
    public var maxPendingPushes: Int = 10
    /// The socket's send buffer in bytes (`SO_SNDBUF`), or `nil` for the system's default. The
    /// kernel accepts writes until this buffer is full, so a peer that stops reading is noticed
    /// (by ``writeTimeout``) only after that much is buffered: Linux grows the buffer up to a few
    /// MB by default. A smaller buffer notices sooner and holds less memory. Default `nil`.
    public var sendBufferSize: Int? = nil
    /// Where the pusher's own counters live in its registry (`sentLines`, `unconfirmedLines`,
    /// `droppedLines`, `droppedPushes`, `reconnects`, `failures`, `skippedNames`,
    /// `pendingPushes`, `connected`, `lastError`); `nil` keeps them out of the registry (still readable through
    /// ``GraphitePusher/statistics``). Default `/scales/graphite`.
    public var statsPath: StatPath? = "/scales/graphite"
    /// Test-only observation of the connection's schedule (not public; `nil`: nothing is called).
    var probe: GraphiteConnectionProbe? = nil

    /// The defaults.
    public init() {}
}

/// Called on the connection's event loop; lets tests time-stamp connection attempts and read
/// the backoff delays drawn, without changing what the connection does.
struct GraphiteConnectionProbe: Sendable {
    /// A connection attempt starts (before the host name is resolved).
    var connecting: @Sendable () -> Void = {}
    /// A failure was counted; the next attempt is scheduled `delay` later. `failures` is the
    /// number of consecutive failures so far (1 for the first after a success).
    var backingOff: @Sendable (_ failures: Int, _ delay: Duration) -> Void = { _, _ in }
    /// An awaited push's timeout ended its wait; `waited` is the time since its timer was armed
    /// (when the push reached the event loop), as the event loop saw it.
    var pushTimedOut: @Sendable (_ waited: Duration) -> Void = { _ in }
}
