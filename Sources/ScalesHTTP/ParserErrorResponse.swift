import NIOCore
import NIOHTTP1

/// The answer to a request NIO's HTTP parser rejects: a 4xx with a message, then the
/// connection closes (the parser cannot resynchronise after an error).
///
/// A head too large (the URL or the header fields over the limit) gets 431; any other parse
/// error (a malformed request line, an unknown method, bad framing) gets 400.
/// ``StatusChannelHandler`` sends it unless a response is already under way (then it only
/// closes the connection).
enum ParserErrorResponse {
    /// The status and message for `error`.
    static func describe(_ error: HTTPParserError, maxHeaderBytes: Int) -> (HTTPResponseStatus, String) {
        switch error {
        case .headerOverflow:
            return (
                .requestHeaderFieldsTooLarge,
                "request head too large: the request line and header fields may take at most \(maxHeaderBytes) bytes"
            )
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

    /// Writes the answer to `error` (with `Connection: close`).
    static func write(_ error: HTTPParserError, maxHeaderBytes: Int, context: ChannelHandlerContext) {
        let (status, message) = describe(error, maxHeaderBytes: maxHeaderBytes)
        let body = context.channel.allocator.buffer(string: message + "\n")
        let headers = HTTPHeaders([
            ("content-type", "text/plain; charset=utf-8"), ("content-length", String(body.readableBytes)),
            ("connection", "close"),
        ])
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
    }
}
