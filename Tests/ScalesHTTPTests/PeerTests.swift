import Foundation
import Scales
import ScalesHTTP
import ScalesTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real clients against the status server: headless Chromium, promtool, a Prometheus server,
/// wrk, and the example executable. Serialized: each peer is heavy on a two-core machine.
/// A missing peer cancels its test (reported as skipped, not passed) with a message naming it,
/// or fails it under `SCALES_REQUIRE_PEERS=1`.
@Suite(.serialized) struct PeerTests {
    // MARK: Chromium

    @Test func chromiumShowsAHostileTreeAsTextAndRunsNoScript() async throws {
        _ = try Peers.require("chromium", for: "render the status page in a real browser")
        let artifacts = Peers.repositoryRoot.appendingPathComponent("artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("status-page.png")
        let dom = artifacts.appendingPathComponent("status-page-dom.html")
        try await withServer(everyKindRegistry(), configure: { $0.serverName = "hostile <b>&amp;</b>" }) { _, port in
            let url = "http://127.0.0.1:\(port)/status/"
            let shot = try await blocking {
                try Peers.runScript("chromium", ["screenshot", url, screenshot.path, "1200,1400"])
            }
            #expect(shot.status == 0, "chromium screenshot: \(shot.stdout) \(shot.stderr)")
            let dump = try await blocking { try Peers.runScript("chromium", ["dump-dom", url, dom.path]) }
            #expect(dump.status == 0, "chromium dump-dom: \(dump.stdout) \(dump.stderr)")
        }
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        #expect(png.count > 20_000, "screenshot suspiciously small: \(png.count) bytes")
        let html = try String(contentsOf: dom, encoding: .utf8)
        // No script ran: the title is ours, and the DOM holds no element made from the data.
        #expect(
            html.contains("<title>hostile &lt;b&gt;&amp;amp;&lt;/b&gt; - Status</title>"), "title: \(html.prefix(400))")
        #expect(!html.contains("pwned</title>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>"))
        // Shown as text, escaped by the browser's own serializer.
        #expect(html.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"))
        #expect(html.contains("&lt;img src=x onerror=\"document.title='pwned-img'\"&gt;"))
        #expect(html.contains("say \"hi\" &amp; 'bye'"))
        #expect(html.contains(Hostile.unicode))
        #expect(html.contains(#"C:\dir\new"#))
        #expect(html.contains("line one<br>line two"))
        let log = (try? String(contentsOf: URL(fileURLWithPath: dom.path + ".log"), encoding: .utf8)) ?? ""
        #expect(!log.contains("Uncaught"), "JavaScript error: \(log)")
        print("chromium: screenshot \(screenshot.path) (\(png.count) bytes), DOM \(dom.path)")
    }

    // MARK: promtool

    @Test func promtoolAcceptsMetricsForEveryKindWithHostileKeys() async throws {
        let promtool = try Peers.require("promtool", for: "lint /metrics")
        let body = try await withServer(everyKindRegistry()) { _, port in
            try await blocking { try httpGet(port: port, "/metrics") }
        }
        #expect(body.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(body.text.contains("web_by_path{key=\"<script>document.title='pwned'</script>\"}"))
        let result = try await blocking {
            try Peers.run(promtool, ["check", "metrics"], input: body.body, timeout: 60)
        }
        #expect(result.status == 0, "promtool exit \(result.status): \(result.stdout)\(result.stderr)\n\(body.text)")
        // The checks promtool does not make.
        _ = try Exposition(body.text)
    }

    // MARK: Prometheus server

