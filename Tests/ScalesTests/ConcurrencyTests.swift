import Dispatch
import Scales
import ScalesTestKit
import Testing

/// Updates are exact under concurrency: no increment is lost (also run under TSan by .ci/run).
@Suite struct ConcurrencyTests {
    static let perThread = 1_000_000

    @Test func twoThreadsIncrementingOneIntLoseNothing() {
        let registry = Registry()
        let stat = registry.collection(at: "/web").int("success")
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<Self.perThread { stat += 1 }
        }
        #expect(stat.value == 2 * Self.perThread)
        #expect(
            registry.snapshot(at: "/web/success")?.root == .stat(SnapshotStat(name: "success", value: .int(2_000_000))))
    }

    @Test func twoThreadsIncrementingOneIntDictKeyLoseNothing() {
        let registry = Registry()
        let dict = registry.collection(at: "/web").intDict("byPath")
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<Self.perThread { dict["/index.html"] += 1 }
        }
        #expect(dict.values == ["/index.html": 2 * Self.perThread])
    }

    @Test func countersAndDoublesAreExactToo() {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        let counter = web.counter("requests")
        let seconds = web.double("seconds")
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<100_000 {
                counter += 1
                seconds += 0.5
            }
        }
        #expect(counter.value == 200_000)
        #expect(seconds.value == 100_000)
    }

    @Test func bindingAndSnapshottingWhileUpdatingIsSafe() {
        let registry = Registry()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for i in 0..<2_000 {
                let handler = registry.collection(at: "/handler/{id}", id: String(i % 50))
                handler.int("requests") += 1
                if worker == 1, i % 100 == 0 { _ = registry.snapshot() }
                if i % 7 == 0 { handler.remove() }
            }
        }
        // The tree and the registry's own bookkeeping agree: every instance shown is on record
        // with its stat, and nothing removed is left on record.
        let template = StatPath.Segment.template(prefix: "", placeholder: "id", suffix: "")
        let shown =
            registry.snapshot(at: "/handler").map { snapshot -> Set<String> in
                guard case .container(let container) = snapshot.root else { return [] }
                return Set(container.children.map(\.name))
            } ?? []
        #expect(shown == registry.instanceIDs(under: "/handler", template: template))
        for id in shown {
            guard case .int(let requests)? = registry.value(at: StatPath(names: ["handler", id, "requests"])) else {
                Issue.record("instance \(id) without its stat")
                continue
            }
            #expect(requests >= 1)
        }
        // Everything can still be bound and removed: the tree ends with nothing but health.
        for id in 0..<50 { registry.collection(at: "/handler/{id}", id: String(id)).remove() }
        #expect(registry.snapshot(at: "/handler") == nil)
        #expect(registry.instanceIDs(under: "/handler", template: template).isEmpty)
    }
}
