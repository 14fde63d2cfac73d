import Logging
import Scales
import ServiceLifecycle
import Testing

@testable import ScalesGraphite

/// Settings that make failures and recoveries happen within a test's time.
func fastConfiguration(maxPending: Int = 10) -> GraphiteConfiguration {
    var configuration = GraphiteConfiguration()
    configuration.connectTimeout = .seconds(2)
    configuration.writeTimeout = .seconds(2)
    configuration.initialBackoff = .milliseconds(50)
    configuration.maxBackoff = .milliseconds(400)
    configuration.maxPendingPushes = maxPending
    return configuration
}

/// The example server's kind of tree: every kind that reaches Graphite.
func buildExampleTree(_ registry: Registry) {
    let web = registry.collection(at: "/web")
    web.int("errors").value = 3
    web.counter("requests").add(41)
    web.double("load").value = 0.7734375
    web.bool("healthy").value = true
    web.string("state").value = "serving"
    web.intDict("byPath")["/index.html"] += 2
    web.fixed("latency", .pmf(examplePmf))
    web.fixed("hits", .meter(exampleMeter))
    registry.collection(at: "/handler/{id}", id: "h1").int("requests").value = 5
}

@Suite("Against a real carbon-cache", .serialized, .ownsItsRegistry)
struct GraphiteCarbonTests {
    @Test func exampleTreeLandsInWhisperWithExactValues() async throws {
        try await CarbonPeer.with { carbon in
            let registry = Registry()
            buildExampleTree(registry)
            let pusher = GraphitePusher(
                host: "127.0.0.1", port: carbon.port, prefix: "scalestest", registry: registry,
                configuration: fastConfiguration())
            pusher.allow("*")
            let since = unixNow() - 2
            let snapshot = try #require(registry.snapshot())
            let outcome = await pusher.push(snapshot)
            // Written out here, not taken from the pusher's own rendering of the snapshot.
            let pmfFields = [
                "count", "min", "max", "mean", "stddev", "median", "75percentile", "95percentile",
                "98percentile", "99percentile", "999percentile",
            ]
            let pusherCounters = [
                "sentLines", "unconfirmedLines", "droppedLines", "droppedPushes", "reconnects",
                "failures", "skippedNames", "pendingPushes", "connected",
            ]
            let health = ["bindConflicts", "droppedValues", "nameCollisions", "overflowedKeys", "readFailures"]
            let names: [String] =
                [
                    "web.errors", "web.requests", "web.load", "web.healthy", "web.byPath._index-html",
                    "handler.h1.requests",
                ]
                + pmfFields.map { "web.latency." + $0 }
                + ["count", "m1", "m5", "m15", "mean"].map { "web.hits." + $0 }
                + pusherCounters.map { "scales.graphite." + $0 }
                + health.map { "scales.health." + $0 }
            let expectedNames = Set(names.map { "scalestest." + $0 })
            #expect(
                Set(pusher.plaintext(of: snapshot).split(separator: "\n").map { String($0.split(separator: " ")[0]) })
                    == expectedNames)
            #expect(outcome == .sent(lines: expectedNames.count))

            let points = await carbon.waitForPoints(since: since) { expectedNames.isSubset(of: Set($0.keys)) }
            let stored = points.filter { $0.key.hasPrefix("scalestest.") }
            #expect(Set(stored.keys) == expectedNames)
            let timestamp = Int(snapshot.timestamp)
            func value(_ name: String) -> Double? {
                points["scalestest." + name]?.first { $0.timestamp == timestamp }?.value
            }
            #expect(value("web.errors") == 3)
            #expect(value("web.requests") == 41)
            #expect(value("web.load") == 0.7734375)
            #expect(value("web.healthy") == 1)
            #expect(value("web.byPath._index-html") == 2)
            #expect(value("handler.h1.requests") == 5)
            #expect(value("web.latency.count") == 12)
            #expect(value("web.latency.min") == 0.01)
            #expect(value("web.latency.median") == 0.1)
            #expect(value("web.latency.stddev") == 0.0625)
            #expect(value("web.latency.75percentile") == 0.2)
            #expect(value("web.latency.999percentile") == 0.5)
            #expect(value("web.hits.count") == 7)
            #expect(value("web.hits.m1") == 0.25)
            #expect(value("web.hits.m5") == 0.125)
            #expect(value("web.hits.m15") == 0.0625)
            #expect(value("web.hits.mean") == 0.5)
            // the pusher's own counters are stats of the registry, so they are pushed too
            #expect(value("scales.graphite.sentLines") == 0)
            #expect(await carbon.problems() == [])
            await pusher.shutdown()
            #expect(pusher.statistics.sentLines == expectedNames.count)
            #expect(pusher.statistics.failures == 0)
        }
    }

    @Test func hostileNamesGiveValidLinesThatCarbonStores() async throws {
        try await CarbonPeer.with { carbon in
            let registry = Registry()
            let hostile = [
                "two words", "dotted.key", "slash/key", "new\nline", "carriage\rreturn", "tab\tkey", "été", "日本語",
                "emoji 🙂", "semi;colon=1", "nul\u{0}byte", "nbsp\u{A0}x", "sep\u{2028}x", "  padded  ", "[glob]*?",
            ]
            let dict = registry.collection(at: "/app").intDict("byKey")
            for (index, key) in hostile.enumerated() {
                dict[key].value = index + 1
                registry.collection(at: "/handler/{id}", id: key).int("requests").value = 100 + index
            }
            let pusher = GraphitePusher(
                host: "127.0.0.1", port: carbon.port, prefix: "hostile", registry: registry,
                configuration: fastConfiguration())
            pusher.allow("app/*")
            pusher.allow("handler/*")
            let since = unixNow() - 2
            let snapshot = try #require(registry.snapshot())
            let text = pusher.plaintext(of: snapshot)
            let sent = text.split(separator: "\n").map { line in
                let fields = line.split(separator: " ", omittingEmptySubsequences: false)
                return (name: String(fields[0]), value: Double(fields[1]) ?? .nan, fieldCount: fields.count)
            }
            #expect(sent.count == 2 * hostile.count)
            #expect(sent.allSatisfy { $0.fieldCount == 3 })
            #expect(await pusher.push(snapshot) == .sent(lines: sent.count))

            let names = Set(sent.map(\.name))
            let points = await carbon.waitForPoints(since: since) { names.isSubset(of: Set($0.keys)) }
            for line in sent {
                let stored = points[line.name]?.first { $0.timestamp == Int(snapshot.timestamp) }?.value
                #expect(stored == line.value, "\(line.name) stored as \(String(describing: stored))")
            }
            #expect(points["hostile.app.byKey.été"] != nil)
            #expect(points["hostile.handler.new-line.requests"] != nil)
            #expect(await carbon.problems() == [], "carbon rejected a line")
            await pusher.shutdown()
        }
    }

    @Test func carbonStoppedAndRestartedNeverStallsTheAppAndRecovers() async throws {
        try await CarbonPeer.with { carbon in
            let registry = Registry()
            let app = registry.collection(at: "/app")
            let ticks = app.int("ticks")
            let marker = app.int("marker")
            let capture = LogCapture()
            let maxPending = 4
            // By name: every connection attempt resolves `localhost` again.
            let pusher = GraphitePusher(
                host: "localhost", port: carbon.port, prefix: "restart", registry: registry,
                configuration: fastConfiguration(maxPending: maxPending), logger: capture.logger)
            pusher.allow("app/*")
            pusher.allow("scales/*")
            let linesPerPush = pusher.plaintext(of: try #require(registry.snapshot())).split(separator: "\n").count

            // The app: increments all the time and queues a push every 100 ms, before, during and
            // after the outage.
            let loop = AppLoop(counter: ticks, pushEvery: .milliseconds(100)) { pusher.enqueuePush() }

            let since = unixNow() - 2
            marker.value = 1
            #expect(await pusher.push() == .sent(lines: linesPerPush))
            _ = await carbon.waitForPoints(since: since) {
                $0["restart.app.marker"]?.contains { $0.value == 1 } == true
            }

            await carbon.stop()
            let downSince = ContinuousClock.now
            // carbon's port is then taken by a black hole (a listener whose accept queue is full):
            // connects neither succeed nor fail, as with a host that went away, so each attempt
            // hangs for the 2 s connect timeout. (Refused connects, as after a plain stop, fail at
            // once: even a pusher that connected on its caller's thread would not stall there.)
            let hole = try await LocalPort.blackhole(port: carbon.port)
            defer { hole.close() }
            // While carbon is away: an awaited push returns (within the hang guard justified in
            // GraphiteFaultTests; its own timer's bound is asserted there), though no connect can finish: `.queued`, or
            // `.dropped` if the app loop's pushes (every 100 ms, 4 kept) pushed it out first.
            let clock = ContinuousClock()
            let (awaited, awaitTook, _) = await GraphiteFaultTests.timedPush(
                pusher, try #require(registry.snapshot()), timeout: .milliseconds(300))
            #expect(awaited == .queued(lines: linesPerPush) || awaited == .dropped(lines: linesPerPush), "\(awaited)")
            #expect(
                awaitTook <= .milliseconds(300) + GraphiteFaultTests.pushHangGuard,
                "push(timeout: 300 ms) took \(awaitTook)")
            // Wait (hang guard: 8 s) until a connect has timed out: the black hole did hold one
            // for 2 s, longer than the app loop's bound below, while the app went on.
            let timedOutBy = clock.now.advanced(by: .seconds(8))
            while pusher.statistics.lastError?.contains("connect timed out") != true, clock.now < timedOutBy {
                try await Task.sleep(for: .milliseconds(50))
            }
            let down = pusher.statistics
            #expect(down.lastError?.contains("connect timed out") == true, "\(String(describing: down.lastError))")
            // The queue stays bounded, the oldest pushes are dropped and counted.
            #expect(down.pendingPushes <= maxPending)
            #expect(down.droppedPushes >= 5, "\(down)")
            #expect(down.droppedLines == down.droppedPushes * linesPerPush)
            #expect(down.failures >= 1)
            #expect(!down.connected)
            #expect(down.lastError != nil)
            #expect(capture.count(.warning) == 1, "\(capture.messages)")

            hole.close()
            #expect(await carbon.start())
            let upSince = unixNow()
            // The queued pushes go out after the next retry; then a fresh value lands too.
            #expect(await pusher.flush(timeout: .seconds(10)))
            try await Task.sleep(for: .milliseconds(1_100))  // a new second, so the point is new
            marker.value = 2
            #expect(await pusher.push() == .sent(lines: linesPerPush))
            let points = await carbon.waitForPoints(since: upSince) {
                $0["restart.app.marker"]?.contains { $0.value == 2 } == true
            }
            #expect(points["restart.app.marker"]?.contains { $0.value == 2 && $0.timestamp >= upSince } == true)

            await loop.stop()
            let outage = ContinuousClock.now - downSince
            let after = pusher.statistics
            print(
                "carbon restart: app loop max gap \(loop.maxGap) over \(loop.iterations) iterations; outage \(outage); \(after)"
            )
            #expect(loop.hasFinished)
            // Over the whole run, the black hole's 2 s connects included: a pusher that did its
            // network work on the app's thread would have stalled the loop for 2 s at least.
            #expect(loop.maxGap < .milliseconds(750), "the app loop stalled for \(loop.maxGap)")
            #expect(after.reconnects >= 1)
            #expect(after.connected)
            #expect(capture.count(.warning) == 1, "\(capture.messages)")
            #expect(capture.count(.notice) == 1, "\(capture.messages)")
            #expect(capture.total == 2, "\(capture.messages)")
            #expect(await carbon.problems() == [])
            await pusher.shutdown()
        }
    }

    @Test func periodicPusherPushesEveryPeriodAndStopsForGood() async throws {
        try await CarbonPeer.with { carbon in
            let registry = Registry()
            let value = registry.collection(at: "/app").int("value")
            value.value = 1
            let periodic = GraphitePeriodicPusher(
                host: "127.0.0.1", port: carbon.port, prefix: "periodic", period: .milliseconds(300),
                registry: registry, configuration: fastConfiguration())
            periodic.allow("app/*")
            let since = unixNow() - 1
            periodic.start()
            periodic.start()  // idempotent
            let points = await carbon.waitForPoints(since: since) { ($0["periodic.app.value"]?.count ?? 0) >= 3 }
            let seconds = Set(points["periodic.app.value"]?.map(\.timestamp) ?? [])
            #expect(seconds.count >= 3, "one point per period, in distinct seconds: \(seconds.sorted())")
            await periodic.stop()
            #expect(periodic.statistics.pendingPushes == 0)
            #expect(periodic.statistics.failures == 0)
            // Stopped for good: a later start does nothing.
            periodic.start()
            try await Task.sleep(for: .milliseconds(1_100))
            value.value = 123
            try await Task.sleep(for: .milliseconds(900))
            #expect(await carbon.points(since: since)["periodic.app.value"]?.contains { $0.value == 123 } != true)
        }
    }

    @Test func stopPushesOneLastSnapshot() async throws {
        try await CarbonPeer.with { carbon in
            let registry = Registry()
            let value = registry.collection(at: "/app").int("value")
            let periodic = GraphitePeriodicPusher(
                host: "127.0.0.1", port: carbon.port, prefix: "final", period: .seconds(3600),
                registry: registry, configuration: fastConfiguration())
            periodic.allow("app/*")
            let since = unixNow() - 1
            periodic.start()
            value.value = 99  // the period is an hour: only the push at stop can carry it
            await periodic.stop()
            #expect(periodic.statistics.sentLines == 1)
            let points = await carbon.waitForPoints(since: since) {
                $0["final.app.value"]?.contains { $0.value == 99 } == true
            }
            #expect(points["final.app.value"]?.contains { $0.value == 99 } == true)
        }
    }

    @Test func serviceGroupGracefulShutdownEndsWithAFinalPush() async throws {
        try await CarbonPeer.with { carbon in
            let registry = Registry()
            let value = registry.collection(at: "/app").int("value")
            let periodic = GraphitePeriodicPusher(
                host: "127.0.0.1", port: carbon.port, prefix: "service", period: .seconds(3600),
                registry: registry, configuration: fastConfiguration())
            periodic.allow("app/*")
            let group = ServiceGroup(
                configuration: .init(services: [.init(service: periodic)], logger: Logger(label: "test.group")))
            let since = unixNow() - 1
            let running = Task { try await group.run() }
            try await Task.sleep(for: .milliseconds(200))
            value.value = 7  // the period is an hour: only the shutdown push can carry it
            await group.triggerGracefulShutdown()
            try await running.value
            let points = await carbon.waitForPoints(since: since) {
                $0["service.app.value"]?.contains { $0.value == 7 } == true
            }
            #expect(points["service.app.value"]?.contains { $0.value == 7 } == true)
        }
    }
}
