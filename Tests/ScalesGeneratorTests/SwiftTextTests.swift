import Testing

@testable import ScalesGenerator

/// User text ends up in string literals and comments; nothing in it may break the Swift.
@Suite struct SwiftTextTests {
    @Test func stringLiteralsEscapeEverythingSpecial() {
        #expect(SwiftText.stringLiteral(#"a "quoted" \(x) \n"#) == #""a \"quoted\" \\(x) \\n""#)
        #expect(SwiftText.stringLiteral("line\nbreak\ttab\r\0") == #""line\nbreak\ttab\r\0""#)
        #expect(SwiftText.stringLiteral("rtl\u{202E}override\u{2028}sep") == #""rtl\u{202E}override\u{2028}sep""#)
        #expect(SwiftText.stringLiteral("ünïcödé ✓ 😀") == "\"ünïcödé ✓ 😀\"")
    }

    @Test func docLinesSplitAtEveryLineBreakAndDropInvisibleCharacters() {
        #expect(SwiftText.docLines("one\ntwo\r\nthree\rfour\u{2028}five") == ["one", "two", "three", "four", "five"])
        #expect(SwiftText.docLines("a */ b /* c \\ \"d\"") == ["a */ b /* c \\ \"d\""])
        #expect(SwiftText.docLines("bidi\u{202E}gone\u{0007}bell") == ["bidigonebell"])
    }

    @Test func doubleLiteralsReadBackExactly() {
        #expect(SwiftText.doubleLiteral(3) == "3.0")
        #expect(SwiftText.doubleLiteral(0.1) == "0.1")
        #expect(SwiftText.doubleLiteral(1e300) == "1e+300")
        #expect(SwiftText.doubleLiteral(-2.5) == "-2.5")
    }

    @Test func wrapKeepsWordsAndIndentation() {
        #expect(SwiftText.wrap("short", width: 10) == ["short"])
        #expect(SwiftText.wrap("  - one two three four", width: 12) == ["  - one two", "    three", "    four"])
        #expect(SwiftText.wrap("averyveryverylongword x", width: 5) == ["averyveryverylongword", "x"])
    }

    @Test func hostileDocStringsGenerateOnlyEscapedText() {
        let yaml = #"""
            collections:
              W:
                path: /w
                doc: "ends */ here \\ and \"quotes\" \u202E and \n newline"
                stats:
                  a: { kind: int, doc: "x\"); fatalError(\"" }
            """#
        let swift = generated(yaml)
        #expect(swift.contains(#"doc: "ends */ here \\ and \"quotes\" \u{202E} and \n newline""#))
        #expect(swift.contains(#"doc: "x\"); fatalError(\"""#))
        #expect(swift.contains("    /// x\"); fatalError(\"\n"))
        #expect(!swift.contains("\u{202E}"))
    }

    @Test func outputFileNames() {
        #expect(StatsGenerator.outputFileName(forInput: "stats.yaml") == "stats.generated.swift")
        #expect(StatsGenerator.outputFileName(forInput: "/a/b/web.stats.yaml") == "web.stats.generated.swift")
        #expect(StatsGenerator.outputFileName(forInput: "jobs.stats.yml") == "jobs.stats.generated.swift")
    }

    @Test func twoInputsWithOneOutputNameAreRejected() {
        let result = StatsGenerator.generate([
            StatsInput(path: "a/stats.yaml", text: "collections: { A: { path: /a } }\n"),
            StatsInput(path: "b/stats.yaml", text: "collections: { B: { path: /b } }\n"),
        ])
        #expect(
            result.diagnostics.map(\.description) == [
                "b/stats.yaml:1:1: error: `b/stats.yaml` and `a/stats.yaml` would both generate `stats.generated.swift`; give stats files distinct names, such as `web.stats.yaml`"
            ])
    }
}
