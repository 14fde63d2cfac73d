import Foundation
import Testing

@testable import ScalesGenerator

/// Large inputs finish in time linear in their size: many duplicate keys, and deep chains of
/// parents. The bounds are generous (a debug build on a loaded machine takes a fraction of them);
/// the quadratic code these tests guard against took tens of seconds for the same inputs.
@Suite struct ScalingTests {
    /// Runs `body` and fails if it takes longer than `limit`.
    static func within<T>(_ limit: Duration, _ what: String, _ body: () throws -> T) rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try body()
        let elapsed = clock.now - start
        #expect(elapsed < limit, "\(what) took \(elapsed), more than \(limit)")
        return result
    }

    @Test func twentyThousandDuplicateStatsAreEachReported() {
        let count = 20_000
        let yaml =
            "collections:\n  A:\n    path: /a\n    stats:\n" + String(repeating: "      x: int\n", count: count)
            + "      y: int\n"
        let result = Self.within(.seconds(10), "\(count) duplicate lines") {
            StatsGenerator.generate([StatsInput(path: "stats.yaml", text: yaml)])
        }
        #expect(result.files.isEmpty)
        #expect(result.diagnostics.count == count - 1)
        #expect(
            result.diagnostics.first?.description == """
                stats.yaml:6:7: error: `x` is declared twice in this mapping; rename or remove one
                stats.yaml:5:7: note: `x` is first declared here
                """)
        #expect(result.diagnostics.last?.location.line == 4 + count)
        #expect(
            result.diagnostics.allSatisfy {
                $0.message == "`x` is declared twice in this mapping; rename or remove one"
            })
    }

    @Test func duplicatesOfSeveralKeysInOneMappingAreReportedInOnePass() {
        let yaml =
            "collections:\n  A:\n    path: /a\n    stats:\n      b: int\n      a: int\n      b:\n        kind: int\n      a: int\n      c: int\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:7:7: error: `b` is declared twice in this mapping; rename or remove one\nstats.yaml:5:7: note: `b` is first declared here",
                "stats.yaml:9:7: error: `a` is declared twice in this mapping; rename or remove one\nstats.yaml:6:7: note: `a` is first declared here",
            ])
    }

    static func chain(
        _ depth: Int, bottomUp: Bool, placeholder: (Int) -> String = { _ in "" }, closeCycle: Bool = false
    ) -> String {
        var blocks: [String] = []
        for level in 0..<depth {
            var block = "  C\(level):\n"
            if level == 0 {
                block +=
                    closeCycle
                    ? "    parent: C\(depth - 1)\n    path: c0\(placeholder(level))\n"
                    : "    path: /c0\(placeholder(level))\n"
            } else {
                block += "    parent: C\(level - 1)\n    path: c\(level)\(placeholder(level))\n"
            }
            block += "    stats:\n      s\(level): int\n"
            blocks.append(block)
        }
        if bottomUp { blocks.reverse() }
        return "collections:\n" + blocks.joined()
    }

    @Test(arguments: [false, true])
    func aChainOf1600ParentsResolvesEveryLevel(bottomUp: Bool) throws {
        let depth = 1_600
        let yaml = Self.chain(depth, bottomUp: bottomUp)
        // Validation only: the generated file of so deep a chain holds every level's full path
        // several times (about 40 MB), which says nothing about the resolution's complexity.
        let (model, found) = try Self.within(.seconds(10), "a chain of \(depth) parents") {
            var log = DiagnosticLog()
            let file = try #require(StatsGenerator.parse(StatsInput(path: "stats.yaml", text: yaml), into: &log))
            #expect(log.diagnostics.isEmpty)
            return Validator.validate([file])
        }
        #expect(found.isEmpty, "\(found.prefix(3))")
        let collections = try #require(model).files.flatMap(\.collections)
        // Every level is resolved (the old recursion silently dropped those below level 1,000
        // when the chain was declared bottom-up).
        #expect(collections.count == depth)
        let deepest = try #require(collections.first { $0.name == "C\(depth - 1)" })
        #expect(deepest.fullPath.description == "/" + (0..<depth).map { "c\($0)" }.joined(separator: "/"))
        #expect(deepest.parent?.name == "C\(depth - 2)")
        #expect(deepest.parent?.factoryName == "c\(depth - 1)")
    }

    @Test func aChainOfParentsGeneratesEveryLevel() throws {
        let swift = generated(Self.chain(40, bottomUp: true))
        #expect(swift.components(separatedBy: "\nstruct C").count - 1 == 40)
        #expect(swift.contains("extension C38 {"))
        #expect(swift.contains("func c39() -> C39 {"))
    }

    @Test func aChainOf1600ParentsClosedIntoACycleIsOneError() {
        let depth = 1_600
        let yaml = Self.chain(depth, bottomUp: false, closeCycle: true)
        let found = Self.within(.seconds(10), "a cycle of \(depth) parents") { diagnostics(yaml) }
        #expect(found.count == 1)
        #expect(
            found.first?.hasPrefix("stats.yaml:3:13: error: collections form a cycle of parents: C0 → C1599 → C1598 → ")
                == true)
    }

    @Test func aPlaceholderReusedAtTheBottomOfADeepChainIsFound() {
        let depth = 1_600
        let yaml = Self.chain(depth, bottomUp: true) { level in
            level == 0 || level == depth - 1 ? "-{id}" : (level % 2 == 0 ? "-{p\(level)}" : "")
        }
        let found = Self.within(.seconds(10), "placeholders along \(depth) levels") { diagnostics(yaml) }
        #expect(
            found == [
                "stats.yaml:4:11: error: placeholder `{id}` is already used by `C0` (`/c0-{id}`) above `C1599`; give this level its own name, such as `{c1599Id}`"
            ])
    }
}
