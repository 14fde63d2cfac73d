import Foundation
import Scales
import ScalesHTTP
import ScalesTestSupport
import Testing

/// `HEAD` is answered like `GET` without the body (README: "HEAD is answered like GET"): the same
/// status and `Content-Type`, a `Content-Length` that is the GET body's length, and no body
/// bytes. Over a real loopback connection, for every route and format.
@Suite struct HeadTests {
    static let protobuf = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
    static let openMetrics = "application/openmetrics-text; version=1.0.0"

    /// (target, Accept header or nil, expected status).
    static let cases: [(String, String?, Int)] = [
        ("/status/", nil, 200),
        ("/status/web/", nil, 200),
        ("/status/web/latency?format=json", nil, 200),
        ("/status/?format=json", nil, 200),
        ("/status/?format=prettyjson", nil, 200),
        ("/status/web?format=prettyjson&query=errors", nil, 200),
        ("/status/nope/missing", nil, 404),
        ("/status/nope/missing?format=json", nil, 404),
        ("/elsewhere", nil, 404),
        ("/status/?format=xml", nil, 400),
        ("/", nil, 302),
        ("/metrics", nil, 200),
        ("/metrics", "text/plain; version=0.0.4", 200),
        ("/metrics", openMetrics, 200),
        ("/metrics", protobuf, 200),
    ]

    @Test func headContentLengthIsTheGetBodyLength() async throws {
        // A frozen clock and no failing gauge: two renders have the same length, so the lengths
        // can be compared exactly (checked below with two GETs; the bytes may differ in the
        // page's UTC time, which ticks in fixed-width text). No sparkline history: a sample
        // taken between two renders (every 10 s) would change the page's length.
        try await withServer(
            everyKindRegistry(clock: FrozenClock(), failingGauge: false),
            configure: {
                $0.history = nil
            }
        ) { _, port in
            try await blocking {
                // One keep-alive connection for all: a HEAD answer that carried body bytes would
                // break the parsing of the GET after it.
                let connection = try RawHTTPConnection(port: port, timeout: 10)
                for (target, accept, status) in Self.cases {
                    let headers = accept.map { ["Accept: \($0)"] } ?? []
                    let label = "\(target) Accept: \(accept ?? "-")"
                    let get = try connection.get(target, headers: headers)
                    let head = try connection.head(target, headers: headers)
                    let again = try connection.get(target, headers: headers)
                    #expect(get.status == status, "\(label): \(get)")
                    #expect(head.status == get.status, "\(label)")
                    #expect(!get.body.isEmpty, "\(label): an empty body proves nothing")
                    #expect(
                        get.body.count == again.body.count,
                        "\(label): two renders differ in length; the comparison would be meaningless")
                    #expect(head.header("Content-Length") == String(get.body.count), "\(label): HEAD \(head)")
                    #expect(head.header("Content-Type") == get.header("Content-Type"), "\(label)")
                    #expect(head.body.isEmpty, "\(label)")
                }
                // The formats really differ (the Accept header reached the handler).
                let types = Set(
                    try [nil, Self.openMetrics, Self.protobuf].map { accept in
                        try connection.head("/metrics", headers: accept.map { ["Accept: \($0)"] } ?? []).header(
                            "Content-Type") ?? ""
                    })
                #expect(types.count == 3, "\(types)")
                // Nothing trails the last HEAD answer either.
                #expect(try connection.get("/status/web/errors?format=json", close: true).text == "3\n")
            }
        }
    }
}
