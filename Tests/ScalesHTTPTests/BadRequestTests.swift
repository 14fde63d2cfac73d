import Foundation
import Scales
import ScalesHTTP
import ScalesTestSupport
import Testing

/// Bad requests over real sockets: each gets a 4xx with a message or a closed connection, never
/// a crash or a hang, and the next good request is served.
@Suite struct BadRequestTests {
    /// Sends `bytes` on its own connection; expects `status` (and `message` in the body) or,
    /// with `status == nil`, a closed connection. Then checks a good request is served.
    func expect(
        port: Int, _ bytes: [UInt8], status: Int?, message: String? = nil, closes: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let connection = try RawHTTPConnection(port: port)
        connection.send(bytes)
        if let status {
            let response = try connection.readResponse()
            #expect(response.status == status, "\(response)", sourceLocation: sourceLocation)
            if let message {
                #expect(response.text.contains(message), "\(response.text)", sourceLocation: sourceLocation)
            }
            #expect(!response.text.isEmpty, sourceLocation: sourceLocation)
            if closes {
                #expect(connection.waitForClose(), "connection left open", sourceLocation: sourceLocation)
            }
        } else {
            #expect(connection.waitForClose(), "connection neither answered nor closed", sourceLocation: sourceLocation)
        }
        let good = try httpGet(port: port, "/status/web/errors?format=json")
        #expect(good.status == 200, sourceLocation: sourceLocation)
        #expect(good.text == "3\n", sourceLocation: sourceLocation)
    }

    func request(_ target: String, method: String = "GET", extra: String = "") -> [UInt8] {
        Array("\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(extra)\r\n".utf8)
    }

    @Test func malformedInputGets400WithAMessage() async throws {
        try await withServer(everyKindRegistry()) { _, port in
            try await blocking {
                try expect(port: port, request("/status/?format=xml"), status: 400, message: "unknown format \"xml\"")
                try expect(
                    port: port, request("/status/?format=json&query=a%3E1%3E2"), status: 400,
                    message: "more than one operator")
                try expect(port: port, request("/status/?format=json&query=%3D5"), status: 400, message: "no key")
                try expect(port: port, request("/status/%G0"), status: 400, message: "percent-encoding")
                try expect(port: port, request("/status/?query=%"), status: 400, message: "percent-encoding")
                try expect(port: port, request("/status/%C3%28"), status: 400, message: "UTF-8")
                try expect(port: port, request("/status/?query=%FF"), status: 400, message: "UTF-8")
            }
        }
    }

    @Test func rawNonASCIIAndInvalidUTF8BytesInTheTarget() async throws {
        try await withServer(everyKindRegistry()) { _, port in
            try await blocking {
                // Raw bytes ≥ 0x80 in the request line: a 400 either from the parser or from us.
                var bytes =
                    Array("GET /status/".utf8) + [0xFF, 0xFE, 0xC3] + Array(" HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                try expect(port: port, bytes, status: 400)
                bytes = Array("GET /status/caf".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                try expect(port: port, bytes, status: 400)
                // Invalid UTF-8 in a header value (obs-text, which HTTP allows there) is carried
                // by the parser and never read by the page: the request is answered.
                bytes =
                    Array("GET /status/?format=json HTTP/1.1\r\nHost: x\r\nX-Junk: ".utf8) + [0xFF, 0xC0]
                    + Array("\r\n\r\n".utf8)
                let connection = try RawHTTPConnection(port: port)
                connection.send(bytes)
                let response = try connection.readResponse()
                #expect(response.status == 200)
                #expect(response.text.hasPrefix("{"))
            }
        }
    }

    @Test func garbageAndUnknownMethodsAreRefused() async throws {
        try await withServer(everyKindRegistry()) { _, port in
            try await blocking {
                try expect(port: port, Array("HELLO\r\n\r\n".utf8), status: 400, closes: true)
                try expect(port: port, Array("GET\r\n\r\n".utf8), status: 400, closes: true)
                try expect(port: port, Array("GET /status/ HTTP/9.9\r\n\r\n".utf8), status: 400, closes: true)
                try expect(
                    port: port, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03], status: 400,
                    closes: true)  // TLS hello
                // A header without a colon.
                try expect(port: port, Array("GET / HTTP/1.1\r\nHost x\r\n\r\n".utf8), status: 400, closes: true)
                try expect(
                    port: port, Array("GET / HTTP/1.1\r\nContent-Length: zz\r\n\r\n".utf8), status: 400, closes: true)
            }
        }
    }

    @Test func nonGetMethodsGet405() async throws {
        try await withServer(everyKindRegistry()) { _, port in
            try await blocking {
                for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
                    let connection = try RawHTTPConnection(port: port)
                    connection.send(request("/status/", method: method, extra: "Content-Length: 0\r\n"))
                    let response = try connection.readResponse()
                    #expect(response.status == 405, "\(method)")
                    #expect(response.header("Allow") == "GET, HEAD")
                    #expect(response.text.contains("read-only"))
                    // The connection stays usable.
                    #expect(try connection.get("/status/web/errors?format=json").text == "3\n")
                }
                try expect(
                    port: port,
                    request("/metrics", method: "POST", extra: "Content-Length: 5\r\n") + Array("hello".utf8),
                    status: 405)
            }
        }
    }

