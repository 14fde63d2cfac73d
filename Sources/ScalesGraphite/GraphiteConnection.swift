import Logging
import NIOCore
import NIOPosix
import Scales

/// The sending side of a pusher: a queue of encoded pushes and at most one TCP connection.
///
/// Lives on one event loop and is touched only there, so callers never wait on it: they hand a
/// push over with `EventLoop.execute` and go on. Failure handling:
/// - a failed connect, a failed write, a write that makes no progress for `writeTimeout`, or a
///   connection closed during a write closes the connection (once; later callbacks of that
///   connection are ignored) and retries the same push after a jittered exponential backoff;
/// - every connect resolves the host name again (`ClientBootstrap.connect(host:port:)`, whose
///   `getaddrinfo` runs off the event loop), bounded by `connectTimeout`;
/// - carbon closing an idle connection (a restart) is noticed at once because the channel
///   keeps reading: the next push connects afresh instead of writing into a dead socket;
/// - one warning is logged at the first failure and one notice at recovery.
final class GraphiteConnection {
    let host: String
    let port: Int
    let eventLoop: any EventLoop
    let configuration: GraphiteConfiguration
    let counters: GraphiteCounters
    let logger: Logger

    private var queue = CircularBuffer<PendingPush>()
    private var waiters: [Int: (promise: EventLoopPromise<GraphitePushOutcome>, timeout: Scheduled<Void>)] = [:]
    private var flushWaiters: [(id: Int, promise: EventLoopPromise<Bool>, timeout: Scheduled<Void>)] = []
    private var nextFlushID = 0

    private enum Phase {
        case idle
        case connecting
        case writing
        case backingOff(Scheduled<Void>)
    }

    private var phase = Phase.idle
    private var channel: (any Channel)?
    /// Notices whether `channel` ended with an error (a reset) rather than an orderly close.
    private var closeObserver: CloseObserver?
    /// Lines of the push last written in full on `channel`: unconfirmed if carbon resets it.
    private var lastWrittenLines = 0
    /// Bumped whenever a connection or write attempt is abandoned: callbacks carrying an older
    /// value are ignored.
    private var attempt = 0
    private var writeTimer: Scheduled<Void>?
    private var consecutiveFailures = 0
    private var failureLogged = false
    private var droppedSinceFailure = 0
    private var hasConnected = false
    private var stopped = false

    /// Bytes per write call; each completed chunk counts as progress for the write timeout.
    static let chunkSize = 64 * 1024

    init(
        host: String, port: Int, eventLoop: any EventLoop, configuration: GraphiteConfiguration,
        counters: GraphiteCounters, logger: Logger
    ) {
        self.host = host
        self.port = port
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.counters = counters
        self.logger = logger
    }

    private var isWriting: Bool {
        if case .writing = phase { return true }
        return false
    }

    // MARK: Entry points (on the event loop)

