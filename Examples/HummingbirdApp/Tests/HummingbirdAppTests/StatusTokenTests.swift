import Foundation
import Hummingbird
import HummingbirdApp
import HummingbirdTesting
import Scales
import Testing

extension ExampleAppTests {
    /// The status routes sit behind the app's own middleware: here a bearer token.
    @Suite struct StatusTokenTests {
        @Test func theStatusPageAndMetricsNeedTheTokenOtherRoutesDoNot() async throws {
            // A registry of its own for the app's stats; its framework metrics still go to
            // `frameworkRegistry` (see `ExampleAppTests`).
            let app = buildApplication(registry: Registry(), port: 0, statusToken: "s3cret")
            try await app.test(.live) { client in
                for uri in ["/status/", "/status/app?format=json", "/metrics"] {
                    for method in [HTTPRequest.Method.get, .head] {
                        try await client.execute(uri: uri, method: method) { response in
                            #expect(response.status == .unauthorized, "\(method) \(uri)")
                            #expect(response.headers[.wwwAuthenticate] == "Bearer")
                        }
                        try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer wrong"]) {
                            response in
                            #expect(response.status == .unauthorized, "\(method) \(uri)")
                        }
                        try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer s3cret"]) {
                            response in
                            #expect(response.status == .ok, "\(method) \(uri)")
                        }
                    }
                }
                try await client.execute(uri: "/hello", method: .get) { response in
                    #expect(response.status == .ok)
                }
            }
        }
    }

    /// `HEAD` on the mounted routes is answered like `GET` without the body, as the standalone
    /// server does: same status and `Content-Type`, `Content-Length` the GET body's length.
    @Suite struct MountedHeadTests {
        static let protobuf =
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
        static let openMetrics = "application/openmetrics-text; version=1.0.0"

        @Test func headIsAnsweredLikeGetOnEveryMountedRoute() async throws {
            // The app's own registry: nothing records into it while the pages are read (the
            // framework metrics go to `frameworkRegistry`), so two renders have the same length
            // (the bytes may differ in the page's UTC time, which ticks in fixed-width text).
            let registry = Registry()
            let app = buildApplication(registry: registry, port: 0)
            try await app.test(.live) { client in
                let cases: [(uri: String, accept: String?, status: HTTPResponse.Status)] = [
                    ("/status", nil, .ok),
                    ("/status/", nil, .ok),
                    ("/status/app", nil, .ok),
                    ("/status/?format=json", nil, .ok),
                    ("/status/app?format=prettyjson", nil, .ok),
                    ("/status/nope", nil, .notFound),
                    ("/status/?format=xml", nil, .badRequest),
                    ("/metrics", nil, .ok),
                    ("/metrics", "text/plain; version=0.0.4", .ok),
                    ("/metrics", Self.openMetrics, .ok),
                    ("/metrics", Self.protobuf, .ok),
                    ("/hello", nil, .ok),
                ]
                var metricsTypes: Set<String> = []
                for (uri, accept, status) in cases {
                    let label = "\(uri) Accept: \(accept ?? "-")"
                    var headers = HTTPFields()
                    if let accept { headers[.accept] = accept }
                    let get = try await client.execute(uri: uri, method: .get, headers: headers) { $0 }
                    let head = try await client.execute(uri: uri, method: .head, headers: headers) { $0 }
                    let again = try await client.execute(uri: uri, method: .get, headers: headers) { $0 }
                    #expect(get.status == status, "\(label)")
                    #expect(head.status == get.status, "\(label)")
                    #expect(get.body.readableBytes > 0, "\(label): an empty body proves nothing")
                    // The HEAD came between the two GETs, so its length lies between theirs: the
                    // page can grow between renders (a sparkline sample, the framework's own
                    // metrics for the requests so far), everything else renders the same length.
                    let lengths = [get.body.readableBytes, again.body.readableBytes]
                    let headLength = head.headers[.contentLength].flatMap { Int($0) } ?? -1
                    #expect(
                        (lengths.min()!...lengths.max()!).contains(headLength),
                        "\(label): HEAD \(headLength), GETs \(lengths): \(head.headers)")
                    if get.headers[.contentType]?.hasPrefix("text/html") != true {
                        #expect(lengths[0] == lengths[1], "\(label): two renders differ in length")
                    }
                    #expect(head.headers[.contentType] == get.headers[.contentType], "\(label)")
                    #expect(head.body.readableBytes == 0, "\(label)")
                    if uri == "/metrics", let type = head.headers[.contentType] { metricsTypes.insert(type) }
                }
                // The mounted /metrics negotiates its format by `Accept`, like the standalone server.
                #expect(metricsTypes.count == 3, "\(metricsTypes)")
            }
        }

        /// gzip through the mount: `Accept-Encoding` reaches the handler, the gzip body decodes
        /// (with `gzip -d`) to exactly the identity body, `HEAD` carries the gzip GET's headers
        /// and no body; `Accept: application/json` gets JSON.
        @Test func gzipAndJSONThroughTheMount() async throws {
            let registry = Registry()
            let many = registry.collection(at: "/many")
            for index in 0..<100 { many.int("counter\(index)").value = index }
            let app = buildApplication(registry: registry, port: 0)
            try await app.test(.live) { client in
                for uri in ["/status/?format=json", "/status/many", "/metrics"] {
                    let accept: HTTPFields = uri == "/status/many" ? [.accept: "application/json"] : [:]
                    var gzipHeaders = accept
                    gzipHeaders[.acceptEncoding] = "gzip"
                    let identity = try await client.execute(uri: uri, method: .get, headers: accept) { $0 }
                    let gzip = try await client.execute(uri: uri, method: .get, headers: gzipHeaders) { $0 }
                    let head = try await client.execute(uri: uri, method: .head, headers: gzipHeaders) { $0 }
                    #expect(identity.status == .ok && gzip.status == .ok, "\(uri)")
                    #expect(identity.headers[.contentEncoding] == nil, "\(uri)")
                    #expect(identity.body.readableBytes > 1024, "\(uri): too small to prove anything")
                    #expect(gzip.headers[.contentEncoding] == "gzip", "\(uri): \(gzip.headers)")
                    #expect(gzip.headers[.vary]?.contains("Accept-Encoding") == true, "\(uri)")
                    #expect(gzip.headers[.contentLength] == String(gzip.body.readableBytes), "\(uri)")
                    #expect(
                        try gunzip(Data(gzip.body.readableBytesView)) == Data(identity.body.readableBytesView), "\(uri)"
                    )
                    #expect(head.status == .ok)
                    #expect(head.headers[.contentEncoding] == "gzip", "\(uri)")
                    #expect(head.headers[.contentLength] == String(gzip.body.readableBytes), "\(uri): \(head.headers)")
                    #expect(head.body.readableBytes == 0)
                    if uri == "/status/many" {
                        #expect(identity.headers[.contentType] == "application/json", "\(identity.headers)")
                        #expect(identity.headers[.vary]?.contains("Accept") == true)
                    }
                }
            }
        }
    }
}

/// `gzip -dc` of `bytes`.
func gunzip(_ bytes: Data) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
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
    try #require(process.terminationStatus == 0, "gzip -dc failed")
    return decoded
}
