import Foundation
import Testing

/// The README's promise: `SCALES_GRAPHITE=host:port swift run ScalesExample` pushes the tree.
@Suite(.ownsItsRegistry) struct ExampleGraphiteTests {
    @Test func theExamplePushesItsTreeWhenSCALES_GRAPHITEIsSet() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "ScalesExample")
        guard FileManager.default.isExecutableFile(atPath: binary.path), !CarbonPeer.hidden("ScalesExample") else {
            try CarbonPeer.missing(
                "ScalesExample is not built next to the tests (\(binary.path)); run `swift build` first")
        }
        try await CarbonPeer.with { carbon in
            let since = Int(Date().timeIntervalSince1970) - 2
            let log = FileManager.default.temporaryDirectory.appendingPathComponent(
                "scales-example-graphite-\(carbon.port).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = binary
            process.environment = ProcessInfo.processInfo.environment.merging([
                "SCALES_PORT": "0", "SCALES_GRAPHITE": "127.0.0.1:\(carbon.port)",
                "SCALES_GRAPHITE_PERIOD": "0.5", "SCALES_GRAPHITE_PREFIX": "example.",
            ]) { $1 }
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            defer {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                try? FileManager.default.removeItem(at: log)
            }
            let expected: Set<String> = [
                "example.web.success", "example.processor.finished", "example.web.latency.count",
            ]
            let points = await carbon.waitForPoints(since: since) { expected.isSubset(of: Set($0.keys)) }
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(expected.isSubset(of: Set(points.keys)), "stored: \(points.keys.sorted())\nexample log:\n\(output)")
        }
    }
}
