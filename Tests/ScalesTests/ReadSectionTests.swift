import Foundation
import Scales
import Synchronization
import Testing

/// The grace period that lets an `intDict` free an index it replaced (issue 17): a writer waits
/// for every read section begun before it and for none begun after, however busy the slots; a
/// reader finds a slot while others hold theirs, and waits only when all are held. Also run
/// under TSan. Serialized: a test that holds slots for a while would make another's writer
/// reach its reader's slot late.
@Suite(.serialized) struct ReadSectionTests {
    typealias Shared = StripedStatTests.Shared

    /// Runs `body` on a thread of its own; the result's `value` becomes 1 when it returns.
    static func detached(_ body: @escaping @Sendable () -> Void) -> Shared {
        let done = Shared()
        Thread.detachNewThread {
            body()
            done.value.store(1, ordering: .releasing)
        }
        return done
    }

    /// Waits up to 20 s for `done`; whether it came.
    static func wait(for done: Shared) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while done.value.load(ordering: .acquiring) == 0 {
            if ContinuousClock.now > deadline { return false }
            Thread.sleep(forTimeInterval: 0.001)
        }
        return true
    }

    @Test func aWriterWaitsForASectionBegunBefore() {
        let claim = ReadSection.enter(ReadSection.words)
        let synchronized = Self.detached { ReadSection.synchronize() }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(synchronized.value.load(ordering: .acquiring) == 0)  // the section is still open
        ReadSection.exit(claim)
        #expect(Self.wait(for: synchronized))
    }

    @Test func aWriterIsNotHeldBySectionsBegunAfterIt() {
        // A busy slot may never be free when the writer looks: a reader leaves and the next
        // enters between two looks. The writer must wait for the section it saw, not for a free
        // slot. The test plays that reader on the slot's word itself, since a real one leaves
        // the slot free for long enough that the writer sees it free at least sometimes.
        let claim = ReadSection.enter(ReadSection.words)
        let synchronized = Self.detached { ReadSection.synchronize() }
        Thread.sleep(forTimeInterval: 0.1)  // the writer is now waiting for this section
        #expect(synchronized.value.load(ordering: .acquiring) == 0)
        // Leave and enter again in one step: the word moves from claimed to claimed.
        #expect(
            claim.slot.pointee.compareExchange(
                expected: claim.word, desired: claim.word &+ 2, ordering: .sequentiallyConsistent
            ).exchanged)
        #expect(Self.wait(for: synchronized), "the writer waited for a section begun after it")
        claim.slot.pointee.store(claim.word &+ 3, ordering: .releasing)  // and leave
    }

    @Test func aReaderWaitsOnlyWhenEverySlotIsHeld() {
        // This thread holds every slot but one: a reader finds the free one.
        var claims = (0..<ReadSection.slots - 1).map { _ in ReadSection.enter(ReadSection.words) }
        #expect(Self.wait(for: Self.detached { ReadSection.exit(ReadSection.enter(ReadSection.words)) }))
        // Every slot held: a reader waits until one is freed.
        claims.append(ReadSection.enter(ReadSection.words))
        let entered = Self.detached { ReadSection.exit(ReadSection.enter(ReadSection.words)) }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(entered.value.load(ordering: .acquiring) == 0)
        ReadSection.exit(claims.removeLast())
        #expect(Self.wait(for: entered))
        for claim in claims { ReadSection.exit(claim) }
    }
}
