import Testing

@testable import ScalesGraphite

@Suite("Glob rules match as Python's fnmatch", .ownsItsRegistry)
struct GraphiteGlobTests {
    // Each row was checked against Python 3's fnmatch.fnmatchcase, which scales' rules use.
    static let cases: [(text: String, pattern: String, matches: Bool)] = [
        ("web/latency", "web/*", true),
        ("web/latency/median", "web/*", true),  // `*` crosses slashes
        ("web", "web/*", false),
        ("handler/a/b/requests", "handler/*/requests", true),
        ("handler/h1/requests", "handler/?1/requests", true),
        ("handler/h12/requests", "handler/?1/requests", false),
        ("a]", "a[]]", true),
        ("ab", "a[!b]", false),
        ("ac", "a[!b]", true),
        ("a[", "a[", true),
        ("a[b", "a[b", true),
        ("x-", "x[a-]", true),
        ("xb", "x[a-c]", true),
        ("xd", "x[a-c]", false),
        ("Web/x", "web/*", false),  // case-sensitive
        ("été/x", "été/*", true),
        ("abc", "a*c*", true),
        ("ac", "a**c", true),
        ("a/b", "*", true),
        ("", "*", true),
        ("xz", "x[z-a]", false),  // reversed range matches nothing
        ("x!", "x[!]", false),  // unclosed set: literal text
        ("x^", "x[^a]", true),  // `^` is not negation in fnmatch
        ("aaab", "*a*b", true),
    ]

    @Test("matches like fnmatch", arguments: 0..<cases.count)
    func matchesLikeFnmatch(_ index: Int) {
        let row = Self.cases[index]
        #expect(GraphiteGlob(row.pattern).matches(row.text) == row.matches, "\(row.text) ~ \(row.pattern)")
    }

    @Test func longInputWithManyStarsStaysLinearEnough() {
        let text = String(repeating: "a", count: 5_000) + "b"
        #expect(GraphiteGlob("*a*a*a*a*c").matches(text) == false)
        #expect(GraphiteGlob("*a*a*a*a*b").matches(text))
    }
}
