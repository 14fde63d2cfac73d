import Foundation
import Scales
import Testing

/// The registry's JSON, parsed strictly (Foundation rejects NaN, Infinity and malformed text).
func parsedJSON(_ registry: Registry, at path: StatPath = .root, includeCollapsed: Bool = false) throws -> NSDictionary {
    let snapshot = try #require(registry.snapshot(at: path))
    let text = JSONFormat.render(snapshot, includeCollapsed: includeCollapsed)
    // Every JSON check also checks the cached-layout render against the snapshot render.
    let fromLayout = registry.renderJSON(at: path, includeCollapsed: includeCollapsed).map { String(decoding: $0, as: UTF8.self) }
    #expect(fromLayout == text, "renderJSON differs from the snapshot's JSON")
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? NSDictionary, "not an object: \(text)")
}

/// Compares a registry's JSON to an expected tree, by value.
func expectJSON(_ registry: Registry, at path: StatPath = .root, equals expected: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let actual = try parsedJSON(registry, at: path)
    #expect(actual == (expected as NSDictionary), "\(actual)", sourceLocation: sourceLocation)
}

/// Runs `body` on a thread of its own and returns its result: for CPU-heavy test work that
/// would otherwise hold one of the few threads of the shared concurrency pool (two on a
/// two-core machine), stalling the suites that measure time.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
