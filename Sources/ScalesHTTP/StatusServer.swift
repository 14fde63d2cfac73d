public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import Scales
public import ServiceLifecycle

/// A background HTTP server for the status page and Prometheus `/metrics` (SwiftNIO).
///
/// Start and stop it from async code:
///
/// ```swift
/// let server = StatusServer(configuration: .init(port: 8765, serverName: "api-7"))
/// let port = try await server.start()        // http://127.0.0.1:8765/status/
/// // …
/// await server.stop()                        // graceful: requests in flight finish
/// ```
///
/// or run it as a swift-service-lifecycle `Service`, which stops gracefully on SIGTERM/SIGINT:
///
/// ```swift
/// let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// It binds `127.0.0.1` unless told otherwise, answers `GET` and `HEAD` only, and bounds what a
/// client can cost: request size (``Configuration/maxTargetLength``,
/// ``Configuration/maxHeaderBytes``, ``Configuration/maxBodyBytes``), time
/// (``Configuration/requestHeadTimeout``, ``Configuration/requestTimeout``) and connections
/// (``Configuration/maxConnections``; stalled connections make room for new ones). A client that
/// sends requests without reading the responses is not read from until it does, so the memory a
/// connection costs stays bounded.
/// Requests are answered by a ``StatusHandler``; an optional ``Configuration/requestCheck`` runs
/// first. Bad requests get a 4xx with a message, or a closed connection.
///
/// Under load, requests for the same page that arrive on one event loop in the same turn share
/// one render, which starts after all of them arrived: no answer is older than its request,
/// and dashboards polling together cost one render instead of many.
public actor StatusServer: Service {
    /// How the server serves.
    public nonisolated let configuration: Configuration
    /// The handler that answers requests (also usable on its own, in another server).
    public nonisolated let handler: StatusHandler
    let logger: Logger
    let connections = ConnectionTracker()
    private enum State {
        case idle
        case starting
        case running(any Channel, port: Int)
        case stopping
    }

    private var state = State.idle
    /// Samples ``Configuration/history`` while the server runs: one task for all stats.
    private var sampler: RepeatedTask?
    /// Callers waiting for the state to change (a start or stop in progress, or `run()`).
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Creates a server; nothing is bound until ``start()`` or ``run()``.
    ///
    /// - Parameters:
    ///   - registry: The registry to show; `Registry.current` (the shared registry unless a task
    ///     installed another) by default.
    ///   - configuration: Address, port, server name, limits, request check.
    ///   - logger: Receives start, stop and failure messages.
    public init(
        registry: Registry = .current, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "scales.http")
    ) {
        self.configuration = configuration
        var handler = StatusHandler(
            registry: registry, serverName: configuration.serverName, statusPath: configuration.statusPath,
            metricsPath: configuration.metricsPath, maxTargetLength: configuration.maxTargetLength)
        handler.history = configuration.history
        self.handler = handler
        self.logger = logger
    }

    /// The port the server is bound to while it runs (useful after binding port 0), else `nil`.
    public var port: Int? {
        if case .running(_, let port) = state { return port }
        return nil
    }

    /// The status page's URL while the server runs, such as `http://127.0.0.1:8765/status/`.
    public var url: String? {
        guard let boundPort = port else { return nil }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(boundPort)\(handler.statusPath)/"
    }

    /// Binds and starts serving in the background; returns the bound port. Calling it while
    /// running returns the same port (concurrent calls bind once).
    ///
    /// - Throws: ``StatusServerError`` when the address cannot be bound (in use, not local).
    @discardableResult
    public func start() async throws -> Int {
        while true {
            switch state {
            case .running(_, let port): return port
            case .starting, .stopping: await stateChange()
            case .idle: return try await bind()
            }
        }
    }

    private func bind() async throws -> Int {
        state = .starting
        let configuration = self.configuration
        let handler = self.handler
        let connections = self.connections
        let decoderLimits = {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.maxHeaderBytes
            limits.maxHeaderListSize = configuration.maxHeaderBytes
            limits.maxHeaderFieldCount = 200
            return limits
        }()
        let group = configuration.eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        let coalescers = RequestCoalescers(group: group, handler: handler)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Bounds one read burst (16 reads of at most 16 KiB): what a client that pipelines
            // without reading can make the server parse and hold at once.
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 16 * 1024)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    switch connections.add(channel, limit: configuration.maxConnections) {
                    case .refused:
                        try sync.addHandler(RefuseConnectionHandler())
                        return
                    case .admitted(let evicted):
                        evicted?.closeConnection()
                    }
                    channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                    let status = StatusChannelHandler(
                        coalescer: coalescers.coalescer(for: channel.eventLoop),
                        requestCheck: configuration.requestCheck,
                        maxBodyBytes: configuration.maxBodyBytes, maxHeaderBytes: configuration.maxHeaderBytes,
                        requestTimeout: TimeAmount(configuration.requestTimeout),
                        headTimeout: TimeAmount(configuration.requestHeadTimeout), connections: connections)
                    try sync.addHandler(RequestStartObserver(status: status))
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false,
                        withOutboundHeaderValidation: true, withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits)
                    try sync.addHandler(status)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            changeState(to: .idle)
            throw StatusServerError(
                description: "cannot serve the status page on \(configuration.host):\(configuration.port): \(error)")
        }
        let port = channel.localAddress?.port ?? configuration.port
        if let history = handler.history {
            let registry = handler.registry
            sampler = channel.eventLoop.scheduleRepeatedTask(
                initialDelay: .zero, delay: TimeAmount(history.interval / 2)
            ) { _ in
                history.sample(registry)
            }
        }
        changeState(to: .running(channel, port: port))
        logger.info("status page serving", metadata: ["url": "\(url ?? "")", "server": "\(configuration.serverName)"])
        return port
    }

    /// Stops gracefully: stops accepting, lets requests in flight finish (up to
    /// ``Configuration/shutdownTimeout``), closes idle connections, then returns. Does nothing
    /// when not running; while another stop is under way, waits for it.
    public func stop() async {
        while true {
            switch state {
            case .idle: return
            case .starting: await stateChange()
            case .stopping:
                await stateChange()
                return
            case .running(let channel, _):
                state = .stopping
                sampler?.cancel()
                sampler = nil
                await drain(channel)
                changeState(to: .idle)
                return
            }
        }
    }

    private func drain(_ channel: any Channel) async {
        try? await channel.close()
        let open = connections.all()
        if !open.isEmpty {
            for connection in open {
                connection.eventLoop.execute {
                    connection.pipeline.syncOperations.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                }
            }
            let eventLoop = channel.eventLoop
            let forced = eventLoop.scheduleTask(in: TimeAmount(configuration.shutdownTimeout)) {
                for connection in open { connection.closeConnection() }
            }
            try? await EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: eventLoop).get()
            forced.cancel()
        }
        logger.info("status page stopped", metadata: ["server": "\(configuration.serverName)"])
    }

    private func changeState(to newState: State) {
        state = newState
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume() }
    }

    private func stateChange() async {
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Runs as a `Service`: starts, serves until graceful shutdown (or cancellation, or
    /// ``stop()``), then stops gracefully.
    ///
    /// - Throws: ``StatusServerError`` when the address cannot be bound.
    public func run() async throws {
        try await start()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await self.waitUntilStopped()
            } onCancel: {
                Task { await self.stop() }
            }
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
    }

    private func waitUntilStopped() async {
        while true {
            if case .idle = state { return }
            await stateChange()
        }
    }
}

