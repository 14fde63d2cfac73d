import Foundation
import Hummingbird
import HummingbirdApp
import HummingbirdTesting
import Metrics
import Scales
import ScalesMetrics
import Testing

/// The process-wide metrics system can be bootstrapped once; every test here shares it.
let registry: Registry = {
    let registry = Registry()
    MetricsSystem.bootstrap(ScalesMetricsFactory(registry: registry))
    return registry
}()

@Suite(.serialized) struct HummingbirdAppTests {
    @Test func aRequestShowsUpInStatusJSONAndInMetrics() async throws {
        let app = buildApplication(registry: registry, port: 0)
        try await app.test(.live) { client in
            try await client.execute(uri: "/hello", method: .get) { response in
                #expect(response.status == .ok)
            }
            // The middleware records once the response body is written; wait for it.
            var tree: [String: Any] = [:]
            for _ in 0..<50 {
                let body = try await client.execute(uri: "/status/?format=json", method: .get) { response in
                    #expect(response.status == .ok)
                    return String(buffer: response.body)
                }
                tree = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                if ((tree["metrics"] as? [String: Any])?["hb.requests"]) != nil { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            // Framework metrics and the app's own stats share one tree.
            let metrics = try #require(tree["metrics"] as? [String: Any])
            let requests = try #require(metrics["hb.requests"] as? [String: Any])
            let series = "http.request.method=GET,http.response.status_code=200,http.route=/hello"
            #expect(requests[series] as? Int == 1)
            let durations = try #require(metrics["http.server.request.duration"] as? [String: Any])
            let timer = try #require(durations[series] as? [String: Any])
            #expect(timer["count"] as? Int == 1)
            #expect((tree["app"] as? [String: Any])?["greetings"] as? Int == 1)

            let exposition = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                return String(buffer: response.body)
            }
            let line = #"metrics_hb_requests_total{http_request_method="GET",http_response_status_code="200",http_route="/hello"} 1"#
            #expect(exposition.contains(line), "\(exposition)")
            #expect(exposition.contains("app_greetings_total 1"))
            try checkWithPromtool(exposition)
        }
    }
}

/// `promtool check metrics` when installed; skips (or fails under SCALES_REQUIRE_PEERS=1) otherwise.
func checkWithPromtool(_ exposition: String) throws {
    let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
    guard let promtool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        if ProcessInfo.processInfo.environment["SCALES_REQUIRE_PEERS"] == "1" {
            Issue.record("promtool is not installed (SCALES_REQUIRE_PEERS=1)")
        } else {
            print("skipped: promtool not installed; `bash Scripts/install-peers.sh` installs it")
        }
        return
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: promtool)
    process.arguments = ["check", "metrics"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(exposition.utf8))
    try input.fileHandleForWriting.close()
    let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "promtool: \(report)\n\(exposition)")
}
