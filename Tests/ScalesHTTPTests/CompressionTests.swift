import Foundation
import Scales
import ScalesHTTP
import ScalesTestSupport
import Testing

/// `gzip -dc` of `bytes`: an independent decoder (not the zlib calls the server makes).
func gunzip(_ bytes: Data) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc"]
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Written from another thread: a large body would fill the pipe while gzip's output waits.
    let writer = input.fileHandleForWriting
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        writer.write(bytes)
        try? writer.close()
        done.signal()
    }
    let decoded = output.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    process.waitUntilExit()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    try #require(process.terminationStatus == 0, "gzip -dc failed: \(message)")
    return decoded
}

/// The page's render time ticks between two renders (fixed-width digits): the HTML is compared
/// with its digits masked, everything else byte for byte.
func maskingDigits(_ data: Data) -> Data {
    Data(data.map { (0x30...0x39).contains($0) ? UInt8(ascii: "#") : $0 })
}

/// gzip when asked and worth it (issue 16), over a real loopback connection: the gzip body
/// decodes to exactly the identity body, small bodies stay as they are, `q=0` is respected,
/// and `Vary` and `Content-Length` are right.
@Suite struct CompressionTests {
    static let protobuf = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
    static let openMetrics = "application/openmetrics-text; version=1.0.0"
    /// What Prometheus 3 sends on a scrape with native histograms enabled (with its gzip).
    static let prometheusAccept =
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1"

    /// A tree big enough that every page is over the 1 KiB threshold.
    static func registry() -> Registry {
        let registry = everyKindRegistry(clock: FrozenClock(), failingGauge: false)
        let many = registry.collection(at: "/many")
        for index in 0..<100 { many.int("counter\(index)").value = index * 7 }
        return registry
    }

