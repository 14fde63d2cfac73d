import Hummingbird

/// The app's own guard in front of the status page: requests without
/// `Authorization: Bearer <token>` get 401. Any middleware works the same way — the status
/// routes are ordinary routes.
public struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    /// - Parameter token: The token a client must send.
    public init(token: String) {
        self.token = token
    }

    /// Passes the request on when its `Authorization` header is `Bearer <token>`; otherwise
    /// answers 401 without calling `next`.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(token)" else {
            return Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: "Bearer", .contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "the status page needs a bearer token\n")))
        }
        return try await next(request, context)
    }
}
