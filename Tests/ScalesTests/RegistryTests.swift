import Scales
import Testing

@Suite struct RegistryTests {
    @Test func bindingTheSameCollectionTwiceGivesTheSameCells() {
        let registry = Registry()
        let first = registry.collection(at: "/web").int("errors")
        let second = registry.collection(at: "/web").int("errors")
        first += 2
        second += 3
        #expect(first === second)
        #expect(first.value == 5)
    }

    @Test func aDifferentKindAtABoundNameIsAConflictNotACrash() {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.int("errors") += 1
        let wrong = web.string("errors")
        wrong.value = "works, but detached"
        #expect(registry.health.bindConflicts == 1)
        #expect(registry.snapshot(at: "/web/errors")?.root == .stat(SnapshotStat(name: "errors", value: .int(1))))
        // A collection where a stat is: also a conflict, also not a crash.
        let detached = registry.collection(at: "/web/errors")
        #expect(detached.detached)
        detached.int("x") += 1
        #expect(registry.health.bindConflicts == 2)
    }

    @Test func taskLocalRegistryOverridesTheShared() async {
        let registry = Registry()
        #expect(Registry.current === Registry.shared)
        Registry.withCurrent(registry) {
            #expect(Registry.current === registry)
        }
        await Registry.withCurrent(registry) {
            let inner = await Task { Registry.current }.value
            #expect(inner === registry)
        }
        #expect(Registry.current === Registry.shared)
    }

