import Logging
import NIOCore
import NIOPosix
import Scales
import Synchronization
import Testing

@testable import ScalesGraphite

#if canImport(Glibc)
import Glibc
#endif

/// Faults a real carbon cannot be made to produce on demand: a peer that accepts and then never
/// reads, and no peer at all.
@Suite("Faults: a peer that never reads, no peer", .ownsItsRegistry)
struct GraphiteFaultTests {
    /// A TCP listener on 127.0.0.1 that accepts connections and never reads from them, with a
    /// tiny receive buffer so the sender's writes stall quickly. Counts accepted connections.
    final class SilentListener: Sendable {
        let channel: any Channel
        final class Count: Sendable {
            let value = Atomic<Int>(0)
        }
        let accepted = Count()

        init() async throws {
            let accepted = self.accepted
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.socketOption(.so_rcvbuf), value: 4096)
                .childChannelOption(.autoRead, value: false)
                .childChannelInitializer { _ in
                    accepted.value.wrappingAdd(1, ordering: .relaxed)
                    return MultiThreadedEventLoopGroup.singleton.any().makeSucceededVoidFuture()
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        var port: Int { channel.localAddress?.port ?? 0 }

        func close() async {
            try? await channel.close()
        }
    }

    /// A port on 127.0.0.1 that refuses connections for as long as `body` runs: a socket is bound
    /// to it but never listens, so no other test (or carbon) can take the port meanwhile.
    func withRefusingPort(_ body: (Int) async throws -> Void) async throws {
        let refusing = try LocalPort.refusing()
        defer { refusing.close() }
        try await body(refusing.port)
    }

    /// Lateness allowed to the pusher's own timer for an awaited push (armed when the push
    /// reaches its event loop, measured there through the probe): the loop may run it late on
    /// this busy 2-core VM, where the app loop below spins one core and other suites (and other
    /// work on the machine) run beside it.
    static let pushSlack = Duration.milliseconds(400)
    /// The hang guard on what the caller sees. It is wider than the pusher's own bound: the
    /// caller's time also holds encoding the lines on its own task and the resumption of that
    /// task, and this machine was seen to deschedule threads for 0.7 s (the app loop's gap) and
    /// to return a 300 ms push to its caller after 1.23 s while a 300 ms sleep took 0.3 s.
    static let pushHangGuard = Duration.seconds(3)

    /// Awaits `push(snapshot, timeout:)` and, concurrently, a `Task.sleep(for: timeout)` for
    /// comparison (printed): how late this machine is running tasks right now.
    static func timedPush(
        _ pusher: GraphitePusher, _ snapshot: Snapshot, timeout: Duration
    ) async -> (outcome: GraphitePushOutcome, took: Duration, reference: Duration) {
        let clock = ContinuousClock()
        let started = clock.now
        async let reference: Duration = {
            try? await Task.sleep(for: timeout)
            return clock.now - started
        }()
        let outcome = await pusher.push(snapshot, timeout: timeout)
        let took = clock.now - started
        return (outcome, took, await reference)
    }

    /// The pusher's own timings of awaited pushes that its timeout ended.
    final class TimerWaits: Sendable {
        private let recorded = Mutex<[Duration]>([])
        func add(_ waited: Duration) { recorded.withLock { $0.append(waited) } }
        var waits: [Duration] { recorded.withLock { $0 } }
    }