    @Test(
        arguments: [
            ("/status/", nil), ("/status/web/", nil), ("/status/?format=json", nil),
            ("/status/?format=prettyjson", nil),
            ("/status/", "application/json"),
            ("/metrics", nil), ("/metrics", openMetrics), ("/metrics", protobuf), ("/metrics", prometheusAccept),
        ] as [(String, String?)])
    func theGzipBodyDecodesToExactlyTheIdentityBody(target: String, accept: String?) async throws {
        // No sparkline history: a sample taken between the two requests would change the page.
        try await withServer(Self.registry(), configure: { $0.history = nil }) { _, port in
            try await blocking {
                let connection = try RawHTTPConnection(port: port, timeout: 10)
                let acceptHeader = accept.map { ["Accept: \($0)"] } ?? []
                let label = "\(target) Accept: \(accept ?? "-")"
                let identity = try connection.get(target, headers: acceptHeader)
                let gzip = try connection.get(target, headers: acceptHeader + ["Accept-Encoding: gzip, deflate, br"])
                let head = try connection.head(target, headers: acceptHeader + ["Accept-Encoding: gzip"])
                #expect(identity.status == 200 && gzip.status == 200, "\(label)")
                #expect(identity.header("Content-Encoding") == nil, "\(label)")
                #expect(
                    identity.body.count >= ResponseCompression.minimumBytes, "\(label): too small to prove anything")
                #expect(gzip.header("Content-Encoding") == "gzip", "\(label): \(gzip.headers)")
                #expect(gzip.header("Content-Length") == String(gzip.body.count), "\(label)")
                #expect(
                    gzip.body.count < identity.body.count / 2, "\(label): \(gzip.body.count) of \(identity.body.count)")
                #expect(gzip.header("Content-Type") == identity.header("Content-Type"), "\(label)")
                let vary = gzip.header("Vary") ?? ""
                #expect(vary.contains("Accept-Encoding"), "\(label): Vary \(vary)")
                #expect(identity.header("Vary") == vary, "\(label): both representations name the same Vary")
                #expect(gzip.headers.filter { $0.name.lowercased() == "vary" }.count == 1, "\(label): one Vary field")
                let decoded = try gunzip(gzip.body)
                if identity.header("Content-Type")?.hasPrefix("text/html") == true {
                    #expect(maskingDigits(decoded) == maskingDigits(identity.body), "\(label)")
                } else {
                    #expect(decoded == identity.body, "\(label)")
                }
                // HEAD: the headers of the gzip GET, no body (the next request parses cleanly).
                #expect(head.header("Content-Encoding") == "gzip", "\(label)")
                // Its length is the gzip body's: the page between the two requests may differ by
                // a digit or two (its render time), and so by a byte or so compressed; the
                // identity length (several times larger) would be a bug.
                let headLength = head.header("Content-Length").flatMap { Int($0) } ?? -1
                #expect(
                    abs(headLength - gzip.body.count) <= 16,
                    "\(label): HEAD \(headLength), GET \(gzip.body.count) bytes")
                #expect(head.body.isEmpty)
                #expect(try connection.get("/status/web/errors?format=json", close: true).text == "3\n")
            }
        }
    }

    @Test func metricsNamesAcceptAndAcceptEncodingInOneVary() async throws {
        try await withServer(Self.registry()) { _, port in
            let response = try await blocking {
                try httpGet(port: port, "/metrics", headers: ["Accept-Encoding: gzip"])
            }
            #expect(
                response.headers.filter { $0.name.lowercased() == "vary" }.map(\.value) == ["Accept, Accept-Encoding"])
        }
    }

    @Test func smallBodiesAreNotCompressed() async throws {
        try await withServer(Self.registry()) { _, port in
            let response = try await blocking {
                try httpGet(port: port, "/status/web/errors?format=json", headers: ["Accept-Encoding: gzip"])
            }
            #expect(response.status == 200)
            #expect(response.header("Content-Encoding") == nil, "\(response)")
            #expect(response.text == "3\n")
            #expect(response.header("Vary")?.contains("Accept-Encoding") == true, "\(response)")
        }
    }

    /// (Accept-Encoding, expected Content-Encoding of a large body, or a status other than 200).
    static let weights: [(String?, String?, Int)] = [
        (nil, nil, 200),
        ("", nil, 200),
        ("gzip", "gzip", 200),
        ("GZIP", "gzip", 200),
        ("x-gzip", "gzip", 200),
        ("*", "gzip", 200),
        ("gzip;q=0.5", "gzip", 200),
        ("gzip ; q=1.000", "gzip", 200),
        ("gzip;q=0", nil, 200),
        ("gzip;q=0.000", nil, 200),
        ("*;q=0, identity", nil, 200),
        ("*, gzip;q=0", nil, 200),
        ("identity, gzip;q=0.5", nil, 200),
        ("identity;q=0.5, gzip", "gzip", 200),
        ("br, deflate", nil, 200),
        ("gzip;q=2", nil, 200),  // a malformed weight drops its entry
        ("gzip;q=abc, *;q=0.1", "gzip", 200),
        ("gzip;q=0, identity;q=0", nil, 406),
        ("*;q=0", nil, 406),
        ("br, identity;q=0", nil, 406),
    ]

    @Test(arguments: weights)
    func acceptEncodingWeightsAreHonoured(acceptEncoding: String?, coding: String?, status: Int) throws {
        let handler = StatusHandler(registry: Self.registry())
        let headers = acceptEncoding.map { [("Accept-Encoding", $0)] } ?? []
        let response = handler.handle(StatusRequest(target: "/status/?format=json", headers: headers))
        #expect(response.status == status, "\(response.body)")
        #expect(response.header("Content-Encoding") == coding)
        #expect(response.header("Vary")?.contains("Accept-Encoding") == true)
        if status == 200 {
            #expect(response.bodyBytes.count >= (coding == nil ? ResponseCompression.minimumBytes : 1))
            #expect((response.bodyBytes.first == 0x1f) == (coding == "gzip"), "gzip magic")
        } else {
            #expect(response.body.contains("Accept-Encoding"), "\(response.body)")
        }
    }

    /// `identity;q=0` refuses the body as it is: even a small one is sent gzip-compressed.
    @Test func refusedIdentityCompressesEvenASmallBody() throws {
        let handler = StatusHandler(registry: Self.registry())
        let response = handler.handle(
            StatusRequest(
                target: "/status/web/errors?format=json", headers: [("Accept-Encoding", "gzip, identity;q=0")]))
        #expect(response.header("Content-Encoding") == "gzip")
        #expect(try gunzip(Data(response.bodyBytes)) == Data("3\n".utf8))
    }

    /// Errors are never turned into 406: a refused coding only changes a successful answer.
    @Test func anErrorIsSentAsItIsWhateverTheCodings() {
        let handler = StatusHandler(registry: Self.registry())
        let response = handler.handle(StatusRequest(target: "/status/nope", headers: [("Accept-Encoding", "*;q=0")]))
        #expect(response.status == 404)
    }

    /// Accept-Encoding over two header fields is one list.
    @Test func acceptEncodingOverTwoFieldsIsOneList() async throws {
        try await withServer(Self.registry()) { _, port in
            let response = try await blocking {
                try httpGet(port: port, "/metrics", headers: ["Accept-Encoding: br", "Accept-Encoding: gzip;q=0.8"])
            }
            #expect(response.header("Content-Encoding") == "gzip", "\(response)")
        }
    }

    /// With a request check installed (the handler then gets every header, off the loop) the
    /// answer is compressed as well.
    @Test func compressionWorksBehindARequestCheck() async throws {
        try await withServer(Self.registry(), configure: { $0.requestCheck = { _ in nil } }) { _, port in
            let response = try await blocking {
                try httpGet(port: port, "/metrics", headers: ["Accept-Encoding: gzip"])
            }
            #expect(response.header("Content-Encoding") == "gzip", "\(response)")
            #expect(try gunzip(response.body).count > ResponseCompression.minimumBytes)
        }
    }
}

