import Dispatch
import Scales
import ScalesTestKit
import Testing

@Suite struct PmfConcurrencyTests {
    /// USERS.md §3: two threads recording into one pmf lose no count, also while slices expire
    /// under them and a reader takes snapshots.
    @Test func twoThreadsLoseNoCountAcrossSliceChanges() throws {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency", window: .seconds(5))
        let perThread = 200_000
        // Threads, not tasks: the recorders really run at once (as under TSan in CI).
        DispatchQueue.concurrentPerform(iterations: 3) { thread in
            guard thread < 2 else {
                for _ in 0..<50 { _ = registry.snapshot() }
                return
            }
            for index in 0..<perThread {
                latency.record(Double(thread + 1) * 0.001)
                // Each thread moves the clock now and then: slices rotate under both.
                if index % 10_000 == 0 { clock.advance(by: .milliseconds(700)) }
            }
        }
        let figures = latency.figures
        #expect(figures.count == 2 * perThread)
        #expect(abs(figures.sum - Double(perThread) * 0.003) < 1e-6 * Double(perThread))
        // Only the last second-or-so of the 28 s the clock moved is in the 5 s window.
        #expect(figures.windowCount < figures.count)
    }

    @Test func timingsFromManyTasksAreAllCounted() async {
        let (registry, _) = Registry.forTesting()
        let byPath = registry.collection(at: "/web").pmfDict("byPath")
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for index in 0..<5_000 {
                        byPath[index % 2 == 0 ? "/" : "/task-\(task)"].time {}
                    }
                }
            }
        }
        let figures = byPath.figures
        #expect(figures["/"]?.count == 10_000)
        #expect((0..<4).allSatisfy { figures["/task-\($0)"]?.count == 2_500 })
    }
}
