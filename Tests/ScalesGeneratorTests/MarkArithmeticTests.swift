import Testing

@testable import ScalesGenerator

/// Yams reports libyaml's 0-based marks as 1-based lines and columns; these pin the arithmetic
/// on the byte patterns real files have (CRLF, a BOM, non-ASCII text, no final newline), for
/// semantic errors (node marks) and syntax errors (problem marks) alike.
@Suite struct MarkArithmeticTests {
    @Test func semanticErrorInACRLFFile() {
        let yaml = "collections:\r\n  W:\r\n    path: /w\r\n    stats:\r\n      a: itn\r\n"
        #expect(diagnostics(yaml).first?.hasPrefix("stats.yaml:5:10: error: unknown stat kind `itn`") == true)
    }

    @Test func syntaxErrorInACRLFFile() {
        let yaml = "collections:\r\n  W:\r\n    path: /w\r\n   bad: x\r\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:4:4: error: invalid YAML: did not find expected key (while parsing a block mapping at line 2, column 3)"
            ])
    }

    @Test func byteOrderMarkDoesNotShiftColumns() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("colections: {}\n".utf8)
        #expect(diagnostics(bytes: bytes).first?.hasPrefix("stats.yaml:1:1: error: unknown key `colections`") == true)
    }

    @Test func columnsCountCharactersNotBytes() {
        // "größe" is 5 characters and 7 bytes: the kind after it is at column 42, not 44.
        let yaml = "collections:\n  W: { path: /w, doc: größe, stats: { a: itn } }\n"
        #expect(diagnostics(yaml).first?.hasPrefix("stats.yaml:2:42: error: unknown stat kind `itn`") == true)
    }

    @Test func errorOnTheLastLineWithoutANewline() {
        let yaml = "collections:\n  W: { path: /w, stats: { a: itn } }"
        #expect(diagnostics(yaml).first?.hasPrefix("stats.yaml:2:30: error: unknown stat kind `itn`") == true)
    }

    @Test func unclosedQuoteAtTheEndOfTheFile() {
        let yaml = "collections:\n  W: { path: \"/w }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:1: error: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 2, column 14)"
            ])
    }

    @Test func locationsOfOffsetsInSourceText() {
        let source = SourceText(file: "f", text: "ab\r\ncd\ré\nx")
        #expect(source.location(ofScalarOffset: 0) == SourceLocation(file: "f", line: 1, column: 1))
        #expect(source.location(ofScalarOffset: 4) == SourceLocation(file: "f", line: 2, column: 1))
        #expect(source.location(ofScalarOffset: 7) == SourceLocation(file: "f", line: 3, column: 1))
        #expect(source.location(ofScalarOffset: 8) == SourceLocation(file: "f", line: 3, column: 2))
        #expect(source.location(ofScalarOffset: 9) == SourceLocation(file: "f", line: 4, column: 1))
    }
}
