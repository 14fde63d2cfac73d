import Foundation
import Scales
import ScalesTestSupport
import Testing

/// Every instance the page lists is reached through the link the page shows, whatever its id:
/// slashes, dots that a browser would resolve away, an empty id, escapes, a `!` in front.
@Suite struct InstanceLinkTests {
    static let ids = [
        "a/b", "..", ".", "", "!bang", "!", "%2F", "%2e%2e", "a b", "?q=1", "#frag", "x/../y", "Grüße", "a\\b",
    ]

    /// A path as a browser resolves it (WHATWG URL: `.`, `..` and their `%2e` spellings are dot
    /// segments), so that a link that only works for a raw client does not pass.
    static func browserPath(_ href: String) -> String {
        var output: [String] = []
        let pieces = href.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, piece) in pieces.enumerated() {
            let lowered = piece.lowercased()
            let isLast = index == pieces.count - 1
            if lowered == ".." || lowered == ".%2e" || lowered == "%2e." || lowered == "%2e%2e" {
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            } else if lowered == "." || lowered == "%2e" {
                if isLast { output.append("") }
            } else {
                output.append(String(piece))
            }
        }
        return "/" + output.joined(separator: "/")
    }

    @Test func everyListedInstanceIsReachedByItsLink() async throws {
        let registry = Registry()
        for (index, id) in Self.ids.enumerated() {
            registry.collection(at: "/handler/{id}", id: id, collapsed: true).int("requests").value = 1000 + index
        }
        try await withServer(registry) { _, port in
            let page = try await blocking { try httpGet(port: port, "/status/handler/") }
            #expect(page.status == 200)
            let hrefs = page.text.matches(of: #/<a class="collapsed key" href="([^"]*)"/#).map { String($0.output.1) }
            #expect(hrefs.count == Self.ids.count, "\(hrefs)")
            var reached: Set<Int> = []
            for href in hrefs {
                let unescaped = href.replacingOccurrences(of: "&amp;", with: "&")
                let target = Self.browserPath(unescaped)
                #expect(target == unescaped, "a browser would go elsewhere: \(unescaped) -> \(target)")
                let json = try await blocking { try httpGet(port: port, target + "?format=json") }
                #expect(json.status == 200, "\(target): \(json.text)")
                let object = (try? JSONSerialization.jsonObject(with: Data(json.text.utf8))) as? [String: Int]
                if let value = object?["requests"] { reached.insert(value - 1000) }
            }
            #expect(
                reached == Set(Self.ids.indices),
                "instances not reached: \(Set(Self.ids.indices).subtracting(reached).map { Self.ids[$0] })")
        }
    }

    /// An id is one segment in the tree, never re-nested, whichever API binds it.
    @Test func idsAreNeverReNested() {
        let registry = Registry()
        registry.collection(at: "/handler/{id}", id: "a/b").int("requests") += 1
        registry.collection(at: "/workers").child("worker-{id}", id: "x/y").int("jobs") += 1
        registry.collection(at: "/plain", id: "c/d").int("n") += 1  // a pattern without a template
        #expect(registry.snapshot(at: StatPath(names: ["handler", "a/b", "requests"])) != nil)
        #expect(registry.snapshot(at: StatPath(names: ["workers", "worker-x/y", "jobs"])) != nil)
        #expect(registry.snapshot(at: StatPath(names: ["plain", "c/d", "n"])) != nil)
        #expect(registry.snapshot(at: StatPath(names: ["handler", "a"])) == nil)
    }
}
