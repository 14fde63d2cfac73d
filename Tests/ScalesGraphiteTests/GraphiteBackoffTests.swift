import Logging
import Scales
import Synchronization
import Testing

@testable import ScalesGraphite

/// Time-stamps what a connection does, through the configuration's test-only probe: every
/// connection attempt, and every backoff drawn after a failure.
final class ScheduleRecorder: Sendable {
    enum Event: Sendable {
        case connecting(ContinuousClock.Instant)
        case backingOff(ContinuousClock.Instant, failures: Int, delay: Duration)
    }

    private let recorded = Mutex<[Event]>([])

    var events: [Event] { recorded.withLock { $0 } }

    var probe: GraphiteConnectionProbe {
        GraphiteConnectionProbe(
            connecting: { [self] in
                let now = ContinuousClock.now
                recorded.withLock { $0.append(.connecting(now)) }
            },
            backingOff: { [self] failures, delay in
                let now = ContinuousClock.now
                recorded.withLock { $0.append(.backingOff(now, failures: failures, delay: delay)) }
            })
    }

    /// One retry: the backoff drawn after a failure, and when the next connection attempt came.
    struct Retry {
        let failures: Int
        let delay: Duration
        let failedAt: ContinuousClock.Instant
        let nextAttemptAt: ContinuousClock.Instant?
        /// The time actually waited between the failure and the next attempt.
        var waited: Duration? { nextAttemptAt.map { $0 - failedAt } }
    }

    /// The backoffs recorded from event `start` on, each with the attempt that followed it.
    func retries(from start: Int = 0) -> [Retry] {
        let events = Array(self.events.dropFirst(start))
        var retries: [Retry] = []
        for (index, event) in events.enumerated() {
            guard case .backingOff(let at, let failures, let delay) = event else { continue }
            let next = events[(index + 1)...].lazy.compactMap { event -> ContinuousClock.Instant? in
                if case .connecting(let at) = event { return at }
                return nil
            }.first
            retries.append(Retry(failures: failures, delay: delay, failedAt: at, nextAttemptAt: next))
        }
        return retries
    }

    /// Waits (polling, at most `timeout`: a hang guard) until `count` backoffs were recorded
    /// from event `start` on and each has been followed by an attempt.
    func waitForRetries(_ count: Int, from start: Int = 0, timeout: Duration = .seconds(15)) async throws -> [Retry] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            // Looked at once more after the deadline: a task kept waiting past it (a loaded
            // machine) finds what was recorded meanwhile.
            let retries = retries(from: start)
            if retries.count >= count, retries.prefix(count).allSatisfy({ $0.nextAttemptAt != nil }) {
                return Array(retries.prefix(count))
            }
            if ContinuousClock.now >= deadline { return retries }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// The schedule GraphiteConnection documents: after the n-th consecutive failure it waits
/// `min(maxBackoff, initialBackoff * 2^(n-1))` times a random factor in 0.5...1.
func nominalBackoff(after failures: Int, initial: Duration, cap: Duration) -> Duration {
    min(cap, initial * (1 << min(failures - 1, 30)))
}

/// How many failures can have happened `elapsed` after the first, at the fastest the schedule
/// allows (every jitter factor at its smallest, 0.5; the attempts themselves taking no time).
func maximumFailures(within elapsed: Duration, initial: Duration, cap: Duration) -> Int {
    var failures = 0
    var earliest = Duration.zero
    while earliest <= elapsed {
        failures += 1
        earliest += nominalBackoff(after: failures, initial: initial, cap: cap) / 2
    }
    return failures
}

extension Duration {
    var inMilliseconds: Double { Double(components.seconds) * 1e3 + Double(components.attoseconds) / 1e15 }
}

@Suite("Backoff: growth, cap, jitter and reset, measured", .ownsItsRegistry)
struct GraphiteBackoffTests {
    /// A timer never fires early, but on this busy 2-core VM (and with other suites running in
    /// parallel) the event loop may run it late: allow that much lateness above a drawn delay.
    static let lateness = Duration.milliseconds(250)

