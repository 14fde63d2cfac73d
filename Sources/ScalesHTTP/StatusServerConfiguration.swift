public import NIOCore

extension StatusServer {
    /// A check run before each request is answered: return `nil` to let the request through, or
    /// the response to send instead (a 401, a 403).
    ///
    /// ```swift
    /// configuration.requestCheck = { request in
    ///     request.header("Authorization") == "Bearer \(token)"
    ///         ? nil : .text(status: 401, "token required", headers: [("WWW-Authenticate", "Bearer")])
    /// }
    /// ```
    public typealias RequestCheck = @Sendable (StatusRequest) async -> StatusResponse?

    /// Where and how a ``StatusServer`` serves.
    ///
    /// ```swift
    /// var configuration = StatusServer.Configuration(port: 8765, serverName: "api-7")
    /// configuration.requestTimeout = .seconds(5)
    /// ```
    public struct Configuration: Sendable {
        /// The address to bind: `127.0.0.1` unless told otherwise (`0.0.0.0` exposes the page on
        /// every interface; put authentication in ``requestCheck`` first).
        public var host: String
        /// The port to bind; 0 picks a free one (``StatusServer/port`` tells which).
        public var port: Int
        /// Shown in the page title.
        public var serverName: String
        /// Mount point of the status page.
        public var statusPath: String
        /// Path of the Prometheus endpoint.
        public var metricsPath: String
        /// The longest request target (path and query) answered; longer gets 414.
        public var maxTargetLength: Int
        /// The most bytes of request line and header fields taken per request (and of any one
        /// field); beyond that, or beyond 200 header fields, the request gets 431 and the
        /// connection is closed.
        public var maxHeaderBytes: Int
        /// The most request body bytes read (the page takes none); beyond that 413 and close.
        public var maxBodyBytes: Int
        /// A complete request must be answered and its response taken by the client (written to
        /// the socket) within this time, and an idle keep-alive connection is closed after this
        /// time without a new request; 10 s by default. Only the client moves these deadlines
        /// on (a new request): the server's own writes do not, so a client that sends requests
        /// and never reads its responses is closed too.
        public var requestTimeout: Duration
        /// A request must arrive in full (request line, header fields and any body) within this
        /// time of its first byte — on a new connection, of the connection's opening — or the
        /// connection is closed (a slowloris trickle); 3 s by default, or ``requestTimeout`` if
        /// that is shorter.
        public var requestHeadTimeout: Duration
        /// How long ``StatusServer/stop()`` waits for requests in flight before closing
        /// connections anyway.
        public var shutdownTimeout: Duration
        /// The most connections served at once; 256 by default. At the limit a new connection
        /// takes the place of the one that has waited longest without a complete request (idle,
        /// or its request still arriving), which is closed: stalled clients cannot keep others
        /// out. Only when every connection has a request being answered is the new one refused
        /// with a 503 (its request is read and dropped, so the client sees the 503, not a reset).
        public var maxConnections: Int
        /// The recent values behind the page's sparklines, sampled by the server every
        /// half ``StatusHistory/interval`` (at most once per interval) on one of its event loops
        /// while it runs; `nil` for no sparklines and no sampling. A sample is one snapshot of
        /// the whole tree, so gauge closures run once per interval even while nobody reads the
        /// page.
        public var history: StatusHistory?
        /// Runs before each request; see ``RequestCheck``.
        public var requestCheck: RequestCheck?
        /// The event loops to serve on; NIO's shared `MultiThreadedEventLoopGroup.singleton` when
        /// `nil`. Pages are rendered on these loops (or, with a ``requestCheck``, on the task
        /// that ran it).
        public var eventLoopGroup: (any EventLoopGroup)?

        /// Creates a configuration; every parameter has a safe default.
        ///
        /// - Parameters:
        ///   - host: Address to bind, `127.0.0.1` by default.
        ///   - port: Port to bind, 8765 by default; 0 for any free port.
        ///   - serverName: Shown in the page title.
        ///   - statusPath: Mount point of the status page.
        ///   - metricsPath: Path of the Prometheus endpoint.
        ///   - requestCheck: Runs before each request (authentication).
        public init(
            host: String = "127.0.0.1", port: Int = 8765, serverName: String = "scales",
            statusPath: String = "/status", metricsPath: String = "/metrics", requestCheck: RequestCheck? = nil
        ) {
            self.host = host
            self.port = port
            self.serverName = serverName
            self.statusPath = statusPath
            self.metricsPath = metricsPath
            self.maxTargetLength = 8192
            self.maxHeaderBytes = 32 * 1024
            self.maxBodyBytes = 8192
            self.requestTimeout = .seconds(10)
            self.requestHeadTimeout = .seconds(3)
            self.shutdownTimeout = .seconds(10)
            self.maxConnections = 256
            self.requestCheck = requestCheck
            self.history = StatusHistory()
            self.eventLoopGroup = nil
        }
    }
}

/// Why a ``StatusServer`` could not start.
public struct StatusServerError: Error, Sendable, CustomStringConvertible {
    /// A message naming the address and the cause.
    public let description: String
}
