import NIOCore
import NIOPosix
import Scales
import Synchronization
import Testing

@testable import ScalesGraphite

/// carbon's plaintext protocol has no acknowledgement: a push written to the socket may die
/// unread with carbon. The pusher counts what it can know: the last push on a connection that
/// carbon then reset is `unconfirmedLines`, beside `sentLines`.
@Suite("Unconfirmed pushes: carbon dies with our lines unread", .ownsItsRegistry)
struct GraphiteUnconfirmedTests {
    /// A listener on 127.0.0.1 that keeps its accepted connections and reads from them only if
    /// told to; `closeAll()` closes them (a reset when lines are still unread, as when carbon dies).
    final class HoldingListener: Sendable {
        let channel: any Channel
        final class Accepted: Sendable {
            let list = Mutex<[any Channel]>([])
            /// Lines (newlines) read from all connections.
            let lines = Atomic<Int>(0)
        }
        let accepted = Accepted()

        /// Counts the lines it reads.
        final class LineCounter: ChannelInboundHandler, Sendable {
            typealias InboundIn = ByteBuffer
            let accepted: Accepted
            init(_ accepted: Accepted) { self.accepted = accepted }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                let count = unwrapInboundIn(data).readableBytesView.lazy.filter { $0 == UInt8(ascii: "\n") }.count
                accepted.lines.wrappingAdd(count, ordering: .relaxed)
            }
        }

        init(reads: Bool) async throws {
            let accepted = self.accepted
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.autoRead, value: reads)
                .childChannelInitializer { channel in
                    accepted.list.withLock { $0.append(channel) }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(LineCounter(accepted))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        var connections: Int { accepted.list.withLock { $0.count } }
        var linesRead: Int { accepted.lines.load(ordering: .relaxed) }

        var port: Int { channel.localAddress?.port ?? 0 }

        func closeAll() async {
            for child in accepted.list.withLock({ $0 }) { try? await child.close() }
        }

        func close() async {
            await closeAll()
            try? await channel.close()
        }
    }

    func makePusher(port: Int) -> (GraphitePusher, Registry) {
        let registry = Registry()
        let app = registry.collection(at: "/app")
        for index in 0..<5 { app.int("value\(index)").value = index }
        let pusher = GraphitePusher(
            host: "127.0.0.1", port: port, prefix: "", registry: registry, configuration: fastConfiguration())
        pusher.allow("app/*")
        return (pusher, registry)
    }

    /// Waits until `condition` holds. The bound (30 s) is only a hang guard: nothing here claims
    /// a time, and with the whole suite on two cores (a million-value accuracy run beside it)
    /// the event loops that notice carbon's close were seen to wait 7 s for a core.
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<1500 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test func aPushCarbonResetsUnreadIsCountedUnconfirmed() async throws {
        let listener = try await HoldingListener(reads: false)
        let (pusher, registry) = makePusher(port: listener.port)
        // Written to the socket in full: counted as sent (that is all the protocol tells).
        #expect(await pusher.push(timeout: .seconds(5)) == .sent(lines: 5))
        #expect(pusher.statistics.sentLines == 5)
        #expect(pusher.statistics.unconfirmedLines == 0)
        // carbon dies with the lines unread: its kernel answers with a reset.
        #expect(try await eventually { listener.connections == 1 })
        await listener.closeAll()
        #expect(try await eventually { pusher.statistics.unconfirmedLines == 5 }, "\(pusher.statistics)")
        #expect(!pusher.statistics.connected)
        // The counter is a stat of the registry, with the pusher's others.
        let node = registry.snapshot(at: "/scales/graphite/unconfirmedLines")?.root
        guard case .stat(let stat) = node else {
            Issue.record("no /scales/graphite/unconfirmedLines in the tree")
            return
        }
        #expect(stat.value == .counter(5))
        await pusher.shutdown(timeout: .milliseconds(200))
        await listener.close()
    }

    @Test func aPushCarbonReadBeforeClosingIsNotUnconfirmed() async throws {
        let listener = try await HoldingListener(reads: true)
        let (pusher, _) = makePusher(port: listener.port)
        #expect(await pusher.push(timeout: .seconds(5)) == .sent(lines: 5))
        // carbon read everything, then closed in order (a restart): nothing is in doubt.
        #expect(try await eventually { listener.linesRead == 5 })
        await listener.closeAll()
        #expect(try await eventually { !pusher.statistics.connected }, "\(pusher.statistics)")
        #expect(pusher.statistics.unconfirmedLines == 0)
        #expect(pusher.statistics.sentLines == 5)
        await pusher.shutdown(timeout: .milliseconds(200))
        await listener.close()
    }
}
