import NIOCore
import NIOHTTP1

/// Answers requests NIO's HTTP parser rejects with a 4xx and a message, then lets the
/// connection close (the parser cannot resynchronise after an error).
///
/// A head too large (the URL or the header fields over the limit) gets 431; any other parse
/// error (a malformed request line, an unknown method, bad framing) gets 400. If a response is
/// already under way the connection is just closed.
final class ProtocolErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let maxHeaderBytes: Int
    private var responseInProgress = false

    init(maxHeaderBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            // I/O errors (a reset connection): nothing to answer.
            context.close(promise: nil)
            return
        }
        if !responseInProgress {
            let (status, message) = describe(parserError)
            let body = context.channel.allocator.buffer(string: message + "\n")
            let headers = HTTPHeaders([
                ("content-type", "text/plain; charset=utf-8"), ("content-length", String(body.readableBytes)),
                ("connection", "close"),
            ])
            let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }

    func describe(_ error: HTTPParserError) -> (HTTPResponseStatus, String) {
        switch error {
        case .headerOverflow:
            return (.requestHeaderFieldsTooLarge,
                    "request head too large: the request line and header fields may take at most \(maxHeaderBytes) bytes")
        case .invalidMethod:
            return (.badRequest, "malformed request: unknown method")
        case .invalidURL:
            return (.badRequest, "malformed request: invalid request target")
        case .invalidVersion:
            return (.badRequest, "malformed request: unsupported HTTP version")
        default:
            return (.badRequest, "malformed request: \(error)")
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where !head.isInterim:
            responseInProgress = true
        case .end:
            responseInProgress = false
        default:
            break
        }
        context.write(data, promise: promise)
    }
}

extension HTTPResponseHead {
    var isInterim: Bool { status.code >= 100 && status.code < 200 }
}
