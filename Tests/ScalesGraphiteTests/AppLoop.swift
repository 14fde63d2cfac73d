import Foundation
import Scales
import Synchronization

/// Stands in for the application: a thread that increments a stat as fast as it can and, every
/// `pushEvery`, calls into the pusher the way app code would. It records the longest time between
/// two consecutive iterations: a pusher that blocked its caller would show up there.
final class AppLoop: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let longestGap = Atomic<Int>(0)
    private let count = Atomic<Int>(0)

    /// Starts the thread.
    init(counter: IntStat, pushEvery: Duration, push: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            let clock = ContinuousClock()
            var last = clock.now
            var nextPush = last.advanced(by: pushEvery)
            while !self.stopFlag.load(ordering: .relaxed) {
                counter += 1
                self.count.wrappingAdd(1, ordering: .relaxed)
                let now = clock.now
                if now >= nextPush {
                    push()
                    nextPush = now.advanced(by: pushEvery)
                }
                let after = clock.now
                let gap = Int((after - last) / .nanoseconds(1))
                if gap > self.longestGap.load(ordering: .relaxed) { self.longestGap.store(gap, ordering: .relaxed) }
                last = after
            }
            self.finished.store(true, ordering: .releasing)
        }
        thread.start()
    }

    /// Stops the thread and waits (at most 5 s) for it to end.
    func stop() async {
        stopFlag.store(true, ordering: .relaxed)
        for _ in 0..<500 where !finished.load(ordering: .acquiring) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The longest pause between two iterations, including the pusher calls.
    var maxGap: Duration { .nanoseconds(longestGap.load(ordering: .relaxed)) }
    /// Iterations so far.
    var iterations: Int { count.load(ordering: .relaxed) }
    /// Whether the thread has ended.
    var hasFinished: Bool { finished.load(ordering: .acquiring) }
}