/// The open connections, so ``StatusServer/stop()`` can drain them, the count stays bounded,
/// and a stalled connection can make room for a new one at the limit.
final class ConnectionTracker: Sendable {
    private struct Entry {
        var channel: any Channel
        /// When the connection last became idle (opened, or its last response written): the
        /// smallest is evicted first.
        var idleSince: UInt64
        /// A complete request is being answered: not evicted.
        var busy: Bool
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var clock: UInt64 = 0
    }

    /// How a new connection was taken in.
    enum Admission {
        /// Serve it; close `evicted` (if any), whose place it took.
        case admitted(evicted: (any Channel)?)
        /// Every connection is busy: refuse it.
        case refused
    }

    private let state = Lock(State())

    /// Adds `channel`; when `limit` connections are open, it takes the place of the one that has
    /// been idle longest (waiting for a request, or with one still arriving), or is refused if
    /// every connection is answering a request.
    func add(_ channel: any Channel, limit: Int) -> Admission {
        state.withLock { state in
            var evicted: (any Channel)?
            if state.entries.count >= limit {
                var oldest: (key: ObjectIdentifier, idleSince: UInt64)?
                for (key, entry) in state.entries where !entry.busy {
                    if oldest.map({ entry.idleSince < $0.idleSince }) ?? true { oldest = (key, entry.idleSince) }
                }
                guard let oldest else { return .refused }
                evicted = state.entries.removeValue(forKey: oldest.key)?.channel
            }
            state.clock += 1
            state.entries[ObjectIdentifier(channel)] = Entry(channel: channel, idleSince: state.clock, busy: false)
            return .admitted(evicted: evicted)
        }
    }

    /// Marks `channel` as answering a request (`true`) or idle again (`false`).
    func setBusy(_ channel: any Channel, _ busy: Bool) {
        state.withLock { state in
            let key = ObjectIdentifier(channel)
            guard state.entries[key] != nil else { return }
            state.entries[key]?.busy = busy
            if !busy {
                state.clock += 1
                state.entries[key]?.idleSince = state.clock
            }
        }
    }

    func remove(_ channel: any Channel) {
        _ = state.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func all() -> [any Channel] {
        state.withLock { $0.entries.values.map(\.channel) }
    }
}

/// Sends a 503 to a connection over the limit, then half-closes it and reads (and drops)
/// what the client sends until it closes, or for `linger` at most: closing with the request
/// unread would send a reset, and the client would often lose the 503.
final class RefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The longest a refused connection is kept to drain.
    static let linger = TimeAmount.seconds(2)

    private var refused = false
    private var timer: Scheduled<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func refuse(context: ChannelHandlerContext) {
        guard !refused else { return }
        refused = true
        let message = "too many connections to the status page; try again later\n"
        let text =
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
            + "content-length: \(message.utf8.count)\r\nconnection: close\r\nretry-after: 1\r\n\r\n" + message
        let buffer = context.channel.allocator.buffer(string: text)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { result in
            let context = loopBound.value
            guard case .success = result else {
                context.close(promise: nil)
                return
            }
            // FIN after the 503; the client's close (EOF) then closes the channel.
            context.close(mode: .output, promise: nil)
        }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) {
            loopBound.value.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Read and dropped.
    }
}
