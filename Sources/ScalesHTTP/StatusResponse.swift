/// An HTTP response from ``StatusHandler``: status, header fields and a text body.
///
/// A server writes it out as it is, adding only framing (`Content-Length`, `Connection`):
///
/// ```swift
/// let response = handler.handle(StatusRequest(target: "/metrics"))
/// response.status          // 200
/// response.header("Content-Type")   // "text/plain; version=0.0.4; charset=utf-8"
/// ```
public struct StatusResponse: Sendable {
    /// The status code, such as 200, 404 or 405.
    public var status: Int
    /// Header fields (`Content-Type` always; `Allow`, `Location`, `Cache-Control` and security
    /// headers where they apply).
    public var headers: [(name: String, value: String)]
    /// The body as UTF-8 bytes (gzip-compressed when `Content-Encoding` says so), ready to
    /// send. A server answering `HEAD` sends the headers only.
    public var bodyBytes: [UInt8]

    /// The body as text (``bodyBytes`` decoded as UTF-8; not text when the response says
    /// `Content-Encoding: gzip`).
    public var body: String {
        get { String(decoding: bodyBytes, as: UTF8.self) }
        set { bodyBytes = Array(newValue.utf8) }
    }

    /// Creates a response with a text body.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: String = "") {
        self.init(status: status, headers: headers, bodyBytes: Array(body.utf8))
    }

    /// Creates a response with a body of UTF-8 bytes (the status page's JSON and Prometheus
    /// text are rendered as bytes and sent without a copy to a String).
    public init(status: Int, headers: [(name: String, value: String)] = [], bodyBytes: [UInt8]) {
        self.status = status
        self.headers = headers
        self.bodyBytes = bodyBytes
    }

    /// A plain-text response, such as an error message; the message gets a final newline.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - message: The text of the body.
    ///   - headers: More header fields.
    public static func text(status: Int, _ message: String, headers: [(name: String, value: String)] = [])
        -> StatusResponse
    {
        StatusResponse(
            status: status,
            headers: [
                ("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ] + headers,
            body: message.hasSuffix("\n") ? message : message + "\n")
    }

    /// The first value of the header `name` (compared without regard to ASCII case).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The standard reason phrase for ``status``, such as `Not Found`.
    public var reason: String { Self.reasonPhrase(status) }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error"
        }
    }
}
