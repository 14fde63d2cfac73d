import Scales
import ScalesTestKit
import Testing

final class Page {
    var hits = 0
}

actor Renderer {
    let page = Page()  // not Sendable: must stay on the actor while timed
    let latency: PmfStat
    let active: StateTimeStat

    init(latency: PmfStat, active: StateTimeStat) {
        self.latency = latency
        self.active = active
    }

    func render() async -> Int {
        await latency.time {
            await active.acquire {
                await Task.yield()
                page.hits += 1
                return page.hits
            }
        }
    }
}

@Suite struct PmfOverloadTests {
    @Test func asyncBodiesStayOnTheCallersActor() async {
        let (registry, _) = Registry.forTesting()
        let web = registry.collection(at: "/web")
        let renderer = Renderer(latency: web.pmf("latency"), active: web.stateTime("active"))
        #expect(await renderer.render() == 1)
        #expect(await renderer.render() == 2)
        #expect(web.pmf("latency").figures.count == 2)
        #expect(web.stateTime("active").state == "0")
    }

    func work() -> Int { 5 }

    @Test func syncAndAsyncBodiesBothReadNaturallyInAsyncCode() async throws {
        let (registry, _) = Registry.forTesting()
        let latency = registry.collection(at: "/web").pmf("latency")
        let a = latency.time { work() }
        let b = await latency.time {
            await Task.yield()
            return work()
        }
        let c = try await latency.time { () async throws -> Int in work() }
        #expect(a + b + c == 15)
        #expect(latency.figures.count == 3)
    }
}
