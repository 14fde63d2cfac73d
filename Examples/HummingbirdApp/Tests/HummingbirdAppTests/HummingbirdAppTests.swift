import Foundation
import Hummingbird
import HummingbirdApp
import HummingbirdTesting
import Metrics
import Scales
import ScalesMetrics
import Testing

/// The registry the process-wide metrics system reports to: `MetricsSystem.bootstrap` can be
/// called once per process, so the framework metrics (Hummingbird's `MetricsMiddleware`, through
/// swift-metrics) of every app the tests build land here, whatever registry the app was given.
/// Only `aRequestShowsUpInStatusJSONAndInMetrics` gives it to an app (the example's point: framework
/// metrics and the app's own stats in one tree); every other test gives its app a registry of
/// its own.
let frameworkRegistry: Registry = {
    let registry = Registry()
    MetricsSystem.bootstrap(ScalesMetricsFactory(registry: registry))
    return registry
}()

/// Every suite that sends requests to an app, one test at a time. Their framework metrics all
/// go to ``frameworkRegistry`` (see there), so while another test's requests may run, a count
/// there says nothing about one test's requests; serialized, and read as the difference between
/// before and after, it says exactly what that test did. (Hummingbird's live test server is
/// shut down gracefully before `app.test` returns, so a test's last metrics are recorded before
/// the next test starts.) A new suite that sends requests belongs in here too.
@Suite(.serialized) enum ExampleAppTests {}

extension ExampleAppTests {
    @Suite struct HummingbirdAppTests {
        /// The counts of the `/hello` series and the app's greetings in the tree `body` (status
        /// JSON) shows.
        struct Counts: Equatable {
            var requests = 0
            var timed = 0
            var greetings = 0
        }

        static let helloSeries = "http.request.method=GET,http.response.status_code=200,http.route=/hello"

        static func counts(_ client: some TestClientProtocol) async throws -> Counts {
            let body = try await client.execute(uri: "/status/?format=json", method: .get) { response in
                #expect(response.status == .ok)
                return String(buffer: response.body)
            }
            let tree = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let metrics = tree["metrics"] as? [String: Any]
            let requests = (metrics?["hb.requests"] as? [String: Any])?[helloSeries] as? Int
            let timer = (metrics?["http.server.request.duration"] as? [String: Any])?[helloSeries] as? [String: Any]
            return Counts(
                requests: requests ?? 0, timed: timer?["count"] as? Int ?? 0,
                greetings: (tree["app"] as? [String: Any])?["greetings"] as? Int ?? 0)
        }

        @Test func aRequestShowsUpInStatusJSONAndInMetrics() async throws {
            let app = buildApplication(registry: frameworkRegistry, port: 0)
            let exposition = try await app.test(.live) { client in
                let before = try await Self.counts(client)
                try await client.execute(uri: "/hello", method: .get) { response in
                    #expect(response.status == .ok)
                }
                // The middleware records once the response body is written; wait for it.
                var after = before
                for _ in 0..<50 {
                    after = try await Self.counts(client)
                    if after.requests != before.requests, after.timed != before.timed { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                // Framework metrics and the app's own stats share one tree; one request, one count each.
                #expect(after.requests == before.requests + 1, "\(before) → \(after)")
                #expect(after.timed == before.timed + 1, "\(before) → \(after)")
                #expect(after.greetings == before.greetings + 1, "\(before) → \(after)")

                let exposition = try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                    return String(buffer: response.body)
                }
                let line =
                    #"hb_requests_total{http_request_method="GET",http_response_status_code="200",http_route="/hello"} "#
                #expect(exposition.contains(line + "\(after.requests)\n"), "\(exposition)")
                #expect(exposition.contains("app_greetings_total \(after.greetings)\n"))
                return exposition
            }
            // Outside the live server's tasks: a missing promtool cancels this test's own task.
            try checkWithPromtool(exposition)
        }
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
    if environment["SCALES_REQUIRE_PEERS"] == "1" {
        throw MissingPeer(description: "SCALES_REQUIRE_PEERS=1 but " + message)
    }
    try Test.cancel(Comment(rawValue: message), sourceLocation: sourceLocation)
}

/// A peer a test needs is missing under `SCALES_REQUIRE_PEERS=1`.
struct MissingPeer: Error, CustomStringConvertible {
    let description: String
}
