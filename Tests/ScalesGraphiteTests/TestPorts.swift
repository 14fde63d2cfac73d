import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP socket of ours bound to a port on 127.0.0.1, in one of the states a peer of the pusher
/// can be in:
/// - bound, not listening (``refusing(port:)``): connects are refused at once, and no other test
///   (nor carbon) can take the port meanwhile;
/// - listening (``startListening(backlog:)``): the kernel completes connects and buffers what is
///   written, although nothing is ever accepted;
/// - gone again (``stopListening()``): still bound, its queued connections reset, connects
///   refused;
/// - a black hole (``blackhole(port:)``): listening with its accept queue full, so the kernel
///   drops further SYNs and a connect neither succeeds nor fails, as with a host that went away.
final class LocalPort {
    private(set) var fd: Int32
    let port: Int
    private var fillers: [Int32] = []

    private init(fd: Int32, port: Int) {
        self.fd = fd
        self.port = port
    }

    /// Binds a fresh socket to `port` (0: any free port) with `SO_REUSEADDR`, not listening.
    static func refusing(port: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> LocalPort {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0, sourceLocation: sourceLocation)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: port)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        if !bound { closeDescriptor(fd) }
        try #require(bound, "bind 127.0.0.1:\(port): errno \(errno)", sourceLocation: sourceLocation)
        return LocalPort(fd: fd, port: Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A listener on `port` (0: any) whose accept queue is full: connects to it hang.
    static func blackhole(port: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> LocalPort {
        let hole = try refusing(port: port, sourceLocation: sourceLocation)
        // Backlog 0: Linux queues one connection; three fillers are sure to fill the queue.
        try #require(hole.startListening(backlog: 0), sourceLocation: sourceLocation)
        try await hole.fillAcceptQueue()
        return hole
    }

    /// Connects three sockets that are never accepted: with a listen backlog of 0 (Linux then
    /// queues one connection), the accept queue is full and further SYNs are dropped.
    func fillAcceptQueue() async throws {
        var address = Self.loopback(port: port)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        for _ in 0..<3 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            fillers.append(fd)
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
            }
        }
        try await Task.sleep(for: .milliseconds(100))
    }

    /// Starts listening; connects then succeed (the kernel completes them without `accept`).
    func startListening(backlog: Int32 = 16) -> Bool {
        listen(fd, backlog) == 0
    }

    /// Stops listening and stays bound (Linux: `shutdown` of a listening socket). The kernel
    /// resets the connections in the accept queue; further connects are refused, and a client
    /// that believes itself connected without a queued connection gets a reset on its next
    /// segment.
    func stopListening() -> Bool {
        shutdown(fd, Int32(SHUT_RD)) == 0
    }

    /// Closes the socket (and a black hole's fillers); connections waiting in its accept queue
    /// are reset by the kernel.
    func close() {
        for filler in fillers { closeDescriptor(filler) }
        fillers.removeAll()
        if fd >= 0 { closeDescriptor(fd) }
        fd = -1
    }

    deinit { close() }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
