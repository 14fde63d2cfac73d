import Foundation
import Scales
import ScalesHTTP
import ScalesTestSupport
import Testing

@Suite struct HTMLPageTests {
    func page(_ registry: Registry, at path: StatPath = .root, serverName: String = "api-7", query: String? = nil)
        throws -> String
    {
        let snapshot = try #require(registry.snapshot(at: path))
        return HTMLPage.render(
            snapshot, serverName: serverName, statusPath: "/status", metricsPath: "/metrics", query: query)
    }

    @Test func hostileKeysAndValuesAreEscapedEverywhere() throws {
        let registry = everyKindRegistry()
        let html = try page(registry, serverName: Hostile.script)
        // No markup from the data survives: the only tags are the page's own.
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("onerror=\""))
        #expect(html.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"))
        #expect(html.contains("say &quot;hi&quot; &amp; &#39;bye&#39;"))
        #expect(html.contains(Hostile.unicode))
        #expect(html.contains("line one<br>line two"))
        #expect(html.contains(#"C:\dir\new"#))
        // The server name in the title is escaped too.
        #expect(html.contains("<title>&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; - Status</title>"))
    }

    @Test func titleNamesTheServerAndThePath() throws {
        let registry = everyKindRegistry()
        #expect(try page(registry).contains("<title>api-7 - Status</title>"))
        #expect(try page(registry, at: "/web").contains("<title>api-7 - Status: /web</title>"))
    }

    @Test func treeIsNestedSortedAndTyped() throws {
        let html = try page(everyKindRegistry(), at: "/web")
        func position(_ text: String) throws -> String.Index {
            try #require(html.range(of: text)?.lowerBound, "missing \(text)")
        }
        // Sorted keys, in tree order.
        #expect(try position(">banner<") < position(">broken<"))
        #expect(try position(">broken<") < position(">byPath<"))
        #expect(try position(">version<") > position(">requests<"))
        // Values styled by type.
        #expect(html.contains(#"<span class="int">3</span>"#))
        #expect(html.contains(#"<span class="counter" title="monotonic">42</span>"#))
        #expect(html.contains(#"<span class="float" title="0.25">0.25</span>"#))
        #expect(html.contains(#"<span class="str">1.4.2</span>"#))
        #expect(html.contains(#"<span class="bool">true</span>"#))
        #expect(html.contains(#"class="absent""#))
        // A pmf's fields and a dict's entries nest under their stat.
        #expect(html.contains(#"<span class="key" title="Seconds per request">latency</span>"#))
        #expect(html.contains(">99percentile</span>"))
        #expect(html.contains("<details open>"))
    }

    @Test func collapsedContainersAreLinksToTheirOwnPage() throws {
        let registry = everyKindRegistry()
        let html = try page(registry)
        #expect(html.contains(#"<a class="collapsed key" href="/status/processor/thread-0/">thread-0</a>"#))
        // The collapsed container's own stats are not expanded on the parent's page…
        #expect(!html.contains(">finished</span> <span class=\"int\">3</span>"))
        // …but on its own page.
        let own = try page(registry, at: "/processor/thread-2")
        #expect(own.contains(#"<span class="key">finished</span> <span class="int">3</span>"#))
    }

    @Test func linksPercentEncodeHostileSegments() throws {
        let registry = Registry()
        let parent = registry.collection(at: "/p")
        _ = parent.child("{id}", id: "a b/\"<x>", collapsed: true).int("n")
        let html = try page(registry)
        #expect(html.contains(#"href="/status/p/a%20b%2F%22%3Cx%3E/""#))
    }

    @Test func filterBoxIsAPlainFormWithTheQueryEscaped() throws {
        let html = try page(everyKindRegistry(), query: "state=\"><script>")
        #expect(html.contains(#"<form class="filter" method="get">"#))
        #expect(html.contains(#"name="query" value="state=&quot;&gt;&lt;script&gt;""#))
        #expect(html.contains(#"href="?format=json&amp;query=state%3D%22%3E%3Cscript%3E""#))
    }

    @Test func pageIsSelfContained() throws {
        // Benign names (hostile ones contain "src=" as escaped text).
        let registry = Registry()
        let web = registry.collection(at: "/web", doc: "Requests")
        web.int("errors") += 1
        web.intDict("byPath")["/"] += 1
        _ = web.pmf("latency")
        _ = registry.collection(at: "/processor").child("thread-{id}", id: "1", collapsed: true).int("n")
        let html = try page(registry)
        #expect(!html.contains("src="))
        #expect(!html.contains("<link"))
        #expect(!html.contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("@import"))
        #expect(!html.contains("url("))
    }

    @Test func controlCharactersBecomeVisiblePictures() {
        #expect(HTMLPage.escapeText("a\u{0}b\u{7}c\u{7F}") == "a\u{2400}b\u{2407}c\u{2421}")
        #expect(HTMLPage.escapeAttribute("a\nb\"") == "a&#10;b&quot;")
    }

    @Test func emptyTreeSaysSo() throws {
        let registry = Registry()
        _ = registry.collection(at: "/empty")
        let html = try page(registry, at: "/empty")
        #expect(html.contains("Nothing here."))
    }
}
