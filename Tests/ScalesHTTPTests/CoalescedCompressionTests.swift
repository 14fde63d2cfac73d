import NIOCore
import NIOPosix
import Scales
import Testing

@testable import ScalesHTTP

/// Requests for the same page that arrive in one turn of the event loop share one render
/// (``RequestCoalescer``), but not across codings: a client that asked for gzip gets gzip, one
/// that did not gets the body as it is.
@Suite struct CoalescedCompressionTests {
    @Test func requestsInOneTurnGetTheirOwnCoding() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let coalescer = RequestCoalescer(handler: StatusHandler(registry: CompressionTests.registry()), eventLoop: loop)
        let plain = loop.makePromise(of: StatusResponse.self)
        let gzip = loop.makePromise(of: StatusResponse.self)
        let plainAgain = loop.makePromise(of: StatusResponse.self)
        loop.execute {
            coalescer.submit(StatusRequest(target: "/metrics")) { plain.succeed($0) }
            coalescer.submit(StatusRequest(target: "/metrics", headers: [("Accept-Encoding", "gzip")])) {
                gzip.succeed($0)
            }
            coalescer.submit(StatusRequest(target: "/metrics")) { plainAgain.succeed($0) }
        }
        let (first, second, third) = try await (
            plain.futureResult.get(), gzip.futureResult.get(), plainAgain.futureResult.get()
        )
        #expect(first.header("Content-Encoding") == nil)
        #expect(second.header("Content-Encoding") == "gzip")
        #expect(third.header("Content-Encoding") == nil)
        #expect(first.bodyBytes == third.bodyBytes)
    }
}
