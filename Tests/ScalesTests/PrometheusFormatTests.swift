import Foundation
import Scales
import ScalesTestSupport
import Testing

@Suite struct PrometheusFormatTests {
    func render(_ registry: Registry) throws -> (String, Exposition) {
        let snapshot = try #require(registry.snapshot())
        let text = PrometheusFormat.render(snapshot)
        do {
            return (text, try Exposition(text))
        } catch {
            Issue.record("invalid exposition: \(error)\n\(text)")
            throw error
        }
    }

    @Test func everyKindGivesAValidSortedContiguousExposition() throws {
        let (text, exposition) = try render(everyKindRegistry())
        let names = exposition.families.map(\.name)
        #expect(names == names.sorted())
        #expect(Set(names).count == names.count)
        // Rendering is deterministic: the same series in the same order (meter rates move with time).
        let (_, again) = try render(everyKindRegistry())
        func series(_ exposition: Exposition) -> [String] {
            exposition.families.flatMap { $0.samples.map { $0.name + "\($0.labels.sorted { $0.key < $1.key })" } }
        }
        #expect(series(exposition) == series(again))
        #expect(text.hasSuffix("\n"))
        #expect(exposition.families.allSatisfy { !$0.help.isEmpty })
    }

    @Test func intsAreGaugesAndMonotonicIntsAreCountersWithTotal() throws {
        let (_, exposition) = try render(everyKindRegistry())
        #expect(exposition.family("web_errors")?.type == "gauge")
        #expect(exposition.value("web_errors") == "3")
        #expect(exposition.family("web_requests_total")?.type == "counter")
        #expect(exposition.value("web_requests_total") == "42")
        #expect(exposition.family("web_requests_total")?.help == "Requests answered")
        #expect(exposition.family("web_requests") == nil)
        #expect(exposition.value("web_load") == "0.25")
        #expect(exposition.value("web_queue") == "7.0")
        #expect(exposition.value("web_healthy") == "1")
    }

    @Test func anAbsentGaugeValueIsLeftOut() throws {
        let (text, exposition) = try render(everyKindRegistry())
        #expect(exposition.family("web_broken") == nil)
        #expect(!text.contains("web_broken"))
    }

    @Test func stringsAreInfoGaugesWithEscapedValues() throws {
        let (text, exposition) = try render(everyKindRegistry())
        #expect(exposition.family("web_version_info")?.type == "gauge")
        #expect(exposition.value("web_version_info", ["value": "1.4.2"]) == "1")
        #expect(exposition.value("web_multiline_info", ["value": Hostile.newline]) == "1")
        #expect(text.contains(#"web_multiline_info{value="line one\nline two"} 1"#))
        #expect(exposition.value("web_owners_info", ["key": "team", "value": Hostile.quotes]) == "1")
    }

    @Test func dictKeysBecomeTheKeyLabelAndHostileKeysSurviveEscaping() throws {
        let (text, exposition) = try render(everyKindRegistry())
        #expect(exposition.family("web_by_path")?.type == "gauge")
        #expect(exposition.value("web_by_path", ["key": "/"]) == "2")
        for (index, key) in Hostile.all.enumerated() {
            #expect(exposition.value("web_by_path", ["key": key]) == String(index + 1), "key \(key)")
        }
        #expect(text.contains(#"web_by_path{key="C:\\dir\\new"} 4"#))
        #expect(text.contains(#"web_by_path{key="say \"hi\" & 'bye'"} 3"#))
    }

    @Test func templatePlaceholdersBecomeLabels() throws {
        let (text, exposition) = try render(everyKindRegistry())
        #expect(exposition.value("handler_active", ["id": "h1"]) == "1")
        #expect(exposition.value("handler_active", ["id": Hostile.unicode]) == "1")
        #expect(exposition.value("handler_active", ["id": Hostile.quotes]) == "1")
        #expect(exposition.family("handler_active")?.help == "scales int /handler/{id}/active")
        // thread-{id}: the literal part stays in the name, collapsed or not.
        #expect(exposition.value("processor_thread_finished", ["id": "2"]) == "3")
        #expect(exposition.value("processor_thread_state_info", ["id": "0", "value": "busy"]) == "1")
        #expect(text.contains(#"handler_active{id="h1"} 1"#))
    }

