import Scales
import Synchronization
import Testing

@testable import ScalesGraphite

/// A cell that counts how often it is read: every snapshot reads it once, so it counts the
/// periodic pusher's ticks without any network.
final class ReadCounter: StatCell, Sendable {
    let reads = Atomic<Int>(0)

    func read(_ health: HealthCounters) -> StatValue {
        .int(reads.wrappingAdd(1, ordering: .relaxed).newValue)
    }
}

/// The README's claims about the periodic pusher: "every 60 s" by default, and the clamp of
/// `init(pusher:period:flushTimeout:)` ("a period under 10 ms is raised to 10 ms"), and the
/// bound on `stop()` when carbon is down.
@Suite("Periodic pusher: its default period, the clamp and the stop bound", .ownsItsRegistry)
struct GraphitePeriodicTests {
    @Test func theDefaultPeriodIsSixtySecondsAndTheStopBoundOne() {
        let registry = Registry()
        let byHost = GraphitePeriodicPusher(host: "127.0.0.1", port: 1, prefix: "", registry: registry)
        #expect(byHost.period == .seconds(60))
        #expect(byHost.flushTimeout == .seconds(1))
        let wrapping = GraphitePeriodicPusher(
            pusher: GraphitePusher(host: "127.0.0.1", port: 1, prefix: "", registry: registry))
        #expect(wrapping.period == .seconds(60))
        #expect(wrapping.flushTimeout == .seconds(1))
        let configured = GraphitePeriodicPusher(
            host: "127.0.0.1", port: 1, prefix: "", flushTimeout: .milliseconds(250), registry: registry)
        #expect(configured.flushTimeout == .milliseconds(250))
    }

    // MARK: The stop bound (issue 16: with carbon refusing, `stop()` took 10 s)

    /// What a caller may see beyond the bound on this busy 2-core machine (task resumption,
    /// other suites running beside): the old behaviour (10 s) is far outside it.
    static let stopSlack = Duration.milliseconds(1500)

    /// How often a stop-bound scenario is tried before a slow stop counts as a failure.
    static let attempts = 3

    /// A registry with one line to send (`app.x`), and a pusher allowed to send it.
    static func oneLinePusher(port: Int, configuration: GraphiteConfiguration = GraphiteConfiguration())
        -> GraphitePusher
    {
        let registry = Registry()
        registry.collection(at: "/app").int("x").value = 1
        let pusher = GraphitePusher(
            host: "127.0.0.1", port: port, prefix: "", registry: registry, configuration: configuration,
            logger: LogCapture().logger)
        pusher.allow("app/*")
        return pusher
    }

