import ScalesNaming
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
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:34: error: `B.x` at `/web_site/x` and `A.x` at `/web-site/x` both become the Prometheus metric `web_site_x`; rename one of them\nstats.yaml:2:34: note: `x` is declared here"
            ])
    }

    @Test func prometheusNamesCollideAcrossLevels() {
        let yaml = """
            collections:
              A: { path: /a, stats: { b_c: int } }
              B: { path: /a_b, stats: { c: int } }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:29: error: `B.c` at `/a_b/c` and `A.b_c` at `/a/b_c` both become the Prometheus metric `a_b_c`; rename one of them\nstats.yaml:2:27: note: `b_c` is declared here"
            ])
    }

    @Test func pmfSummaryOwnsItsCountAndSum() {
        let yaml = "collections:\n  W: { path: /w, stats: { latency: pmf, latency_count: int } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:41: error: `W.latency_count` at `/w/latency_count` and `W.latency` at `/w/latency` both become the Prometheus metric `w_latency_count`; rename one of them\nstats.yaml:2:27: note: `latency` is declared here"
            ])
    }

    @Test func graphitePathsCollideWhenDotsBecomeDashes() {
        let yaml = """
            collections:
              C: { path: /a.b, stats: { c: int } }
              D: { path: /a-b, stats: { c: int } }
            """
        #expect(
            diagnostics(yaml) == [
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
        #expect(
            ExporterNames.prometheus(
                PathPattern(segments: [
                    .name("handler"), .template(prefix: "", placeholder: "id", suffix: ""), .name("requests"),
                ]), shapes: [.gauge]) == ["handler_requests"])
        #expect(
            ExporterNames.graphite(
                PathPattern(segments: [
                    .name("processor"), .template(prefix: "thread-", placeholder: "id", suffix: ""), .name("finished"),
                ])) == "processor.thread-{}.finished")
    }

    /// The cases: snake case joins `byPath` and `by_path`; an int named `requestsTotal`
    /// is the monotonic `requests`' `requests_total`. Both were accepted and merged or dropped.
    @Test func namesThatMeetAfterSnakeCaseOrASuffix() {
        let yaml = """
            collections:
              Web:
                path: /web
                stats:
                  byPath: intDict
                  by_path: intDict
                  requests: { kind: int, monotonic: true }
                  requestsTotal: int
                  version: string
                  versionInfo: int
                  hits: meter
                  hitsRate: double
                  phase: stateTime
                  phaseSeconds: { kind: int, monotonic: true }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:6:7: error: `Web.by_path` at `/web/by_path` and `Web.byPath` at `/web/byPath` both become the Prometheus metric `web_by_path`; rename one of them\nstats.yaml:5:7: note: `byPath` is declared here",
                "stats.yaml:8:7: error: `Web.requestsTotal` at `/web/requestsTotal` and `Web.requests` at `/web/requests` both become the Prometheus metric `web_requests_total`; rename one of them\nstats.yaml:7:7: note: `requests` is declared here",
                "stats.yaml:10:7: error: `Web.versionInfo` at `/web/versionInfo` and `Web.version` at `/web/version` both become the Prometheus metric `web_version_info`; rename one of them\nstats.yaml:9:7: note: `version` is declared here",
                "stats.yaml:12:7: error: `Web.hitsRate` at `/web/hitsRate` and `Web.hits` at `/web/hits` both become the Prometheus metric `web_hits_rate`; rename one of them\nstats.yaml:11:7: note: `hits` is declared here",
                "stats.yaml:14:7: error: `Web.phaseSeconds` at `/web/phaseSeconds` and `Web.phase` at `/web/phase` both become the Prometheus metric `web_phase_seconds_total`; rename one of them\nstats.yaml:13:7: note: `phase` is declared here",
            ])
    }

    /// A `sum` is a counter when it adds up counters and a gauge otherwise, so it owns both names.
    @Test func aSumOwnsBothItsGaugeAndItsCounterName() {
        let yaml = """
            collections:
              P: { path: /p, stats: { done: { kind: sum, of: T.done }, done_total: int } }
              T: { parent: P, path: "t-{id}", stats: { done: int } }
            """
        #expect(diagnostics(yaml).count == 1)
        #expect(diagnostics(yaml).first?.contains("both become the Prometheus metric `p_done_total`") == true)
    }
}
