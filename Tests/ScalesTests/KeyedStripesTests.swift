import Scales
import Testing

/// A key of an `intDict` behaves like a striped int (issue 17): one cell until two threads are
/// seen updating it at once, then a stripe per CPU; sums stay exact; removed keys come back in
/// new cells; keys removed and added forever keep the index bounded. Also run under TSan.
@Suite struct KeyedStripesTests {
    @Test func twoThreadsOnOneStripedKeyCountExactly() {
        let dict = Registry().collection(at: "/web").intDict("requests")
        dict["GET"] += 1
        dict.spreadOverStripes("GET")
        #expect(dict.stripeCount(of: "GET") ?? 0 >= 2)
        StripedStatTests.onTwoThreads(1_000_000) { dict["GET"] += 1 }
        #expect(dict["GET"].value == 2_000_001)
        #expect(dict.values == ["GET": 2_000_001])
    }

    @Test func twoThreadsOnOneKeyGetItStripes() {
        let dict = Registry().collection(at: "/web").intDict("requests")
        dict["GET"] += 1
        #expect(dict.stripeCount(of: "GET") == 0)  // one thread: one cell
        let made = StripedStatTests.contend({ dict["GET"] += 1 }, until: { dict.stripeCount(of: "GET") != 0 })
        #expect(dict.stripeCount(of: "GET") ?? 0 >= 2)
        #expect(dict["GET"].value == made + 1)
        // A handle on the key updates the same striped cell.
        let handle = dict.handle("GET")
        StripedStatTests.onTwoThreads(100_000) { handle += 1 }
        #expect(dict["GET"].value == made + 1 + 200_000)
        // A store clears the stripes, as an int's does.
        dict["GET"].value = 7
        dict["GET"] += 1
        #expect(dict.values == ["GET": 8])
    }

    @Test func autoDeleteKeysStayOneCell() {
        let dict = Registry().collection(at: "/web").intDict("active", autoDelete: true)
        dict["conn"] += 1
        StripedStatTests.onTwoThreads(200_000) { dict["conn"] += 1 }
        #expect(dict.stripeCount(of: "conn") == 0)  // an update must see the new value to delete at 0
        #expect(dict.values == ["conn": 400_001])
    }

    @Test func aRemovedKeyComesBackInANewCell() {
        let dict = Registry().collection(at: "/web").intDict("byPath")
        let old = dict.handle("/")
        old += 5
        dict.removeValue(forKey: "/")
        #expect(dict.values.isEmpty)
        old += 2  // lands in the key as it comes back, not in the removed cell
        dict["/"] += 1
        #expect(dict.values == ["/": 3])
        let new = dict.handle("/")
        new += 1
        old += 1
        #expect(dict["/"].value == 5)
    }

    @Test(arguments: [false, true])
    func keysRemovedAndAddedForeverKeepTheIndexBounded(autoDelete: Bool) {
        let dict = Registry().collection(at: "/web").intDict("churn", autoDelete: autoDelete)
        dict["kept"] += 1
        for round in 0..<20_000 {
            // A new key each round, and one key removed and added again each round.
            let key = "k\(round)"
            dict[key] += 1
            dict["again"] += 1
            if autoDelete {
                dict[key] -= 1
                dict["again"] -= 1
            } else {
                dict.removeValue(forKey: key)
                dict.removeValue(forKey: "again")
            }
            let slots = dict.indexSlots
            // Two live keys at most: rebuilt at 8 slots, never more than half of them filled.
            #expect(slots.capacity == 8, "round \(round)")
            #expect(slots.used <= 4, "round \(round)")
            if slots.capacity != 8 || slots.used > 4 { return }
        }
        #expect(dict.values == ["kept": 1])
    }
}
