import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A response as read off the wire.
struct RawResponse: CustomStringConvertible {
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var description: String { "\(status) \(reason) \(headers) \(text.prefix(300))" }
}

enum RawHTTPError: Error, CustomStringConvertible {
    case connectFailed(Int32)
    case closedBeforeResponse(received: Int)
    case timedOut(received: Int)
    case malformed(String)

    var description: String {
        switch self {
        case .connectFailed(let code): return "connect failed: errno \(code)"
        case .closedBeforeResponse(let received):
            return "connection closed after \(received) bytes, before a full response"
        case .timedOut(let received): return "no full response within the read timeout (\(received) bytes)"
        case .malformed(let text): return "malformed response: \(text)"
        }
    }
}

/// A blocking HTTP/1.1 client on a raw TCP socket to 127.0.0.1, for tests that need to send
/// exactly the bytes they want (malformed requests, stalls). Every read has a timeout.
final class RawHTTPConnection {
    let fd: Int32
    private var buffer = Data()
    private(set) var peerClosed = false

    /// Connects to `host:port` with `timeout` seconds for every receive.
    init(port: Int, host: String = "127.0.0.1", timeout: Double = 15) throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RawHTTPError.connectFailed(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw RawHTTPError.connectFailed(code)
        }
        var time = timeval()
        time.tv_sec = .init(timeout.rounded(.down))
        time.tv_usec = .init((timeout - timeout.rounded(.down)) * 1e6)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends all of `bytes` (returns false if the peer is gone).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { pointer in
                #if canImport(Glibc)
                Glibc.send(fd, pointer.baseAddress, pointer.count, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(fd, pointer.baseAddress, pointer.count, 0)
                #endif
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads more bytes into the buffer; false on EOF, throws on timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        if count == 0 {
            peerClosed = true
            return false
        }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw RawHTTPError.timedOut(received: buffer.count) }
        peerClosed = true  // ECONNRESET and the like
        return false
    }

    /// Reads one response; `isHead` when it answers a HEAD request (no body follows).
    func readResponse(isHead: Bool = false) throws -> RawResponse {
        let separator = Data("\r\n\r\n".utf8)
        var headEnd: Range<Data.Index>?
        while true {
            headEnd = buffer.range(of: separator)
            if headEnd != nil { break }
            guard try fill() else { throw RawHTTPError.closedBeforeResponse(received: buffer.count) }
        }
        guard let headEnd else { throw RawHTTPError.malformed("no head") }
        let headText = String(decoding: buffer[buffer.startIndex..<headEnd.lowerBound], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw RawHTTPError.malformed(statusLine) }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw RawHTTPError.malformed(line) }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = RawResponse(
            status: status, reason: parts.count > 2 ? parts[2] : "", headers: headers, body: Data())
        buffer.removeSubrange(buffer.startIndex..<headEnd.upperBound)
        guard !isHead, !(100..<200).contains(status) else { return response }  // 1xx: no body
        if let lengthText = response.header("content-length") {
            guard let length = Int(lengthText) else { throw RawHTTPError.malformed("content-length \(lengthText)") }
            while buffer.count < length {
                guard try fill() else { throw RawHTTPError.closedBeforeResponse(received: buffer.count) }
            }
            response.body = Data(buffer.prefix(length))
            buffer.removeFirst(length)
        } else {
            while try fill() {}
            response.body = buffer
            buffer = Data()
        }
        return response
    }

    /// Waits until the server closes the connection; true if it did within the read timeout.
    func waitForClose() -> Bool {
        do {
            while try fill() {}
            return true
        } catch {
            return false
        }
    }

    /// Whether the server has closed (or reset) the connection, without waiting: `poll` says
    /// readable and a peek reads end of file or an error.
    func isClosedNow() -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Sends a GET for `target` and reads the response.
    func get(_ target: String, headers: [String] = [], close: Bool = false) throws -> RawResponse {
        try request("GET", target, headers: headers, close: close)
    }

    /// Sends a HEAD for `target` and reads the response (its head only: a HEAD response has no
    /// body, whatever its `Content-Length`). Bytes the server sent anyway stay in the buffer and
    /// break the next response read on this connection.
    func head(_ target: String, headers: [String] = []) throws -> RawResponse {
        try request("HEAD", target, headers: headers, close: false)
    }

    /// Sends a bodiless `method` request for `target` and reads the response.
    func request(_ method: String, _ target: String, headers: [String] = [], close: Bool = false) throws -> RawResponse
    {
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for header in headers { request += header + "\r\n" }
        if close { request += "Connection: close\r\n" }
        request += "\r\n"
        send(request)
        return try readResponse(isHead: method == "HEAD")
    }
}

/// Watches `connections` at once until the server has closed each of them, for at most
/// `hangGuard` seconds, and returns when each close was seen (`nil`: still open at the end).
/// All are polled together, so one that closes late does not delay noticing the others: each
/// time is within a few milliseconds of the close (plus however long this thread waits for a
/// core). Bytes the server sends meanwhile are read and dropped.
func closeTimes(of connections: [RawHTTPConnection], hangGuard: Double) -> [ContinuousClock.Instant?] {
    let clock = ContinuousClock()
    let giveUp = clock.now + .milliseconds(Int(hangGuard * 1000))
    var closed = [ContinuousClock.Instant?](repeating: nil, count: connections.count)
    var scratch = [UInt8](repeating: 0, count: 65536)
    while closed.contains(where: { $0 == nil }), clock.now < giveUp {
        let open = connections.indices.filter { closed[$0] == nil }
        var entries = open.map { pollfd(fd: connections[$0].fd, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&entries, nfds_t(entries.count), 50)
        guard ready > 0 else { continue }
        for (slot, index) in open.enumerated() where entries[slot].revents != 0 {
            let count = scratch.withUnsafeMutableBytes {
                recv(connections[index].fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
            }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                closed[index] = clock.now
            }
        }
    }
    return closed
}

/// One request on a fresh connection.
func httpGet(port: Int, host: String = "127.0.0.1", _ target: String, headers: [String] = []) throws -> RawResponse {
    let connection = try RawHTTPConnection(port: port, host: host)
    return try connection.get(target, headers: headers, close: true)
}

/// Sends raw bytes on a fresh connection and reads one response.
func httpRaw(port: Int, _ bytes: [UInt8], isHead: Bool = false) throws -> RawResponse {
    let connection = try RawHTTPConnection(port: port)
    connection.send(bytes)
    return try connection.readResponse(isHead: isHead)
}

/// JSON parsed strictly by Foundation (NaN, Infinity and trailing garbage are rejected).
func strictJSON(_ response: RawResponse) throws -> Any {
    try JSONSerialization.jsonObject(with: response.body)
}
