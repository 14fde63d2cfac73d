import NIOCore
import NIOHTTP1
import Scales

/// Serves one connection: collects each request, answers it with ``StatusHandler`` (through
/// the event loop's ``RequestCoalescer``, or after the request check if there is one), answers
/// requests the HTTP parser rejects (``ParserErrorResponse``) and enforces the per-request
/// deadline and body limit.
///
/// Requests arrive one at a time (NIO's `HTTPServerPipelineHandler` holds back pipelined ones
/// until the previous response is written).
final class StatusChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let coalescer: RequestCoalescer
    let requestCheck: StatusServer.RequestCheck?
    let maxBodyBytes: Int
    let maxHeaderBytes: Int
    let requestTimeout: TimeAmount

    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    /// Set once a response was sent before the request ended (413): the rest is ignored.
    private var answeredEarly = false
    /// From a complete request until its response's end is written (a parse error then only
    /// closes the connection: a second response would corrupt the first).
    private var responseInProgress = false
    /// When the connection is closed unless something moves it on (a complete request, a response).
    private var deadline = NIODeadline.distantFuture
    /// The timer that enforces `deadline`; rescheduled lazily, not on every request.
    private var timer: Scheduled<Void>?

    init(
        coalescer: RequestCoalescer, requestCheck: StatusServer.RequestCheck?, maxBodyBytes: Int, maxHeaderBytes: Int,
        requestTimeout: TimeAmount
    ) {
        self.coalescer = coalescer
        self.requestCheck = requestCheck
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armDeadline(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armDeadline(context: context)
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

    /// (Re)starts the clock: the connection is closed if the next step (a complete request, or
    /// taking a response) does not happen within `requestTimeout`. Cheap: it moves a deadline;
    /// the one timer re-checks it when it fires.
    private func armDeadline(context: ChannelHandlerContext) {
        deadline = .now() + requestTimeout
        if timer == nil { scheduleTimer(context: context) }
    }

    private func scheduleTimer(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            let (this, context) = loopBound.value
            this.timer = nil
            if NIODeadline.now() >= this.deadline {
                context.close(promise: nil)
            } else if context.channel.isActive {
                this.scheduleTimer(context: context)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // I/O errors (a reset connection) have nothing to answer; parse errors get a 4xx
        // unless a response is under way.
        if let parserError = error as? HTTPParserError, !responseInProgress {
            ParserErrorResponse.write(parserError, maxHeaderBytes: maxHeaderBytes, context: context)
        }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
            answeredEarly = false
        case .body(let buffer):
            guard !answeredEarly else { return }
            bodyBytes += buffer.readableBytes
            if bodyBytes > maxBodyBytes, let head {
                answeredEarly = true
                responseInProgress = true
                let response = StatusResponse.text(
                    status: 413, "request body over \(maxBodyBytes) bytes: the status page takes none")
                write(response, for: head, keepAlive: false, context: context)
            }
        case .end:
            guard let head, !answeredEarly else {
                self.head = nil
                return
            }
            self.head = nil
            armDeadline(context: context)
            responseInProgress = true
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard let requestCheck else {
            let request = StatusRequest(method: head.method.rawValue, target: head.uri)
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

    private func write(_ response: StatusResponse, for request: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
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
        // The client has `requestTimeout` to take this response and send its next request.
        armDeadline(context: context)
        responseInProgress = false
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                loopBound.value.close(promise: nil)
            }
        }
    }
}
