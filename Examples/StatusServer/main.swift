import Logging
import Scales
import ScalesHTTP
import ScalesPlatform
import ServiceLifecycle
import UnixSignals

// The example server: simulated traffic (Workload.swift) moves the stats generated from
// stats.yaml; the status page serves them on http://127.0.0.1:8765/status/ (port from
// SCALES_PORT; 0 picks a free one) with Prometheus text on /metrics; with
// SCALES_GRAPHITE=host:port they are pushed to Graphite too (Graphite.swift).
// SIGINT or SIGTERM stops everything gracefully. A port that is taken, a SCALES_PORT that is
// not a port, or a service that fails ends it with one line on stderr and exit status 1, not a
// backtrace.
let registry = Registry.shared
ProcessStats.register(in: registry)
let logger = Logger(label: "scales-example")
let port: Int
switch portFromEnvironment() {
case .success(let chosen): port = chosen
case .failure(let problem): exitWithError(problem.description)
}
let server = StatusServer(
    registry: registry, configuration: .init(port: port, serverName: "scales-example"), logger: logger)
let workload = startWorkload(registry: registry)
var services: [any Service] = [server]
if let graphite = startGraphiteFromEnvironment(registry: registry) { services.append(graphite) }
// The group binds the server's port once its signal handlers are installed, so a SIGTERM that
// follows the "serving" line always stops the example gracefully.
let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
do {
    try await group.run()
} catch {
    if let cause = bindFailure(error) {
        exitWithError(
            "cannot listen on \(server.configuration.host):\(port): \(cause) (set SCALES_PORT to another port)")
    }
    exitWithError("\(error)")
}
workload.cancel()
await workload.value

/// A problem with the environment, said in one line.
struct ExampleError: Error, CustomStringConvertible {
    let description: String
}

/// `SCALES_PORT` (0...65535; 0 picks a free port), 8765 when unset.
func portFromEnvironment() -> Result<Int, ExampleError> {
    guard let text = PlatformEnvironment.value("SCALES_PORT") else { return .success(8765) }
    guard let port = Int(text), (0...65535).contains(port) else {
        return .failure(
            ExampleError(
                description: "SCALES_PORT must be a port number from 0 to 65535 (0 picks a free one), got '\(text)'"))
    }
    return .success(port)
}

/// The cause of a failed bind, short ("address already in use" rather than NIO's whole error),
/// or `nil` if `error` is not a failed bind.
func bindFailure(_ error: any Error) -> String? {
    let text = "\(error)"
    guard text.contains("bind") || text.contains("Address already in use") else { return nil }
    if text.contains("Address already in use") { return "address already in use" }
    if text.contains("Permission denied") { return "permission denied" }
    if text.contains("Cannot assign requested address") { return "not an address of this machine" }
    return text
}

/// Writes `ScalesExample: <message>` as one line on stderr and exits with status 1.
func exitWithError(_ message: String) -> Never {
    PlatformEnvironment.exit(status: 1, line: "ScalesExample: " + message.split(separator: "\n").joined(separator: " "))
}
