import Scales
import Synchronization

/// Simulated traffic for the example server, so every stat on the status page moves: requests
/// spread over three handlers and a pool of background threads taking jobs.
///
/// Everything goes through the types generated from `stats.yaml` (``WebStats``,
/// ``HandlerStats``, ``ProcessorStats``, ``ThreadStats``).
///
/// - Parameters:
///   - registry: Where the stats are bound.
///   - interval: The pause between two simulated requests.
/// - Returns: The running loop; cancel it to stop.
func startWorkload(registry: Registry, interval: Duration = .milliseconds(20)) -> Task<Void, Never> {
    let web = WebStats(registry: registry)
    let handlers = ["home", "search", "api"].map { HandlerStats(id: $0, registry: registry) }
    let processor = ProcessorStats(registry: registry)
    let threads = (0..<4).map { processor.thread(id: String($0)) }
    let inFlight = InFlightCounter()
    web.load.bind { inFlight.count.load(ordering: .relaxed) }

    return Task {
        let paths = ["/", "/search", "/about", "/api/items", "/api/items/42", "/missing"]
        var round = 0
        while !Task.isCancelled {
            round += 1
            let path = paths[Int.random(in: 0..<paths.count)]
            let handler = handlers[round % handlers.count]
            web.hits.mark()
            web.byPath[path] += 1
            handler.requests += 1
            handler.byPath[path] += 1
            inFlight.count.add(1, ordering: .relaxed)
            let work = Duration.microseconds(Int.random(in: 200...3_000))
            let finished: Bool = await web.latency.time {
                await handler.latency.time {
                    (try? await Task.sleep(for: work)) != nil
                }
            }
            inFlight.count.subtract(1, ordering: .relaxed)
            if !finished { break }
            if path == "/missing" || Int.random(in: 0..<50) == 0 { web.errors += 1 } else { web.success += 1 }

            // One thread changes state each round; a thread that was working finishes its job.
            let thread = threads[round % threads.count]
            if thread.state == "performingTask" {
                thread.finished += 1
                if Int.random(in: 0..<10) == 0 {
                    thread.errors[Bool.random() ? "timeout" : "badInput"] += 1
                }
                thread.state = "waitingForTask"
            } else {
                thread.state = "performingTask"
            }
            if (try? await Task.sleep(for: interval)) == nil { break }
        }
    }
}

/// Requests being handled right now, read by the `load` gauge.
final class InFlightCounter: Sendable {
    let count = Atomic<Int>(0)
}
