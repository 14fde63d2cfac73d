import Foundation
import Scales
import Testing

/// The behaviours of Python scales' own test suite (scales_test.py), ported to this API.
@Suite struct ScalesPortTests {
    @Test func typedChildrenAreAutoNumbered() throws {
        let registry = Registry()
        let a = registry.collection(at: "path/to/A")
        a.string("state").value = "abc"
        let c1 = a.child("C/{id}", type: "TypedChild")
        c1.int("count") += 1
        let b = registry.collection(at: "B")
        let c2 = b.child("C/{id}", type: "TypedChild")
        c2.int("count") += 2
        try expectJSON(
            registry,
            equals: [
                "path": ["to": ["A": ["state": "abc", "C": ["1": ["count": 1]]]]],
                "B": ["C": ["2": ["count": 2]]],
            ])
    }

    @Test func namedChildren() throws {
        let registry = Registry()
        let a = registry.collection(at: "path/to/A")
        a.string("state").value = "abc"
        a.child(at: "C").int("count") += 1
        registry.collection(at: "B").child(at: "C").int("count") += 2
        try expectJSON(
            registry,
            equals: [
                "path": ["to": ["A": ["state": "abc", "C": ["count": 1]]]],
                "B": ["C": ["count": 2]],
            ])
    }

    @Test func multilevelChild() throws {
        let registry = Registry()
        registry.collection(at: "path/to/A").child(at: "sub/path").int("count") += 1
        try expectJSON(registry, equals: ["path": ["to": ["A": ["sub": ["path": ["count": 1]]]]]])
    }

    @Test func sumAggregatesChildren() throws {
        let registry = Registry()
        let root = registry.collection(at: "Root")
        root.sum("count", of: "count")
        let c = root.child(at: "C").int("count")
        try expectJSON(registry, equals: ["Root": ["count": 0, "C": ["count": 0]]])
        c += 2
        try expectJSON(registry, equals: ["Root": ["count": 2, "C": ["count": 2]]])
        let d = root.child(at: "D").int("count")
        c -= 1
        d += 5
        try expectJSON(registry, equals: ["Root": ["count": 6, "C": ["count": 1], "D": ["count": 5]]])
    }

    @Test func histogramFollowsChildStateChanges() throws {
        let registry = Registry()
        let root = registry.collection(at: "Root")
        root.histogram("state", of: "state")
        let c = root.child(at: "C").string("state")
        let d = root.child(at: "D").string("state")
        for _ in 0..<2 {  // idempotent, as in scales
            c.value = "good"
            d.value = "bad"
            try expectJSON(
                registry,
                equals: [
                    "Root": ["state": ["good": 1, "bad": 1], "C": ["state": "good"], "D": ["state": "bad"]]
                ])
        }
        c.value = "great"
        d.value = "great"
        // Derived when read: states no child holds are absent (scales kept them at 0).
        try expectJSON(
            registry,
            equals: [
                "Root": ["state": ["great": 2], "C": ["state": "great"], "D": ["state": "great"]]
            ])
    }

    @Test func intDictsAndAutoDelete() throws {
        let registry = Registry()
        let a = registry.collection(at: "path/to/A")
        let errors = a.intDict("errors")
        let activeURLs = a.intDict("activeUrls", autoDelete: true)
        errors["400"] += 1
        errors["400"] += 2
        errors["404"] += 100
        errors["400"] -= 3
        activeURLs["http://www.greplin.com"] += 1
        activeURLs["http://www.google.com"] += 2
        activeURLs["http://www.greplin.com"] -= 1
        try expectJSON(
            registry,
            equals: [
                "path": [
                    "to": [
                        "A": [
                            "errors": ["400": 0, "404": 100],
                            "activeUrls": ["http://www.google.com": 2],
                        ]
                    ]
                ]
            ])
    }

    @Test func intDictSumAggregatesChildren() throws {
        let registry = Registry()
        let root = registry.collection(at: "Root")
        root.intDictSum("errors", of: "errors")
        let errors = root.child(at: "C").intDict("errors")
        errors["400"] += 1
        errors["400"] += 2
        errors["404"] += 100
        errors["400"] += 1
        try expectJSON(
            registry,
            equals: [
                "Root": ["errors": ["400": 4, "404": 100], "C": ["errors": ["400": 4, "404": 100]]]
            ])
    }

    @Test func dynamicGaugeIsReadAtSnapshotTime() throws {
        let registry = Registry()
        let value = IntStat(100)
        registry.collection(at: .root).gauge("dynamic", of: Int.self).bind { value.value }
        try expectJSON(registry, equals: ["dynamic": 100])
        value.value = 200
        try expectJSON(registry, equals: ["dynamic": 200])
    }

    @Test func collection() throws {
        let registry = Registry()
        let path = registry.collection(at: "/thePath")
        path.int("count") += 100
        let histo = path.intDict("histo")
        histo["cheese"] += 12300
        histo["cheese"] += 45
        try expectJSON(registry, equals: ["thePath": ["count": 100, "histo": ["cheese": 12345]]])
    }

    @Test func collapsedContainersAreLeftOutOfJSONBelowTheRoot() throws {
        let registry = Registry()
        let processor = registry.collection(at: "/processor")
        processor.int("jobs") += 1
        processor.child("thread-{id}", id: "0", collapsed: true).int("finished") += 3
        try expectJSON(registry, equals: ["processor": ["jobs": 1]])
        // Its own path shows it, and the snapshot marks it.
        try expectJSON(registry, at: "/processor/thread-0", equals: ["finished": 3])
        let snapshot = try #require(registry.snapshot(at: "/processor"))
        guard case .container(let thread) = snapshot.node(at: ["thread-0"]) else {
            Issue.record("thread-0 missing")
            return
        }
        #expect(thread.collapsed)
        #expect(try parsedJSON(registry, includeCollapsed: true)["processor"] as? NSDictionary != nil)
    }
}
