import Scales
import ScalesTestKit
import Testing

/// `nested.stats.yaml`: a templated parent with templated and fixed children, a grandchild
/// and aggregations over all of them.
@Suite struct NestedCollectionsTests {
    @Test func instancesLiveWhereTheirPatternsSay() {
        let registry = Registry()
        let queue = QueueStats(queue: "mail", registry: registry)
        let worker = queue.worker(worker: "2")
        let step = worker.step(step: "parse")
        let cache = queue.cache()
        queue.depth += 5
        step.seconds += 0.5
        cache.hits += 1
        #expect(queue.collection.path == QueueStats.path.filling(id: "mail"))
        #expect(worker.collection.path.description == "/queues/mail/worker-2")
        #expect(step.collection.path.description == "/queues/mail/worker-2/steps/parse")
        #expect(cache.collection.path.description == "/queues/mail/cache")
        #expect(registry.value(at: "/queues/mail/depth") == .int(5))
        #expect(registry.value(at: "/queues/mail/cache/hits") == .int(1))
        #expect(StepStats.Paths.seconds.description == "/queues/{queue}/worker-{worker}/steps/{step}/seconds")
    }

    @Test func aggregationsReachChildrenAndGrandchildren() {
        let registry = Registry()
        let queue = QueueStats(queue: "q", registry: registry)
        for id in ["1", "2", "3"] {
            let worker = queue.worker(worker: id)
            worker.done += 2
            worker.failures["timeout"] += 1
            worker.step(step: "a").seconds += 1.25
        }
        queue.worker(worker: "3").state = "busy"
        #expect(registry.value(at: "/queues/q/done") == .counter(6))  // a sum of monotonic ints is a counter
        #expect(registry.value(at: "/queues/q/workerStates") == .intDict(["idle": 2, "busy": 1]))
        #expect(registry.value(at: "/queues/q/failures") == .intDict(["timeout": 3]))
        #expect(registry.value(at: "/queues/q/slowest") == .double(3.75))
    }

    @Test func maxKeysBoundsInstances() {
        let registry = Registry()
        let queue = QueueStats(queue: "q", registry: registry)
        for id in 0..<10 {
            queue.worker(worker: String(id)).done += 1
        }
        #expect(registry.snapshot(at: "/queues/q/worker-7") != nil)
        #expect(registry.snapshot(at: "/queues/q/worker-8") == nil)
        #expect(registry.snapshot(at: "/queues/q/worker-_overflow") != nil)
        #expect(registry.health.overflowedKeys >= 2)
    }

    @Test func workersAreCollapsedAndCarryTheirTemplate() {
        let registry = Registry()
        _ = QueueStats(queue: "q", registry: registry).worker(worker: "1")
        guard case .container(let worker)? = registry.snapshot(at: "/queues/q/worker-1")?.root else {
            Issue.record("no worker container")
            return
        }
        #expect(worker.collapsed)
        #expect(worker.instance?.placeholder == "worker")
        #expect(worker.instance?.id == "1")
    }
}
