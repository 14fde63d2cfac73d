public import Scales

/// The status page and `/metrics` as a plain function: a ``StatusRequest`` in, a
/// ``StatusResponse`` out. No server types in its API, so it mounts in any framework, behind
/// that framework's own middleware (authentication, rate limits).
///
/// ```swift
/// let status = StatusHandler(registry: .shared, serverName: "api-7")
/// let response = status.handle(StatusRequest(method: "GET", target: "/status/web?format=json"))
/// ```
///
/// Routes (paths configurable):
/// - `GET /status/` and `GET /status/<path…>`: the tree or a subtree; a path may reach into a
///   dict or a `pmf` (`/status/web/latency/median`). `?format=html`, `json` or `prettyjson`
///   (scales' JSON shape); without `?format=`, `Accept: application/json` gets JSON and
///   anything else HTML, with `Vary: Accept` (q-values honoured, a tie to HTML); `?query=key` or
///   `?query=key<op>value` (see `SnapshotQuery`). Unknown path: 404 with the path in the message.
///   `?refresh=5` (1…3600 seconds) makes the HTML page reload itself, keeping its scroll
///   position and folds.
/// - `GET /metrics`: in the format the `Accept` header asks for (see ``MetricsNegotiation``):
///   protobuf with native histograms, OpenMetrics 1.0, or Prometheus text 0.0.4 (the default;
///   see `PrometheusFormat`), with the matching `Content-Type` and `Vary: Accept`.
/// - `GET /`: a redirect to the status page.
/// - Any response of 1 KiB or more is gzip-compressed when `Accept-Encoding` allows it, with
///   `Content-Encoding: gzip` and `Vary: Accept-Encoding` (see ``ResponseCompression``).
/// - `HEAD` is answered like `GET` (the server leaves the body out); other methods get 405 with
///   `Allow: GET, HEAD`. A target longer than `maxTargetLength` gets 414; bad percent-encoding,
///   invalid UTF-8, an unknown format or a malformed query get 400; each with a message.
///
/// Rendering takes a snapshot of the registry (gauge closures run then) and formats it on the
/// calling thread; no lock is held while formatting.
public struct StatusHandler: Sendable {
    /// The registry shown.
    public let registry: Registry
    /// The name shown in the page's title and heading.
    public let serverName: String
    /// Where the status page is mounted, without a trailing slash: `/status`.
    public let statusPath: String
    /// Where Prometheus metrics are served: `/metrics`.
    public let metricsPath: String
    /// The longest request target (path and query) accepted, in bytes.
    public let maxTargetLength: Int
    /// The recent values behind the page's sparklines; sampled (at most once per its interval)
    /// when an HTML page is rendered. One per handler by default; `nil` for no sparklines.
    /// Share one with a timer of your own to sample while nobody looks (see ``StatusHistory``).
    public var history: StatusHistory? = StatusHistory()