    @Test(.timeLimit(.minutes(1)))  // the hang guard; the bounds are asserted below
    func peerThatNeverReadsTimesWritesOutAndTheAppGoesOn() async throws {
        let listener = try await SilentListener()
        let registry = Registry()
        let big = registry.collection(at: "/big")
        for index in 0..<2_000 { big.int("stat_number_\(index)").value = index }
        let ticks = registry.collection(at: "/app").int("ticks")
        var configuration = fastConfiguration(maxPending: 3)
        configuration.writeTimeout = .milliseconds(1_500)
        let timedOut = TimerWaits()
        configuration.probe = GraphiteConnectionProbe(pushTimedOut: { timedOut.add($0) })
        // Linux would otherwise buffer up to ~4 MB per connection before writes stall.
        configuration.sendBufferSize = 16 * 1024
        let capture = LogCapture()
        let pusher = GraphitePusher(
            host: "127.0.0.1", port: listener.port, prefix: "silent", registry: registry,
            configuration: configuration, logger: capture.logger)
        pusher.allow("*")

        // The app increments and queues a push every 500 ms; pushes of ~70 KB fill the socket
        // buffers of a peer that reads nothing at once. A pusher that wrote on its caller's
        // thread would stall this loop for the 1.5 s write timeout (scales': for ever).
        let loop = AppLoop(counter: ticks, pushEvery: .milliseconds(500)) { pusher.enqueuePush() }
        // An awaited push never waits longer than its timeout. The snapshot is taken before the
        // clock starts (the documented bound is the timeout plus the snapshot); the 2,000 lines
        // are still encoded inside the measured call.
        let clock = ContinuousClock()
        let timeout = Duration.milliseconds(300)
        var pushes: [(outcome: GraphitePushOutcome, took: Duration, reference: Duration)] = []
        let deadline = clock.now.advanced(by: .seconds(5))
        while clock.now < deadline {
            let snapshot = try #require(registry.snapshot())
            pushes.append(await Self.timedPush(pusher, snapshot, timeout: timeout))
        }
        await loop.stop()
        let outcomes = pushes.map(\.outcome)
        let stats = pusher.statistics
        print(
            "silent peer: app loop max gap \(loop.maxGap); awaited pushes took \(pushes.map { Int($0.took.inMilliseconds) }) ms, sleeps beside them \(pushes.map { Int($0.reference.inMilliseconds) }) ms; \(stats)"
        )

        #expect(loop.maxGap < .seconds(1), "the app loop stalled for \(loop.maxGap)")
        // What the push itself measures: each `.queued` outcome came from its own timer, which
        // fired no sooner than the timeout and at most `pushSlack` later. A push that waited
        // for the write timeout (1.5 s) or the connection instead would exceed it; one whose
        // timer was not armed would leave a `.queued` outcome without a report.
        let queued = pushes.filter { if case .queued = $0.outcome { return true } else { return false } }
        let timerWaits = timedOut.waits
        print("silent peer: the pusher's own timer waited \(timerWaits.map { Int($0.inMilliseconds) }) ms")
        #expect(timerWaits.count == queued.count, "\(timerWaits.count) timer reports for \(queued.count) queued pushes")
        for waited in timerWaits {
            #expect(waited >= timeout - .milliseconds(1), "the push's timer fired after \(waited)")
            #expect(waited <= timeout + Self.pushSlack, "push(timeout: 300 ms): its timer fired after \(waited)")
        }
        for push in pushes {
            // The hang guard on what the caller sees.
            #expect(push.took <= timeout + Self.pushHangGuard, "push(timeout: 300 ms) took \(push.took)")
            // A push that comes back `.queued` was ended by its timeout, not sooner: one that
            // gave up at once (or used a shorter timer) fails this.
            if case .queued = push.outcome {
                #expect(push.took >= timeout - .milliseconds(1), "queued after only \(push.took)")
            }
        }
        #expect(stats.failures >= 1, "\(stats)")
        #expect(stats.lastError?.contains("no progress") == true, "\(String(describing: stats.lastError))")
        #expect(stats.pendingPushes <= 4)
        #expect(stats.droppedPushes >= 1)
        #expect(outcomes.contains { if case .queued = $0 { return true } else { return false } })
        // Each timeout closed the connection and the retry opened a new one.
        #expect(listener.accepted.value.load(ordering: .relaxed) >= 2)
        #expect(stats.reconnects >= 1)
        #expect(capture.count(.warning) == 1, "\(capture.messages)")

        await pusher.shutdown(timeout: .milliseconds(200))
        let final = pusher.statistics
        #expect(final.pendingPushes == 0)
        #expect(!final.connected)
        await listener.close()
    }

    @Test func noPeerBacksOffBoundsTheQueueAndCountsDrops() async throws {
        try await withRefusingPort { port in
            let registry = Registry()
            registry.collection(at: "/app").int("x").value = 1
            var configuration = fastConfiguration(maxPending: 3)
            configuration.initialBackoff = .milliseconds(20)
            configuration.maxBackoff = .milliseconds(100)
            let recorder = ScheduleRecorder()
            configuration.probe = recorder.probe
            let capture = LogCapture()
            let pusher = GraphitePusher(
                host: "127.0.0.1", port: port, prefix: "", registry: registry, configuration: configuration,
                logger: capture.logger)
            pusher.allow("app/*")
            var lines = 0
            let clock = ContinuousClock()
            let started = clock.now
            for _ in 0..<10 { lines = pusher.enqueuePush() }
            #expect(lines == 1)
            try await Task.sleep(for: .seconds(1))
            let stats = pusher.statistics
            let elapsed = clock.now - started
            // Still retrying, but with backoff. The bound is derived from the schedule and the
            // time that really passed (the sleep may overrun on a loaded machine): with every
            // jitter factor at its smallest (0.5), failure k comes no sooner than
            // 10 + 20 + 40 + 50 + 50 … ms after the first, so about 22 fit in 1 s. A backoff that
            // never grows (10–20 ms) makes 50–100 a second; none at all, thousands.
            let allowed = maximumFailures(
                within: elapsed, initial: configuration.initialBackoff, cap: configuration.maxBackoff)
            let retries = recorder.retries()
            print(
                "no peer: \(stats.failures) failures in \(elapsed) (schedule allows \(allowed)); waited \(retries.compactMap { $0.waited.map { Int($0.inMilliseconds) } }) ms"
            )
            #expect(
                stats.failures >= 4 && stats.failures <= allowed,
                "\(stats.failures) failures in \(elapsed); allowed \(allowed)")
            // Each failure counted once: the probe saw failures 1, 2, 3 … in order.
            #expect(retries.map(\.failures) == Array(1...max(1, retries.count)))
            #expect(stats.pendingPushes == 3)
            #expect(stats.droppedPushes == 7)
            #expect(stats.droppedLines == 7)
            #expect(stats.sentLines == 0)
            #expect(
                capture.count(.warning) == 1, "one line for the first failure, not one per retry: \(capture.messages)")
            #expect(capture.total == 1)