    @Test func overlongURLsAndHeadersAreRefused() async throws {
        try await withServer(everyKindRegistry()) { _, port in
            try await blocking {
                // Over our target limit, under the parser's: 414 with the limit named.
                try expect(
                    port: port, request("/status/?query=" + String(repeating: "a", count: 10_000)), status: 414,
                    message: "8192")
                // Over the head limit: 431, and the connection closes.
                try expect(
                    port: port, request("/status/?query=" + String(repeating: "a", count: 100_000)), status: 431,
                    message: "bytes", closes: true)
                let bigHeader = "X-Big: " + String(repeating: "b", count: 40_000) + "\r\n"
                try expect(port: port, request("/status/", extra: bigHeader), status: 431, closes: true)
                let manyHeaders = (0..<300).map { "X-H\($0): v\r\n" }.joined()
                try expect(port: port, request("/status/", extra: manyHeaders), status: 431, closes: true)
            }
        }
    }

    @Test func anOversizedBodyGets413AndClose() async throws {
        try await withServer(everyKindRegistry()) { _, port in
            try await blocking {
                let body = [UInt8](repeating: 0x61, count: 20_000)
                try expect(
                    port: port, request("/status/", extra: "Content-Length: 20000\r\n") + body, status: 413,
                    closes: true)
            }
        }
    }

    @Test func clientsThatStallAreDisconnected() async throws {
        // Two deadlines far enough apart to tell which one closed a connection: an incomplete
        // request has 0.4 s from the connection's opening, an idle keep-alive connection 2 s
        // from its last response.
        let headTimeout = 0.4
        let requestTimeout = 2.0
        try await withDeadlineServer(head: .milliseconds(400), request: .seconds(2)) { port in
            try await blocking {
                let clock = ContinuousClock()
                // Stalls mid-head, mid-body, and never sends anything: each closed by the head
                // timeout, counted from its opening (taken just before connecting, so the
                // server's own start is later: the lower bound is exact).
                let partialHeadStart = clock.now
                let partialHead = try RawHTTPConnection(port: port, timeout: 20)
                partialHead.send("GET /status/ HTTP/1.1\r\nHost: 127.0")
                let partialBodyStart = clock.now
                let partialBody = try RawHTTPConnection(port: port, timeout: 20)
                partialBody.send("GET /status/ HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
                let silentStart = clock.now
                let silent = try RawHTTPConnection(port: port, timeout: 20)
                // An idle keep-alive connection: closed by the request timeout, counted from
                // its response (the server's deadline starts once the response is written,
                // after the request was sent and before the client has read it).
                let idle = try RawHTTPConnection(port: port, timeout: 20)
                let idleRequestSent = clock.now
                #expect(try idle.get("/status/?format=json").status == 200)
                let idleAnswered = clock.now
                // Meanwhile other clients are served.
                #expect(try httpGet(port: port, "/status/web/errors?format=json").text == "3\n")
                // The hang guard: the connections' closes are awaited for 20 s at most.
                let closed = closeTimes(of: [partialHead, partialBody, silent, idle], hangGuard: 20)
                for (name, start, end) in [
                    ("mid-head", partialHeadStart, closed[0]), ("mid-body", partialBodyStart, closed[1]),
                    ("silent", silentStart, closed[2]),
                ] {
                    let elapsed = seconds(from: start, to: end)
                    #expect(
                        closedOnTime(elapsed, deadline: headTimeout),
                        "the \(name) connection closed \(elapsed) s after opening; head timeout \(headTimeout) s")
                }
                let idleAfterRequest = seconds(from: idleRequestSent, to: closed[3])
                let idleAfterAnswer = seconds(from: idleAnswered, to: closed[3])
                #expect(
                    idleAfterRequest >= requestTimeout && idleAfterAnswer < requestTimeout + deadlineSlack,
                    "the idle connection closed \(idleAfterAnswer) s after its response; request timeout \(requestTimeout) s"
                )
                #expect(try httpGet(port: port, "/status/web/errors?format=json").text == "3\n")
            }
        }
    }

    @Test func aSlowlorisTrickleIsCutOff() async throws {
        // Only the head timeout can end the trickle: the request timeout is a minute.
        let headTimeout = 0.5
        try await withDeadlineServer(head: .milliseconds(500), request: .seconds(60)) { port in
            try await blocking {
                let clock = ContinuousClock()
                let start = clock.now
                let connection = try RawHTTPConnection(port: port, timeout: 20)
                // One byte every 30 ms keeps a read-idle timer happy forever; the head deadline
                // (from the connection's opening) must cut it off long before the 1,000 bytes
                // (30 s) are sent. Checked before each byte, so the close is seen within 30 ms.
                var cutOff: ContinuousClock.Instant?
                for byte in Array("GET /status/ HTTP/1.1\r\nX-Slow: ".utf8) + [UInt8](repeating: 0x61, count: 1000) {
                    if connection.isClosedNow() || !connection.send([byte]) {
                        cutOff = clock.now
                        break
                    }
                    Thread.sleep(forTimeInterval: 0.03)
                    if seconds(from: start, to: clock.now) > 15 { break }  // hang guard
                }
                let elapsed = seconds(from: start, to: cutOff)
                #expect(
                    closedOnTime(elapsed, deadline: headTimeout),
                    "the trickle was cut off after \(elapsed) s; head timeout \(headTimeout) s")
                #expect(try httpGet(port: port, "/status/web/errors?format=json").text == "3\n")
            }
        }
    }

    @Test func clientsVanishingMidResponseDoNotHurt() async throws {
        try await withServer(everyKindRegistry()) { _, port in
            try await blocking {
                for _ in 0..<20 {
                    let connection = try RawHTTPConnection(port: port)
                    connection.send("GET /status/ HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                    // Closed without reading.
                }
                #expect(try httpGet(port: port, "/status/web/errors?format=json").text == "3\n")
            }
        }
    }
}
