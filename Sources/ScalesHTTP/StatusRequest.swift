/// An HTTP request as ``StatusHandler`` sees it: no server framework's types, so any server
/// (the built-in ``StatusServer``, Hummingbird, Vapor) can hand one over.
///
/// ```swift
/// let request = StatusRequest(method: "GET", target: "/status/web?format=json")
/// let response = handler.handle(request)
/// ```
public struct StatusRequest: Sendable {
    /// The method, such as `GET` (compared case-sensitively, as HTTP does).
    public var method: String
    /// The request target as received: path and query, still percent-encoded
    /// (`/status/web%2Fx?query=a%3E1`). An absolute URL (`http://host/status/`) is accepted too.
    public var target: String
    /// The request's header fields in order. The handler reads `Accept` (the format) and
    /// `Accept-Encoding` (gzip); ``StatusServer`` passes those two, or every field when a request
    /// check is installed. A field given several times is read as one comma-separated list.
    public var headers: [(name: String, value: String)]

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - method: The HTTP method; `GET` and `HEAD` are served, others get 405.
    ///   - target: The path and query as sent on the request line.
    ///   - headers: Header fields, for request checks (authorization and the like).
    public init(method: String = "GET", target: String, headers: [(name: String, value: String)] = []) {
        self.method = method
        self.target = target
        self.headers = headers
    }

    /// The first value of the header `name` (compared without regard to ASCII case).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
