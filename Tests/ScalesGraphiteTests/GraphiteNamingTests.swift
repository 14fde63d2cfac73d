import Testing

@testable import ScalesGraphite

@Suite("Graphite name sanitizing", .ownsItsRegistry)
struct GraphiteNamingTests {
    @Test func scalesRules() {
        // scales: strip, spaces and dots to `-`, slashes to `_`
        #expect(GraphiteNaming.sanitize("GET /index.html") == "GET-_index-html")
        #expect(GraphiteNaming.sanitize("  padded name ") == "padded-name")
        #expect(GraphiteNaming.sanitize("plain_name-1") == "plain_name-1")
    }

    @Test func nothingCanBreakALine() {
        let hostile = [
            "line\nbreak", "cr\rlf", "tab\there", "nbsp\u{A0}x", "ls\u{2028}x", "fs\u{1C}x", "nul\u{0}x",
            "bell\u{7}x", "del\u{7F}x", "semi;tag=1", "a..b",
        ]
        for key in hostile {
            let name = GraphiteNaming.sanitize(key)
            #expect(!name.isEmpty)
            for scalar in name.unicodeScalars {
                #expect(!scalar.properties.isWhitespace, "\(name.debugDescription) from \(key.debugDescription)")
                #expect(scalar.properties.generalCategory != .control, "\(name.debugDescription)")
                #expect(!"./;".unicodeScalars.contains(scalar), "\(name.debugDescription)")
            }
        }
        #expect(GraphiteNaming.sanitize("line\nbreak") == "line-break")
        #expect(GraphiteNaming.sanitize("nul\u{0}x") == "nul_x")
        #expect(GraphiteNaming.sanitize("semi;tag=1") == "semi_tag=1")
    }

    @Test func emptyAndBlankSegmentsStayAComponent() {
        #expect(GraphiteNaming.sanitize("") == "_")
        #expect(GraphiteNaming.sanitize(" \n\t") == "_")
    }

    @Test func nonASCIIIsKept() {
        #expect(GraphiteNaming.sanitize("été") == "été")
        #expect(GraphiteNaming.sanitize("日本 語") == "日本-語")
    }

    @Test func prefixKeepsItsDotsAndEndsWithOne() {
        #expect(GraphiteNaming.sanitizePrefix("Web01.example.com") == "Web01.example.com.")
        #expect(GraphiteNaming.sanitizePrefix("servers.web 1.") == "servers.web-1.")
        #expect(GraphiteNaming.sanitizePrefix("") == "")
        #expect(GraphiteNaming.sanitizePrefix("a..b") == "a.b.")
    }
}
