import Scales
import ScalesTestKit
import Testing

@Suite struct PmfStatTests {
    @Test func timesSyncBodiesAndReturnsTheirValue() throws {
        let (registry, clock) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        let result = latency.time { () -> Int in
            clock.advance(by: .milliseconds(250))
            return 42
        }
        #expect(result == 42)
        let figures = try #require(registry.pmfFigures(at: "/web/latency"))
        #expect(figures.count == 1)
        #expect(abs(try #require(figures.median) - 0.25) < 0.25 * 0.01)
    }
}