            // An awaited push is bounded by its timeout and stays queued.
            let outcome = await pusher.push(timeout: .milliseconds(100))
            #expect(outcome == .queued(lines: 1))
            // Shutdown drops what is left and counts it.
            await pusher.shutdown(timeout: .milliseconds(100))
            let final = pusher.statistics
            #expect(final.pendingPushes == 0)
            #expect(final.droppedPushes == 11)
            #expect(await pusher.push(timeout: .seconds(1)) == .dropped(lines: 1))
        }
    }

    @Test func connectTimesOutWhenThePeerNeverAccepts() async throws {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect
        // neither succeeds nor fails, as with a host that went away.
        let hole = try await LocalPort.blackhole()
        defer { hole.close() }
        let registry = Registry()
        registry.collection(at: "/app").int("x").value = 1
        var configuration = fastConfiguration(maxPending: 2)
        configuration.connectTimeout = .milliseconds(300)
        let pusher = GraphitePusher(
            host: "127.0.0.1", port: hole.port, prefix: "", registry: registry,
            configuration: configuration, logger: LogCapture().logger)
        pusher.allow("app/*")
        let clock = ContinuousClock()
        // The bound is the library's; the awaiting task's resumption is the machine's (5.8 s
        // seen with two CI runs on two cores): up to three tries, each a push of its own.
        let (last, tries) = await timedTries(3) { attempt in
            let started = clock.now
            let outcome = await pusher.push(timeout: .seconds(1))
            let waited = clock.now - started
            #expect(outcome == .queued(lines: 1))
            if waited >= .seconds(2) { print("push(timeout: 1 s) took \(waited) on try \(attempt)") }
            return TimedTry(took: waited, bound: .seconds(2), value: ())
        }
        #expect(last.isWithinBound, "push(timeout: 1 s) took \(last.took) on each of \(tries) tries")
        try await Task.sleep(for: .milliseconds(500))
        let stats = pusher.statistics
        #expect(stats.failures >= 1, "\(stats)")
        #expect(stats.lastError?.contains("connect timed out") == true, "\(String(describing: stats.lastError))")
        #expect(stats.sentLines == 0)
        await pusher.shutdown(timeout: .milliseconds(10))
    }

    @Test func statsOfThePusherAreInItsRegistry() async throws {
        try await withRefusingPort { port in
            let registry = Registry()
            let pusher = GraphitePusher(
                host: "127.0.0.1", port: port, prefix: "", registry: registry,
                configuration: fastConfiguration(maxPending: 1),
                logger: LogCapture().logger)
            pusher.allow("*")
            pusher.enqueuePush()
            pusher.enqueuePush()
            try await Task.sleep(for: .milliseconds(300))
            let tree = try #require(registry.snapshot(at: "/scales/graphite"))
            guard case .container(let container) = tree.root else {
                Issue.record("no /scales/graphite collection")
                return
            }
            func value(_ name: String) -> StatValue? {
                if case .stat(let stat) = container.child(named: name) { return stat.value }
                return nil
            }
            #expect(value("droppedPushes") == .counter(1))
            #expect(value("pendingPushes") == .int(1))
            #expect(value("connected") == .bool(false))
            if case .counter(let failures) = value("failures") {
                #expect(failures >= 1)
            } else {
                Issue.record("failures")
            }
            if case .string(let error) = value("lastError") {
                #expect(error.contains("refused"))
            } else {
                Issue.record("lastError")
            }
            for name in ["sentLines", "droppedLines", "reconnects", "skippedNames"] {
                #expect(value(name) != nil, "\(name)")
            }
            await pusher.shutdown(timeout: .milliseconds(10))
        }
    }
}
