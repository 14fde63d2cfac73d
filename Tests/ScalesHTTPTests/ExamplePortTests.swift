import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The README's promise about `SCALES_PORT`: the built `ScalesExample` binary, given a port that
/// is taken or a value that is not a port, says so in one line on stderr and exits non-zero
/// (no `Fatal error` and backtrace).
@Suite struct ExamplePortTests {
    @Test func aTakenPortIsOneLineOnStderrAndAFailedExit() throws {
        guard let executable = ExampleProcess.executable() else { try Peers.missing(ExampleProcess.notBuilt) }
        let listener = try LoopbackListener()
        defer { listener.release() }
        let result = try Peers.run(
            executable.path, [], environment: ["SCALES_PORT": String(listener.port), "SCALES_GRAPHITE": ""],
            timeout: 30)
        #expect(!result.timedOut, "the example kept running on a taken port")
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1, "stderr:\n\(result.stderr)")
        #expect(
            lines.first.map(String.init)
                == "ScalesExample: cannot listen on 127.0.0.1:\(listener.port): address already in use (set SCALES_PORT to another port)",
            "stderr:\n\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error") && !result.stdout.contains("Fatal error"))
    }

    @Test(arguments: ["http", "-1", "65536", "87 65"])
    func aValueThatIsNotAPortIsOneLineOnStderrAndAFailedExit(value: String) throws {
        guard let executable = ExampleProcess.executable() else { try Peers.missing(ExampleProcess.notBuilt) }
        let result = try Peers.run(
            executable.path, [], environment: ["SCALES_PORT": value, "SCALES_GRAPHITE": ""], timeout: 30)
        #expect(!result.timedOut, "the example started with SCALES_PORT=\(value)")
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == 1, "stderr:\n\(result.stderr)")
        #expect(
            lines.first.map(String.init)
                == "ScalesExample: SCALES_PORT must be a port number from 0 to 65535 (0 picks a free one), got '\(value)'",
            "stderr:\n\(result.stderr)")
    }
}

/// A listening TCP socket on 127.0.0.1 (a port that is taken for as long as it lives).
struct LoopbackListener {
    let fd: Int32
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPError.connectFailed(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0, listen(fd, 1) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw RawHTTPError.connectFailed(error)
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() {
        close(fd)
    }
}
