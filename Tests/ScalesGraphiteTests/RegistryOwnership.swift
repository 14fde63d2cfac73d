import Foundation
import Scales
import Testing

@testable import ScalesGraphite

/// Every Graphite suite owns its registries: each test makes its own `Registry()` and hands it
/// to every pusher it creates. This trait catches the two ways a test could fall back on a
/// process-wide registry, shared with every other test running in parallel:
/// - at run time, it installs a tripwire registry as ``Registry/current`` around each test and
///   fails the test if anything got bound in it (a `GraphitePusher` built without `registry:`
///   binds its counters there, under `/scales/graphite`);
/// - ``GraphiteRegistryOwnershipTests`` reads the suites' sources for `Registry.shared`, which
///   no tripwire can see.
struct OwnsItsRegistry: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        // Around each test function (and each case of a parameterized one), not around suites.
        test.isSuite ? nil : self
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let tripwire = Registry()
        let untouched = Self.paths(of: tripwire)
        try await Registry.withCurrent(tripwire) {
            try await function()
        }
        let bound = Self.paths(of: tripwire).subtracting(untouched)
        #expect(bound.isEmpty, "\(test.name) used Registry.current implicitly; bound there: \(bound.sorted())")
    }

    /// The paths of every stat in `registry`.
    static func paths(of registry: Registry) -> Set<String> {
        guard let snapshot = registry.snapshot() else { return [] }
        var paths: Set<String> = []
        func walk(_ node: SnapshotNode, _ prefix: String) {
            let path = prefix + "/" + node.name
            if case .container(let container) = node {
                for child in container.children { walk(child, path) }
            } else {
                paths.insert(path)
            }
        }
        if case .container(let root) = snapshot.root { for child in root.children { walk(child, "") } }
        return paths
    }
}

extension SuiteTrait where Self == OwnsItsRegistry {
    /// The suite's tests pass their own registry to every pusher; see ``OwnsItsRegistry``.
    static var ownsItsRegistry: Self { Self() }
}

@Suite("Every Graphite suite owns its registry", .ownsItsRegistry)
struct GraphiteRegistryOwnershipTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    static func sources() throws -> [(name: String, text: String)] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".swift") }.sorted()
            .map { ($0, try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) }
    }

    @Test func noSuiteNamesTheSharedRegistry() throws {
        let sources = try Self.sources()
        #expect(sources.count >= 10)
        let forbidden = ["Registry" + ".shared", "Registry" + ".current", "withCurrent" + "("]
        for (name, text) in sources where name != "RegistryOwnership.swift" {
            for word in forbidden {
                #expect(!text.contains(word), "\(name) uses \(word)")
            }
        }
    }

    @Test func everySuiteCarriesTheTripwire() throws {
        for (name, text) in try Self.sources() where text.contains("@Test") {
            let suites = text.split(separator: "\n").filter { $0.hasPrefix("@Suite") }
            #expect(!suites.isEmpty, "\(name) has tests outside an @Suite")
            for line in suites {
                #expect(line.contains(".ownsItsRegistry"), "\(name): \(line)")
            }
        }
    }

    @Test func theTripwireSeesAPusherWithoutARegistry() async throws {
        // The tripwire itself, checked: a pusher built with the default registry, inside a
        // tripwire of our own, binds its counters there (a trait that looked elsewhere would
        // report nothing).
        let tripwire = Registry()
        let before = OwnsItsRegistry.paths(of: tripwire)
        await Registry.withCurrent(tripwire) {
            let pusher = GraphitePusher(host: "127.0.0.1", port: 1, prefix: "")
            await pusher.shutdown(timeout: .zero)
        }
        let bound = OwnsItsRegistry.paths(of: tripwire).subtracting(before)
        #expect(bound.contains("/scales/graphite/sentLines"), "\(bound.sorted())")
    }
}
