import Hummingbird
import Metrics
import Scales
import ScalesHTTP
import ScalesMetrics

/// Builds the example app: a greeting route, Hummingbird's metrics middleware reporting through
/// swift-metrics into `registry`, and the swift-scales status page and `/metrics` mounted as
/// ordinary routes behind the app's own middleware (a bearer token, when `statusToken` is set).
///
/// Call `MetricsSystem.bootstrap(ScalesMetricsFactory(registry: registry))` once per process
/// before building it, so the middleware's metrics land in the same tree.
public func buildApplication(
    registry: Registry, host: String = "127.0.0.1", port: Int = 8080, statusToken: String? = nil
) -> some ApplicationProtocol {
    let greetings = registry.collection(at: "/app").counter("greetings", doc: "Greetings served")
    let status = StatusHandler(registry: registry, serverName: "hummingbird-example")

    // Every GET route has a HEAD route next to it: Hummingbird adds none by itself (HEAD would
    // get 404). Registered by hand, as the README does, rather than with the router option
    // `.autoGenerateHeadEndpoints`, so the tests check what a reader pastes.
    let router = Router()
    router.middlewares.add(MetricsMiddleware())
    let hello: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
        if request.method == .get { greetings += 1 }  // a HEAD serves no greeting
        let body = ByteBuffer(string: "Hello from Hummingbird\n")
        let response = Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: body))
        return request.method == .head ? response.createHeadResponse() : response
    }
    router.get("/hello", use: hello)
    router.head("/hello", use: hello)
    let mounted: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
        status.respond(to: request)
    }
    let guarded = router.group()
    if let statusToken { guarded.add(middleware: BearerTokenMiddleware(token: statusToken)) }
    for path in ["/status", "/status/**", "/metrics"] as [RouterPath] {
        guarded.get(path, use: mounted)
        guarded.head(path, use: mounted)
    }
    return Application(
        router: router, configuration: .init(address: .hostname(host, port: port), serverName: "hummingbird-example"))
}

extension StatusHandler {
    /// Answers a Hummingbird request with the framework-neutral handler: every request header
    /// goes in (`Accept` picks the format, `Accept-Encoding` gzip); for `HEAD` the headers of
    /// the `GET` (`Content-Length` included) go out without the body.
    func respond(to request: Request) -> Response {
        let answer = handle(
            StatusRequest(
                method: request.method.rawValue, target: request.uri.description,
                headers: request.headers.map { ($0.name.rawName, $0.value) }))
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPFields.Element.Name(name) { headers.append(HTTPFields.Element(name: name, value: value)) }
        }
        headers[.contentLength] = String(answer.bodyBytes.count)
        let body = request.method == .head ? ByteBuffer() : ByteBuffer(bytes: answer.bodyBytes)
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
