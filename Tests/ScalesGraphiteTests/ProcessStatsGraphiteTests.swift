import NIOCore
import Scales
import Testing

@testable import ScalesGraphite

/// The process stats reach Graphite from the tree like any stat: one line each, a number.
@Suite("Process stats as Graphite lines", .ownsItsRegistry)
struct ProcessStatsGraphiteTests {
    @Test func everyProcessStatIsALineWithANumber() throws {
        let registry = Registry()
        ProcessStats.register(in: registry)
        let pusher = GraphitePusher(host: "127.0.0.1", port: 1, prefix: "p", registry: registry)
        pusher.allow("process/*")
        let snapshot = try #require(registry.snapshot())
        var values: [String: Double] = [:]
        for line in pusher.plaintext(of: snapshot).split(separator: "\n") {
            let fields = line.split(separator: " ")
            values[String(fields[0])] = Double(fields[1])
        }
        #expect(
            Set(values.keys)
                == Set(
                    [
                        "cpuSeconds", "residentMemoryBytes", "virtualMemoryBytes", "openFds", "maxFds",
                        "startTimeSeconds", "threads",
                    ].map { "p.process." + $0 }), "\(values)")
        #expect(values.values.allSatisfy { $0 > 0 }, "\(values)")
    }
}
