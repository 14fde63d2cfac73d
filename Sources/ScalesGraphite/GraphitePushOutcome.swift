/// What happened to one push.
public enum GraphitePushOutcome: Sendable, Equatable {
    /// All its lines were written to carbon's socket.
    case sent(lines: Int)
    /// Not written yet when the wait ended; it stays queued and is sent (or dropped and
    /// counted) later.
    case queued(lines: Int)
    /// Dropped: pushed out of a full queue by newer pushes, or the pusher was shut down.
    case dropped(lines: Int)
    /// No value passed the rules, so nothing was queued.
    case nothingToSend
}
