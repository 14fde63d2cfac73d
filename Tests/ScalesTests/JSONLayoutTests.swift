import Foundation
import Scales
import ScalesTestKit
import Testing

/// `Registry.renderJSON` renders from a layout cached per tree shape: it must always give the
/// bytes `JSONFormat.renderBytes` gives for a fresh snapshot, whatever changed in between.
@Suite struct JSONLayoutTests {
    static let hostile = [
        "<script>x</script>", "say \"hi\" & 'bye'", #"C:\dir\new"#, "line\none", "Grüße 🚀", "\u{2028}",
    ]

    /// Every kind, hostile keys, templated and collapsed children, aggregations, a failing gauge.
    static func everyKind(clock: ManualClock) -> Registry {
        let registry = Registry(clock: clock)
        let web = registry.collection(at: "/web", doc: "site")
        web.int("errors").value = -3
        web.counter("requests") += 42
        web.double("load").value = 0.25
        _ = web.string("version", initial: hostile[0])
        _ = web.bool("healthy", initial: true)
        web.gauge("queue", of: Double.self).bind { 7.5 }
        web.gauge("broken", of: Int.self).bind { throw CocoaError(.featureUnsupported) }
        let byPath = web.intDict("byPath")
        for (index, key) in hostile.enumerated() { byPath[key] += index + 1 }
        web.stringDict("owners")[hostile[1]] = hostile[4]
        let latency = web.pmf("latency")
        for value in stride(from: 0.001, through: 2.0, by: 0.001) { latency.record(value) }
        _ = web.pmf("idle")
        web.pmfDict("byRoute")[hostile[2]].record(0.5)
        web.meter("hits").mark(5)
        web.meterDict("hitsByRoute")["/a"].mark(2)
        web.stateTime("mode").state = "busy"
        for id in ["h1", hostile[3]] {
            registry.collection(at: "/handler/{id}", id: id, type: "HandlerStats").int("active") += 1
        }
        let processor = registry.collection(at: "/processor")
        processor.sum("finished", of: "finished", childType: "ThreadStats")
        processor.histogram("state", of: "state", childType: "ThreadStats")
        processor.intDictSum("errors", of: "errors", childType: "ThreadStats")
        for id in 0..<3 {
            let thread = processor.child("thread-{id}", id: String(id), type: "ThreadStats", collapsed: true)
            thread.int("finished") += id + 1
            thread.string("state").value = id == 0 ? "busy" : "idle"
            thread.intDict("errors")["timeout"] += id
        }
        return registry
    }

