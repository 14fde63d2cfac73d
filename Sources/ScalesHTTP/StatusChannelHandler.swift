import NIOCore
import NIOHTTP1
import Scales

/// Serves one connection: collects each request, answers it with ``StatusHandler`` (through
/// the event loop's ``RequestCoalescer``, or after the request check if there is one), answers
/// requests the HTTP parser rejects (``ParserErrorResponse``) and enforces the deadlines, the
/// body limit and the protocol rules the parser leaves to the server (`Host`, `CONNECT`,
/// `Expect`).
///
/// Requests arrive one at a time (NIO's `HTTPServerPipelineHandler` holds back pipelined ones
/// until the previous response is written). Memory stays bounded against a client that sends
/// and never reads: while the channel is not writable no request is answered (the one that
/// arrived waits) and no read is passed on, so what the server holds for a connection is one
/// response, the socket buffers and what one read burst brought in.
///
/// Deadlines (only the client moves them on, never the server's own writes):
/// - a request must arrive in full within `headTimeout` of its first byte (of the connection's
///   opening for the first request);
/// - a complete request must be answered and its response written to the socket within
///   `requestTimeout`;
/// - an idle keep-alive connection is closed after `requestTimeout` without a new request.
final class StatusChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let coalescer: RequestCoalescer
    let requestCheck: StatusServer.RequestCheck?
    let maxBodyBytes: Int
    let maxHeaderBytes: Int
    let requestTimeout: TimeAmount
    let headTimeout: TimeAmount
    let connections: ConnectionTracker

    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    /// Set once a response was sent before the request ended (413, 400, 417): the rest is ignored
    /// and the connection closes.
    private var answeredEarly = false
    /// From a complete request until its response's end is written (a parse error then only
    /// closes the connection: a second response would corrupt the first).
    private var responseInProgress = false
    /// Complete requests whose responses are not yet written to the socket in full; the
    /// connection is busy (not evicted at the connection limit) while this is above 0.
    private var unansweredRequests = 0
    /// Bytes of a request that is not complete yet have arrived.
    private var requestStarted = false
    /// A complete request waiting for the channel to become writable.
    private var deferred: HTTPRequestHead?
    /// A `read` held back while the channel is not writable.
    private var readHeld = false
    /// When the connection is closed unless something moves it on.
    private var deadline = NIODeadline.distantFuture
    /// The timer that enforces `deadline`; rescheduled lazily when the deadline moves later,
    /// at once when it moves earlier.
    private var timer: Scheduled<Void>?
    /// When `timer` fires.
    private var timerDeadline = NIODeadline.distantFuture

    init(
        coalescer: RequestCoalescer, requestCheck: StatusServer.RequestCheck?, maxBodyBytes: Int, maxHeaderBytes: Int,
        requestTimeout: TimeAmount, headTimeout: TimeAmount, connections: ConnectionTracker
    ) {
        self.coalescer = coalescer
        self.requestCheck = requestCheck
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.requestTimeout = requestTimeout
        self.headTimeout = min(headTimeout, requestTimeout)
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { setDeadline(.now() + headTimeout, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        setDeadline(.now() + headTimeout, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    // MARK: Deadlines

    /// Moves the deadline. Cheap when it moves later: the one timer re-checks it when it fires.
    private func setDeadline(_ newDeadline: NIODeadline, context: ChannelHandlerContext) {
        deadline = newDeadline
        if let timer, newDeadline < timerDeadline {
            timer.cancel()
            self.timer = nil
        }
        if timer == nil { scheduleTimer(context: context) }
    }

    private func scheduleTimer(context: ChannelHandlerContext) {
        timerDeadline = deadline
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            let (this, context) = loopBound.value
            this.timer = nil
            if NIODeadline.now() >= this.deadline {
                context.closeConnection()
            } else if context.channel.isActive {
                this.scheduleTimer(context: context)
            }
        }
    }

    /// Bytes arrived from the client (called by ``RequestStartObserver``, before they are parsed).
    /// The first bytes of a request start its `headTimeout`.
    func bytesArrived(context: ChannelHandlerContext) {
        guard !requestStarted else { return }
        requestStarted = true
        if unansweredRequests == 0 { setDeadline(min(deadline, .now() + headTimeout), context: context) }
    }

    /// A request is complete: it has `requestTimeout` to be answered and taken.
    private func requestCompleted(context: ChannelHandlerContext) {
        requestStarted = false
        setDeadline(.now() + requestTimeout, context: context)
        unansweredRequests += 1
        if unansweredRequests == 1 { connections.setBusy(context.channel, true) }
    }

    /// A response's end was written to the socket: the client took it.
    private func responseWritten(context: ChannelHandlerContext) {
        unansweredRequests -= 1
        guard unansweredRequests == 0 else { return }
        connections.setBusy(context.channel, false)
        setDeadline(.now() + (requestStarted ? headTimeout : requestTimeout), context: context)
    }

    // MARK: Backpressure

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if let waiting = deferred {
                deferred = nil
                respond(to: waiting, context: context)
            }
            if readHeld, context.channel.isWritable {
                readHeld = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Requests

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // I/O errors (a reset connection) have nothing to answer; parse errors get a 4xx
        // unless a response is under way or the connection is closing (a partial request
        // parsed at close, as when the server stops).
        if let parserError = error as? HTTPParserError, !responseInProgress, context.channel.isActive {
            ParserErrorResponse.write(parserError, maxHeaderBytes: maxHeaderBytes, context: context)
        }
        context.closeConnection()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
            answeredEarly = false
            if let refusal = Self.protocolRefusal(head, maxBodyBytes: maxBodyBytes) {
                answerEarly(refusal, for: head, context: context)
            } else if Self.wantsContinue(head) {
                let interim = HTTPResponseHead(version: head.version, status: .continue)
                context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
            }
        case .body(let buffer):
            guard !answeredEarly else { return }
            bodyBytes += buffer.readableBytes
            if bodyBytes > maxBodyBytes, let head {
                answerEarly(Self.bodyTooLarge(maxBodyBytes), for: head, context: context)
            }
        case .end:
            guard let head, !answeredEarly else {
                self.head = nil
                return
            }
            self.head = nil
            requestCompleted(context: context)
            responseInProgress = true
            if context.channel.isWritable {
                respond(to: head, context: context)
            } else {
                deferred = head  // answered when the client has taken what it was sent
            }
        }
    }

    /// Answers before the request has ended, then closes (the rest of the request is ignored).
    private func answerEarly(_ response: StatusResponse, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        answeredEarly = true
        requestCompleted(context: context)
        responseInProgress = true
        write(response, for: head, keepAlive: false, context: context)
    }

    static func bodyTooLarge(_ maxBodyBytes: Int) -> StatusResponse {
        .text(status: 413, "request body over \(maxBodyBytes) bytes: the status page takes none")
    }

    /// The answer to a request head that breaks a rule the parser does not check, or `nil`:
    /// - an HTTP/1.1 request without exactly one `Host` field, or any request with more than one,
    ///   gets 400 (RFC 9112 §3.2);
    /// - `CONNECT` gets 405, and the connection closes (the parser takes what follows for a tunnel);
    /// - an expectation other than `100-continue` gets 417; `100-continue` with a declared body
    ///   over the limit gets 413 at once instead of the interim response.
    static func protocolRefusal(_ head: HTTPRequestHead, maxBodyBytes: Int) -> StatusResponse? {
        let hosts = head.headers["host"].count
        let isHTTP11 = head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1)
        if hosts > 1 || (isHTTP11 && hosts == 0) {
            return .text(
                status: 400,
                "an HTTP/1.1 request must carry exactly one Host header field; this one has \(hosts)")
        }
        if head.method == .CONNECT {
            return .text(
                status: 405, "method CONNECT is not allowed here: the status page is read-only (GET, HEAD)",
                headers: [("Allow", "GET, HEAD")])
        }
        guard isHTTP11 else { return nil }  // HTTP/1.0 servers ignore Expect (RFC 9110 §10.1.1)
        let expectations = head.headers["expect"]
        guard !expectations.isEmpty else { return nil }
        if expectations.count > 1 || expectations[0].lowercased() != "100-continue" {
            return .text(status: 417, "unsupported expectation: only Expect: 100-continue is understood")
        }
        if let declared = head.headers.first(name: "content-length").flatMap({ Int($0) }), declared > maxBodyBytes {
            return bodyTooLarge(maxBodyBytes)
        }
        return nil
    }

    /// Whether `head` (already checked) expects `100 Continue` before sending its body: it says
    /// `Expect: 100-continue` and its framing announces a body.
    static func wantsContinue(_ head: HTTPRequestHead) -> Bool {
        guard head.version.major == 1, head.version.minor >= 1, head.headers.contains(name: "expect") else {
            return false
        }
        if head.headers.contains(name: "transfer-encoding") { return true }
        return (head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0) > 0
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard let requestCheck else {
            // The handler needs two headers: Accept (the format) and Accept-Encoding (gzip).
            let accept = head.headers["accept"]
            let acceptEncoding = head.headers["accept-encoding"]
            var headers: [(name: String, value: String)] = []
            if !accept.isEmpty { headers.append(("Accept", accept.joined(separator: ", "))) }
            if !acceptEncoding.isEmpty { headers.append(("Accept-Encoding", acceptEncoding.joined(separator: ", "))) }
            let request = StatusRequest(method: head.method.rawValue, target: head.uri, headers: headers)
            coalescer.submit(request) { [self] response in
                guard context.channel.isActive else { return }
                write(response, for: head, keepAlive: head.isKeepAlive, context: context)
            }
            return
        }
        // The check may suspend (a token lookup): run it, and the page, off the event loop.
        let request = StatusRequest(
            method: head.method.rawValue, target: head.uri, headers: head.headers.map { ($0.name, $0.value) })
        let handler = coalescer.handler
        let eventLoop = context.eventLoop
        let loopBound = NIOLoopBound((self, context), eventLoop: eventLoop)
        Task {
            let response: StatusResponse
            if let refusal = await requestCheck(request) {
                response = refusal
            } else {
                response = handler.handle(request)
            }
            eventLoop.execute {
                let (this, context) = loopBound.value
                guard context.channel.isActive else { return }
                this.write(response, for: head, keepAlive: head.isKeepAlive, context: context)
            }
        }
    }

    private func write(
        _ response: StatusResponse, for request: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 2)
        for (name, value) in response.headers {
            headers.add(name: name, value: value)
        }
        let body = context.channel.allocator.buffer(bytes: response.bodyBytes)
        headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        if !keepAlive {
            headers.replaceOrAdd(name: "connection", value: "close")
        } else if request.version.major == 1, request.version.minor == 0 {
            headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        let status = HTTPResponseStatus(statusCode: response.status, reasonPhrase: response.reason)
        let responseHead = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if request.method != .HEAD, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        responseInProgress = false
        // No deadline is moved here: the request's deadline runs until the end is written to the
        // socket, which needs the client to take the response.
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { result in
            let (this, context) = loopBound.value
            if keepAlive, case .success = result {
                this.responseWritten(context: context)
            } else {
                context.closeConnection()
            }
        }
    }
}

/// The first handler of a connection's pipeline: tells the ``StatusChannelHandler`` that bytes
/// arrived before the HTTP parser sees them, so a request's `headTimeout` starts at its first
/// byte rather than when its head is complete.
final class RequestStartObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let status: StatusChannelHandler
    /// The status handler's context, found when this handler is added.
    private var statusContext: ChannelHandlerContext?

    init(status: StatusChannelHandler) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if statusContext == nil {
            statusContext = try? context.pipeline.syncOperations.context(handler: status)
        }
        if let statusContext { status.bytesArrived(context: statusContext) }
        context.fireChannelRead(data)
    }
}

extension ChannelHandlerContext {
    /// Ends the connection for the client now: shuts the socket down for writing (a FIN the
    /// client sees at once), then closes it. A close alone does not reach the client while a
    /// process the app spawned holds an inherited copy of the socket (NIO's accepted sockets are
    /// not close-on-exec), so deadlines and refusals would not take effect until it exits.
    func closeConnection() {
        close(mode: .output, promise: nil)
        close(promise: nil)
    }
}

extension Channel {
    /// ``ChannelHandlerContext/closeConnection()`` for a whole channel.
    func closeConnection() {
        close(mode: .output, promise: nil)
        close(promise: nil)
    }
}
