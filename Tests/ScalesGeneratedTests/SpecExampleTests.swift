import Scales
import ScalesTestKit
import Testing

/// The SPEC §3 snippet, written against the code generated from the SPEC §2 example
/// (`Generated/spec-example.stats.generated.swift`), behaves as the spec says.
@Suite struct SpecExampleTests {
    struct Request { let path: String }
    func render(_ request: Request) async throws -> String { "page for \(request.path)" }

    @Test func theSpecSnippetWorksOnAFreshRegistry() async throws {
        let registry = Registry()
        let request = Request(path: "/about")
        let queue = [1, 2, 3]
        try await Registry.withCurrent(registry) {
            let web = WebStats()  // binds to the current registry at /web
            web.success += 1
            web.byPath[request.path] += 1
            let body = try await web.latency.time { try await render(request) }
            #expect(body == "page for /about")
            web.hits.mark()
            web.load.bind { Double(queue.count) }

            let handler = HandlerStats(id: "h1")  // /handler/h1
            handler.requests += 1
            let processor = ProcessorStats()
            let thread = processor.thread(id: "0")  // a ThreadStats at /processor/thread-0
            thread.state = "waitingForTask"  // /processor/state/waitingForTask counts it
            thread.finished += 1  // /processor/finished sums it
        }
        #expect(registry.value(at: "/web/success") == .int(1))
        #expect(registry.value(at: "/web/byPath") == .intDict(["/about": 1]))
        guard case .pmf(let latency)? = registry.value(at: "/web/latency") else {
            Issue.record("no pmf at /web/latency")
            return
        }
        #expect(latency.count == 1)
        guard case .meter(let hits)? = registry.value(at: "/web/hits") else {
            Issue.record("no meter at /web/hits")
            return
        }
        #expect(hits.count == 1)
        #expect(registry.value(at: "/web/load") == .double(3))
        #expect(registry.value(at: "/web/version") == .string("1.4.2"))
        #expect(registry.value(at: "/handler/h1/requests") == .int(1))
        #expect(registry.value(at: "/processor/thread-0/state") == .string("waitingForTask"))
        #expect(registry.value(at: "/processor/state") == .intDict(["waitingForTask": 1]))
        #expect(registry.value(at: "/processor/finished") == .int(1))
        #expect(Registry.shared.snapshot(at: "/handler/h1") == nil)
    }

    @Test func intAssignmentAndAtomicAdds() {
        let web = WebStats(registry: Registry())
        web.errors.value = 5
        web.errors += 2
        web.errors -= 1
        #expect(web.errors.value == 6)
    }

    @Test func bindingTwiceGivesTheSameCells() {
        let registry = Registry()
        let first = WebStats(registry: registry)
        let second = WebStats(registry: registry)
        first.success += 2
        second.success += 3
        #expect(first.success.value == 5)
        first.version = "2.0"
        #expect(second.version == "2.0")
        let thread = ProcessorStats(registry: registry).thread(id: "7")
        thread.finished += 1
        #expect(ProcessorStats(registry: registry).thread(id: "7").finished.value == 1)
    }

    @Test func typedPathsAreAcceptedWhereTheRuntimeTakesPaths() throws {
        let registry = Registry()
        let web = WebStats(registry: registry)
        web.errors += 4
        #expect(WebStats.path == "/web")
        #expect(WebStats.Paths.errors == "/web/errors")
        #expect(HandlerStats.path.description == "/handler/{id}")
        #expect(HandlerStats.Paths.latency.description == "/handler/{id}/latency")
        #expect(ThreadStats.path.description == "/processor/thread-{id}")
        #expect(registry.value(at: WebStats.Paths.errors) == .int(4))
        _ = HandlerStats(id: "h2", registry: registry)
        #expect(registry.snapshot(at: HandlerStats.path.filling(id: "h2")) != nil)
        let thread = ProcessorStats(registry: registry).thread(id: "3")
        thread.finished += 2
        #expect(registry.value(at: ThreadStats.Paths.finished.filling(id: "3")) == .int(2))
        #expect(thread.collection.path == ThreadStats.path.filling(id: "3"))
    }

    @Test func removeLeavesTheTreeAndAggregatesBehaveAsScalesDoes() {
        let registry = Registry()
        let processor = ProcessorStats(registry: registry)
        let zero = processor.thread(id: "0")
        let one = processor.thread(id: "1")
        zero.state = "busy"
        one.state = "busy"
        zero.finished += 3
        one.finished += 4
        one.errors["timeout"] += 1
        #expect(registry.value(at: "/processor/state") == .intDict(["busy": 2]))
        one.remove()
        one.remove()  // idempotent
        #expect(registry.snapshot(at: "/processor/thread-1") == nil)
        #expect(registry.value(at: "/processor/state") == .intDict(["busy": 1]))  // histogram stops counting it
        #expect(registry.value(at: "/processor/finished") == .int(7))  // sum keeps what it counted
        #expect(registry.value(at: "/processor/errors") == .intDict(["timeout": 1]))
        #expect(processor.state.value == ["busy": 1])
        #expect(processor.finished.value == 7)
        #expect(processor.errors.value == ["timeout": 1])
        let again = processor.thread(id: "1")
        #expect(again.finished.value == 0)
        #expect(registry.value(at: "/processor/thread-1/finished") == .int(0))
        let handler = HandlerStats(id: "h1", registry: registry)
        handler.remove()
        #expect(registry.snapshot(at: "/handler/h1") == nil)
    }

    @Test func docsReachTheRuntime() {
        let registry = Registry()
        _ = WebStats(registry: registry)
        #expect(registry.doc(at: "/web") == "Request handling of the public site.")
        #expect(registry.doc(at: "/web/success") == "Requests answered with 2xx")
    }

    @Test func childrenAreCollapsed() {
        let registry = Registry()
        _ = ProcessorStats(registry: registry).thread(id: "0")
        guard case .container(let container)? = registry.snapshot(at: "/processor/thread-0")?.root else {
            Issue.record("no container at /processor/thread-0")
            return
        }
        #expect(container.collapsed)
        #expect(container.instance?.id == "0")
    }
}
