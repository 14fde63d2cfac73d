import Testing

@testable import ScalesGenerator

/// Malformed YAML becomes one diagnostic at the line and column libyaml names; the generator
/// never traps or hangs.
@Suite struct YAMLSyntaxDiagnosticsTests {
    @Test func unclosedFlowMappingPointsWhereTheParserGaveUp() {
        let yaml = """
            collections:
              WebStats:
                path: /web
                stats:
                  errors: { kind: int
            """
        // libyaml names line 6, after the last line of this file (no final line break); an
        // editor has no line 6, so the end of line 5 is shown.
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:26: error: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 5, column 15)"
            ])
    }

    @Test func badIndentationPointsAtTheOffendingKey() {
        let yaml = """
            collections:
              WebStats:
                path: /web
                stats:
                  errors: int
                 bad: x
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:6:6: error: invalid YAML: did not find expected key (while parsing a block mapping at line 3, column 5)"
            ])
    }

    @Test func tabIndentationSaysToUseSpaces() {
        let yaml = "collections:\n  WebStats:\n    path: /web\n    stats:\n\terrors: int\n"
        #expect(diagnostics(yaml) == ["stats.yaml:5:1: error: tab characters cannot indent YAML; indent with spaces"])
    }

    @Test func duplicateStatNamePointsAtTheSecondWithANoteAtTheFirst() {
        let yaml = """
            collections:
              WebStats:
                path: /web
                stats:
                  errors: int
                  errors: double
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:6:7: error: `errors` is declared twice in this mapping; rename or remove one\nstats.yaml:5:7: note: `errors` is first declared here"
            ])
    }

    @Test func everyDuplicateAndEveryOtherErrorInOneRun() {
        let yaml = """
            collections:
              WebStats:
                path: /web
                stats:
                  errors: int
                  errors:
                    kind: double
                    doc: a block value, removed with its key
                  latency: pfm
              JobStats:
                path: /jobs
                path: /jobs2
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:6:7: error: `errors` is declared twice in this mapping; rename or remove one\nstats.yaml:5:7: note: `errors` is first declared here",
                "stats.yaml:9:16: error: unknown stat kind `pfm`; did you mean `pmf`? kinds are `int`, `double`, `string`, `bool`, `gauge`, `intDict`, `stringDict`, `pmf`, `pmfDict`, `meter`, `meterDict`, `stateTime`, `sum`, `histogram` or `intDictSum`",
                "stats.yaml:12:5: error: `path` is declared twice in this mapping; rename or remove one\nstats.yaml:11:5: note: `path` is first declared here",
            ])
    }

    @Test func duplicateKeyInAFlowMapping() {
        let yaml = "collections:\n  WebStats: { path: /web, stats: { a: int, a: int } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:44: error: `a` is declared twice in this mapping; rename or remove one\nstats.yaml:2:36: note: `a` is first declared here"
            ])
    }

    @Test func duplicateCollectionName() {
        let yaml = """
            collections:
              WebStats: { path: /web }
              WebStats: { path: /web2 }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:3: error: `WebStats` is declared twice in this mapping; rename or remove one\nstats.yaml:2:3: note: `WebStats` is first declared here"
            ])
    }

    @Test func aliasIsRejectedAtTheAlias() {
        let yaml = """
            collections:
              WebStats: &w
                path: /web
              Other: *w
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:4:10: error: YAML aliases are not supported in stats files: write the value out instead of `*w`"
            ])
    }

    @Test func anchorWithoutAliasIsRejectedAtTheAnchor() {
        let yaml = """
            collections:
              WebStats: &w
                path: /web
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:13: error: YAML anchors are not supported in stats files: remove `&w` and write each value out"
            ])
    }

    @Test func billionLaughsIsRejectedQuicklyWithOneErrorPerAlias() {
        var yaml = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            yaml += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
        }
        yaml += "collections: *i\n"
        let start = ContinuousClock.now
        let found = diagnostics(yaml)
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(found.count == 9)
        #expect(
            found.first
                == "stats.yaml:2:8: error: YAML aliases are not supported in stats files: write the value out instead of `*a` (used 9 times)"
        )
        #expect(
            found.last
                == "stats.yaml:10:14: error: YAML aliases are not supported in stats files: write the value out instead of `*i`"
        )
    }

    @Test func aliasAsAMappingKeyDoesNotHang() {
        // Hashing a key built from nested aliases would take exponential time in the composer.
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        for (previous, name) in zip(names, names.dropFirst()) {
            yaml += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        yaml += "? *j\n: 1\n? *j\n: 2\n"
        let start = ContinuousClock.now
        let found = diagnostics(yaml)
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(
            found.contains(
                "stats.yaml:11:3: error: YAML aliases are not supported in stats files: write the value out instead of `*j` (used 2 times)"
            ))
    }

    @Test func aliasNamingNoAnchorIsAComposerError() {
        let yaml = "collections: *nothing\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:1:14: error: YAML aliases are not supported in stats files, and this one names no anchor"
            ])
    }

    @Test func ampersandAndAsteriskInsideTextAreNotAliases() {
        let yaml = """
            collections:
              WebStats:
                path: /web
                doc: "R&D *note* &x *x"
                stats:
                  errors: { kind: int, doc: rock &roll and *roll }
            """
        #expect(diagnostics(yaml) == [])
    }

    @Test func emptyFile() {
        #expect(
            diagnostics("") == [
                "stats.yaml:1:1: error: stats.yaml is empty; declare `collections:`, such as `collections: { WebStats: { path: /web, stats: { errors: int } } }`"
            ])
    }

    @Test func fileWithOnlyCommentsIsEmpty() {
        #expect(
            diagnostics("# nothing yet\n\n", file: "web.stats.yaml") == [
                "web.stats.yaml:1:1: error: web.stats.yaml is empty; declare `collections:`, such as `collections: { WebStats: { path: /web, stats: { errors: int } } }`"
            ])
    }

    @Test func nonUTF8BytePointsAtItsLineAndColumn() {
        let bytes = Array("collections:\n  WebStats:\n    path: /web\n    doc: caf".utf8) + [0xE9, 0x0A]
        #expect(
            diagnostics(bytes: bytes) == [
                "stats.yaml:4:13: error: stats.yaml is not valid UTF-8 (byte 0xE9 here); save it as UTF-8"
            ])
    }

    @Test func utf16FileSaysToSaveAsUTF8() {
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("collections:".utf8).flatMap { [$0, 0] }
        #expect(diagnostics(bytes: bytes) == ["stats.yaml:1:1: error: stats.yaml is UTF-16 encoded; save it as UTF-8"])
    }

    @Test func nulCharacterIsAReaderError() {
        let bytes = Array("collections:\n  W: { path: /w }\n  ".utf8) + [0x00, 0x0A]
        #expect(
            diagnostics(bytes: bytes) == [
                "stats.yaml:3:3: error: invalid YAML: control characters are not allowed (U+0000)"
            ])
    }

    @Test func secondDocumentIsRejected() {
        let yaml = "collections: {}\n---\ncollections: {}\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:1: error: a stats file holds one YAML document; remove this `---` and what follows, or move it to a file of its own"
            ])
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let yaml = "collections: " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "\n"
        let found = diagnostics(yaml)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("stats.yaml:1:") == true)
        #expect(found.first?.contains("error: invalid YAML: Maximum nesting level reached") == true)
    }

    @Test func nestingJustBelowLibyamlsLimitDoesNotOverflowTheStack() {
        // libyaml stops at 1,000 levels; the composer recurses once per level.
        let yaml = "collections: " + String(repeating: "[", count: 995) + String(repeating: "]", count: 995) + "\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:1:14: error: `collections` must be a mapping, such as `WebStats: { path: /web, stats: { errors: int } }`; found a list"
            ])
    }

    @Test func rootThatIsNotAMapping() {
        #expect(
            diagnostics("- a\n- b\n") == [
                "stats.yaml:1:1: error: a stats file must be a mapping, such as `collections:`; found a list"
            ])
    }

    @Test func garbageBytesNeverTrap() {
        // A fixed pseudo-random sequence of byte soups: each must give diagnostics, not a crash.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<64 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let pick = Int(state >> 59)
                let alphabet: [UInt8] = Array("{}[]:,-?&*!|>'\"#%@` \n\tab1".utf8) + [0xC3, 0xFF]
                bytes.append(alphabet[pick % alphabet.count])
            }
            let result = StatsGenerator.generate([StatsInput(path: "fuzz.yaml", contents: bytes)])
            #expect(!result.succeeded)
            for diagnostic in result.diagnostics {
                #expect(
                    diagnostic.location.file == "fuzz.yaml" && diagnostic.location.line >= 1
                        && diagnostic.location.column >= 1)
            }
        }
    }

    // Found by MutationFuzzTests: diagnostics that were not one `file:line:column:` line in the file.

    @Test func errorAtTheEndOfAFileWithoutAFinalLineBreakIsOnItsLastLine() {
        let yaml = "collections:\n  P: { path: /p }\n  x"
        #expect(diagnostics(yaml).map { $0.prefix(15) } == ["stats.yaml:3:4:"])
    }

    @Test func aMultiLineValueQuotedInAMessageStaysOnOneLine() {
        let yaml = "collections:\n  P:\n    path: /p\n    stats:\n      a: |\n        first\n        second\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:10: error: unknown stat kind `first second `; kinds are `int`, `double`, `string`, `bool`, `gauge`, `intDict`, `stringDict`, `pmf`, `pmfDict`, `meter`, `meterDict`, `stateTime`, `sum`, `histogram` or `intDictSum`"
            ])
    }

    // MARK: A flow mapping broken by an unquoted `{` or `: ` (issue 16)

    @Test func aBraceInAnUnquotedFlowValueSaysToQuoteIt() {
        let yaml = """
            collections:
              CacheStats:
                path: /cache
                stats:
                  hits: { kind: int, path: /cache/{name} }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:39: error: `{` cannot appear in an unquoted value inside `{ … }`; quote the value: `path: \"/cache/{name}\"`"
            ])
    }

    @Test func aColonAndSpaceInAnUnquotedFlowValueSaysToQuoteIt() {
        let yaml = """
            collections:
              WebStats:
                path: /web
                stats:
                  requests: { kind: int, doc: Requests: all of them }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:43: error: `:` followed by a space cannot appear in an unquoted value inside `{ … }`; quote the value: `doc: \"Requests: all of them\"`"
            ])
    }

    /// The entry on a continuation line, a value with a quote in it, a value before other
    /// entries, and a whole file written in flow style.
    @Test func theHintFindsTheEntryWhereverItIs() {
        #expect(
            diagnostics(
                """
                collections:
                  WebStats:
                    path: /web
                    stats:
                      requests: { kind: int,
                        doc: say "Requests": all, unit: seconds }
                """) == [
                    "stats.yaml:6:28: error: `:` followed by a space cannot appear in an unquoted value inside `{ … }`; quote the value: `doc: \"say \\\"Requests\\\": all\"`"
                ])
        #expect(
            diagnostics("collections: { C: { path: /cache/{name}/[x], stats: {} } }\n") == [
                "stats.yaml:1:34: error: `{` cannot appear in an unquoted value inside `{ … }`; quote the value: `path: \"/cache/{name}/[x]\"`"
            ])
    }

    /// Quoted, the same values are accepted.
    @Test func quotedTheValuesAreAccepted() {
        let yaml = """
            collections:
              WebStats:
                path: /web
                stats:
                  requests: { kind: int, doc: "Requests: all of them" }
                  hits: { kind: int, doc: "see /cache/{name}" }
            """
        #expect(diagnostics(yaml) == [])
    }
}
