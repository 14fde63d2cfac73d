import Foundation
import Scales
import ScalesHTTP
import ScalesTestSupport
import Testing

/// The process stats as real Prometheus tools see them, from a real ``StatusServer`` over
/// loopback: promtool's checks (lint included) and a Prometheus server's scrape. A missing peer
/// skips, or fails under `SCALES_REQUIRE_PEERS=1`.
@Suite(.serialized) struct ProcessStatsPeerTests {
    /// The names and types of the Go client (and `process_threads`, the Java client's).
    static let expectedFamilies: [String: String] = [
        "process_cpu_seconds_total": "counter",
        "process_resident_memory_bytes": "gauge",
        "process_virtual_memory_bytes": "gauge",
        "process_open_fds": "gauge",
        "process_max_fds": "gauge",
        "process_start_time_seconds": "gauge",
        "process_threads": "gauge",
    ]

    /// A registry with the process stats and nothing else but its health counters.
    func processRegistry() -> Registry {
        let registry = Registry()
        ProcessStats.register(in: registry)
        return registry
    }

    @Test func metricsHasExactlyTheProcessFamiliesAndPassesPromtool() async throws {
        let promtool = try Peers.require("promtool", for: "lint the process stats on /metrics")
        let response = try await withServer(processRegistry()) { _, port in
            try await blocking { try httpGet(port: port, "/metrics") }
        }
        let exposition = try Exposition(response.text)
        var process: [String: String] = [:]
        for family in exposition.families where family.name.hasPrefix("process_") {
            process[family.name] = family.type
            #expect(family.samples.count == 1, "\(family.name): \(family.samples)")
            let value = try #require(family.samples.first.flatMap { Double($0.value) })
            #expect(value > 0, "\(family.name) = \(value)")
            #expect(!family.help.isEmpty)
        }
        #expect(process == Self.expectedFamilies, "\(response.text)")
        // Counters' samples carry the family's name (no second `_total`).
        #expect(response.text.contains("\nprocess_cpu_seconds_total "))
        #expect(response.text.contains("# TYPE process_cpu_seconds_total counter\n"))
        let result = try await blocking {
            try Peers.run(promtool, ["check", "metrics"], input: response.body, timeout: 60)
        }
        #expect(
            result.status == 0, "promtool exit \(result.status): \(result.stdout)\(result.stderr)\n\(response.text)")
    }

    @Test func theExampleServesItsOwnProcessStatsByDefault() async throws {
        let launched = Date().timeIntervalSince1970
        let example = try ExampleProcess.start()
        defer { example.stop() }
        let port = example.port
        let response = try await blocking { try httpGet(port: port, "/metrics") }
        let exposition = try Exposition(response.text)
        var process: [String: String] = [:]
        for family in exposition.families where family.name.hasPrefix("process_") { process[family.name] = family.type }
        #expect(process == Self.expectedFamilies, "\(response.text)")
        // Its own start time (a process started just now), not this test process's.
        let start = try #require(
            exposition.families.first { $0.name == "process_start_time_seconds" }?.samples.first.flatMap {
                Double($0.value)
            })
        #expect(start >= launched - 2 && start <= Date().timeIntervalSince1970, "start \(start), launched \(launched)")
    }

    @Test func thePageAndJSONShowTheProcessStats() async throws {
        let (page, json) = try await withServer(processRegistry()) { _, port in
            try await blocking {
                (try httpGet(port: port, "/status/process/"), try httpGet(port: port, "/status/process/?format=json"))
            }
        }
        #expect(page.status == 200, "\(page.text)")
        for name in [
            "cpuSeconds", "residentMemoryBytes", "virtualMemoryBytes", "openFds", "maxFds", "startTimeSeconds",
            "threads",
        ] {
            #expect(page.text.contains(name), "page lacks \(name)")
        }
        let object = try #require(try strictJSON(json) as? [String: Any], "\(json.text)")
        #expect(
            Set(object.keys) == [
                "cpuSeconds", "residentMemoryBytes", "virtualMemoryBytes", "openFds", "maxFds", "startTimeSeconds",
                "threads",
            ], "\(json.text)")
        #expect((object["threads"] as? Int).map { $0 >= 1 } == true)
        #expect(
            (object["startTimeSeconds"] as? Double).map { $0 > 1_600_000_000 && $0 <= Date().timeIntervalSince1970 }
                == true)
    }

    @Test func prometheusScrapesCPUSecondsAsACounter() async throws {
        _ = try Peers.require("prometheus", for: "scrape the process stats with a real Prometheus server")
        let directory = try Peers.temporaryDirectory("prometheus-process")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withServer(processRegistry()) { _, port in
            let started = try await blocking {
                try Peers.runScript("prometheus", ["start", directory.path, "scales=127.0.0.1:\(port)"], timeout: 60)
            }
            #expect(started.status == 0, "prometheus start: \(started.stdout)\(started.stderr)")
            guard started.status == 0 else { return }
            defer { _ = try? Peers.runScript("prometheus", ["stop", directory.path], timeout: 30) }
            let portText = try String(contentsOf: directory.appendingPathComponent("prometheus.port"), encoding: .utf8)
            let prometheusPort = try #require(Int(portText.trimmingCharacters(in: .whitespacesAndNewlines)))
            let api = PrometheusAPI(port: prometheusPort)
            let cpu = try await api.waitForValue("process_cpu_seconds_total", timeout: 40)
            #expect(cpu.flatMap(Double.init).map { $0 > 0 } == true, "\(String(describing: cpu))")
            // rate() works on it only as a counter; the scrape's metadata says which type it is
            // (Prometheus asks for OpenMetrics, where the family is `process_cpu_seconds`).
            func type(_ metric: String) async throws -> String? {
                let response = try await blocking {
                    try httpGet(port: prometheusPort, "/api/v1/targets/metadata?metric=\(metric)")
                }
                let object = try #require(try strictJSON(response) as? [String: Any], "\(response.text)")
                return (object["data"] as? [[String: Any]])?.first?["type"] as? String
            }
            let openMetricsType = try await type("process_cpu_seconds")
            let textType = try await type("process_cpu_seconds_total")
            let cpuType = openMetricsType ?? textType
            #expect(cpuType == "counter")
            #expect(try await type("process_resident_memory_bytes") == "gauge")
            let threads = try await api.value("process_threads")
            #expect(threads.flatMap(Double.init).map { $0 >= 1 } == true)
        }
    }
}
