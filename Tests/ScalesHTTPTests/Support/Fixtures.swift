import Foundation
import Scales
import ScalesHTTP
import Testing

/// Starts a server on a free loopback port for `registry`; stops it when `body` returns.
func withServer<T: Sendable>(
    _ registry: Registry, configure: (inout StatusServer.Configuration) -> Void = { _ in },
    _ body: (StatusServer, Int) async throws -> T
) async throws -> T {
    var configuration = StatusServer.Configuration(port: 0, serverName: "test-server")
    // Generous deadlines unless a test sets its own (the tests of the deadlines do): under
    // ThreadSanitizer, with a dozen servers starting at once, a request's head has taken more
    // than the default 3 s to be read, and the connection was closed before any response.
    configuration.requestHeadTimeout = .seconds(30)
    configuration.requestTimeout = .seconds(60)
    configure(&configuration)
    let server = StatusServer(registry: registry, configuration: configuration)
    let port = try await server.start()
    do {
        let result = try await body(server, port)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
