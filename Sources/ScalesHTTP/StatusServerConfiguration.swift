import NIOCore

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
        /// A connection must deliver each complete request within this time of opening or of its
        /// previous response, and take its response within this time; otherwise it is closed.
        /// This bounds idle keep-alive connections and clients that stall mid-request.
        public var requestTimeout: Duration
        /// How long ``StatusServer/stop()`` waits for requests in flight before closing
        /// connections anyway.
        public var shutdownTimeout: Duration
        /// The most connections served at once; further ones get a 503 and are closed.
        public var maxConnections: Int
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
            self.shutdownTimeout = .seconds(10)
            self.maxConnections = 256
            self.requestCheck = requestCheck
            self.eventLoopGroup = nil
        }
    }
}

/// Why a ``StatusServer`` could not start.
public struct StatusServerError: Error, Sendable, CustomStringConvertible {
    /// A message naming the address and the cause.
    public let description: String
}
