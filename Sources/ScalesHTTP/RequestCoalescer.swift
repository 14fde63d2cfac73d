import NIOCore

/// Lets requests for the same page that arrive on one event loop in the same turn share one
/// answer.
///
/// A complete request is not answered at once: it waits for the end of the event loop's
/// current turn (the rest of the sockets that were ready), then every waiting request is
/// answered, rendering each distinct target once. The render starts after every request it
/// answers had arrived, so nobody gets a value older than their request — the same guarantee
/// as answering each on its own, for one render instead of several when dashboards and
/// scrapers poll at once.
final class RequestCoalescer: Sendable {
    typealias Answer = (StatusResponse) -> Void

    private struct Waiting {
        var request: StatusRequest
        var answer: Answer
    }

    let handler: StatusHandler
    private let eventLoop: any EventLoop
    /// Only touched on `eventLoop` (`nil` until the first request: made off the loop, the box
    /// can only start empty).
    private let waiting: NIOLoopBoundBox<[Waiting]?>

    init(handler: StatusHandler, eventLoop: any EventLoop) {
        self.handler = handler
        self.eventLoop = eventLoop
        self.waiting = NIOLoopBoundBox.makeEmptyBox(valueType: [Waiting].self, eventLoop: eventLoop)
    }

    /// Answers `request` at the end of this turn of the event loop. Call on the event loop.
    func submit(_ request: StatusRequest, answer: @escaping Answer) {
        var pending = waiting.value ?? []
        waiting.value = nil  // so that the append below does not copy the array
        pending.append(Waiting(request: request, answer: answer))
        waiting.value = pending
        guard pending.count == 1 else { return }
        // Tasks run after the I/O of the turn: requests read after this one join the batch.
        eventLoop.assumeIsolated().execute { self.answerAll() }
    }

    private func answerAll() {
        let batch = waiting.value ?? []
        waiting.value = nil
        guard batch.count > 1 else {
            for waiting in batch { waiting.answer(handler.handle(waiting.request)) }
            return
        }
        var answered: [String: StatusResponse] = [:]
        for waiting in batch {
            // Accept and Accept-Encoding are part of the page asked for (format and gzip).
            let key =
                waiting.request.method + " " + waiting.request.target + "\n"
                + (waiting.request.headerList("Accept") ?? "")
                + "\n" + (waiting.request.headerList("Accept-Encoding") ?? "")
            if let response = answered[key] {
                waiting.answer(response)
            } else {
                let response = handler.handle(waiting.request)
                answered[key] = response
                waiting.answer(response)
            }
        }
    }
}

/// One ``RequestCoalescer`` per event loop of a group.
struct RequestCoalescers: Sendable {
    private let byLoop: [ObjectIdentifier: RequestCoalescer]
    private let handler: StatusHandler

    init(group: any EventLoopGroup, handler: StatusHandler) {
        var byLoop: [ObjectIdentifier: RequestCoalescer] = [:]
        for loop in group.makeIterator() {
            byLoop[ObjectIdentifier(loop)] = RequestCoalescer(handler: handler, eventLoop: loop)
        }
        self.byLoop = byLoop
        self.handler = handler
    }

    /// The coalescer of `eventLoop` (a loop outside the group gets one of its own).
    func coalescer(for eventLoop: any EventLoop) -> RequestCoalescer {
        byLoop[ObjectIdentifier(eventLoop)] ?? RequestCoalescer(handler: handler, eventLoop: eventLoop)
    }
}
