import Scales
import ScalesTestKit
import Testing

/// `docs.stats.yaml`: hostile doc strings compile (this file would not build otherwise) and
/// reach the runtime unchanged.
@Suite struct DocStringTests {
    @Test func docsAndValuesSurviveEscaping() {
        let registry = Registry()
        let docs = DocStats(registry: registry)
        #expect(docs.tricky == "a \"quoted\" value with \\ and \t tab and \u{202E}")
        #expect(registry.doc(at: DocStats.Paths.tricky) == "Ends with a backslash \\")
        #expect(registry.doc(at: DocStats.Paths.multiline) == "Folded text over two lines.")
        let collectionDoc = registry.doc(at: DocStats.path) ?? ""
        #expect(
            collectionDoc.hasPrefix(
                "Comments end with */ in C, and \"quotes\" or \\backslashes\\ or \\(interpolation) appear.\n"))
        #expect(collectionDoc.contains("日本語, emoji 😀; a bidi override \u{202E} is dropped"))
        #expect(collectionDoc.hasSuffix("```swift\nlet x = \"y\" // not */ closed\n```"))
    }
}
