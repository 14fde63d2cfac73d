import Dispatch
import Foundation
import Synchronization

/// Runs `body(0)` on the calling thread and `body(1)` on a thread of its own, released together
/// (a spin barrier) and joined: the two-thread runner of the benchmarks and of ContentionCheck.
///
/// Dispatch's `concurrentPerform` ran both halves on the calling thread in some runs of this
/// 2-core VM (its worker came late or not at all): two threads "on separate cache lines" then
/// took one thread's time, and every 2-thread row measured one thread.
public func onTwoThreads(_ body: @escaping @Sendable (Int) -> Void) {
    let start = StartLine()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        start.ready.wrappingAdd(1, ordering: .releasing)
        while !start.go.load(ordering: .acquiring) {}
        body(1)
        done.signal()
    }
    thread.start()
    while start.ready.load(ordering: .acquiring) < 1 {}
    start.go.store(true, ordering: .releasing)
    body(0)
    done.wait()
}

/// The spin barrier of ``onTwoThreads(_:)``.
final class StartLine: Sendable {
    let ready = Atomic<Int>(0)
    let go = Atomic<Bool>(false)
}
