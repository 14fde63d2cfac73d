import Scales
import ScalesTestKit
import Testing

/// `units-and-labels.stats.yaml`: `unit:` in the exported names (with `_total` after it),
/// `label:` as the keys' label, `monotonic: true` on a double as a counter.
@Suite struct UnitsAndLabelsTests {
    @Test func namesCarryUnitsAndDictsTheirLabels() throws {
        let registry = Registry()
        let api = ApiStats(registry: registry)
        api.latency.record(0.25)
        api.latencyByRoute["/users"].record(0.5)
        api.byPath["/index.html"] += 2
        api.owners["billing"] = "payments"
        api.hitsByStatus["200"].mark()
        api.sentBytes += 512
        api.busy += 1.25
        api.busy += -1  // dropped: a counter never goes down
        api.queueBytes.bind { 4096 }
        let text = try #require(registry.renderPrometheus(at: ApiStats.path))
        for line in [
            "# TYPE api_latency_seconds summary",
            "api_latency_seconds_count 1",
            "api_latency_by_route_seconds_count{route=\"/users\"} 1",
            "# TYPE api_by_path gauge", "api_by_path{path=\"/index.html\"} 2",
            "api_owners_info{team=\"billing\",value=\"payments\"} 1",
            "api_hits_by_status_total{status=\"200\"} 1",
            "# TYPE api_sent_bytes_total counter", "api_sent_bytes_total 512",
            "# TYPE api_busy_seconds_total counter", "api_busy_seconds_total 1.25",
            "api_queue_bytes 4096",
            "api_temperature_celsius 21.5",
            "# HELP api_latency_seconds Time to answer a request (in seconds)",
        ] {
            #expect(text.contains(line + "\n"), "\(line)\n\(text)")
        }
        #expect(registry.value(at: ApiStats.Paths.busy) == .doubleCounter(1.25))
        // precision: picks the grid of the pmf's buckets (the native histogram's schema).
        #expect(api.latency.figures.buckets?.schema == 8)
        #expect(api.latencyByRoute["/users"].figures.buckets?.schema == 3)
        #expect(registry.health.droppedValues == 1)
    }
}
