import Testing

@testable import ScalesGenerator

/// YAML snippets and the Swift lines they must produce: one per kind and option.
@Suite struct TranslationSnippetTests {
    func swift(_ stats: String, access: String = "internal") -> String {
        generated("access: \(access)\ncollections:\n  S:\n    path: /s\n    stats:\n\(stats)\n")
    }

    @Test(arguments: [
        ("      a: int", "let a: IntStat", #"self.a = collection.int("a")"#),
        ("      a: { kind: int, monotonic: true }", "let a: CounterStat", #"self.a = collection.counter("a")"#),
        ("      a: { kind: int, value: -2 }", "let a: IntStat", #"self.a = collection.int("a", initial: -2)"#),
        (
            "      a: { kind: double, value: 1e3 }", "let a: DoubleStat",
            #"self.a = collection.double("a", initial: 1000.0)"#
        ),
        (
            "      a: { kind: string, value: x }", "@Stat var a: String",
            #"self._a = Stat(collection.string("a", initial: "x"))"#
        ),
        (
            "      a: { kind: bool, value: false }", "@Stat var a: Bool",
            #"self._a = Stat(collection.bool("a", initial: false))"#
        ),
        ("      a: gauge", "let a: GaugeStat<Double>", #"self.a = collection.gauge("a", of: Double.self)"#),
        (
            "      a: { kind: gauge, type: string }", "let a: GaugeStat<String>",
            #"self.a = collection.gauge("a", of: String.self)"#
        ),
        (
            "      a: { kind: intDict, autoDelete: true, maxKeys: 9 }", "let a: IntDictStat",
            #"self.a = collection.intDict("a", autoDelete: true, maxKeys: 9)"#
        ),
        (
            "      a: { kind: stringDict, maxKeys: 3 }", "let a: StringDictStat",
            #"self.a = collection.stringDict("a", maxKeys: 3)"#
        ),
        (
            "      a: { kind: pmf, window: 1h }", "let a: PmfStat",
            #"self.a = collection.pmf("a", window: .seconds(3600))"#
        ),
        (
            "      a: { kind: pmf, window: 250ms }", "let a: PmfStat",
            #"self.a = collection.pmf("a", window: .milliseconds(250))"#
        ),
        (
            "      a: { kind: pmfDict, maxKeys: 4, window: 90 }", "let a: PmfDictStat",
            #"self.a = collection.pmfDict("a", maxKeys: 4, window: .seconds(90))"#
        ),
        ("      a: { kind: meter, unit: jobs }", "let a: MeterStat", #"self.a = collection.meter("a", unit: "jobs")"#),
        (
            "      a: { kind: meterDict, maxKeys: 2 }", "let a: MeterDictStat",
            #"self.a = collection.meterDict("a", maxKeys: 2)"#
        ),
        ("      a: stateTime", "@StateTime var a: String", #"self._a = StateTime(collection.stateTime("a"))"#),
        (
            "      a: { kind: int, doc: \"Say \\\"hi\\\"\" }", "/// Say \"hi\"",
            #"self.a = collection.int("a", doc: "Say \"hi\"")"#
        ),
    ])
    func eachKindBindsItsCell(yaml: String, property: String, binding: String) {
        let output = swift(yaml)
        #expect(output.contains("    \(property)\n"), "\(output)")
        #expect(output.contains("        \(binding)\n"), "\(output)")
    }

    @Test func accessLevelsApplyToEveryDeclaration() {
        let output = swift("      a: int", access: "public")
        #expect(output.contains("\npublic import Scales\n"))
        #expect(output.contains("public struct S: Sendable {"))
        #expect(output.contains("    public static let path: StatPath = \"/s\""))
        #expect(output.contains("    public enum Paths {"))
        #expect(output.contains("        public static let a: StatPath = \"/s/a\"\n"))
        #expect(output.contains("    public let a: IntStat"))
        #expect(output.contains("    public init(registry: Registry = .current) {"))
        // Nobody binds a generated type anywhere but at its path: the collection initializer is
        // the generated file's own.
        #expect(output.contains("    fileprivate init(collection: StatCollection) {"))
        #expect(!output.contains("public init(collection:"))
        let package = swift("      a: int", access: "package")
        #expect(
            package.contains(
                "#if hasFeature(InternalImportsByDefault)\npackage import Scales\n#else\nimport Scales\n#endif\n"))
        #expect(package.contains("package struct S: Sendable {"))
        let plain = swift("      a: int")
        #expect(plain.contains("\nimport Scales\n"))
        #expect(plain.contains("\nstruct S: Sendable {"))
    }

    @Test func templatedCollectionTakesItsPlaceholderAsLabel() {
        let output = generated("collections:\n  H:\n    path: /h/{handler}\n    maxKeys: 5\n    stats: { a: int }\n")
        #expect(output.contains("    init(handler: String, registry: Registry = .current) {"))
        #expect(
            output.contains(
                #"self.init(collection: registry.collection(at: Self.path, id: handler, type: "H", maxKeys: 5))"#))
        #expect(output.contains("    func remove() {\n        collection.remove()\n    }"))
    }

    @Test func childGetsAFactoryOnItsParent() {
        let output = generated(
            """
            collections:
              P: { path: /p }
              WorkerStats: { parent: P, path: "w-{id}", collapsed: true, doc: A worker }
              Fixed: { parent: P, path: sub/part, factory: part }
            """)
        #expect(output.contains("extension P {\n"))
        #expect(output.contains("    func worker(id: String) -> WorkerStats {"))
        #expect(
            output.contains(
                #"collection: collection.child("w-{id}", id: id, type: "WorkerStats", doc: "A worker", collapsed: true)"#
            ))
        #expect(output.contains("    func part() -> Fixed {"))
        #expect(output.contains(#"Fixed(collection: collection.child(at: "sub/part", type: "Fixed"))"#))
        #expect(
            !output.contains(
                "init(registry: Registry = .current) {\n        self.init(collection: registry.collection(at: Self.path, type: \"WorkerStats\""
            ))
    }

    @Test func aggregationsNameTheirSource() {
        let output = generated(
            """
            collections:
              P:
                path: /p
                stats:
                  total: { kind: sum, of: T.n }
                  states: { kind: histogram, of: T.s }
                  errors: { kind: intDictSum, of: T.e }
                  seconds: { kind: sum, of: T.busy }
              T: { parent: P, path: "t-{id}", stats: { n: int, s: string, e: intDict, busy: { kind: sum, of: U.d } } }
              U: { parent: T, path: "u-{id2}", stats: { d: double } }
            """)
        // Typed handles: a sum reads an Int, or a Double where it adds doubles (at the end of a
        // chain of sums); a histogram and an intDictSum read dictionaries.
        #expect(output.contains("    let total: SumStat\n"))
        #expect(output.contains("    let seconds: DoubleSumStat\n"))
        #expect(output.contains("    let busy: DoubleSumStat\n"))
        #expect(output.contains("    let states: HistogramStat\n"))
        #expect(output.contains("    let errors: IntDictSumStat\n"))
        #expect(!output.contains("AggregateStat"))
        #expect(output.contains(#"self.seconds = collection.doubleSum("seconds", of: "busy", childType: "T")"#))
        #expect(output.contains(#"self.total = collection.sum("total", of: "n", childType: "T")"#))
        #expect(output.contains(#"self.states = collection.histogram("states", of: "s", childType: "T")"#))
        #expect(output.contains(#"self.errors = collection.intDictSum("errors", of: "e", childType: "T")"#))
    }

    /// Within one process (across processes, with their own hash seeds: `DeterminismTests` in
    /// ScalesGenerateCLITests).
    @Test func pathsTakeOneLinePerStat() {
        let output = generated("collections:\n  A: { path: /a, stats: { x: int, y: pmf } }\n")
        #expect(
            output.contains(
                """
                    enum Paths {
                        static let x: StatPath = "/a/x"
                        static let y: StatPath = "/a/y"
                    }
                """), "\(output)")
    }

    @Test func structDocNamesTheRegistryTheCodeUses() {
        let output = generated("collections:\n  A: { path: /a, stats: { x: int } }\n")
        #expect(output.contains("/// Bound at `/a`: `A()` binds these stats in `Registry.current`"), "\(output)")
        #expect(!output.contains("shared registry's"))
    }

    @Test func outputIsDeterministic() {
        let yaml =
            "collections:\n  A: { path: /a, stats: { x: int, y: pmf } }\n  B: { path: \"/b/{id}\", stats: { z: meter } }\n"
        #expect(generated(yaml) == generated(yaml))
        #expect(
            generated(yaml).hasPrefix(
                "// Generated by scales-generate from stats.yaml — do not edit.\n\nimport Scales\n"))
    }
}
