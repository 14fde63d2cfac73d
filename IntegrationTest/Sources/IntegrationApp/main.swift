import Scales

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The SPEC §3 snippet against the types generated from the SPEC §2 stats.yaml next to this
// file, followed by checks of what it did. Exits non-zero if anything is off.

struct Request { let path: String }
func render(_ request: Request) async throws -> String { "<h1>\(request.path)</h1>" }

var failures = 0
@MainActor func check(_ condition: Bool, _ what: String) {
    if !condition {
        failures += 1
        print("integration: FAILED: \(what)")
    }
}

let registry = Registry()
let request = Request(path: "/index.html")
let queue = [1, 2, 3, 4]

try await Registry.withCurrent(registry) {
    let web = WebStats()  // binds to the current registry at /web
    web.success += 1
    web.byPath[request.path] += 1
    let body = try await web.latency.time { try await render(request) }
    check(body == "<h1>/index.html</h1>", "latency.time returns the body's value")
    web.hits.mark()
    web.load.bind { Double(queue.count) }

    let handler = HandlerStats(id: "h1")  // /handler/h1
    handler.requests += 1
    let processor = ProcessorStats()
    let thread = processor.thread(id: "0")  // a ThreadStats at /processor/thread-0
    thread.state = "waitingForTask"  // /processor/state/waitingForTask counts it
    thread.finished += 1  // /processor/finished sums it
    web.errors.value = 5  // `=` on an int is `.value =`
}

func value(_ path: StatPath) -> StatValue? {
    guard case .stat(let stat)? = registry.snapshot(at: path)?.root else { return nil }
    return stat.value
}

check(value(WebStats.Paths.success) == .int(1), "/web/success is 1")
check(value(WebStats.Paths.errors) == .int(5), "/web/errors is 5")
check(value(WebStats.Paths.byPath) == .intDict(["/index.html": 1]), "/web/byPath counts the path")
check(value(WebStats.Paths.load) == .double(4), "/web/load reads the closure")
check(value(WebStats.Paths.version) == .string("1.4.2"), "/web/version starts at its YAML value")
if case .pmf(let latency)? = value(WebStats.Paths.latency) {
    check(latency.count == 1, "one latency sample")
} else {
    check(false, "/web/latency is a pmf")
}
if case .meter(let hits)? = value(WebStats.Paths.hits) {
    check(hits.count == 1, "one hit")
} else {
    check(false, "/web/hits is a meter")
}
check(value(HandlerStats.Paths.requests.filling(id: "h1")) == .int(1), "/handler/h1/requests is 1")
check(value("/processor/state") == .intDict(["waitingForTask": 1]), "/processor/state counts the thread")
check(value(ProcessorStats.Paths.finished) == .int(1), "/processor/finished sums the thread")
check(ThreadStats.path.description == "/processor/thread-{id}", "ThreadStats.path is a pattern")

if let snapshot = registry.snapshot() {
    print(JSONFormat.render(snapshot, pretty: true))
}
if failures == 0 {
    print("integration: ok")
} else {
    print("integration: \(failures) check(s) failed")
    exit(1)
}
