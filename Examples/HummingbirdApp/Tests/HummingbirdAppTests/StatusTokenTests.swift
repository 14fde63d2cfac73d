import Hummingbird
import HummingbirdApp
import HummingbirdTesting
import Testing

/// The status routes sit behind the app's own middleware: here a bearer token.
@Suite struct StatusTokenTests {
    @Test func theStatusPageAndMetricsNeedTheTokenOtherRoutesDoNot() async throws {
        let app = buildApplication(registry: registry, port: 0, statusToken: "s3cret")
        try await app.test(.live) { client in
            for uri in ["/status/", "/status/app?format=json", "/metrics"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer wrong"]) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer s3cret"]) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
            }
            try await client.execute(uri: "/hello", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
