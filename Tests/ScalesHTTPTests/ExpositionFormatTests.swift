// Over 400 lines: one suite of the exposition formats' byte-level cases, each short; split by format it
// would repeat its fixtures.

import Foundation
import Scales
import ScalesHTTP
import ScalesTestSupport
import Testing

/// `/metrics` in its three formats: negotiation, the same names and labels everywhere, and
/// the protobuf and OpenMetrics specifics (decoded by readers written apart from the encoders).
@Suite struct ExpositionFormatTests {
    static let protobufAccept =
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1"
    static let openMetricsAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    // MARK: Negotiation

    @Test(
        arguments: [
            (nil, ExpositionFormat.prometheusText),
            ("", .prometheusText),
            ("*/*", .prometheusText),
            ("text/plain", .prometheusText),
            ("text/plain;version=0.0.4", .prometheusText),
            ("text/*", .prometheusText),
            ("application/json", .prometheusText),
            ("garbage;;;", .prometheusText),
            (protobufAccept, .protobuf),
            (openMetricsAccept, .openMetrics),
            // Prometheus 2.42 with native histograms on.
            (
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                .protobuf
            ),
            ("application/openmetrics-text", .openMetrics),
            ("application/openmetrics-text; version=0.0.1", .prometheusText),
            ("application/openmetrics-text;version=1.0.0;q=0.2,text/plain;q=0.5", .prometheusText),
            ("text/plain;q=0.5, application/openmetrics-text;version=1.0.0;q=0.6", .openMetrics),
            ("text/plain, application/openmetrics-text", .prometheusText),  // a tie: the first listed
            ("application/openmetrics-text, text/plain", .openMetrics),
            ("application/vnd.google.protobuf", .prometheusText),  // which message? not ours to guess
            ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text", .prometheusText),
            ("APPLICATION/VND.GOOGLE.PROTOBUF; PROTO=io.prometheus.client.MetricFamily; ENCODING=delimited", .protobuf),
            ("text/plain;q=0, */*;q=0.5", .openMetrics),  // text refused; the others through */*
            ("application/openmetrics-text;q=x, text/plain;q=0.1", .prometheusText),  // malformed q: range dropped
            ("application/openmetrics-text;q=0", .prometheusText),
        ] as [(String?, ExpositionFormat)])
    func acceptPicksTheFormat(_ accept: String?, _ expected: ExpositionFormat) {
        #expect(MetricsNegotiation.format(accept: accept) == expected, "Accept: \(accept ?? "(none)")")
    }

