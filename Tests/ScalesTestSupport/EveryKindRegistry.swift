// What the tests of the formats (ScalesTests) and of the status page (ScalesHTTPTests) share: a
// registry holding every stat kind with hostile names and values, and a strict reader of the
// Prometheus text format (Exposition.swift). A target of its own because SwiftPM shares no
// source between test targets; not a product, and not ScalesTestKit: these are this package's
// test fixtures, not an API for users' tests (which read /metrics with promtool or Prometheus).
package import Scales

/// Strings that break naive escaping: HTML, quotes, backslashes, newlines, non-ASCII.
package enum Hostile {
    package static let script = "<script>document.title='pwned'</script>"
    package static let image = "<img src=x onerror=\"document.title='pwned-img'\">"
    package static let quotes = "say \"hi\" & 'bye'"
    package static let backslash = #"C:\dir\new"#
    package static let newline = "line one\nline two"
    package static let unicode = "Grüße 萬知堂 🚀"
    package static let all = [script, image, quotes, backslash, newline, unicode]
}

package struct GaugeFailure: Error {
    package init() {}
}

/// A clock that never moves: rates, windows and state times read the same at every render.
package struct FrozenClock: StatClock {
    package init() {}
    package func nanoseconds() -> UInt64 { 3_600_000_000_000 }
}

/// A registry holding every stat kind, with hostile dict keys, ids and values; on `clock` (the
/// system's by default), with a gauge that throws unless `failingGauge` is false (each render
/// counts its failure in the registry's health, so pages differ from one render to the next).
package func everyKindRegistry(clock: some StatClock = SystemClock(), failingGauge: Bool = true) -> Registry {
    let registry = Registry(clock: clock)
    let web = registry.collection(at: "/web", doc: "Request handling of the public site.")
    web.int("errors", doc: "Requests that failed").value = 3
    web.counter("requests", doc: "Requests answered") += 42
    web.double("load").value = 0.25
    _ = web.string("version", initial: "1.4.2")
    _ = web.bool("healthy", initial: true)
    web.gauge("queue", of: Double.self, doc: "Jobs waiting").bind { 7 }
    if failingGauge { web.gauge("broken", of: Int.self).bind { throw GaugeFailure() } }
    let byPath = web.intDict("byPath", doc: "Requests per path")
    byPath["/"] += 2
    for (index, key) in Hostile.all.enumerated() { byPath[key] += index + 1 }
    let owners = web.stringDict("owners")
    owners["team"] = Hostile.quotes
    owners[Hostile.script] = Hostile.unicode
    let latency = web.pmf("latency", doc: "Seconds per request")
    for value in stride(from: 0.01, through: 1.0, by: 0.01) { latency.record(value) }
    _ = web.pmf("idle")  // an empty window
    let byRoute = web.pmfDict("latencyByRoute")
    byRoute["/a"].record(0.5)
    byRoute[Hostile.quotes].record(0.25)
    web.meter("hits").mark(5)
    web.meterDict("hitsByRoute")[Hostile.backslash].mark(2)
    web.stateTime("mode").state = "busy"
    web.string("banner", initial: Hostile.script)
    web.string("multiline", initial: Hostile.newline)
    // Base units and key labels (stats.yaml's `unit:` and `label:`), a floating-point counter.
    let api = registry.collection(at: "/api")
    api.pmf("latency", unit: "seconds").record(0.125)
    api.pmfDict("latencyByRoute", label: "route", unit: "seconds")["/a"].record(0.25)
    api.intDict("byPath", label: "path")["/index.html"] += 1
    api.counter("sent", unit: "bytes") += 512
    api.doubleCounter("busy", unit: "seconds") += 1.5
    api.meterDict("hitsByStatus", label: "status")["200"].mark()

    for id in ["h1", Hostile.quotes, Hostile.unicode] {
        registry.collection(at: "/handler/{id}", id: id, type: "HandlerStats").int("active") += 1
    }
    let processor = registry.collection(at: "/processor")
    processor.sum("finished", of: "finished", childType: "ThreadStats")
    processor.histogram("state", of: "state", childType: "ThreadStats")
    for id in 0..<3 {
        let thread = processor.child("thread-{id}", id: String(id), type: "ThreadStats", collapsed: true)
        thread.int("finished") += id + 1
        thread.string("state").value = id == 0 ? "busy" : "idle"
    }
    return registry
}