    let statusSegments: [String]
    let metricsSegments: [String]

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - registry: The registry to show; `Registry.current` (the shared registry unless a task
    ///     installed another) by default.
    ///   - serverName: Shown in the page title, as scales does.
    ///   - statusPath: Mount point of the status page (`/status`; a trailing `/` is ignored).
    ///   - metricsPath: Path of the Prometheus endpoint (`/metrics`).
    ///   - maxTargetLength: Longer request targets get 414 (8 KiB by default).
    public init(
        registry: Registry = .current, serverName: String = "scales", statusPath: String = "/status",
        metricsPath: String = "/metrics", maxTargetLength: Int = 8192
    ) {
        self.registry = registry
        self.serverName = serverName
        self.statusSegments = statusPath.split(separator: "/").map(String.init)
        self.metricsSegments = metricsPath.split(separator: "/").map(String.init)
        self.statusPath = "/" + statusSegments.joined(separator: "/")
        self.metricsPath = "/" + metricsSegments.joined(separator: "/")
        self.maxTargetLength = maxTargetLength
    }

    /// The output formats of the status page.
    enum Format: String {
        case html, json, prettyjson
    }

    /// Answers one request. Never throws and never traps: bad input gets a 4xx with a message.
    ///
    /// - Parameter request: The method and target; the headers `Accept` (the format) and
    ///   `Accept-Encoding` (gzip, see ``ResponseCompression``) when the client sent them.
    /// - Returns: The response; for `HEAD` the body is there too (compressed as for `GET`), for
    ///   the server to leave out while it sends the same headers.
    public func handle(_ request: StatusRequest) -> StatusResponse {
        ResponseCompression.encode(route(request), acceptEncoding: request.headerList("Accept-Encoding"))
    }

    /// The response before its content coding.
    func route(_ request: StatusRequest) -> StatusResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(
                status: 405, "method \(request.method) is not allowed here: the status page is read-only (GET, HEAD)",
                headers: [("Allow", "GET, HEAD")])
        }
        guard request.target.utf8.count <= maxTargetLength else {
            return .text(
                status: 414,
                "request target is \(request.target.utf8.count) bytes long; the limit is \(maxTargetLength)")
        }
        let target: RequestTarget
        do {
            target = try RequestTarget(request.target)
        } catch {
            return .text(status: 400, error.description)
        }
        let segments = target.segments
        if segments.starts(with: statusSegments) {
            guard target.parameter("format") == nil else {
                return statusPage(Array(segments.dropFirst(statusSegments.count)), target, negotiated: nil)
            }
            // No ?format=: the Accept header picks HTML or JSON, and the answer varies with it.
            let negotiated = StatusPageNegotiation.format(accept: request.headerList("Accept"))
            var response = statusPage(Array(segments.dropFirst(statusSegments.count)), target, negotiated: negotiated)
            response.addVary("Accept")
            return response
        }
        if segments == metricsSegments {
            return metrics(MetricsNegotiation.format(accept: request.headerList("Accept")))
        }
        if segments.isEmpty {
            return StatusResponse(
                status: 302,
                headers: [("Location", statusPath + "/"), ("Content-Type", "text/plain; charset=utf-8")],
                body: "the status page is at \(statusPath)/\n")
        }
        return .text(
            status: 404,
            "nothing at \(Self.printable(target.rawPath)): the status page is at \(statusPath)/ and Prometheus metrics at \(metricsPath)"
        )
    }

    func statusPage(_ names: [String], _ target: RequestTarget, negotiated: Format?) -> StatusResponse {
        let formatName = target.parameter("format") ?? negotiated?.rawValue ?? "html"
        guard let format = Format(rawValue: formatName) else {
            return .text(status: 400, "unknown format \"\(Self.printable(formatName))\": use html, json or prettyjson")
        }
        let refresh: Int?
        switch PageRefresh.period(target.parameter("refresh")) {
        case .success(let period): refresh = period
        case .failure(let error): return .text(status: 400, error.description)
        }
        var query: SnapshotQuery?
        let queryText = target.parameter("query") ?? ""
        if !queryText.allSatisfy(\.isWhitespace) {
            do {
                query = try SnapshotQuery(queryText)
            } catch {
                if format == .html, let snapshot = lookup(names) {
                    return html(status: 400, snapshot, query: queryText, error: error.description, refresh: refresh)
                }
                return .text(status: 400, error.description)
            }
        }
        if query == nil, format != .html,
            let json = registry.renderJSON(at: StatPath(names: names), pretty: format == .prettyjson)
        {
            // A collection or a stat without a query: from the cached layout, values read now.
            return jsonResponse(json)
        }
        guard var snapshot = lookup(names) else {
            let path = "/" + names.joined(separator: "/")
            return .text(status: 404, "No stats found with path \(Self.printable(path))")
        }
        if let query { snapshot = query.apply(to: snapshot) }
        switch format {
        case .html:
            return html(status: 200, snapshot, query: query == nil ? nil : queryText, error: nil, refresh: refresh)
        case .json, .prettyjson:
            return jsonResponse(JSONFormat.renderBytes(snapshot, pretty: format == .prettyjson))
        }
    }

    func jsonResponse(_ json: consuming [UInt8]) -> StatusResponse {
        var body = json  // moved, not copied: the newline is appended in place
        body.append(UInt8(ascii: "\n"))
        return StatusResponse(status: 200, headers: Self.jsonHeaders, bodyBytes: body)
    }

    static let jsonHeaders: [(name: String, value: String)] = [
        ("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
    ]

    func html(status: Int, _ snapshot: Snapshot, query: String?, error: String?, refresh: Int?) -> StatusResponse {
        history?.sample(registry)
        let body = HTMLPage.render(
            snapshot, serverName: serverName, statusPath: statusPath, metricsPath: metricsPath, query: query,
            error: error,
            refresh: refresh, history: history)
        return StatusResponse(
            status: status, headers: refresh == nil ? Self.htmlHeaders : Self.refreshingHTMLHeaders, body: body)
    }

    /// The page loads nothing and runs nothing: the policy says so to the browser as well.
    static let htmlHeaders: [(name: String, value: String)] = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Security-Policy", PageRefresh.policy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]

    /// A page with `?refresh=` runs one script, allowed by its hash (see ``PageRefresh``).
    static let refreshingHTMLHeaders: [(name: String, value: String)] = htmlHeaders.map {
        $0.name == "Content-Security-Policy" ? ($0.name, PageRefresh.refreshPolicy) : $0
    }

    func metrics(_ format: ExpositionFormat) -> StatusResponse {
        StatusResponse(
            status: 200,
            headers: [("Content-Type", format.contentType), ("Vary", "Accept"), ("Cache-Control", "no-store")],
            bodyBytes: registry.renderMetrics(format: format) ?? (format == .openMetrics ? Array("# EOF\n".utf8) : []))
    }

    /// The snapshot at `names`: a collection or a stat, or a member inside a stat's value
    /// (a dict key, a `pmf` or `meter` field).
    ///
    /// Linear in the path: one lookup of the whole path, then (for a member) one snapshot of
    /// the first segment's subtree walked segment by segment down to the stat on the path.
    /// Trying every prefix instead made a deep path (`/a/a/…/a`, thousands of segments)
    /// quadratic work on the event loop.
    func lookup(_ names: [String]) -> Snapshot? {
        if let snapshot = registry.snapshot(at: StatPath(names: names)) { return snapshot }
        guard names.count > 1, let top = registry.snapshot(at: StatPath(names: [names[0]])) else { return nil }
        var node = top.root
        var index = 1
        while case .container(let container) = node {
            guard index < names.count, let child = container.child(named: names[index]) else { return nil }
            node = child
            index += 1
        }
        guard case .stat(let stat) = node, index < names.count else { return nil }
        var value = stat.value
        for name in names[index...] {
            guard let member = value.member(name) else { return nil }
            value = member
        }
        let root = SnapshotNode.stat(SnapshotStat(name: names[names.count - 1], value: value))
        return Snapshot(path: StatPath(names: names), root: root, timestamp: top.timestamp)
    }

    /// Text from the request, shortened for an error message.
    static func printable(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