/// `Accept: application/json` gets JSON on the status routes when no `?format=` is given
/// (issue 16); an explicit `?format=` wins; q-values are honoured; `Vary: Accept`.
@Suite struct StatusAcceptTests {
    /// (Accept, expected Content-Type prefix).
    static let cases: [(String?, String)] = [
        (nil, "text/html"),
        ("", "text/html"),
        ("application/json", "application/json"),
        ("Application/JSON", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
        ("application/*", "application/json"),
        ("*/*", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/json, text/html", "application/json"),
        ("text/html, application/json", "text/html"),
        ("application/json;q=0.5, text/html;q=0.9", "text/html"),
        ("text/html;q=0.1, application/json", "application/json"),
        ("application/json;q=0", "text/html"),
        ("text/html;q=0, */*", "application/json"),
        ("application/json;q=bad", "text/html"),
        ("image/png", "text/html"),
    ]

    @Test(arguments: cases)
    func acceptPicksTheFormat(accept: String?, type: String) async throws {
        try await withServer(everyKindRegistry(clock: FrozenClock(), failingGauge: false)) { _, port in
            let response = try await blocking {
                try httpGet(port: port, "/status/web/", headers: accept.map { ["Accept: \($0)"] } ?? [])
            }
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix(type) == true, "\(response)")
            #expect(response.header("Vary")?.contains("Accept") == true, "\(response.headers)")
            if type == "application/json" {
                #expect(try strictJSON(response) is [String: Any])
            }
        }
    }

    @Test func anExplicitFormatWins() throws {
        let handler = StatusHandler(registry: everyKindRegistry(clock: FrozenClock(), failingGauge: false))
        let json = [("Accept", "application/json")]
        let html = handler.handle(StatusRequest(target: "/status/web/?format=html", headers: json))
        #expect(html.header("Content-Type")?.hasPrefix("text/html") == true)
        // The answer does not depend on Accept: no Vary naming it.
        let varies = (html.header("Vary") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(!varies.contains("Accept"), "\(varies)")
        let pretty = handler.handle(
            StatusRequest(target: "/status/web/?format=prettyjson", headers: [("Accept", "text/html")]))
        #expect(pretty.header("Content-Type") == "application/json")
        #expect(pretty.body.contains("\n  "))
        // A subtree, a stat, a member and a query answer JSON the same way.
        for target in ["/status/web/errors", "/status/web/latency/median", "/status/web/?query=errors"] {
            let response = handler.handle(StatusRequest(target: target, headers: json))
            #expect(response.header("Content-Type") == "application/json", "\(target): \(response.body)")
        }
    }
}