    /// Queues `push`; with `promise`, completes it when the push is sent or dropped, or with
    /// `.queued` after `timeout`.
    func enqueue(_ push: PendingPush, promise: EventLoopPromise<GraphitePushOutcome>?, timeout: Duration) {
        eventLoop.preconditionInEventLoop()
        if stopped {
            drop(push)
            promise?.succeed(.dropped(lines: push.lines))
            return
        }
        let limit = max(1, configuration.maxPendingPushes)
        let inFlight = isWriting ? 1 : 0
        while queue.count - inFlight >= limit {
            drop(queue.remove(at: queue.index(queue.startIndex, offsetBy: inFlight)))
        }
        queue.append(push)
        if let promise {
            let armed = NIODeadline.now()
            let timer = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
                self.configuration.probe?.pushTimedOut(.nanoseconds((NIODeadline.now() - armed).nanoseconds))
                self.resolve(push.id, .queued(lines: push.lines))
            }
            waiters[push.id] = (promise, timer)
        }
        counters.pendingPushes.value = queue.count
        pump()
    }

    /// Completes `promise` with `true` once nothing is queued, or `false` after `timeout`.
    ///
    /// A `final` flush (at shutdown) does not wait for a retry's backoff, which may be longer
    /// than `timeout` (up to `maxBackoff`): the retry is made now, so the last pushes are
    /// attempted within the bound.
    func flush(promise: EventLoopPromise<Bool>, timeout: Duration, final: Bool = false) {
        eventLoop.preconditionInEventLoop()
        if queue.isEmpty || stopped {
            promise.succeed(queue.isEmpty)
            return
        }
        if final, case .backingOff(let retry) = phase {
            retry.cancel()
            phase = .idle
            pump()
        }
        nextFlushID += 1
        let id = nextFlushID
        let timer = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            guard let index = self.flushWaiters.firstIndex(where: { $0.id == id }) else { return }
            self.flushWaiters.remove(at: index).promise.succeed(false)
        }
        flushWaiters.append((id, promise, timer))
    }

    /// Drops what is still queued (counted), closes the connection and refuses further pushes.
    func stop() {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        stopped = true
        attempt += 1
        writeTimer?.cancel()
        if case .backingOff(let retry) = phase { retry.cancel() }
        phase = .idle
        while let push = queue.popFirst() { drop(push) }
        counters.pendingPushes.value = 0
        closeChannel()
        for waiter in flushWaiters {
            waiter.timeout.cancel()
            waiter.promise.succeed(false)
        }
        flushWaiters.removeAll()
    }

    // MARK: The state machine

    private func pump() {
        guard !stopped, case .idle = phase, let head = queue.first else { return }
        if let channel, channel.isActive {
            write(head, on: channel)
        } else {
            connect()
        }
    }

    private func connect() {
        closeChannel()
        attempt += 1
        let current = attempt
        phase = .connecting
        configuration.probe?.connecting()
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        if let size = configuration.sendBufferSize {
            bootstrap = bootstrap.channelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(max(1024, size)))
        }
        bootstrap.connect(host: host, port: port).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                guard current == self.attempt, !self.stopped else {
                    channel.close(promise: nil)
                    return
                }
                self.connected(channel)
            case .failure(let error):
                guard current == self.attempt, !self.stopped else { return }
                self.failed(error)
            }
        }
    }

    private func connected(_ channel: any Channel) {
        self.channel = channel
        let observer = CloseObserver()
        closeObserver = (try? channel.pipeline.syncOperations.addHandler(observer)) != nil ? observer : nil
        lastWrittenLines = 0
        if hasConnected { counters.reconnects.add(1) }
        hasConnected = true
        counters.connected.value = true
        channel.closeFuture.assumeIsolated().whenComplete { _ in
            self.channelClosed(channel)
        }
        phase = .idle
        pump()
    }

    /// The connection ended (carbon closed it, or we did). During a write this is a failure;
    /// while idle it only means the next push connects again.
    private func channelClosed(_ closed: any Channel) {
        guard let channel, channel === closed else { return }
        countUnconfirmed(closeObserver?.failed == true)
        self.channel = nil
        counters.connected.value = false
        if isWriting { failed(GraphiteConnectionError.closedByPeer) }
    }

    private func write(_ push: PendingPush, on channel: any Channel) {
        attempt += 1
        let current = attempt
        phase = .writing
        var remaining = 0
        var bytes = push.bytes
        armWriteTimer(current)
        while bytes.readableBytes > 0 {
            guard let chunk = bytes.readSlice(length: min(Self.chunkSize, bytes.readableBytes)) else { break }
            remaining += 1
            let promise = eventLoop.makePromise(of: Void.self)
            promise.futureResult.assumeIsolated().whenComplete { result in
                guard current == self.attempt else { return }
                switch result {
                case .success:
                    remaining -= 1
                    if remaining == 0 {
                        self.written(push)
                    } else {
                        self.armWriteTimer(current)
                    }
                case .failure(let error):
                    self.failed(error)
                }
            }
            channel.write(chunk, promise: promise)
        }
        channel.flush()
    }

    private func armWriteTimer(_ current: Int) {
        writeTimer?.cancel()
        let timeout = configuration.writeTimeout
        writeTimer = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            guard current == self.attempt else { return }
            self.failed(GraphiteConnectionError.writeTimedOut(timeout))
        }
    }

    private func written(_ push: PendingPush) {
        writeTimer?.cancel()
        writeTimer = nil
        if queue.first?.id == push.id { queue.removeFirst() }
        counters.pendingPushes.value = queue.count
        counters.sentLines.add(push.lines)
        lastWrittenLines = push.lines
        resolve(push.id, .sent(lines: push.lines))
        if failureLogged {
            logger.notice(
                "Graphite push to \(host):\(port) recovered",
                metadata: [
                    "failedAttempts": "\(consecutiveFailures)", "droppedLines": "\(droppedSinceFailure)",
                ])
            failureLogged = false
        }
        consecutiveFailures = 0
        droppedSinceFailure = 0
        phase = .idle
        notifyFlushWaiters()
        pump()
    }

    /// Any failure: close the connection once, count, log the first one, retry after a backoff.
    private func failed(_ error: any Error) {
        countUnconfirmed(closeObserver?.failed == true || Self.isReset(error))
        attempt += 1
        writeTimer?.cancel()
        writeTimer = nil
        closeChannel(discardingUnsent: true)
        counters.failures.add(1)
        let text = Self.describe(error)
        counters.lastError.value = text
        consecutiveFailures += 1
        if !failureLogged {
            failureLogged = true
            logger.warning(
                "Graphite push to \(host):\(port) failing; retrying with backoff, further failures are counted in stats, not logged",
                metadata: ["error": "\(text)"])
        }
        let delay = backoff(after: consecutiveFailures)
        configuration.probe?.backingOff(consecutiveFailures, .nanoseconds(delay.nanoseconds))
        let retry = eventLoop.assumeIsolated().scheduleTask(in: delay) {
            guard case .backingOff = self.phase else { return }
            self.phase = .idle
            self.pump()
        }
        phase = .backingOff(retry)
    }

    /// `initialBackoff * 2^(failures-1)`, capped at `maxBackoff`, times a random factor in 0.5...1.
    private func backoff(after failures: Int) -> TimeAmount {
        let initial = Self.seconds(configuration.initialBackoff)
        let cap = Self.seconds(configuration.maxBackoff)
        let exponential = initial * Double(1 << min(max(failures - 1, 0), 30))
        let delay = min(cap, exponential) * Double.random(in: 0.5...1.0)
        return .nanoseconds(Int64(max(0, delay) * 1e9))
    }

    /// Closes the connection if one is open; forgets it first so its close callback is ignored.
    ///
    /// After a failure, `discardingUnsent` closes with a reset (`SO_LINGER` 0): bytes still in the
    /// kernel's send buffer are thrown away at once (the push is retried on a new connection)
    /// instead of keeping an orphaned socket in FIN_WAIT with megabytes for a peer that reads
    /// nothing.
    private func closeChannel(discardingUnsent: Bool = false) {
        guard let open = channel else { return }
        channel = nil
        closeObserver = nil
        lastWrittenLines = 0
        counters.connected.value = false
        if discardingUnsent, let sockets = open as? any SocketOptionProvider {
            sockets.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                .assumeIsolated().whenComplete { _ in open.close(mode: .all, promise: nil) }
        } else {
            open.close(mode: .all, promise: nil)
        }
    }

    /// carbon's plaintext protocol has no acknowledgement: a push written to the socket may
    /// still sit unread in carbon's buffers. When carbon resets the connection (`reset`: it
    /// closed with our bytes unread, as a dying carbon does), the last push written on it is
    /// counted as unconfirmed: it was counted as sent, but may never have landed.
    private func countUnconfirmed(_ reset: Bool) {
        if reset, lastWrittenLines > 0 { counters.unconfirmedLines.add(lastWrittenLines) }
        lastWrittenLines = 0
    }

    /// Whether `error` says the peer reset the connection (or it is gone: a broken pipe).
    static func isReset(_ error: any Error) -> Bool {
        guard let error = error as? IOError else { return false }
        return error.errnoCode == ECONNRESET || error.errnoCode == EPIPE
    }

    private func drop(_ push: PendingPush) {
        counters.droppedPushes.add(1)
        counters.droppedLines.add(push.lines)
        droppedSinceFailure += push.lines
        resolve(push.id, .dropped(lines: push.lines))
        counters.pendingPushes.value = queue.count
        notifyFlushWaiters()
    }

    private func resolve(_ id: Int, _ outcome: GraphitePushOutcome) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.timeout.cancel()
        waiter.promise.succeed(outcome)
    }

    private func notifyFlushWaiters() {
        guard queue.isEmpty, !flushWaiters.isEmpty else { return }
        let done = flushWaiters
        flushWaiters.removeAll()
        for waiter in done {
            waiter.timeout.cancel()
            waiter.promise.succeed(true)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? GraphiteConnectionError { return error.description }
        if let error = error as? ChannelError, case .connectTimeout(let timeout) = error {
            return "connect timed out after \(timeout.nanoseconds / 1_000_000) ms"
        }
        return String(describing: error)
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
