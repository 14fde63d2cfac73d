import Logging
import Scales
import ScalesHTTP
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The example server: a few stats bound with the runtime API, served on
// http://127.0.0.1:8765/status/ (port from SCALES_PORT) until SIGINT or SIGTERM.

let registry = Registry.shared
let web = registry.collection(at: "/web", doc: "Request handling of the public site.")
let errors = web.int("errors")
let success = web.int("success", doc: "Requests answered with 2xx")
let byPath = web.intDict("byPath", autoDelete: true)
let version = web.string("version", initial: "1.4.2")
for path in ["/", "/about", "/", "/missing"] {
    if path == "/missing" { errors += 1 } else { success += 1 }
    byPath[path] += 1
}
let processor = registry.collection(at: "/processor")
processor.sum("finished", of: "finished", childType: "ThreadStats")
processor.histogram("state", of: "state", childType: "ThreadStats")
for id in 0..<3 {
    let thread = processor.child("thread-{id}", id: String(id), type: "ThreadStats", collapsed: true)
    thread.int("finished") += id + 1
    thread.string("state").value = id == 0 ? "performingTask" : "waitingForTask"
}

let port = getenv("SCALES_PORT").flatMap { Int(String(cString: $0)) } ?? 8765

let logger = Logger(label: "scales-example")
let server = StatusServer(
    registry: registry, configuration: .init(port: port, serverName: "scales-example"), logger: logger)
let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await group.run()