    @Test func backoffDoublesToItsCapWithJitterAndStartsOverAfterASuccess() async throws {
        let refusing = try LocalPort.refusing()
        let recorder = ScheduleRecorder()
        let registry = Registry()
        registry.collection(at: "/app").int("x").value = 1
        let initial = Duration.milliseconds(40)
        let cap = Duration.milliseconds(320)
        var configuration = fastConfiguration(maxPending: 3)
        configuration.initialBackoff = initial
        configuration.maxBackoff = cap
        configuration.connectTimeout = .milliseconds(200)
        configuration.probe = recorder.probe
        let capture = LogCapture()
        let pusher = GraphitePusher(
            host: "127.0.0.1", port: refusing.port, prefix: "", registry: registry, configuration: configuration,
            logger: capture.logger)
        pusher.allow("app/*")
        pusher.enqueuePush()

        // Growth 40 → 80 → 160 → 320 ms, then five retries at the cap: at most ~2.2 s.
        let count = 9
        let retries = try await recorder.waitForRetries(count)
        try #require(retries.count == count, "only \(retries.count) retries recorded (hang guard)")
        let waited = retries.compactMap(\.waited)
        print(
            "backoff: drawn \(retries.map { Int($0.delay.inMilliseconds) }) ms; waited \(waited.map { Int($0.inMilliseconds) }) ms"
        )

        for (index, retry) in retries.enumerated() {
            let nominal = nominalBackoff(after: index + 1, initial: initial, cap: cap)
            // One failure counted per attempt, consecutively (a double count would skip a step).
            #expect(retry.failures == index + 1)
            // The drawn delay lies in [nominal / 2, nominal]: a backoff that never grows fails
            // from the third retry on (≤ 40 ms where ≥ 80 ms is due); one without a cap fails at
            // the fifth (≥ 320 ms drawn from [320, 640] ms, almost surely above 320 ms, and
            // surely so over five capped retries); one without jitter below ⇒ see further down.
            #expect(retry.delay >= nominal / 2 - .nanoseconds(1), "retry \(index + 1): \(retry.delay) < \(nominal / 2)")
            #expect(retry.delay <= nominal, "retry \(index + 1): \(retry.delay) > \(nominal)")
            #expect(retry.delay <= cap)
            // The delay is really waited: measured from the failure to the next connection
            // attempt, never shorter (a timer never fires early; 1 ms for clock granularity),
            // and not much longer. A retry that ignored the drawn delay (e.g. always waited
            // `initialBackoff`) fails the lower bound once the delays have grown.
            if let waited = retry.waited {
                #expect(
                    waited >= retry.delay - .milliseconds(1),
                    "retry \(index + 1) came after \(waited), drawn \(retry.delay)")
                #expect(
                    waited <= retry.delay + Self.lateness,
                    "retry \(index + 1) came after \(waited), drawn \(retry.delay)")
                // Independent of what the probe reports: the time measured between attempts
                // grows to at least half the nominal delay (160 ms by the fourth retry, from 40).
                #expect(waited >= nominal / 2 - .milliseconds(1))
            }
        }
        // Jitter varies the delays: at the cap the nominal delay is the same 320 ms five times;
        // without jitter (or with a factor that is not random) the five draws would be equal.
        let capped = retries.dropFirst(4).map(\.delay)
        #expect(Set(capped).count > 1, "five capped delays all equal: \(capped)")
        // And the factor is spread over 0.5...1, not stuck at one end: over nine draws the
        // factors' range exceeds 0.05 (chance of failing with a uniform factor: about 1e-8).
        let factors = retries.enumerated().map { index, retry in
            retry.delay / nominalBackoff(after: index + 1, initial: initial, cap: cap)
        }
        #expect((factors.max() ?? 0) - (factors.min() ?? 0) > 0.05, "jitter factors \(factors)")

        // Now carbon answers (a listener with backlog 0): the next retry connects (the kernel
        // completes it; nothing is ever accepted) and the queued push is written.
        try #require(refusing.startListening(backlog: 0))
        #expect(await pusher.flush(timeout: .seconds(5)), "\(pusher.statistics)")
        #expect(pusher.statistics.sentLines == 1)
        // Then it goes away: the listener stops listening but stays bound, so no other socket can
        // take the port. The kernel resets every connection it had queued, and a connection the
        // pusher believes open without one (its handshake's last ACK dropped because another
        // connect had filled the one-place queue) is reset when it retransmits its unacknowledged
        // push. New connects are refused at once. (Accepting our connection and resetting it
        // instead depends on which connection the queue holds: a CI run under load reset another
        // one and left the pusher connected.)
        try #require(refusing.stopListening(), "shutdown of the listening socket failed")
        let clock = ContinuousClock()
        let disconnectDeadline = clock.now.advanced(by: .seconds(5))
        while pusher.statistics.connected, clock.now < disconnectDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(!pusher.statistics.connected, "the reset was not noticed (hang guard)")
        let mark = recorder.events.count
        pusher.enqueuePush()
        let after = try await recorder.waitForRetries(2, from: mark)
        try #require(after.count == 2, "no retries after the success (hang guard)")
        print(
            "backoff after a success: drawn \(after.map { Int($0.delay.inMilliseconds) }) ms; waited \(after.compactMap { $0.waited.map { Int($0.inMilliseconds) } }) ms"
        )
        // The count of consecutive failures started over: the first delay is drawn from
        // [20, 40] ms again, not from the cap's [160, 320] ms where the schedule had got to.
        #expect(pusher.statistics.lastError?.contains("refused") == true, "\(pusher.statistics)")
        #expect(after[0].failures == 1)
        #expect(after[0].delay >= initial / 2 - .nanoseconds(1) && after[0].delay <= initial, "\(after[0].delay)")
        #expect(after[1].failures == 2)
        #expect(after[1].delay >= initial - .nanoseconds(1) && after[1].delay <= initial * 2, "\(after[1].delay)")
        if let waited = after[0].waited { #expect(waited <= initial + Self.lateness, "\(waited)") }
        // One warning per outage, one notice at the recovery between them.
        #expect(capture.count(.warning) == 2, "\(capture.messages)")
        #expect(capture.count(.notice) == 1, "\(capture.messages)")
        await pusher.shutdown(timeout: .milliseconds(10))
    }
}
