import NIOCore
import NIOPosix
import ScalesHTTP
import ScalesTestSupport

/// How much later than its deadline the server may close a connection in the timing tests, in
/// seconds.
///
/// A deadline is a timer on the server's event loop; once it is due, the loop thread has to get
/// a core to close the socket, and the test's watching thread (asleep in `poll`) has to get one
/// to see it. The timing tests run their server on an event loop of their own, so no other
/// test's rendering sits in front of the timer, and the other suites' CPU-heavy work runs at
/// SCHED_IDLE, so it cannot hold a core against these threads. What remains is ordinary
/// scheduling delay on a busy 2-core VM: milliseconds, tens at worst. One second is tens of
/// times that, yet small next to the deadlines the tests tell apart (a head timeout of 0.4 or
/// 0.5 s against a request timeout of 2 s or 60 s, a default of 10 s), so a server that
/// ignored the configured timeout cannot pass.
///
/// Known cause of late closes that is not scheduling: NIO accepts connections without
/// `SOCK_CLOEXEC`, so a child process spawned while a connection is open (the Graphite suites
/// spawn carbon and the example binary) inherits the server's descriptor, and the server's close
/// sends nothing until that child exits. In a full `swift test` run the closes then arrive
/// together, seconds late. That is a server bug (a deadline that does not close the connection),
/// not noise to be absorbed by a wider slack.
let deadlineSlack = 1.0

/// Whether a close `elapsed` seconds after a deadline's start came on time: not before
/// `deadline`, and less than ``deadlineSlack`` after it.
func closedOnTime(_ elapsed: Double, deadline: Double) -> Bool {
    elapsed >= deadline && elapsed < deadline + deadlineSlack
}

/// Seconds from `start` to `end`; infinity when `end` is `nil` (the connection never closed).
func seconds(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant?) -> Double {
    guard let end else { return .infinity }
    let (whole, attoseconds) = (end - start).components
    return Double(whole) + Double(attoseconds) * 1e-18
}

/// Runs `body` with a one-thread event loop group of its own, shut down afterwards: for the
/// timing tests, so that no other test's work on the shared loops delays their timers.
func withOwnEventLoop<T>(_ body: (MultiThreadedEventLoopGroup) async throws -> T) async throws -> T {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    do {
        let result = try await body(group)
        try await group.shutdownGracefully()
        return result
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
}

/// Runs `body` with the port of a server of `everyKindRegistry()` whose head and request
/// deadlines are `head` and `request`, on an event loop of its own: the timing tests' server.
func withDeadlineServer<T: Sendable>(
    head: Duration, request: Duration, _ body: (Int) async throws -> T
) async throws -> T {
    try await withOwnEventLoop { group in
        try await withServer(
            everyKindRegistry(),
            configure: {
                $0.requestHeadTimeout = head
                $0.requestTimeout = request
                $0.eventLoopGroup = group
            }
        ) { _, port in try await body(port) }
    }
}
