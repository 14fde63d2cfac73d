import Scales

// The example server: simulated traffic updates the stats generated from stats.yaml.
// Until the HTTP status page lands, run the workload briefly and print the tree as JSON.
let registry = Registry.shared
let workload = startWorkload(registry: registry, interval: .milliseconds(2))
try? await Task.sleep(for: .milliseconds(500))
workload.cancel()
await workload.value
if let snapshot = registry.snapshot() {
    print(JSONFormat.render(snapshot, pretty: true))
}
