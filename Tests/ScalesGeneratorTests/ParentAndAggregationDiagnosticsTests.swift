import Testing

@testable import ScalesGenerator

/// `parent:` and `of:` link collections; broken links and cycles are reported where written.
@Suite struct ParentAndAggregationDiagnosticsTests {
    @Test func parentThatNamesNoCollection() {
        let yaml = "collections:\n  ProcessorStats: { path: /p }\n  T: { parent: ProcesorStats, path: \"t-{id}\" }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:16: error: `parent: ProcesorStats` names no collection; did you mean `ProcessorStats`?; collections are `ProcessorStats` and `T`"
            ])
    }

    @Test func cycleOfParentsIsReportedOnce() {
        let yaml = """
            collections:
              A: { parent: B, path: a }
              B: { parent: C, path: b }
              C: { parent: A, path: c }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:16: error: collections form a cycle of parents: A → B → C → A; the topmost collection must have an absolute path and no `parent:`"
            ])
    }

    @Test func collectionThatIsItsOwnParent() {
        #expect(
            diagnostics("collections:\n  A: { parent: A, path: a }\n") == [
                "stats.yaml:2:16: error: collections form a cycle of parents: A → A; the topmost collection must have an absolute path and no `parent:`"
            ])
    }

    @Test func ofThatNamesNoCollection() {
        let yaml =
            "collections:\n  P: { path: /p, stats: { s: { kind: sum, of: TheadStats.x } } }\n  ThreadStats: { parent: P, path: \"t-{id}\", stats: { x: int } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:47: error: `of: TheadStats.x` names no collection `TheadStats`; did you mean `ThreadStats`?; `of` takes `ChildType.stat`"
            ])
    }

    @Test func ofThatNamesNoStat() {
        let yaml =
            "collections:\n  P: { path: /p, stats: { s: { kind: sum, of: T.finshed } } }\n  T: { parent: P, path: \"t-{id}\", stats: { finished: int, state: string } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:47: error: `of: T.finshed`: `T` has no stat `finshed`; did you mean `finished`?; its stats are `finished` and `state`"
            ])
    }

    @Test func ofAStatOfTheWrongKind() {
        let yaml = """
            collections:
              P:
                path: /p
                stats:
                  a: { kind: sum, of: T.state }
                  b: { kind: histogram, of: T.load }
                  c: { kind: intDictSum, of: T.count }
              T:
                parent: P
                path: t-{id}
                stats: { state: string, load: double, count: int }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:27: error: `sum` needs `int`, `double` or `sum` stats, but `T.state` is `string`; use `histogram` to count children per value\nstats.yaml:11:21: note: `state` is declared `string` here",
                "stats.yaml:6:33: error: `histogram` needs `string`, `bool` or `int` stats, but `T.load` is `double`; use `sum` for a double\nstats.yaml:11:35: note: `load` is declared `double` here",
                "stats.yaml:7:34: error: `intDictSum` needs `intDict` or `intDictSum` stats, but `T.count` is `int`; use `sum` for an int\nstats.yaml:11:50: note: `count` is declared `int` here",
            ])
    }

    @Test func ofACollectionThatIsNotBelow() {
        let yaml =
            "collections:\n  P: { path: /p, stats: { s: { kind: sum, of: Q.x } } }\n  Q: { path: /q, stats: { x: int } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:47: error: `s` (a `sum`) aggregates `Q`, which is not below `P`; add `parent: P` to `Q` (with a relative path such as `q-{id}`)"
            ])
    }

    @Test func ofACollectionBelowByAbsolutePath() {
        let yaml =
            "collections:\n  P: { path: /p, stats: { s: { kind: sum, of: Q.x } } }\n  Q: { path: \"/p/q/{id}\", stats: { x: int } }\n"
        #expect(diagnostics(yaml) == [])
    }

    @Test func factoryTakesTheLowerAccessOfChildAndParent() {
        let result = StatsGenerator.generate([
            StatsInput(path: "parent.stats.yaml", text: "collections:\n  P: { path: /p }\n"),
            StatsInput(
                path: "child.stats.yaml", text: "access: public\ncollections:\n  C: { parent: P, path: \"c-{id}\" }\n"),
        ])
        #expect(result.diagnostics.isEmpty)
        #expect(result.files[1].contents.contains("extension P {\n"))
        #expect(result.files[1].contents.contains("    func c(id: String) -> C {"))
        #expect(result.files[1].contents.contains("public struct C: Sendable {"))
    }

    @Test func parentInAnotherFile() {
        let result = StatsGenerator.generate([
            StatsInput(
                path: "processor.stats.yaml",
                text:
                    "collections:\n  ProcessorStats: { path: /processor, stats: { done: { kind: sum, of: ThreadStats.done } } }\n"
            ),
            StatsInput(
                path: "thread.stats.yaml",
                text:
                    "collections:\n  ThreadStats: { parent: ProcessorStats, path: \"thread-{id}\", stats: { done: int } }\n"
            ),
        ])
        #expect(result.diagnostics.isEmpty)
        #expect(result.files.map(\.fileName) == ["processor.stats.generated.swift", "thread.stats.generated.swift"])
        #expect(result.files[1].contents.contains("extension ProcessorStats {"))
    }
}
