import Scales

/// A pusher's counters at one instant; the same figures are stats in its registry (under
/// ``GraphiteConfiguration/statsPath``, `/scales/graphite` by default), so the status page and
/// Graphite itself show them.
///
/// ```swift
/// let stats = pusher.statistics
/// if stats.droppedLines > 0 { print("lost \(stats.droppedLines) lines, last error: \(stats.lastError ?? "-")") }
/// ```
public struct GraphitePusherStatistics: Sendable, Equatable {
    /// Lines written to carbon's socket in full. carbon's plaintext protocol has no
    /// acknowledgement: written is all a sender can know (see ``unconfirmedLines``).
    public var sentLines: Int
    /// Lines counted in ``sentLines`` that may never have landed: the push last written on a
    /// connection that carbon then reset (it closed with bytes of ours still unread, as when it
    /// dies or is killed). Earlier pushes on that connection are not counted, so this is a
    /// lower bound.
    public var unconfirmedLines: Int
    /// Lines of pushes dropped: pushed out of a full queue, or still queued at shutdown.
    public var droppedLines: Int
    /// Pushes dropped (each counts all its lines in ``droppedLines``).
    public var droppedPushes: Int
    /// Connections made after the first one (after a failure or after carbon closed the connection).
    public var reconnects: Int
    /// Failed connection attempts and failed or timed-out writes.
    public var failures: Int
    /// Values not sent because a name was too long (see ``GraphiteNaming/maxSegmentBytes``).
    public var skippedNames: Int
    /// Pushes waiting, including one being written.
    public var pendingPushes: Int
    /// Whether a connection to carbon is open now.
    public var connected: Bool
    /// The most recent failure, or `nil` if none happened yet.
    public var lastError: String?
}

/// The cells behind ``GraphitePusherStatistics``, bound in the pusher's registry.
final class GraphiteCounters: Sendable {
    let sentLines: CounterStat
    let unconfirmedLines: CounterStat
    let droppedLines: CounterStat
    let droppedPushes: CounterStat
    let reconnects: CounterStat
    let failures: CounterStat
    let skippedNames: CounterStat
    let pendingPushes: IntStat
    let connected: BoolStat
    let lastError: StringStat

    init(registry: Registry, path: StatPath?) {
        if let path {
            let stats = registry.collection(at: path, doc: "The Graphite pusher's own counters")
            sentLines = stats.counter("sentLines", doc: "Lines written to carbon in full")
            unconfirmedLines = stats.counter(
                "unconfirmedLines", doc: "Sent lines of the last push on a connection carbon then reset (maybe lost)")
            droppedLines = stats.counter("droppedLines", doc: "Lines of dropped pushes (queue full, or shutdown)")
            droppedPushes = stats.counter("droppedPushes", doc: "Pushes dropped")
            reconnects = stats.counter("reconnects", doc: "Connections made after the first")
            failures = stats.counter("failures", doc: "Failed connects and failed or timed-out writes")
            skippedNames = stats.counter("skippedNames", doc: "Values not sent because a name was too long")
            pendingPushes = stats.int("pendingPushes", doc: "Pushes waiting to be written")
            connected = stats.bool("connected", doc: "Whether a connection to carbon is open")
            lastError = stats.string("lastError", doc: "The most recent failure")
        } else {
            sentLines = CounterStat()
            unconfirmedLines = CounterStat()
            droppedLines = CounterStat()
            droppedPushes = CounterStat()
            reconnects = CounterStat()
            failures = CounterStat()
            skippedNames = CounterStat()
            pendingPushes = IntStat()
            connected = BoolStat(false)
            lastError = StringStat("")
        }
    }

    var statistics: GraphitePusherStatistics {
        let error = lastError.value
        return GraphitePusherStatistics(
            sentLines: sentLines.value, unconfirmedLines: unconfirmedLines.value, droppedLines: droppedLines.value,
            droppedPushes: droppedPushes.value,
            reconnects: reconnects.value, failures: failures.value, skippedNames: skippedNames.value,
            pendingPushes: pendingPushes.value, connected: connected.value, lastError: error.isEmpty ? nil : error)
    }
}
