import Logging
import Scales
import ScalesHTTP
import ServiceLifecycle
import UnixSignals

import ScalesPlatform

// The example server: simulated traffic (Workload.swift) moves the stats generated from
// stats.yaml; the status page serves them on http://127.0.0.1:8765/status/ (port from
// SCALES_PORT; 0 picks a free one) with Prometheus text on /metrics; with
// SCALES_GRAPHITE=host:port they are pushed to Graphite too (Graphite.swift).
// SIGINT or SIGTERM stops everything gracefully.
let registry = Registry.shared
ProcessStats.register(in: registry)
let logger = Logger(label: "scales-example")
let workload = startWorkload(registry: registry)
let port = PlatformEnvironment.value("SCALES_PORT").flatMap { Int($0) } ?? 8765
let server = StatusServer(
    registry: registry, configuration: .init(port: port, serverName: "scales-example"), logger: logger)
var services: [any Service] = [server]
if let graphite = startGraphiteFromEnvironment(registry: registry) { services.append(graphite) }
let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await group.run()
workload.cancel()
await workload.value