    @Test func prometheusScrapesTheServerAndTheExampleAndReturnsTheValues() async throws {
        _ = try Peers.require("prometheus", for: "scrape /metrics with a real Prometheus server")
        let directory = try Peers.temporaryDirectory("prometheus")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Optional here: without it Prometheus scrapes the in-process server only.
        let example = try ExampleProcess.startIfBuilt()
        defer { example?.stop() }
        try await withServer(everyKindRegistry()) { _, port in
            let targets = ["scales=127.0.0.1:\(port)"] + (example.map { ["example=127.0.0.1:\($0.port)"] } ?? [])
            let started = try await blocking {
                try Peers.runScript("prometheus", ["start", directory.path] + targets, timeout: 60)
            }
            #expect(started.status == 0, "prometheus start: \(started.stdout)\(started.stderr)")
            guard started.status == 0 else { return }
            let portFile = directory.appendingPathComponent("prometheus.port")
            guard let portText = try? String(contentsOf: portFile, encoding: .utf8),
                let prometheusPort = Int(portText.trimmingCharacters(in: .whitespacesAndNewlines))
            else {
                _ = try? Peers.runScript("prometheus", ["stop", directory.path], timeout: 30)
                let contents = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.sorted() ?? []
                let portFileText =
                    (try? String(contentsOf: portFile, encoding: .utf8)).map { "\"\($0)\"" } ?? "unreadable"
                Issue.record(
                    """
                    prometheus started but \(portFile.path) holds no port (\(portFileText)); \
                    \(directory.path) holds \(contents); start said: \(started.stdout)\(started.stderr)
                    """)
                return
            }
            defer { _ = try? Peers.runScript("prometheus", ["stop", directory.path], timeout: 30) }
            let api = PrometheusAPI(port: prometheusPort)
            // The first scrape comes about 5 s after start.
            let requests = try await api.waitForValue("web_requests_total", timeout: 40)
            #expect(requests == "42")
            #expect(try await api.value(#"web_errors{job="scales"}"#) == "3")
            #expect(try await api.value(#"handler_active{id="h1"}"#) == "1")
            #expect(try await api.value(#"handler_active{id="say \"hi\" & 'bye'"}"#) == "1")
            #expect(try await api.value(#"web_by_path{key="<script>document.title='pwned'</script>"}"#) == "1")
            #expect(try await api.value(#"web_by_path{key="line one\nline two"}"#) == "5")
            // `job` pinned: the example exports web_latency and web_version too.
            #expect(try await api.value(#"web_latency_count{job="scales"}"#) == "100")
            #expect(
                try await api.value(#"web_latency{job="scales",quantile="0.5"}"#).flatMap(Double.init).map {
                    abs($0 - 0.5) < 0.05
                } == true)
            #expect(try await api.value(#"web_version_info{job="scales",value="1.4.2"}"#) == "1")
            #expect(try await api.value(#"up{job="scales"}"#) == "1")
            let health = try await api.targetHealth()
            #expect(health["scales"]?.health == "up", "\(health)")
            #expect(health["scales"]?.lastError == "", "\(health)")
            if let example {
                let up = try await api.waitForValue(#"up{job="example"}"#, timeout: 20)
                #expect(up == "1", "example: \(health)")
                #expect(try await api.waitForValue(#"web_success{job="example"}"#, timeout: 10) != nil)
                _ = example
            } else {
                print("note: \(ExampleProcess.notBuilt); Prometheus scraped the in-process server only")
            }
        }
    }

    // MARK: wrk

    @Test func boundedLoadWithWrkHasNoErrors() async throws {
        _ = try Peers.require("wrk", for: "load the status server")
        try await withServer(everyKindRegistry()) { _, port in
            let result = try await blocking {
                try Peers.runScript(
                    "wrk", ["run", "http://127.0.0.1:\(port)/status/?format=json", "3", "32", "2"], timeout: 90)
            }
            let summary = result.stdout.split(separator: "\n").first { $0.hasPrefix("WRK-SUMMARY") } ?? "no summary"
            print("wrk /status/?format=json: \(summary)")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(summary.contains("socket_errors=0"))
            #expect(summary.contains("non2xx=0"))
            // Still serving afterwards.
            let after = try await blocking { try httpGet(port: port, "/status/web/errors?format=json") }
            #expect(after.text == "3\n")
        }
    }

    // MARK: The example executable

    @Test func theExampleServesAndStopsGracefullyOnSIGTERM() async throws {
        let example = try ExampleProcess.start()
        let port = example.port
        let page = try await blocking { try httpGet(port: port, "/status/") }
        #expect(page.status == 200)
        #expect(page.text.contains("<title>scales-example - Status</title>"))
        let json = try await blocking { try httpGet(port: port, "/status/?format=json") }
        #expect(try strictJSON(json) is [String: Any])
        let status = example.stop()
        #expect(status == 0, "example exit status \(status)")
        #expect(example.output().contains("status page stopped"), "\(example.output())")
    }
}

