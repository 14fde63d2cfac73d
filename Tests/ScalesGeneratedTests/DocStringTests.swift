import Scales
import Testing

/// `docs.stats.yaml`: hostile doc strings compile (this file would not build otherwise) and
/// reach the runtime unchanged.
@Suite struct DocStringTests {
    @Test func docsAndValuesSurviveEscaping() {
        let registry = Registry()
        let docs = DocStats(registry: registry)
        #expect(docs.tricky == "a \"quoted\" value with \\ and \t tab and \u{202E}")
        #expect(doc(at: DocStats.Paths.tricky, in: registry) == "Ends with a backslash \\")
        #expect(doc(at: DocStats.Paths.multiline, in: registry) == "Folded text over two lines.")
        let collectionDoc = doc(at: DocStats.path, in: registry) ?? ""
        #expect(collectionDoc.hasPrefix("Comments end with */ in C, and \"quotes\" or \\backslashes\\ or \\(interpolation) appear.\n"))
        #expect(collectionDoc.contains("日本語, emoji 😀; a bidi override \u{202E} is dropped"))
        #expect(collectionDoc.hasSuffix("```swift\nlet x = \"y\" // not */ closed\n```"))
    }
}