    @Test func templatedInstancesRecordTheirTemplate() throws {
        let registry = Registry()
        registry.collection(at: "/handler/{id}", id: "h1", type: "HandlerStats").int("requests") += 1
        registry.collection(at: "/handler/{id}", id: "h2", type: "HandlerStats").int("requests") += 2
        let snapshot = try #require(registry.snapshot(at: "/handler"))
        guard case .container(let h1) = snapshot.node(at: ["h1"]) else {
            Issue.record("no h1")
            return
        }
        #expect(
            h1.instance == TemplateInstance(template: .template(prefix: "", placeholder: "id", suffix: ""), id: "h1"))
        try expectJSON(registry, equals: ["handler": ["h1": ["requests": 1], "h2": ["requests": 2]]])
    }

    @Test func hostileIDsStayOneSegment() throws {
        let registry = Registry()
        let id = "a/b {x} \"q\" \u{1F600}"
        registry.collection(at: "/handler/{id}", id: id).int("requests") += 1
        try expectJSON(registry, equals: ["handler": [id: ["requests": 1]]])
        #expect(registry.snapshot(at: StatPath(names: ["handler", id, "requests"])) != nil)
    }

    @Test func removeThenRecreate() throws {
        let registry = Registry()
        let processor = registry.collection(at: "/processor", type: "ProcessorStats")
        processor.sum("finished", of: "finished", childType: "ThreadStats")
        processor.histogram("state", of: "state", childType: "ThreadStats")
        let thread = processor.child("thread-{id}", id: "0", type: "ThreadStats")
        thread.int("finished") += 3
        thread.string("state").value = "busy"
        try expectJSON(
            registry,
            equals: [
                "processor": [
                    "finished": 3, "state": ["busy": 1], "thread-0": ["finished": 3, "state": "busy"],
                ]
            ])

        thread.remove()
        thread.remove()  // idempotent
        // sum keeps what it counted; histogram stops counting the removed child.
        try expectJSON(registry, equals: ["processor": ["finished": 3, "state": [:]]])

        let again = processor.child("thread-{id}", id: "0", type: "ThreadStats")
        let finished = again.int("finished")
        #expect(finished.value == 0)  // fresh cells
        finished += 1
        again.string("state").value = "idle"
        thread.remove()  // an old handle does not remove the re-created child
        try expectJSON(
            registry,
            equals: [
                "processor": [
                    "finished": 4, "state": ["idle": 1], "thread-0": ["finished": 1, "state": "idle"],
                ]
            ])
    }

    @Test func removingTheLastInstanceRemovesTheEmptyParent() throws {
        let registry = Registry()
        let h1 = registry.collection(at: "/handler/{id}", id: "h1")
        h1.int("requests") += 1
        h1.remove()
        #expect(registry.snapshot(at: "/handler") == nil)
        try expectJSON(registry, equals: [:])
        registry.collection(at: "/handler/{id}", id: "h1").int("requests") += 5
        try expectJSON(registry, equals: ["handler": ["h1": ["requests": 5]]])
    }

    @Test func templatedCollectionsHonourMaxKeys() throws {
        let registry = Registry()
        for id in ["a", "b", "c", "d"] {
            registry.collection(at: "/handler/{id}", id: id, maxKeys: 2).int("requests") += 1
        }
        try expectJSON(
            registry,
            equals: [
                "handler": [
                    "a": ["requests": 1], "b": ["requests": 1], "_overflow": ["requests": 2],
                ]
            ])
        #expect(registry.health.overflowedKeys == 2)
        // Removing one frees a place.
        registry.collection(at: "/handler/{id}", id: "a", maxKeys: 2).remove()
        registry.collection(at: "/handler/{id}", id: "e", maxKeys: 2).int("requests") += 1
        try expectJSON(
            registry,
            equals: [
                "handler": [
                    "b": ["requests": 1], "e": ["requests": 1], "_overflow": ["requests": 2],
                ]
            ])
    }

    @Test func snapshotOfASubtreeAndOfAStat() throws {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.int("errors") += 4
        web.string("version", initial: "1.4.2")
        #expect(registry.snapshot(at: "/nope") == nil)
        #expect(registry.snapshot(at: "/web/errors/deeper") == nil)
        let stat = try #require(registry.snapshot(at: "/web/version"))
        #expect(stat.root == .stat(SnapshotStat(name: "version", value: .string("1.4.2"))))
        #expect(stat.path.description == "/web/version")
        let health = healthCounterNames.map { "/scales/health/" + $0 }
        #expect(
            registry.paths().map(\.description) == ["/", "/scales", "/scales/health"] + health + [
                "/web", "/web/errors", "/web/version",
            ])
    }

    @Test func initialValuesApplyOnlyOnCreation() {
        let registry = Registry()
        let first = registry.collection(at: "/web").string("version", initial: "1.0")
        first.value = "changed"
        let second = registry.collection(at: "/web").string("version", initial: "1.0")
        #expect(second.value == "changed")
    }

    @Test func resetEmptiesTheTree() throws {
        let registry = Registry()
        let old = registry.collection(at: "/web").int("errors")
        old += 1
        registry.reset()
        try expectJSON(registry, equals: [:])  // only the health counters, which a reset keeps
        old += 1  // still safe to use
        #expect(registry.collection(at: "/web").int("errors").value == 0)
    }

    @Test func aggregatesCanBeReadThroughTheirHandle() {
        let registry = Registry()
        let processor = registry.collection(at: "/processor")
        let total = processor.doubleSum("finished", of: "finished")
        processor.child("thread-{id}", id: "1").int("finished") += 2
        processor.child("thread-{id}", id: "2").double("finished") += 0.5
        #expect(total.value == 2.5)
        let histogram = processor.histogram("state", of: "state")
        processor.child("thread-{id}", id: "1").string("state").value = ""
        #expect(histogram.value == [:])  // empty states are not counted
    }

    @Test func aSumOfCountersIsACounterEvenAfterItsChildrenAreGone() {
        let registry = Registry()
        let processor = registry.collection(at: "/processor")
        let total = processor.sum("finished", of: "finished")
        func shown() -> StatValue? {
            guard case .stat(let stat)? = registry.snapshot(at: "/processor/finished")?.root else { return nil }
            return stat.value
        }
        let thread = processor.child("thread-{id}", id: "1")
        thread.counter("finished") += 3
        #expect(shown() == .counter(3))
        thread.remove()
        #expect(shown() == .counter(3))
        #expect(total.value == 3)
        processor.child("thread-{id}", id: "2").int("finished") += 1
        #expect(shown() == .int(4))  // a plain int among the children: a gauge
        #expect(total.value == 4)
    }
}
