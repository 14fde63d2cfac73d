import Foundation
import Testing

/// A private carbon-cache on 127.0.0.1, driven through the repository's `Scripts/peers/carbon.sh`
/// (the same script CI and users run), with its own port and storage directory.
struct CarbonPeer: Sendable {
    let port: Int
    let dir: String

    static let script: String = {
        // Tests/ScalesGraphiteTests/CarbonPeer.swift -> repository root
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("Scripts/peers/carbon.sh").path
    }()

    static var requirePeers: Bool { ProcessInfo.processInfo.environment["SCALES_REQUIRE_PEERS"] == "1" }

    /// Starts a fresh instance, or returns `nil` after printing why the test is skipped (and
    /// recording an issue when `SCALES_REQUIRE_PEERS=1`).
    static func start(_ test: String = #function) async -> CarbonPeer? {
        let check = await run(["check"])
        guard check.status == 0 else {
            let message = "skipped: carbon-cache (Debian graphite-carbon with python3-whisper) not installed; "
                + "run Scripts/peers/carbon.sh install"
            if requirePeers {
                Issue.record("SCALES_REQUIRE_PEERS=1 but \(message)")
            } else {
                print("\(test): \(message)")
            }
            return nil
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scales-carbon-\(UUID().uuidString)").path
        for _ in 0..<3 {
            let portText = await run(["freeport"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let port = Int(portText) else { continue }
            let peer = CarbonPeer(port: port, dir: dir)
            if await peer.start() { return peer }
        }
        Issue.record("carbon-cache is installed but did not start; see \(dir)/log")
        return nil
    }

    /// Starts (or restarts, keeping the stored data) this instance.
    func start() async -> Bool {
        let result = await Self.run(["start", String(port), dir])
        if result.status != 0 { print("carbon.sh start: \(result.output)") }
        return result.status == 0
    }

    /// Stops the instance (SIGTERM; carbon does not flush its cache then: read back first).
    func stop() async {
        _ = await Self.run(["stop", dir])
    }

    /// Stops the instance and removes its directory.
    func destroy() async {
        await stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Every stored point since `since`: metric name -> [(timestamp, value)].
    func points(since: Int) async -> [String: [(timestamp: Int, value: Double)]] {
        let result = await Self.run(["dump", dir, String(since)])
        var points: [String: [(timestamp: Int, value: Double)]] = [:]
        for line in result.output.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let timestamp = Int(fields[1]), let value = Double(fields[2]) else { continue }
            points[String(fields[0]), default: []].append((timestamp, value))
        }
        return points
    }

    /// Polls (every 200 ms, at most `timeout`) until `done` holds for the stored points; returns
    /// the last points read. carbon writes its cache to whisper about once a second.
    func waitForPoints(
        since: Int, timeout: Duration = .seconds(15),
        until done: ([String: [(timestamp: Int, value: Double)]]) -> Bool
    ) async -> [String: [(timestamp: Int, value: Double)]] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var points = await self.points(since: since)
        while !done(points), clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(200))
            points = await self.points(since: since)
        }
        return points
    }

    /// Lines of carbon's logs reporting a rejected line or a failed write.
    func problems() async -> [String] {
        await Self.run(["problems", dir]).output.split(separator: "\n").map(String.init)
    }

    /// Runs the script without blocking a cooperative thread; output goes through a file so a
    /// large dump cannot fill a pipe.
    static func run(_ arguments: [String]) async -> (status: Int32, output: String) {
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("carbon-sh-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        guard let handle = try? FileHandle(forWritingTo: outputURL) else { return (-1, "cannot create \(outputURL.path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = await withCheckedContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: -1)
            }
        }
        try? handle.close()
        let output = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        return (status, output)
    }
}

/// The current time in whole seconds since 1970.
func unixNow() -> Int { Int(Date().timeIntervalSince1970) }