/// The `ScalesExample` executable from the same build, on a free port.
final class ExampleProcess {
    let process: Process
    let port: Int
    let log: URL

    init(process: Process, port: Int, log: URL) {
        self.process = process
        self.port = port
        self.log = log
    }

    /// Next to the tests' executable (where `swift build` puts it too).
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("ScalesExample")

    /// Why it cannot be started.
    static var notBuilt: String {
        "ScalesExample is not built next to the tests (\(binary.path)); run `swift build` first"
    }

    /// The built executable, or `nil` (also when `SCALES_HIDE_PEERS` names `ScalesExample`).
    static func executable() -> URL? {
        if Peers.hidden("ScalesExample") { return nil }
        let candidates = [binary, Peers.repositoryRoot.appendingPathComponent(".build/debug/ScalesExample")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Starts it and waits until it answers; when it is not built, stops the test through
    /// ``Peers/missing(_:sourceLocation:)`` (cancelled, or failed under `SCALES_REQUIRE_PEERS=1`).
    static func start(sourceLocation: SourceLocation = #_sourceLocation) throws -> ExampleProcess {
        guard let executable = executable() else { try Peers.missing(notBuilt, sourceLocation: sourceLocation) }
        return try launch(executable)
    }

    /// Starts it when it is built; otherwise `nil`, after recording an issue (the test fails but
    /// goes on) under `SCALES_REQUIRE_PEERS=1`.
    static func startIfBuilt(sourceLocation: SourceLocation = #_sourceLocation) throws -> ExampleProcess? {
        guard let executable = executable() else {
            if Peers.required { Issue.record("SCALES_REQUIRE_PEERS=1 but \(notBuilt)", sourceLocation: sourceLocation) }
            return nil
        }
        return try launch(executable)
    }

    /// Starts `executable` on a free port and waits until it answers.
    private static func launch(_ executable: URL) throws -> ExampleProcess {
        let port = try freeLoopbackPort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("scales-example-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = executable
        process.environment = ProcessInfo.processInfo.environment.merging(["SCALES_PORT": String(port)]) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let example = ExampleProcess(process: process, port: port, log: log)
        for _ in 0..<200 {
            if let response = try? httpGet(port: port, "/status/?format=json"), response.status == 200 {
                return example
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let output = example.output()
        _ = example.stop()
        throw RawHTTPError.malformed("the example did not start: \(output)")
    }

    /// SIGTERM, then waits (up to 10 s, then SIGKILL); returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    func output() -> String {
        (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RawHTTPError.connectFailed(errno) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw RawHTTPError.connectFailed(errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Prometheus' HTTP API on 127.0.0.1.
struct PrometheusAPI: Sendable {
    let port: Int

    /// The value of an instant query's first result, or `nil` when there is none.
    func value(_ query: String) async throws -> String? {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let response = try await blocking { try httpGet(port: port, "/api/v1/query?query=\(encoded)") }
        let object = try #require(try strictJSON(response) as? [String: Any], "\(response)")
        #expect(object["status"] as? String == "success", "\(response.text)")
        let data = object["data"] as? [String: Any]
        let results = data?["result"] as? [[String: Any]] ?? []
        return (results.first?["value"] as? [Any])?.last as? String
    }

    /// Polls `query` until it has a value (the first scrape comes ~5 s after start).
    func waitForValue(_ query: String, timeout: Double) async throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = try await value(query) { return value }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("no value for \(query) within \(timeout) s")
        return nil
    }

    /// Each job's scrape health and last error.
    func targetHealth() async throws -> [String: (health: String, lastError: String)] {
        let response = try await blocking { try httpGet(port: port, "/api/v1/targets") }
        let object = try #require(try strictJSON(response) as? [String: Any])
        let targets = ((object["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]]) ?? []
        var health: [String: (String, String)] = [:]
        for target in targets {
            let job = (target["labels"] as? [String: Any])?["job"] as? String ?? "?"
            health[job] = (target["health"] as? String ?? "?", target["lastError"] as? String ?? "?")
        }
        return health
    }
}
