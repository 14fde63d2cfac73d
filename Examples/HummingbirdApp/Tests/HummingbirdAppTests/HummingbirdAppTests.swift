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
        let exposition = try await app.test(.live) { client in
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
            let line = #"hb_requests_total{http_request_method="GET",http_response_status_code="200",http_route="/hello"} 1"#
            #expect(exposition.contains(line), "\(exposition)")
            #expect(exposition.contains("app_greetings_total 1"))
            return exposition
        }
        // Outside the live server's tasks: a missing promtool cancels this test's own task.
        try checkWithPromtool(exposition)
    }
}

/// `promtool check metrics`; without promtool the test is cancelled (reported as skipped, not
/// passed), or fails under `SCALES_REQUIRE_PEERS=1`.
func checkWithPromtool(_ exposition: String) throws {
    let promtool = try requirePeer("promtool")
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

/// The peer's path in the Debian locations. When it is missing: cancels the current test (Swift
/// Testing reports it as skipped, not passed) or, under `SCALES_REQUIRE_PEERS=1`, throws
/// `MissingPeer`, failing it. Call it from the test's own task. Test-only override:
/// `SCALES_HIDE_PEERS=promtool` (comma-separated names) makes a peer count as missing.
func requirePeer(_ tool: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let environment = ProcessInfo.processInfo.environment
    let hidden = (environment["SCALES_HIDE_PEERS"] ?? "").split(separator: ",").contains { $0 == tool }
    let candidates = ["/usr/bin/\(tool)", "/usr/local/bin/\(tool)"]
    if !hidden, let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return path }
    let message = "\(tool) is not installed; `bash Scripts/install-peers.sh` (from the repository root) installs it"
    if environment["SCALES_REQUIRE_PEERS"] == "1" { throw MissingPeer(description: "SCALES_REQUIRE_PEERS=1 but " + message) }
    try Test.cancel(Comment(rawValue: message), sourceLocation: sourceLocation)
}

/// A peer a test needs is missing under `SCALES_REQUIRE_PEERS=1`.
struct MissingPeer: Error, CustomStringConvertible {
    let description: String
}