    @Test func pmfIsASummaryWithQuantilesSumAndCount() throws {
        let (_, exposition) = try render(everyKindRegistry())
        let family = try #require(exposition.family("web_latency"))
        #expect(family.type == "summary")
        #expect(family.help == "Seconds per request")
        #expect(exposition.value("web_latency_count") == "100")
        let sum = try #require(exposition.value("web_latency_sum").flatMap(Double.init))
        #expect(abs(sum - 50.5) < 1e-6)
        let quantiles = family.samples.filter { $0.name == "web_latency" }.compactMap { $0.labels["quantile"] }
        #expect(quantiles == ["0.5", "0.75", "0.95", "0.98", "0.99", "0.999"])
        let median = try #require(exposition.value("web_latency", ["quantile": "0.5"]).flatMap(Double.init))
        #expect(abs(median - 0.5) < 0.05)
    }

    @Test func anEmptyPmfWindowHasNoQuantilesButKeepsCountAndSum() throws {
        let (_, exposition) = try render(everyKindRegistry())
        let family = try #require(exposition.family("web_idle"))
        #expect(family.samples.map(\.name) == ["web_idle_sum", "web_idle_count"])
        #expect(exposition.value("web_idle_count") == "0")
    }

    @Test func pmfDictIsASummaryPerKey() throws {
        let (_, exposition) = try render(everyKindRegistry())
        #expect(exposition.family("web_latency_by_route")?.type == "summary")
        #expect(exposition.value("web_latency_by_route_count", ["key": "/a"]) == "1")
        #expect(
            exposition.value("web_latency_by_route", ["key": Hostile.quotes, "quantile": "0.5"]).flatMap(Double.init)
                == 0.25)
    }

    @Test func metersAreACounterAndRateGauges() throws {
        let (_, exposition) = try render(everyKindRegistry())
        #expect(exposition.family("web_hits_total")?.type == "counter")
        #expect(exposition.value("web_hits_total") == "5")
        #expect(exposition.family("web_hits_rate")?.type == "gauge")
        let windows = exposition.family("web_hits_rate")?.samples.compactMap { $0.labels["window"] }.sorted()
        #expect(windows == ["15m", "1m", "5m", "mean"])
        #expect(exposition.value("web_hits_by_route_total", ["key": Hostile.backslash]) == "2")
    }

    @Test func stateTimeIsASecondsCounterPerState() throws {
        let (_, exposition) = try render(everyKindRegistry())
        #expect(exposition.family("web_mode_seconds_total")?.type == "counter")
        #expect(exposition.value("web_mode_seconds_total", ["state": "busy"]) != nil)
    }

    @Test func aggregatesAreGauges() throws {
        let (_, exposition) = try render(everyKindRegistry())
        #expect(exposition.value("processor_finished") == "6")
        #expect(exposition.value("processor_state", ["key": "idle"]) == "2")
        #expect(exposition.value("processor_state", ["key": "busy"]) == "1")
    }

    /// A stat's name becomes its metric name's part in snake case, `[a-z0-9_]` only.
    @Test func namesAreSanitizedToSnakeCase() throws {
        let parts = [
            ("byPath", "by_path"), ("HTTPServer", "http_server"), ("p99Latency", "p99_latency"),
            ("thread-{id}", "thread_id"), ("a b.c:d", "a_b_c_d"), ("__x__", "x"), ("Grüße", "gr_e"),
        ]
        for (name, part) in parts {
            let registry = Registry()
            registry.collection(at: "/s").int(name) += 1
            let (text, exposition) = try render(registry)
            #expect(exposition.value("s_" + part) == "1", "\(name) should be s_\(part):\n\(text)")
        }
    }

    @Test func aNameStartingWithADigitGetsAnUnderscoreAndNamespacesPrefix() throws {
        let registry = Registry()
        registry.collection(at: "/9lives").int("count-Of.Things") += 1
        let snapshot = try #require(registry.snapshot())
        let text = PrometheusFormat.render(snapshot)
        #expect(text.contains("\n_9lives_count_of_things 1\n"))
        let namespaced = PrometheusFormat.render(snapshot, namespace: "My App")
        #expect(namespaced.contains("\nmy_app_9lives_count_of_things 1\n"))
        _ = try Exposition(namespaced)
    }

    @Test func helpIsEscaped() throws {
        let registry = Registry()
        registry.collection(at: "/x").int("y", doc: "a \\ backslash\nand a newline\tand a tab").value = 1
        let text = PrometheusFormat.render(try #require(registry.snapshot()))
        #expect(text.contains(#"# HELP x_y a \\ backslash\nand a newline and a tab"#))
        let exposition = try Exposition(text)
        #expect(exposition.family("x_y")?.help == "a \\ backslash\nand a newline and a tab")
    }

    @Test func nonFiniteGaugesUseTheFormatsSpellingAndCountersLeaveThemOut() throws {
        let snapshot = handMadeSnapshot([
            container(
                "m",
                [
                    stat("nan", .double(.nan)),
                    stat("up", .double(.infinity)),
                    stat("down", .double(-.infinity)),
                    stat("time", .stateTime(["a": .infinity, "b": 2])),
                    stat("lat", .pmf(PmfSnapshot(count: 1, sum: .nan, windowCount: 1, median: .nan))),
                ])
        ])
        let text = PrometheusFormat.render(snapshot)
        let exposition = try Exposition(text)
        #expect(exposition.value("m_nan") == "NaN")
        #expect(exposition.value("m_up") == "+Inf")
        #expect(exposition.value("m_down") == "-Inf")
        #expect(exposition.value("m_time_seconds_total", ["state": "a"]) == nil)
        #expect(exposition.value("m_time_seconds_total", ["state": "b"]) == "2.0")
        #expect(exposition.value("m_lat", ["quantile": "0.5"]) == "NaN")
    }

    /// Two stats whose names meet are neither merged nor dropped: the later in path order gets
    /// `_2`, and the registry's render counts each such name once.
    @Test func collidingNamesAreRenamedAndCounted() throws {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.intDict("byPath")["k"] += 2  // web_by_path{key="k"} (first in path order)
        web.int("by_path").value = 1  // also web_by_path: renamed web_by_path_2
        web.counter("hits") += 1  // counter web_hits_total
        web.int("hits_total").value = 9  // gauge web_hits_total: renamed web_hits_total_2
        web.pmf("lat").record(0.5)  // summary web_lat, web_lat_sum, web_lat_count
        web.int("lat_count").value = 5  // renamed web_lat_count_2
        let text = PrometheusFormat.render(try #require(registry.snapshot(at: "/web")))
        let exposition = try Exposition(text)
        #expect(exposition.value("web_by_path", ["key": "k"]) == "2")
        #expect(exposition.family("web_by_path")?.samples.count == 1)
        #expect(exposition.value("web_by_path_2") == "1")
        #expect(exposition.family("web_hits_total")?.type == "counter")
        #expect(exposition.value("web_hits_total") == "1")
        #expect(exposition.family("web_hits_total_2")?.type == "gauge")
        #expect(exposition.value("web_hits_total_2") == "9")
        #expect(exposition.value("web_lat_count") == "1")
        #expect(exposition.value("web_lat_count_2") == "5")

        #expect(registry.health.nameCollisions == 0)
        let served = try #require(registry.renderPrometheus(at: "/web"))
        #expect(served == text)
        #expect(registry.health.nameCollisions == 3)
        _ = registry.renderPrometheus()
        #expect(registry.health.nameCollisions == 3, "each name is counted once, however often it is rendered")
        #expect(try #require(registry.renderPrometheus()).contains("\nscales_health_name_collisions_total 3\n"))
    }

    @Test func labelledStatsAreSeriesOfTheirParentsFamily() throws {
        let get = [StatLabel(name: "method", value: "GET"), StatLabel(name: "status", value: "200")]
        let post = [StatLabel(name: "method", value: "POST"), StatLabel(name: "status", value: "500")]
        let snapshot = handMadeSnapshot([
            container(
                "metrics",
                [
                    container(
                        "http.requests",
                        [
                            stat("method=GET,status=200", .counter(3), labels: get),
                            stat("method=POST,status=500", .counter(1), labels: post),
                        ]),
                    container("uptime", [stat("value", .double(12), labels: [])]),
                ])
        ])
        let text = PrometheusFormat.render(snapshot)
        let exposition = try Exposition(text)
        #expect(text.contains(#"metrics_http_requests_total{method="GET",status="200"} 3"#))
        #expect(exposition.value("metrics_http_requests_total", ["method": "POST", "status": "500"]) == "1")
        #expect(exposition.value("metrics_uptime") == "12.0")
    }

    @Test func aSubtreeIsNamedByItsFullPath() throws {
        let registry = everyKindRegistry()
        let snapshot = try #require(registry.snapshot(at: "/web/byPath"))
        let exposition = try Exposition(PrometheusFormat.render(snapshot))
        #expect(exposition.families.map(\.name) == ["web_by_path"])
    }

    @Test func anEmptyRegistryRendersNothing() throws {
        let registry = Registry()
        _ = registry.collection(at: "/empty")
        let text = PrometheusFormat.render(try #require(registry.snapshot(at: "/empty")))
        #expect(text == "")
    }
}
