import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Whether a missing peer fails the test instead of skipping it (`SCALES_REQUIRE_PEERS=1`, or `true`/`yes`).
    static var requirePeers: Bool {
        ["1", "true", "yes"].contains(ProcessInfo.processInfo.environment["SCALES_REQUIRE_PEERS"]?.lowercased() ?? "")
    }

    /// Whether `SCALES_HIDE_PEERS` (comma-separated, test-only) names `peer`: it then counts as
    /// missing, to exercise the skip and `SCALES_REQUIRE_PEERS=1` paths on a machine that has it.
    /// Names used here: `carbon-cache`, `ScalesExample`.
    static func hidden(_ peer: String) -> Bool {
        let names = (ProcessInfo.processInfo.environment["SCALES_HIDE_PEERS"] ?? "").split(separator: ",")
        return names.contains { $0.trimmingCharacters(in: .whitespaces) == peer }
    }

    /// Stops the current test for a missing peer: cancels it, so Swift Testing reports it as
    /// skipped rather than passed, or, under `SCALES_REQUIRE_PEERS=1`, throws ``PeerError``,
    /// failing it. Call it from the test's own task.
    static func missing(_ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        if requirePeers { throw PeerError(description: "SCALES_REQUIRE_PEERS=1 but " + message) }
        try Test.cancel(Comment(rawValue: message), sourceLocation: sourceLocation)
    }

    /// A peer is missing under `SCALES_REQUIRE_PEERS=1`, or installed but would not start.
    struct PeerError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts a fresh instance; without carbon, stops the test through
    /// ``missing(_:sourceLocation:)`` (cancelled, or failed under `SCALES_REQUIRE_PEERS=1`).
    static func start(sourceLocation: SourceLocation = #_sourceLocation) async throws -> CarbonPeer {
        let installed = if hidden("carbon-cache") { false } else { await run(["check"]).status == 0 }
        guard installed else {
            try missing(
                "carbon-cache (Debian graphite-carbon with python3-whisper) is not installed; "
                    + "`bash Scripts/install-peers.sh` (or `bash Scripts/peers/carbon.sh install`) installs it",
                sourceLocation: sourceLocation)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scales-carbon-\(UUID().uuidString)")
            .path
        for _ in 0..<3 {
            let portText = await run(["freeport"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let port = Int(portText) else { continue }
            let peer = CarbonPeer(port: port, dir: dir)
            if await peer.start() { return peer }
        }
        throw PeerError(description: "carbon-cache is installed but did not start; see \(dir)/log")
    }

    /// Runs `body` with a fresh instance, then stops it and removes its directory (also when
    /// `body` throws). Without carbon the test is cancelled (failed under `SCALES_REQUIRE_PEERS=1`).
    static func with(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: (CarbonPeer) async throws -> Void
    ) async throws {
        let carbon = try await start(sourceLocation: sourceLocation)
        do {
            try await body(carbon)
        } catch {
            await carbon.destroy()
            throw error
        }
        await carbon.destroy()
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

    /// Runs the script without blocking a cooperative thread: `posix_spawn`, then `waitpid`
    /// polled every 20 ms (Foundation's `Process` sometimes missed the exit of a script whose
    /// child daemonizes). Output goes through a file so a large dump cannot fill a pipe.
    static func run(_ arguments: [String]) async -> (status: Int32, output: String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "carbon-sh-\(UUID().uuidString).out"
        ).path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ["/bin/bash", script] + arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        // The calling thread (a concurrency worker) blocks most signals and the child would
        // inherit that mask: carbon would then ignore SIGTERM. Start the child with none blocked
        // and default handlers.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, &attributes, &cArguments, environ)
        guard spawned == 0 else { return (-1, "posix_spawn failed: \(spawned)") }
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { return (-1, "waitpid failed: \(errno)") }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (exitCode, output)
    }
}

/// The current time in whole seconds since 1970.
func unixNow() -> Int { Int(Date().timeIntervalSince1970) }
