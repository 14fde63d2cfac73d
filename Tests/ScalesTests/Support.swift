import Foundation
import Scales
import Testing

/// The registry's JSON, parsed strictly (Foundation rejects NaN, Infinity and malformed text).
func parsedJSON(_ registry: Registry, at path: StatPath = .root, includeCollapsed: Bool = false) throws -> NSDictionary
{
    let snapshot = try #require(registry.snapshot(at: path))
    let text = JSONFormat.render(snapshot, includeCollapsed: includeCollapsed)
    // Every JSON check also checks the cached-layout render against the snapshot render.
    let fromLayout = registry.renderJSON(at: path, includeCollapsed: includeCollapsed).map {
        String(decoding: $0, as: UTF8.self)
    }
    // (Failing gauges move the health counter `readFailures` between the two renders.)
    #expect(
        fromLayout.map(withoutReadFailures) == withoutReadFailures(text), "renderJSON differs from the snapshot's JSON")
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? NSDictionary, "not an object: \(text)")
}

/// A render with the value of the health counter `readFailures` blanked.
func withoutReadFailures(_ text: String) -> String {
    text.replacing(#/("readFailures": ?|scales_health_read_failures_total )\d+/#) { $0.output.1 + "N" }
}

/// Compares a registry's JSON to an expected tree, by value. At the root, the registry's own
/// health counters (`/scales/health`, every registry has them) are checked to be there and then
/// left out of the comparison, so tests state only the tree they build.
func expectJSON(
    _ registry: Registry, at path: StatPath = .root, equals expected: [String: Any],
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let parsed = try parsedJSON(registry, at: path)
    let actual = NSMutableDictionary(dictionary: parsed as! [AnyHashable: Any])
    if path == .root {
        let health = (parsed["scales"] as? NSDictionary)?["health"] as? NSDictionary
        #expect(
            health.map { Set($0.allKeys.compactMap { $0 as? String }) } == Set(healthCounterNames),
            sourceLocation: sourceLocation)
        if let scales = parsed["scales"] as? NSDictionary, scales.count == 1 { actual.removeObject(forKey: "scales") }
    }
    #expect(actual == (expected as NSDictionary), "\(actual)", sourceLocation: sourceLocation)
}

/// The stats every registry has under `/scales/health`.
let healthCounterNames = ["bindConflicts", "droppedValues", "nameCollisions", "overflowedKeys", "readFailures"]

/// Runs `body` on a thread of its own and returns its result: for CPU-heavy test work that
/// would otherwise hold one of the few threads of the shared concurrency pool (two on a
/// two-core machine), stalling the suites that measure time.
///
/// The thread runs at the lowest priority (Linux's SCHED_IDLE): on two cores, a million-value run at normal
/// priority kept the event loops of the network suites running beside it waiting seconds for a
/// core, and their timing checks failed for it.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread {
            #if os(Linux)
            // SCHED_IDLE (5 in <sched.h>, not imported): this thread gets a core only when no
            // other thread wants one.
            var parameters = sched_param()
            _ = pthread_setschedparam(pthread_self(), 5, &parameters)
            #endif
            continuation.resume(returning: body())
        }.start()
    }
}
