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

    // HEAD routes for every GET route (Hummingbird adds none by itself: HEAD would get 404),
    // answered by the GET handler with the body left out and its Content-Length kept.
    let router = Router(options: .autoGenerateHeadEndpoints)
    router.middlewares.add(MetricsMiddleware())
    router.get("/hello") { _, _ -> String in
        greetings += 1
        return "Hello from Hummingbird\n"
    }
    let mounted: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
        status.respond(to: request)
    }
    let guarded = router.group()
    if let statusToken { guarded.add(middleware: BearerTokenMiddleware(token: statusToken)) }
    // HEAD registered next to GET, as the README does: it does not depend on the router's options.
    for path in ["/status", "/status/**", "/metrics"] as [RouterPath] {
        guarded.get(path, use: mounted)
        guarded.head(path, use: mounted)
    }
    return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "hummingbird-example"))
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
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
