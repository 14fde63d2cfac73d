import Testing

@testable import ScalesGenerator

/// Names become Swift declarations verbatim: those that would not compile, or would clash with
/// generated members or types, are errors that suggest a name that works.
@Suite struct NameDiagnosticsTests {
    @Test func collectionNameThatIsNotAnIdentifier() {
        #expect(
            diagnostics("collections:\n  web-stats: { path: /web }\n") == [
                "stats.yaml:2:3: error: collection name `web-stats` is not a Swift type name; use ASCII letters, digits and `_`, starting with a letter, such as `WebStats`"
            ])
    }

    @Test func collectionNameThatIsAKeyword() {
        #expect(
            diagnostics("collections:\n  struct: { path: /web }\n") == [
                "stats.yaml:2:3: error: collection name `struct` is a Swift keyword; choose another name, such as `StructStats`"
            ])
    }

    @Test func collectionNameThatHidesARuntimeType() {
        #expect(
            diagnostics("collections:\n  Registry: { path: /registry }\n") == [
                "stats.yaml:2:3: error: collection name `Registry` would hide the type `Registry` that generated code uses; choose another name, such as `RegistryStats`"
            ])
    }

    @Test func statNameThatIsNotAnIdentifier() {
        #expect(
            diagnostics("collections:\n  W:\n    path: /w\n    stats:\n      2xx-count: int\n") == [
                "stats.yaml:5:7: error: stat name `2xx-count` is not a Swift identifier; use ASCII letters, digits and `_`, starting with a letter, such as `n2xxCount`"
            ])
    }

    @Test func statNameThatIsAKeyword() {
        #expect(
            diagnostics("collections:\n  W:\n    path: /w\n    stats:\n      default: int\n") == [
                "stats.yaml:5:7: error: stat name `default` is a Swift keyword; choose another name, such as `defaultCount`"
            ])
    }

    @Test func statNameWithNonASCIILetters() {
        #expect(
            diagnostics("collections:\n  W:\n    path: /w\n    stats:\n      größe: int\n") == [
                "stats.yaml:5:7: error: stat name `größe` is not a Swift identifier; use ASCII letters, digits and `_`, starting with a letter, such as `grE`"
            ])
    }

    @Test func statNameTakenByAGeneratedMember() {
        #expect(
            diagnostics("collections:\n  W:\n    path: /w\n    stats:\n      collection: int\n      remove: int\n") == [
                "stats.yaml:5:7: error: stat name `collection` is taken by the generated `collection` member of `W`; choose another name, such as `collectionCount`",
                "stats.yaml:6:7: error: stat name `remove` is taken by the generated `remove` member of `W`; choose another name, such as `removeCount`",
            ])
    }

    @Test func statNameStartingWithUnderscore() {
        #expect(
            diagnostics("collections:\n  W:\n    path: /w\n    stats:\n      _state: string\n") == [
                "stats.yaml:5:7: error: stat name `_state` starts with `_`, which generated code reserves for property-wrapper storage; use `state`"
            ])
    }

    @Test func statNameThatHidesAType() {
        let yaml =
            "collections:\n  W:\n    path: /w\n    stats:\n      Duration: int\n      V: int\n  V: { path: /v }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:7: error: stat name `Duration` would hide the type `Duration` inside `W`; choose another name, such as `duration`",
                "stats.yaml:6:7: error: stat name `V` would hide the type `V` inside `W`; choose another name, such as `v`",
            ])
    }

    @Test func factoryNameThatClashesWithAParentStat() {
        let yaml = """
            collections:
              ProcessorStats:
                path: /processor
                stats:
                  thread: string
              ThreadStats:
                parent: ProcessorStats
                path: thread-{id}
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:7:13: error: `ThreadStats` is made by a method `ProcessorStats.thread(…)`, which clashes with the stat `thread` of `ProcessorStats`; set `factory:` on `ThreadStats` to another name, such as `factory: makeThreadStats`\nstats.yaml:5:7: note: `thread` is declared here"
            ])
    }

    @Test func twoChildrenWithTheSameFactoryName() {
        let yaml = """
            collections:
              P: { path: /p }
              WorkerStats: { parent: P, path: "w-{id}" }
              Worker: { parent: P, path: "x-{id}" }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:4:21: error: `Worker` is made by a method `P.worker(…)`, which clashes with the factory method of `WorkerStats` `worker` of `P`; set `factory:` on `Worker` to another name, such as `factory: makeWorker`"
            ])
    }

    @Test func factoryThatIsAKeywordOrWithoutParent() {
        let yaml = """
            collections:
              P: { path: /p, factory: make }
              DefaultStats: { parent: P, path: "d-{id}" }
              S: { parent: P, path: "s-{id}", factory: class }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:27: error: `factory` names the method a parent uses to make a child, but `P` has no `parent:`; remove `factory` or add `parent:`",
                "stats.yaml:3:27: error: the method that makes `DefaultStats` on its parent would be named `default`, a Swift keyword; name it with `factory:`, such as `factory: defaultStats`",
                "stats.yaml:4:44: error: `factory: class` is not a usable method name; use a Swift identifier that is not a keyword, such as `makeS`",
            ])
    }

    @Test func duplicateCollectionAcrossFiles() {
        let result = StatsGenerator.generate([
            StatsInput(path: "web.stats.yaml", text: "collections:\n  WebStats: { path: /web }\n"),
            StatsInput(
                path: "more.stats.yaml", text: "collections:\n  Jobs: { path: /jobs }\n  WebStats: { path: /web2 }\n"),
        ])
        #expect(
            result.diagnostics.map(\.description) == [
                "more.stats.yaml:3:3: error: collection `WebStats` is declared twice; each type name may be declared once per target\nweb.stats.yaml:2:3: note: `WebStats` is first declared here"
            ])
    }

    @Test func factoryNamesFollowSwiftCase() {
        #expect(SwiftNames.factoryName(forType: "ThreadStats") == "thread")
        #expect(SwiftNames.factoryName(forType: "HTTPWorkerStats") == "httpWorker")
        #expect(SwiftNames.factoryName(forType: "Worker") == "worker")
        #expect(SwiftNames.factoryName(forType: "URLStats") == "url")
        #expect(SwiftNames.factoryName(forType: "Stats") == "stats")
    }

    // Found by MutationFuzzTests: each generated Swift that did not compile.

    @Test func factoryNamedLikeAType() {
        let yaml = """
            collections:
              P: { path: /p, stats: { a: int } }
              T: { parent: P, path: "t-{id}", factory: T, stats: { b: int } }
              worker: { parent: P, path: w }
              C: { parent: P, path: c, factory: DoubleCounterStat }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:44: error: `factory: T` would hide the type `T` inside `P`; choose another name, such as `factory: makeT`",
                "stats.yaml:4:21: error: the method that makes `worker` on its parent would be named `worker`, which would hide the type `worker` inside `P`; name it with `factory:`, such as `factory: makeWorker`",
                "stats.yaml:5:37: error: `factory: DoubleCounterStat` would hide the type `DoubleCounterStat` inside `P`; choose another name, such as `factory: makeC`",
            ])
    }

    @Test func placeholderNamedLikeAType() {
        let yaml = """
            collections:
              P: { path: /p, stats: { a: int } }
              T: { parent: P, path: "t-{T}", stats: { b: int } }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:25: error: placeholder `{T}` in path `t-{T}` would hide the type `T` where it becomes a parameter; use another name, such as `{tId}`"
            ])
    }

    @Test func collectionNamedDoubleCounterStat() {
        #expect(
            diagnostics(
                "collections:\n  DoubleCounterStat: { path: /d, stats: { busy: { kind: double, monotonic: true } } }\n")
                == [
                    "stats.yaml:2:3: error: collection name `DoubleCounterStat` would hide the type `DoubleCounterStat` that generated code uses; choose another name, such as `DoubleCounterStatStats`"
                ])
    }

    @Test func collectionNamedLikeATypeKeyword() {
        // `extension any {` and `-> some` do not parse: keywords where a type is written.
        #expect(
            diagnostics("collections:\n  any: { path: /a }\n  some: { path: /s }\n  each: { path: /e }\n") == [
                "stats.yaml:2:3: error: collection name `any` is a Swift keyword; choose another name, such as `AnyStats`",
                "stats.yaml:3:3: error: collection name `some` is a Swift keyword; choose another name, such as `SomeStats`",
                "stats.yaml:4:3: error: collection name `each` is a Swift keyword; choose another name, such as `EachStats`",
            ])
    }
}