    /// carbon refuses connections and the pusher is waiting out a long backoff (30 s) after the
    /// first failure: `stop()` attempts the final push at once (a second failure is counted,
    /// not a retry after the app has gone), drops and counts what it could not send, and
    /// returns within the default bound (1 s).
    @Test func stopReturnsWithinItsBoundWhenCarbonRefuses() async throws {
        // Up to three tries (see `timedTries`), each with a fresh pusher. The old behaviour
        // (10 s) fails every try.
        struct Outcome {
            var stats: GraphitePusherStatistics
            var failuresBefore: Int
        }
        let (last, tries) = try await timedTries(Self.attempts) { attempt in
            let refusing = try LocalPort.refusing()
            defer { refusing.close() }
            var configuration = GraphiteConfiguration()
            configuration.initialBackoff = .seconds(30)
            configuration.maxBackoff = .seconds(30)
            let pusher = Self.oneLinePusher(port: refusing.port, configuration: configuration)
            let periodic = GraphitePeriodicPusher(pusher: pusher)
            periodic.start()
            pusher.enqueuePush()
            let clock = ContinuousClock()
            let guardDeadline = clock.now.advanced(by: .seconds(10))
            while pusher.statistics.failures < 1, clock.now < guardDeadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            // (More than one if this task was kept waiting for a retry's 15–30 s: a loaded machine.)
            let failuresBefore = pusher.statistics.failures
            try #require(failuresBefore >= 1, "the first push never failed: \(pusher.statistics)")

            let started = clock.now
            await periodic.stop()
            let took = clock.now - started
            let stats = pusher.statistics
            print("stop with carbon refusing, try \(attempt): \(took); \(stats)")
            return TimedTry(
                took: took, bound: periodic.flushTimeout + Self.stopSlack,
                value: Outcome(stats: stats, failuresBefore: failuresBefore))
        }
        let stats = last.value.stats
        #expect(last.isWithinBound, "stop() took \(last.took) on each of \(tries) tries")
        #expect(
            stats.failures > last.value.failuresBefore, "the final push was not attempted within the bound: \(stats)")
        #expect(stats.sentLines == 0)
        #expect(stats.droppedPushes == 2, "the waiting push and the final one: \(stats)")
        #expect(stats.droppedLines == 2)
        #expect(stats.pendingPushes == 0)
    }

    /// Connects that are never answered (a listener whose accept queue is full: SYNs are
    /// dropped, as for a host that went away) outlast the bound (the connect timeout is 5 s):
    /// `stop()` returns after its bound, default or configured, with the final push counted as
    /// dropped.
    @Test(arguments: [nil, Duration.milliseconds(300)])
    func stopReturnsWithinItsBoundWhenConnectsGoUnanswered(bound: Duration?) async throws {
        let (last, tries) = try await timedTries(Self.attempts) { attempt in
            let hole = try await LocalPort.blackhole()
            defer { hole.close() }
            let pusher = Self.oneLinePusher(port: hole.port)
            #expect(pusher.configuration.connectTimeout > .seconds(1))
            let periodic =
                bound.map { GraphitePeriodicPusher(pusher: pusher, flushTimeout: $0) }
                ?? GraphitePeriodicPusher(pusher: pusher)
            periodic.start()
            let clock = ContinuousClock()
            let started = clock.now
            await periodic.stop()
            let took = clock.now - started
            let stats = pusher.statistics
            print("stop with connects unanswered, bound \(periodic.flushTimeout), try \(attempt): \(took); \(stats)")
            return TimedTry(
                took: took, bound: periodic.flushTimeout + Self.stopSlack, value: (stats, periodic.flushTimeout))
        }
        let (stats, flushTimeout) = last.value
        #expect(last.isWithinBound, "stop() took \(last.took) on each of \(tries) tries")
        // It did wait for the connect (the final push was attempted) rather than give up at once.
        #expect(last.took >= flushTimeout - .milliseconds(50), "stop() took only \(last.took)")
        #expect(stats.sentLines == 0)
        #expect(stats.droppedPushes == 1, "\(stats)")
        #expect(stats.droppedLines == 1)
        #expect(stats.pendingPushes == 0)
    }

    @Test(arguments: [
        // (asked, kept): under 10 ms is raised to 10 ms; 10 ms and more are kept as they are.
        (Duration.zero, Duration.milliseconds(10)),
        (.seconds(-1), .milliseconds(10)),
        (.nanoseconds(1), .milliseconds(10)),
        (.milliseconds(1), .milliseconds(10)),
        (.milliseconds(10) - .nanoseconds(1), .milliseconds(10)),
        (.milliseconds(10), .milliseconds(10)),
        (.milliseconds(10) + .nanoseconds(1), .milliseconds(10) + .nanoseconds(1)),
        (.milliseconds(250), .milliseconds(250)),
        (.seconds(3600), .seconds(3600)),
    ])
    func aPeriodUnderTenMillisecondsIsRaisedToTen(asked: Duration, kept: Duration) {
        let registry = Registry()
        let periodic = GraphitePeriodicPusher(
            pusher: GraphitePusher(host: "127.0.0.1", port: 1, prefix: "", registry: registry), period: asked)
        #expect(periodic.period == kept)
        let byHost = GraphitePeriodicPusher(host: "127.0.0.1", port: 1, prefix: "", period: asked, registry: registry)
        #expect(byHost.period == kept)
    }

    /// The clamped period is the one the loop runs at: asked for zero, it ticks every 10 ms.
    /// The k-th tick sleeps until k periods after the start (the schedule is absolute and never
    /// catches up in bursts), so after `elapsed` there are at most `elapsed / 10 ms` ticks: a loop
    /// that ran the unclamped zero period would spin (thousands), one clamped to 1 ms would
    /// exceed it about tenfold.
    ///
    /// The lower side is measured against a control: a task beside it that sleeps 10 ms at a
    /// time on the same schedule. With the full `swift test` running, this machine has run no
    /// tick at all for 3 s and 8 in 15 s, so no fixed deadline tells a 10 ms period from a slow
    /// machine; but the pusher reaches 20 ticks within twice the control's time for 20 (plus
    /// 1 s), where one that ignored the period (the 60 s default) or clamped to a second (20 s
    /// for 20) falls behind, unless the machine stalls both for most of a second per tick.
    @Test func theLoopRunsAtTheClampedPeriod() async throws {
        let registry = Registry()
        let counter = ReadCounter()
        _ = registry.collection(at: "/app").bind("ticks", doc: nil) { _ in counter }
        // No rule allows anything: each tick takes a snapshot (one read) and sends nothing.
        let pusher = GraphitePusher(host: "127.0.0.1", port: 1, prefix: "", registry: registry)
        let periodic = GraphitePeriodicPusher(pusher: pusher, period: .zero)
        let clock = ContinuousClock()
        let started = clock.now
        let guardDeadline = started.advanced(by: .seconds(60))
        periodic.start()
        let control = Task {
            var next = started
            for _ in 0..<20 {
                next = next.advanced(by: .milliseconds(10))
                try? await Task.sleep(until: next, clock: clock)
                if next < clock.now { next = clock.now }
            }
            return clock.now - started
        }
        var ticks = 0
        var elapsed = Duration.zero
        while ticks < 20, clock.now < guardDeadline {
            try await Task.sleep(for: .milliseconds(20))
            ticks = counter.reads.load(ordering: .relaxed)
            elapsed = clock.now - started
            // Checked at every look, not only at the end: the bound holds at all times.
            #expect(ticks <= Int(elapsed / .milliseconds(10)), "\(ticks) ticks in \(elapsed)")
        }
        let controlTook = await control.value
        print(
            "periodic, period .zero (raised to 10 ms): \(ticks) ticks in \(elapsed); the control's 20 sleeps took \(controlTook)"
        )
        #expect(ticks >= 20, "only \(ticks) ticks in \(elapsed) (hang guard)")
        #expect(elapsed <= controlTook * 2 + .seconds(1), "20 ticks took \(elapsed), 20 sleeps of 10 ms \(controlTook)")
        await periodic.stop()
    }

    /// With the default period nothing is pushed before a minute has passed: the first tick
    /// comes one period after the start.
    @Test func theDefaultPeriodDoesNotTickAtOnce() async throws {
        let registry = Registry()
        let counter = ReadCounter()
        _ = registry.collection(at: "/app").bind("ticks", doc: nil) { _ in counter }
        let periodic = GraphitePeriodicPusher(
            pusher: GraphitePusher(host: "127.0.0.1", port: 1, prefix: "", registry: registry))
        periodic.start()
        try await Task.sleep(for: .milliseconds(300))
        #expect(counter.reads.load(ordering: .relaxed) == 0)
        await periodic.stop()
    }
}
