import Scales
import ScalesTestKit
import Testing

@Suite struct StateTimeStatTests {
    struct Failure: Error {}

    @Test func creditsTimeToTheStateBeingLeft() {
        let (registry, clock) = Registry.forTesting()
        let phase = registry.collection(at: "/worker").stateTime("phase")
        #expect(phase.state == "", "no state before one is set")
        #expect(registry.value(at: "/worker/phase") == .stateTime([:]))
        clock.advance(by: .seconds(2))
        #expect(
            registry.value(at: "/worker/phase") == .stateTime([:]), "time before the first state belongs to no state")
        phase.state = "parsing"
        clock.advance(by: .seconds(3))
        phase.state = "writing"
        clock.advance(by: .milliseconds(500))
        phase.state = "writing"  // no change
        clock.advance(by: .milliseconds(500))
        phase.state = "parsing"
        clock.advance(by: .seconds(4))
        // The current state includes the time so far.
        #expect(registry.value(at: "/worker/phase") == .stateTime(["parsing": 7, "writing": 1]))
        clock.advance(by: .seconds(1))
        #expect(phase.seconds == ["parsing": 8, "writing": 1])
        phase.state = ""  // leaves every state
        clock.advance(by: .seconds(5))
        #expect(phase.seconds == ["parsing": 8, "writing": 1])
        #expect(phase.state == "")
    }

    @Test func acquireRaisesTheIntegerStateForItsBody() throws {
        let (registry, clock) = Registry.forTesting()
        let active = registry.collection(at: "/pool").stateTime("active")
        let result = active.acquire { () -> Int in
            #expect(active.state == "1")
            clock.advance(by: .seconds(2))
            active.acquire {
                #expect(active.state == "2")
                clock.advance(by: .seconds(1))
            }
            return 7
        }
        #expect(result == 7)
        #expect(active.state == "0")
        #expect(throws: Failure.self) {
            try active.acquire {
                clock.advance(by: .seconds(4))
                throw Failure()
            }
        }
        #expect(active.state == "0")
        #expect(active.seconds == ["1": 6, "2": 1, "0": 0], "no state before the first acquire; \"0\" after it")
    }

    @Test func acquireWorksForAsyncBodies() async {
        let (registry, clock) = Registry.forTesting()
        let active = registry.collection(at: "/pool").stateTime("active")
        await active.acquire {
            await Task.yield()
            clock.advance(by: .seconds(3))
        }
        #expect(active.state == "0")
        #expect(active.seconds["1"] == 3)
    }

    @Test func concurrentAcquiresReturnToZero() async {
        let (registry, _) = Registry.forTesting()
        let active = registry.collection(at: "/pool").stateTime("active")
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<2_000 { active.acquire { _ = active.state } }
                }
            }
        }
        #expect(active.state == "0")
    }

    @Test func aNamedStateIsLeftAloneWhenLowered() {
        let (registry, _) = Registry.forTesting()
        let active = registry.collection(at: "/pool").stateTime("active")
        active.acquire { active.state = "draining" }
        #expect(active.state == "draining")
        active.acquire { #expect(active.state == "1") }
        #expect(active.state == "0")
    }

    @Test func thePropertyWrapperAssignsThroughALet() {
        struct WorkerStats {
            @StateTime var phase: String
            init(registry: Registry) {
                _phase = StateTime(registry.collection(at: "/worker").stateTime("phase"))
            }
        }
        let (registry, clock) = Registry.forTesting()
        let worker = WorkerStats(registry: registry)
        worker.phase = "busy"
        clock.advance(by: .seconds(5))
        #expect(worker.phase == "busy")
        worker.$phase.acquire { clock.advance(by: .seconds(1)) }
        #expect(worker.$phase.seconds == ["0": 0, "busy": 5, "1": 1])
    }
}
