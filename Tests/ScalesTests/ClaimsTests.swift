import Scales
import ScalesTestKit
import Testing

/// README claims that no other test exercised.
@Suite struct ClaimsTests {
    /// "if it fails or yields a non-finite number, only that value is absent and the failure is
    /// counted": infinity as well as NaN, for Double gauges.
    @Test func aGaugeReturningInfinityIsAbsentAndCounted() throws {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.gauge("up", of: Double.self).bind { .infinity }
        web.gauge("down", of: Double.self).bind { -.infinity }
        web.gauge("fine", of: Double.self).bind { 2 }
        let snapshot = try #require(registry.snapshot(at: "/web"))
        #expect(snapshot.node(at: ["up"]) == .stat(SnapshotStat(name: "up", value: .absent)))
        #expect(snapshot.node(at: ["down"]) == .stat(SnapshotStat(name: "down", value: .absent)))
        #expect(snapshot.node(at: ["fine"]) == .stat(SnapshotStat(name: "fine", value: .double(2))))
        #expect(registry.health.gaugeFailures == 2)
        #expect(JSONFormat.render(snapshot) == #"{"down":null,"fine":2.0,"up":null}"#)
    }

    /// `ManualClock.advance(seconds:)` moves time like `advance(by:)`, fractions included, and
    /// ignores what would move it back.
    @Test func manualClockAdvancesBySeconds() {
        let clock = ManualClock()
        let start = clock.nanoseconds()
        clock.advance(seconds: 1.5)
        #expect(clock.nanoseconds() - start == 1_500_000_000)
        clock.advance(seconds: -3)
        clock.advance(seconds: .nan)
        #expect(clock.nanoseconds() - start == 1_500_000_000)
        clock.advance(by: .milliseconds(250))
        #expect(clock.nanoseconds() - start == 1_750_000_000)
        // It drives the stats: a pmf's 5-minute window keeps a value at least 4/5 of the window
        // (240 s) and drops it after the whole window (300 s).
        let registry = Registry(clock: clock)
        let latency = registry.collection(at: "/web").pmf("latency")
        latency.record(0.5)
        clock.advance(seconds: 239.5)
        #expect(latency.figures.windowCount == 1)
        clock.advance(seconds: 61)
        #expect(latency.figures.windowCount == 0)
        #expect(latency.figures.count == 1)
    }
}
