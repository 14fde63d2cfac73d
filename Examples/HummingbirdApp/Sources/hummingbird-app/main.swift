import Foundation
import HummingbirdApp
import Metrics
import Scales
import ScalesMetrics

// swift run --package-path Examples/HummingbirdApp
//   curl http://127.0.0.1:8080/hello
//   open http://127.0.0.1:8080/status/   (and /metrics)
// With STATUS_TOKEN=secret the status routes need `Authorization: Bearer secret`.
MetricsSystem.bootstrap(ScalesMetricsFactory(registry: .shared))
let port = Int(Environment.value("PORT") ?? "") ?? 8080
try await buildApplication(registry: .shared, port: port, statusToken: Environment.value("STATUS_TOKEN")).runService()

enum Environment {
    static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name]
    }
}