    @Test func theHandlerAnswersWithTheMatchingContentTypeAndVary() {
        let handler = StatusHandler(registry: everyKindRegistry())
        for (accept, format) in [
            (nil, ExpositionFormat.prometheusText), (Self.openMetricsAccept, .openMetrics),
            (Self.protobufAccept, .protobuf),
        ] {
            for method in ["GET", "HEAD"] {
                let response = handler.handle(
                    StatusRequest(
                        method: method, target: "/metrics", headers: accept.map { [("accept", $0)] } ?? []))
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == format.contentType, "\(method) \(accept ?? "-")")
                #expect(response.header("Vary") == "Accept, Accept-Encoding")  // gzip is negotiated too
                #expect(!response.bodyBytes.isEmpty)
            }
        }
        #expect(
            ExpositionFormat.protobuf.contentType
                == "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited")
        #expect(
            ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(ExpositionFormat.prometheusText.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }

    @Test func theServerNegotiatesAndHeadGetsTheSameHeaders() async throws {
        // No meter: its rates would change the length between two requests.
        let registry = Registry()
        registry.collection(at: "/web").counter("requests") += 42
        _ = registry.collection(at: "/web").string("version", initial: "1.4.2")
        try await withServer(registry) { _, port in
            for (accept, format) in [
                (nil, ExpositionFormat.prometheusText), (Self.openMetricsAccept, .openMetrics),
                (Self.protobufAccept, .protobuf),
            ] {
                let headers = accept.map { ["Accept: \($0)"] } ?? []
                let get = try await blocking { try httpGet(port: port, "/metrics", headers: headers) }
                #expect(get.status == 200)
                #expect(get.header("Content-Type") == format.contentType)
                #expect(get.header("Vary") == "Accept, Accept-Encoding")
                var head = "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                for header in headers { head += header + "\r\n" }
                let request = Array((head + "\r\n").utf8)
                let headResponse = try await blocking { try httpRaw(port: port, request, isHead: true) }
                #expect(headResponse.status == 200)
                #expect(headResponse.header("Content-Type") == format.contentType)
                #expect(headResponse.header("Content-Length") == get.header("Content-Length"))
                #expect(headResponse.body.isEmpty)
            }
        }
    }

    // MARK: The same names and labels in every format

    /// Series identities with each summary family's samples (`x{quantile=…}`, `x_sum`, `x_count`)
    /// folded into one identity per label set, `x{labels}`.
    static func perMetric(_ identities: Set<String>, _ summaries: Set<String>) -> Set<String> {
        Set(
            identities.map { identity -> String in
                let brace = identity.firstIndex(of: "{") ?? identity.endIndex
                var name = String(identity[..<brace])
                var labels = String(identity[brace...])
                for suffix in ["_sum", "_count"]
                where name.hasSuffix(suffix) && summaries.contains(String(name.dropLast(suffix.count))) {
                    name = String(name.dropLast(suffix.count))
                }
                guard summaries.contains(name) else { return identity }
                labels = labels.replacing(#/,?quantile=[^,}]*/#, with: "").replacingOccurrences(of: "{,", with: "{")
                return name + (labels == "{}" ? "" : labels)
            })
    }

    /// Every sample's name and labels, read back from each format served over loopback.
    @Test func everyKindHasTheSameSeriesInEveryFormat() async throws {
        let registry = everyKindRegistry()
        let (text, openMetrics, protobuf) = try await withServer(registry) { _, port in
            let text = try await blocking { try httpGet(port: port, "/metrics") }
            let openMetrics = try await blocking {
                try httpGet(port: port, "/metrics", headers: ["Accept: \(Self.openMetricsAccept)"])
            }
            let protobuf = try await blocking {
                try httpGet(port: port, "/metrics", headers: ["Accept: \(Self.protobufAccept)"])
            }
            return (text, openMetrics, protobuf)
        }
        let textSeries = try Exposition(text.text).sampleIdentities
        let openMetricsSeries = try OpenMetricsExposition(openMetrics.text).sampleIdentities
        let families = try ProtoReader.families(Array(protobuf.body))
        let protobufSeries = families.reduce(into: Set<String>()) { $0.formUnion($1.sampleIdentities) }
        #expect(textSeries.count > 40)
        #expect(openMetricsSeries == textSeries, "\(openMetricsSeries.symmetricDifference(textSeries))")
        // A pmf is a summary in text and a native histogram in protobuf (one series per label
        // set, no quantile, _sum or _count samples): compared as one identity per metric.
        let exposition = try Exposition(text.text)
        let summaries = Set(exposition.families.filter { $0.type == "summary" }.map(\.name))
        #expect(!summaries.isEmpty)
        #expect(
            Self.perMetric(protobufSeries, summaries) == Self.perMetric(textSeries, summaries),
            "\(Self.perMetric(protobufSeries, summaries).symmetricDifference(Self.perMetric(textSeries, summaries)))")
        // The families are the text's, in the text's order, typed alike (a summary with its
        // exact buckets is a histogram).
        #expect(families.map(\.name) == exposition.families.map(\.name))
        let types = ["counter": 0, "gauge": 1, "summary": 4]
        #expect(families.map(\.type) == exposition.families.map { types[$0.type] ?? -1 })
        // And the snapshot renderers say the same as the served layouts.
        let snapshot = try #require(registry.snapshot())
        #expect(try OpenMetricsExposition(OpenMetricsFormat.render(snapshot)).sampleIdentities == textSeries)
        #expect(try ProtoReader.families(PrometheusProtobuf.render(snapshot)).map(\.name) == families.map(\.name))
    }

    @Test func layoutsAndSnapshotsGiveTheSameBytes() throws {
        // No meters: their rates move between two renders.
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.int("errors").value = 3
        web.counter("requests", unit: "bytes") += 42
        web.double("load").value = -0.5
        _ = web.bool("healthy", initial: true)
        web.intDict("byPath")["/a\"b"] += 2
        _ = web.string("version", initial: "1.4.2")
        web.pmf("latency").record(0.25)
        for id in ["a", "b"] { registry.collection(at: "/handler/{id}", id: id, type: "H").int("active") += 1 }
        for format in ExpositionFormat.allCases {
            let snapshot = try #require(registry.snapshot())
            let laidOut = try #require(registry.renderMetrics(format: format))
            #expect(laidOut == format.render(snapshot), "\(format)")
            web.int("errors").value = 4  // values change, the layout stays
            let again = try #require(registry.renderMetrics(format: format))
            #expect(again == format.render(try #require(registry.snapshot())), "\(format)")
            web.int("errors").value = 3
        }
        // Text 0.0.4 through the new entry point is the old one's output.
        #expect(
            registry.renderMetrics(format: .prometheusText) == Array(try #require(registry.renderPrometheus()).utf8))
    }

    // MARK: OpenMetrics

    @Test func openMetricsNamesCountersAndInfosWithoutTheirSuffixAndEndsWithEOF() throws {
        let snapshot = try #require(everyKindRegistry().snapshot())
        let text = OpenMetricsFormat.render(snapshot)
        #expect(text.hasSuffix("\n# EOF\n"))
        let exposition = try OpenMetricsExposition(text)
        #expect(exposition.family("web_requests")?.type == "counter")
        #expect(exposition.family("web_requests")?.samples.first?.name == "web_requests_total")
        #expect(exposition.family("api_sent_bytes")?.type == "counter")
        #expect(exposition.family("web_mode_seconds")?.type == "counter")
        #expect(exposition.family("web_hits")?.type == "counter")
        #expect(exposition.family("web_version")?.type == "info")
        #expect(exposition.family("web_version")?.samples.first?.labels == ["value": "1.4.2"])
        #expect(exposition.family("web_latency")?.type == "summary")
        #expect(exposition.family("web_errors")?.type == "gauge")
        // HELP escapes quotes too.
        #expect(text.contains(#"say \"hi\""#) || !text.contains("# HELP"))
    }

    @Test func openMetricsKeepsFullNamesWhenTheShortOnesAreTaken() throws {
        let registry = Registry()
        // A gauge `web_requests` beside the counter `web_requests_total`; an info `a_b_info`
        // (string /a_b) beside a counter `a_b_total` (/a/b).
        registry.collection(at: "/web").counter("requests") += 1
        registry.collection(at: "/").int("web_requests").value = 5
        registry.collection(at: "/a").counter("b") += 2
        _ = registry.collection(at: "/").string("a_b", initial: "x")
        for text in [
            OpenMetricsFormat.render(try #require(registry.snapshot())),
            String(decoding: try #require(registry.renderMetrics(format: .openMetrics)), as: UTF8.self),
        ] {
            let exposition = try OpenMetricsExposition(text)
            #expect(exposition.family("web_requests")?.type == "gauge", "\(text)")
            #expect(exposition.family("web_requests_total")?.type == "unknown", "\(text)")
            let names = exposition.families.map(\.name)
            #expect(Set(names).count == names.count)
            #expect(!names.contains("a_b") || exposition.family("a_b")?.type != nil)
            #expect(exposition.sampleIdentities == (try Exposition(registry.renderPrometheus()!).sampleIdentities))
        }
    }

    // MARK: Protobuf

    @Test func everyKindDecodesWithItsValues() throws {
        let snapshot = try #require(everyKindRegistry().snapshot())
        let families = try ProtoReader.families(PrometheusProtobuf.render(snapshot))
        let text = try Exposition(PrometheusFormat.render(snapshot))
        func family(_ name: String) -> ProtoReader.Family? { families.first { $0.name == name } }
        #expect(family("web_requests_total")?.type == 0)
        #expect(family("web_requests_total")?.metrics.first?.counter == 42)
        #expect(family("web_requests_total")?.help == "Requests answered")
        #expect(family("web_errors")?.metrics.first?.gauge == 3)
        #expect(family("web_healthy")?.metrics.first?.gauge == 1)
        #expect(family("web_version_info")?.metrics.first?.labels == ["value": "1.4.2"])
        #expect(
            family("web_by_path")?.metrics.contains { $0.labels == ["key": Hostile.newline] && $0.gauge == 5 } == true)
        #expect(family("handler_active")?.metrics.contains { $0.labels == ["id": Hostile.unicode] } == true)
        // Real pmfs carry their exact buckets: native histograms, with the text's count and sum.
        let latency = try #require(family("web_latency"))
        #expect(latency.type == 4)
        let histogram = try #require(latency.metrics.first?.histogram)
        #expect(histogram.count == 100)
        #expect(text.value("web_latency_count") == "100")
        #expect(PrometheusFormat.formatValue(histogram.sum) == text.value("web_latency_sum"))
        #expect(histogram.schema == 6)
        #expect(
            histogram.positiveDeltas.reduce(into: (0 as Int64, 0 as Int64)) {
                $0.0 += $1
                $0.1 += $0.0
            }.1 == 100,
            "the buckets hold every value")
        // An empty pmf is still a native histogram (Prometheus needs the no-op span to see it so).
        let idle = try #require(family("web_idle")?.metrics.first?.histogram)
        #expect(idle.count == 0)
        // Every scalar equals its text value.
        for textFamily in text.families where textFamily.type != "summary" {
            let decoded = try #require(family(textFamily.name))
            for sample in textFamily.samples {
                let metric = try #require(decoded.metrics.first { $0.labels == sample.labels })
                let value = try #require(metric.gauge ?? metric.counter)
                #expect(
                    PrometheusFormat.formatValue(value) == sample.value || Double(sample.value) == value, "\(sample)")
            }
        }
    }

    /// Hand-made histograms: positive, negative, zero and empty; spans and deltas by hand.
    static let handMade: [(name: String, histogram: NativeHistogram)] = [
        (
            "positive",
            NativeHistogram(
                schema: 3, zeroThreshold: 1e-9, zeroCount: 0, count: 10, sum: 12.5,
                positive: [
                    .init(index: -2, count: 1), .init(index: -1, count: 3), .init(index: 0, count: 2),
                    .init(index: 4, count: 1), .init(index: 6, count: 3),
                ],
                negative: [])
        ),
        (
            "negative",
            NativeHistogram(
                schema: 0, zeroThreshold: 0, zeroCount: 0, count: 3, sum: -7,
                positive: [], negative: [.init(index: 1, count: 2), .init(index: 2, count: 1)])
        ),
        (
            "zero",
            NativeHistogram(
                schema: 6, zeroThreshold: 0.001, zeroCount: 5, count: 8, sum: 2.0,
                positive: [.init(index: 10, count: 3)], negative: [])
        ),
        (
            "empty",
            NativeHistogram(
                schema: 6, zeroThreshold: 0, zeroCount: 0, count: 0, sum: 0, positive: [], negative: [])
        ),
        (
            "unordered",
            NativeHistogram(
                schema: -2, zeroThreshold: 0, zeroCount: 0, count: 4, sum: 100,
                positive: [
                    .init(index: 3, count: 1), .init(index: 1, count: 2), .init(index: 3, count: 1),
                    .init(index: 2, count: 0),
                ],
                negative: [])
        ),
    ]

    static func handMadeRegistry() -> Registry {
        let registry = Registry()
        let web = registry.collection(at: "/hist")
        for (name, histogram) in handMade {
            var pmf = PmfSnapshot(count: histogram.count, sum: histogram.sum, windowCount: 0)
            pmf.buckets = histogram
            web.handMadePmf(name, pmf)
        }
        var a = PmfSnapshot(count: 1, sum: 2, windowCount: 0)
        a.buckets = NativeHistogram(
            schema: 1, zeroThreshold: 0, zeroCount: 0, count: 1, sum: 2, positive: [.init(index: 2, count: 1)],
            negative: [])
        var b = a
        b.buckets?.positive = [.init(index: 3, count: 1)]
        web.handMadePmfDict("byRoute", ["/a": a, "/b": b], label: "route")
        return registry
    }

    @Test func nativeHistogramsDecodeFieldByField() throws {
        let registry = Self.handMadeRegistry()
        let bytes = try #require(registry.renderMetrics(format: .protobuf))
        #expect(bytes == PrometheusProtobuf.render(try #require(registry.snapshot())))
        let families = try ProtoReader.families(bytes)
        func histogram(_ name: String) throws -> ProtoReader.Histogram {
            guard let family = families.first(where: { $0.name == "hist_" + name }),
                let histogram = family.metrics.first?.histogram
            else {
                throw ProtoReader.Malformed(description: "no histogram hist_\(name)")
            }
            #expect(family.type == 4, "\(name) is a HISTOGRAM")
            return histogram
        }
        typealias Span = ProtoReader.Span
        let positive = try histogram("positive")
        #expect(positive.count == 10 && positive.sum == 12.5 && positive.schema == 3)
        #expect(positive.zeroThreshold == 1e-9 && positive.zeroCount == 0)
        #expect(
            positive.positiveSpans == [
                Span(offset: -2, length: 3), Span(offset: 3, length: 1), Span(offset: 1, length: 1),
            ])
        #expect(positive.positiveDeltas == [1, 2, -1, -1, 2])
        #expect(positive.negativeSpans.isEmpty && positive.negativeDeltas.isEmpty)

        let negative = try histogram("negative")
        #expect(negative.schema == 0 && negative.sum == -7 && negative.count == 3)
        #expect(negative.negativeSpans == [Span(offset: 1, length: 2)])
        #expect(negative.negativeDeltas == [2, -1])
        #expect(negative.positiveSpans.isEmpty)

        let zero = try histogram("zero")
        #expect(zero.zeroCount == 5 && zero.zeroThreshold == 0.001 && zero.schema == 6)
        #expect(zero.positiveSpans == [Span(offset: 10, length: 1)] && zero.positiveDeltas == [3])

        // No bucket: the no-op span, and every field still there.
        let empty = try histogram("empty")
        #expect(empty.positiveSpans == [Span(offset: 0, length: 0)] && empty.positiveDeltas.isEmpty)
        #expect(empty.schema == 6 && empty.zeroThreshold == 0 && empty.zeroCount == 0 && empty.count == 0)

        // Out of order, repeated and empty buckets are put in order.
        let unordered = try histogram("unordered")
        #expect(unordered.schema == -2)
        #expect(unordered.positiveSpans == [Span(offset: 1, length: 1), Span(offset: 1, length: 1)])
        #expect(unordered.positiveDeltas == [2, 0])

        let byRoute = try #require(families.first { $0.name == "hist_by_route" })
        #expect(byRoute.type == 4)
        #expect(byRoute.metrics.map(\.labels) == [["route": "/a"], ["route": "/b"]])
        #expect(
            byRoute.metrics.map { $0.histogram?.positiveSpans } == [
                [Span(offset: 2, length: 1)], [Span(offset: 3, length: 1)],
            ])

        // The other formats show them as summaries, with the same series.
        let text = try Exposition(try #require(registry.renderPrometheus()))
        #expect(text.family("hist_positive")?.type == "summary")
        #expect(text.value("hist_positive_count") == "10")
    }

    @Test func aFamilyWithAPmfWithoutBucketsIsASummary() throws {
        let registry = Registry()
        var withBuckets = PmfSnapshot(count: 1, sum: 1, windowCount: 1, median: 1)
        withBuckets.buckets = NativeHistogram(
            schema: 0, zeroThreshold: 0, zeroCount: 0, count: 1, sum: 1, positive: [.init(index: 0, count: 1)],
            negative: [])
        let without = PmfSnapshot(count: 2, sum: 3, windowCount: 2, median: 1.5)
        registry.collection(at: "/x").handMadePmfDict("mixed", ["a": withBuckets, "b": without])
        let families = try ProtoReader.families(try #require(registry.renderMetrics(format: .protobuf)))
        let mixed = families.first { $0.name == "x_mixed" }
        #expect(mixed?.type == 2)
        #expect(mixed?.metrics.map { $0.summary?.count } == [1, 2])
    }

    /// Real pmfs: summaries while their snapshots have no buckets (this branch); native
    /// histograms with exactly their buckets once the pmf fills them.
    @Test func realPmfsFollowTheirBuckets() throws {
        let registry = Registry()
        let pmf = registry.collection(at: "/web").pmf("latency")
        for value in [0.001, 0.01, 0.1, 1, 10] { pmf.record(value) }
        let families = try ProtoReader.families(try #require(registry.renderMetrics(format: .protobuf)))
        let family = try #require(families.first { $0.name == "web_latency" })
        if let buckets = pmf.figures.buckets {
            #expect(family.type == 4)
            let histogram = try #require(family.metrics.first?.histogram)
            #expect(histogram.count == UInt64(buckets.count))
            #expect(histogram.schema.map(Int.init) == buckets.schema)
            var running: Int64 = 0
            let counts = histogram.positiveDeltas.map { delta -> Int in
                running += delta
                return Int(running)
            }
            #expect(counts == buckets.positive.map(\.count))
        } else {
            #expect(family.type == 2)
            #expect(family.metrics.first?.summary?.count == 5)
        }
    }
}
