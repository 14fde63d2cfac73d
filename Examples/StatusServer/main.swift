import Scales

// The example server's stats, bound with the runtime API until the generated types and the
// HTTP status page land.
let registry = Registry.shared
let web = registry.collection(at: "/web", doc: "Request handling of the public site.")
let errors = web.int("errors")
let success = web.int("success", doc: "Requests answered with 2xx")
let byPath = web.intDict("byPath", autoDelete: true)
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
if let snapshot = registry.snapshot() {
    print(JSONFormat.render(snapshot, pretty: true))
}
