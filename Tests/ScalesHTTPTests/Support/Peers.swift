import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Finding and running the real peers (promtool, prometheus, chromium, wrk) and the repository's
/// `Scripts/peers/*.sh`.
enum Peers {
    /// Whether a missing peer fails the test instead of skipping it (`SCALES_REQUIRE_PEERS=1`, or `true`/`yes`).
    static var required: Bool {
        ["1", "true", "yes"].contains(ProcessInfo.processInfo.environment["SCALES_REQUIRE_PEERS"]?.lowercased() ?? "")
    }

    /// The repository's root, from this file's location.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Scripts/peers/<name>.sh`.
    static func script(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Scripts/peers/\(name).sh").path
    }

    /// The path of `tool` on PATH or in the Debian locations, or `nil`. Test-only override:
    /// `SCALES_HIDE_PEERS=chromium,promtool,…` (comma-separated names) makes those tools count as
    /// missing, to exercise the skip and `SCALES_REQUIRE_PEERS=1` paths on a machine that has them.
    static func find(_ tool: String) -> String? {
        if hidden(tool) { return nil }
        var directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        directories += ["/usr/bin", "/usr/local/bin", "/usr/sbin", "/bin"]
        for directory in directories {
            let path = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Whether `SCALES_HIDE_PEERS` (comma-separated) names `tool`.
    static func hidden(_ tool: String) -> Bool {
        let names = (ProcessInfo.processInfo.environment["SCALES_HIDE_PEERS"] ?? "").split(separator: ",")
        return names.contains { $0.trimmingCharacters(in: .whitespaces) == tool }
    }

    /// The tool's path; when it is missing, stops the test through ``missing(_:sourceLocation:)``.
    static func require(_ tool: String, for purpose: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> String
    {
        if let path = find(tool) { return path }
        try missing(
            "\(tool) is not installed (needed to \(purpose)); `bash Scripts/install-peers.sh` installs it",
            sourceLocation: sourceLocation)
    }

    /// Stops the current test for a missing peer: cancels it, so Swift Testing reports it as
    /// skipped rather than passed, or, under `SCALES_REQUIRE_PEERS=1`, throws ``MissingPeer``,
    /// failing it. Call it from the test's own task (not from ``blocking(_:)``'s thread).
    static func missing(_ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        if required { throw MissingPeer(description: "SCALES_REQUIRE_PEERS=1 but " + message) }
        try Test.cancel(Comment(rawValue: message), sourceLocation: sourceLocation)
    }

    /// A peer a test needs is missing under `SCALES_REQUIRE_PEERS=1`.
    struct MissingPeer: Error, CustomStringConvertible {
        let description: String
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Runs `executable` with `arguments`, feeding `input`; killed after `timeout` seconds.
    static func run(
        _ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil,
        timeout: Double = 120
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scales-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            try stdin.fileHandleForWriting.write(contentsOf: input)
            try stdin.fileHandleForWriting.close()
        }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        if timedOut {
            // Bounded: Foundation notices an exit only once every inheritor of its watch
            // descriptor is gone, which a daemonizing child can delay forever.
            let grace = Date().addingTimeInterval(5)
            while process.isRunning, Date() < grace { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        } else {
            process.waitUntilExit()
        }
        try out.close()
        try err.close()
        return Result(
            status: process.isRunning ? -1 : process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
            timedOut: timedOut)
    }

    /// Runs `Scripts/peers/<peer>.sh <arguments…>` with bash.
    static func runScript(_ peer: String, _ arguments: [String], timeout: Double = 120) throws -> Result {
        try run("/bin/bash", [script(peer)] + arguments, timeout: timeout)
    }

    /// A fresh temporary directory (the caller removes it).
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "scales-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