    /// Both renders of `path`, compact and pretty, with and without collapsed containers.
    func expectSame(_ registry: Registry, at path: StatPath = .root, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        for pretty in [false, true] {
            for includeCollapsed in [false, true] {
                let snapshot = try #require(registry.snapshot(at: path), sourceLocation: sourceLocation)
                let expected = JSONFormat.render(snapshot, pretty: pretty, includeCollapsed: includeCollapsed)
                let actual = registry.renderJSON(at: path, pretty: pretty, includeCollapsed: includeCollapsed)
                    .map { String(decoding: $0, as: UTF8.self) }
                #expect(
                    actual.map(withoutReadFailures) == withoutReadFailures(expected),
                    "\(path) pretty \(pretty) collapsed \(includeCollapsed)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func sameBytesAsTheSnapshotForEveryKindAndPath() throws {
        let registry = Self.everyKind(clock: ManualClock())
        try expectSame(registry)
        for path: StatPath in [
            "/web", "/web/latency", "/web/byPath", "/web/broken", "/processor", "/processor/thread-1",
            "/processor/state",
        ] {
            try expectSame(registry, at: path)
        }
        try expectSame(registry, at: StatPath(names: ["handler", Self.hostile[3]]))
        // The second render comes from the cached layout.
        try expectSame(registry)
    }

    @Test func valuesAreReadAtEachRender() throws {
        let clock = ManualClock()
        let registry = Self.everyKind(clock: clock)
        try expectSame(registry)
        let web = registry.collection(at: "/web")
        web.int("errors") += 1000
        web.counter("requests") += 1
        web.double("load").value = .nan
        web.intDict("byPath")["new key"] += 1
        web.pmf("latency").record(99)
        web.string("version").value = "2.0"
        registry.collection(at: "/processor").child("thread-{id}", id: "2", type: "ThreadStats").string("state").value =
            "busy"
        clock.advance(by: .seconds(30))
        try expectSame(registry)
        let json = try #require(registry.renderJSON(at: "/web/errors"))
        #expect(String(decoding: json, as: UTF8.self) == "997")
        // Numbers formatted in place: every form a double and an int can take.
        for value in [3.0, -0.0, 1e15, 1e20, -2.2250738585072014e-308, .infinity, 0.1 + 0.2, -123456789.125] {
            web.double("load").value = value
            web.int("errors").value = Int(exactly: value.rounded(.towardZero)) ?? Int.min
            try expectSame(registry)
        }
    }

    @Test func theLayoutFollowsEveryChangeOfShape() throws {
        let registry = Self.everyKind(clock: ManualClock())
        try expectSame(registry)
        // A new stat, a new collection, a new templated instance.
        registry.collection(at: "/web").int("fresh") += 1
        registry.collection(at: "/zzz/deep").double("x").value = 1.5
        registry.collection(at: "/handler/{id}", id: "h2", type: "HandlerStats").int("active") += 2
        try expectSame(registry)
        #expect(String(decoding: registry.renderJSON(at: "/zzz")!, as: UTF8.self) == #"{"deep":{"x":1.5}}"#)
        // Removals, which also retire values into the aggregations.
        registry.collection(at: "/processor").child("thread-{id}", id: "0", type: "ThreadStats").remove()
        registry.collection(at: "/web").removeStat(named: "fresh")
        registry.collection(at: "/zzz/deep").remove()
        try expectSame(registry)
        #expect(registry.renderJSON(at: "/zzz") == nil)
        // A collection becomes collapsed.
        _ = registry.collection(at: "/handler/{id}", id: "h1", type: "HandlerStats", collapsed: true)
        try expectSame(registry)
        // Everything goes.
        registry.reset()
        let health =
            #""scales":{"health":{"bindConflicts":0,"droppedValues":0,"nameCollisions":0,"overflowedKeys":0,"readFailures":N}}"#
        #expect(registry.renderJSON().map { withoutReadFailures(String(decoding: $0, as: UTF8.self)) } == "{\(health)}")
        #expect(registry.renderJSON(at: "/web") == nil)
        registry.collection(at: "/web").int("errors") += 1
        #expect(
            registry.renderJSON().map { withoutReadFailures(String(decoding: $0, as: UTF8.self)) }
                == #"{\#(health),"web":{"errors":1}}"#)
    }

    @Test func nothingAtThePathIsNil() {
        let registry = Registry()
        registry.collection(at: "/web").int("errors") += 1
        #expect(registry.renderJSON(at: "/nothing") == nil)
        #expect(registry.renderJSON(at: "/web/errors/deeper") == nil)
    }

    /// Many paths rendered (they come from requests): the layouts kept stay bounded and every
    /// render stays right.
    @Test func manyPathsStayCorrect() throws {
        let registry = Registry()
        for index in 0..<100 { registry.collection(at: StatPath(names: ["c\(index)"])).int("n") += index }
        for round in 0..<3 {
            for index in 0..<100 {
                let json = try #require(registry.renderJSON(at: StatPath(names: ["c\(index)"])))
                #expect(String(decoding: json, as: UTF8.self) == "{\"n\":\(index + round * 0)}")
                _ = registry.renderPrometheus(at: StatPath(names: ["c\(index)"]))
                let kept = registry.keptLayouts
                #expect(kept.json <= kept.bound && kept.prometheus <= kept.bound, "\(kept)")
            }
        }
        #expect(registry.keptLayouts.json > 0, "layouts are kept at all")
    }

    /// Renders race with binds and removals on other threads: every render is valid JSON
    /// (also checked under ThreadSanitizer).
    @Test func rendersWhileTheShapeChanges() async throws {
        let registry = Registry()
        registry.collection(at: "/web").int("errors") += 1
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 0..<2_000 {
                    let collection = registry.collection(at: StatPath(names: ["churn", "c\(index % 7)"]))
                    collection.int("n") += 1
                    if index % 3 == 0 { collection.remove() }
                }
            }
            group.addTask {
                for _ in 0..<2_000 {
                    guard let json = registry.renderJSON() else { continue }
                    let object = try? JSONSerialization.jsonObject(with: Data(json))
                    #expect(object is NSDictionary)
                }
            }
        }
        try expectSame(registry)
    }
}

extension JSONLayoutTests {
    /// Binding what is already bound (generated initializers do it on every use) keeps the
    /// shape, so layouts are not rebuilt; binding something new changes it.
    @Test func bindingAgainKeepsTheShape() {
        let registry = Registry()
        let web = registry.collection(at: "/web", type: "WebStats", doc: "site", collapsed: true)
        web.int("errors") += 1
        _ = registry.collection(at: "/handler/{id}", id: "h1", type: "HandlerStats", doc: "one handler").int("requests")
        let before = registry.shapeVersion
        for _ in 0..<3 {
            _ = registry.collection(at: "/web", type: "WebStats", doc: "site", collapsed: true).int("errors")
            _ = registry.collection(at: "/handler/{id}", id: "h1", type: "HandlerStats", doc: "one handler").int(
                "requests")
        }
        #expect(registry.shapeVersion == before)
        _ = registry.collection(at: "/web").int("more")
        #expect(registry.shapeVersion != before)
    }
}
