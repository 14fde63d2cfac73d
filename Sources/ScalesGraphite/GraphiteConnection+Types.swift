// The small types GraphiteConnection uses: why a connection was given up, a push waiting to be
// written, the handler that tells a reset from an orderly close, and Duration → TimeAmount.

import NIOCore

/// Why a connection was given up; shown in `lastError`.
enum GraphiteConnectionError: Error, CustomStringConvertible {
    case writeTimedOut(Duration)
    case closedByPeer
    case shutDown

    var description: String {
        switch self {
        case .writeTimedOut(let timeout): return "write made no progress for \(timeout) (peer not reading)"
        case .closedByPeer: return "connection closed by carbon during a write"
        case .shutDown: return "pusher shut down"
        }
    }
}

/// One push waiting to be written: its lines, already encoded.
struct PendingPush: Sendable {
    let id: Int
    let bytes: ByteBuffer
    let lines: Int
}

/// Records whether a connection to carbon saw an error (a reset, read as `ECONNRESET`) before
/// it closed; an orderly close (carbon read everything and closed) leaves `failed` false.
final class CloseObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private(set) var failed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // carbon sends nothing; whatever comes is dropped.
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed = true
        context.close(promise: nil)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let parts = duration.components
        let nanoseconds = parts.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if nanoseconds.overflow {
            self = .nanoseconds(Int64.max)
        } else {
            self = .nanoseconds(
                nanoseconds.partialValue.addingReportingOverflow(parts.attoseconds / 1_000_000_000).partialValue)
        }
    }
}
