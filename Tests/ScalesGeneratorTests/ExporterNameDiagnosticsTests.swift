import Testing
@testable import ScalesGenerator

/// Two stats that the exporters would write under one name are caught at build time.
@Suite struct ExporterNameDiagnosticsTests {
    @Test func prometheusNamesCollideAfterSanitizing() {
        let yaml = """
            collections:
              A: { path: /web-site, stats: { x: int } }
              B: { path: /web_site, stats: { x: int } }
            """
        #expect(diagnostics(yaml) == [
            "stats.yaml:3:34: error: `B.x` at `/web_site/x` and `A.x` at `/web-site/x` both become the Prometheus metric `web_site_x`; rename one of them\nstats.yaml:2:34: note: `x` is declared here"
        ])
    }

    @Test func prometheusNamesCollideAcrossLevels() {
        let yaml = """
            collections:
              A: { path: /a, stats: { b_c: int } }
              B: { path: /a_b, stats: { c: int } }
            """
        #expect(diagnostics(yaml) == [
            "stats.yaml:3:29: error: `B.c` at `/a_b/c` and `A.b_c` at `/a/b_c` both become the Prometheus metric `a_b_c`; rename one of them\nstats.yaml:2:27: note: `b_c` is declared here"
        ])
    }

    @Test func pmfSummaryOwnsItsCountAndSum() {
        let yaml = "collections:\n  W: { path: /w, stats: { latency: pmf, latency_count: int } }\n"
        #expect(diagnostics(yaml) == [
            "stats.yaml:2:41: error: `W.latency_count` at `/w/latency_count` and `W.latency` at `/w/latency` both become the Prometheus metric `w_latency_count`; rename one of them\nstats.yaml:2:27: note: `latency` is declared here"
        ])
    }

    @Test func graphitePathsCollideWhenDotsBecomeDashes() {
        let yaml = """
            collections:
              C: { path: /a.b, stats: { c: int } }
              D: { path: /a-b, stats: { c: int } }
            """
        #expect(diagnostics(yaml) == [
            "stats.yaml:3:29: error: `D.c` at `/a-b/c` and `C.c` at `/a.b/c` both become the Graphite path `a-b.c` (dots in paths become `-`); rename one of them\nstats.yaml:2:29: note: `c` is declared here"
        ])
    }

    @Test func templatedInstancesShareOneNameWithALabel() {
        let yaml = """
            collections:
              HandlerStats: { path: "/handler/{id}", stats: { requests: int } }
              ProcessorStats: { path: /processor, stats: { finished: { kind: sum, of: ThreadStats.finished } } }
              ThreadStats: { parent: ProcessorStats, path: "thread-{id}", stats: { finished: int } }
            """
        #expect(diagnostics(yaml) == [])
        #expect(ExporterNames.prometheus(PathPattern(segments: [.name("handler"), .template(prefix: "", placeholder: "id", suffix: ""), .name("requests")]), kind: .int) == ["handler_requests"])
        #expect(ExporterNames.graphite(PathPattern(segments: [.name("processor"), .template(prefix: "thread-", placeholder: "id", suffix: ""), .name("finished")])) == "processor.thread-{}.finished")
    }
}
