import Dispatch
import Scales
import Testing

/// The lock-free keyed path of `intDict` (issue 17): exact under contention, while keys are
/// inserted, removed and the index grows; handles never lose a count.
@Suite struct KeyedPathTests {
    static let perThread = 200_000

    @Test func twoThreadsOnOneKeyThroughSubscriptAndHandleLoseNothing() {
        let dict = Registry().collection(at: "/web").intDict("byPath")
        let handle = dict.handle("/index.html")
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for _ in 0..<Self.perThread {
                if worker == 0 { dict["/index.html"] += 1 } else { handle += 1 }
            }
        }
        #expect(dict.values == ["/index.html": 2 * Self.perThread])
        #expect(handle.value == 2 * Self.perThread)
    }

    @Test func updatesStayExactWhileTheIndexGrowsAndShrinks() {
        let dict = Registry().collection(at: "/web").intDict("byPath")
        let inserted = 5_000
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                for _ in 0..<Self.perThread { dict["hot"] += 1 }
            } else {
                // New keys force the index to be rebuilt (and old ones freed) again and again.
                for round in 0..<3 {
                    for key in 0..<inserted { dict["k\(key)"] += round + 1 }
                    if round < 2 { for key in 0..<inserted { dict.removeValue(forKey: "k\(key)") } }
                }
            }
        }
        var expected = ["hot": Self.perThread]
        for key in 0..<inserted { expected["k\(key)"] = 3 }
        #expect(dict.values == expected)
    }

    @Test func autoDeleteUnderContentionLosesNothing() {
        let dict = Registry().collection(at: "/web").intDict("active", autoDelete: true)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for _ in 0..<Self.perThread / 4 {
                dict["shared"] += 1
                dict["shared"] -= 1
                dict["count\(worker)"] += 1
            }
        }
        let n = Self.perThread / 4
        #expect(dict.values == ["count0": n, "count1": n])
    }

    @Test func aHandleRecreatesItsAutoDeletedKey() {
        let dict = Registry().collection(at: "/web").intDict("active", autoDelete: true)
        let handle = dict.handle("conn")
        #expect(dict.values.isEmpty)  // making a handle does not create the key
        handle += 1
        #expect(dict.values == ["conn": 1])
        handle -= 1
        #expect(dict.values.isEmpty)  // autoDelete works as without a handle
        handle += 2
        #expect(dict.values == ["conn": 2])
        #expect(handle.value == 2)
    }

    @Test func aHandleSurvivesRemovalAndRebuildsOfTheIndex() {
        let dict = Registry().collection(at: "/web").intDict("byPath")
        let handle = dict.handle("/")
        handle += 1
        dict.removeValue(forKey: "/")
        handle += 1  // the key comes back: the count is not lost in a removed cell
        #expect(dict.values == ["/": 1])
        dict.removeAll()
        for key in 0..<1_000 { dict["k\(key)"] += 1 }  // rebuilds the index without the removed cell
        handle += 5
        handle += 5
        #expect(dict["/"].value == 10)
        #expect(dict.values.count == 1_001)
    }

    @Test func aHandleOverflowsAsTheSubscriptDoes() {
        let registry = Registry()
        let dict = registry.collection(at: "/web").intDict("byPath", maxKeys: 1)
        let a = dict.handle("a")
        a += 1
        let b = dict.handle("b")
        b += 3
        b += 1
        #expect(dict.values == ["a": 1, IntDictStat.overflowKey: 4])
        #expect(registry.health.overflowedKeys == 2)
        // `a` removed while the dict fills up again: `a`'s next update overflows, counted.
        dict.removeValue(forKey: "a")
        dict["c"] += 1
        a += 5
        #expect(dict.values == ["c": 1, IntDictStat.overflowKey: 9])
        #expect(registry.health.overflowedKeys == 3)
    }

    @Test func aLiveValueOfIntMinIsNotARemovedKey() {
        let dict = Registry().collection(at: "/web").intDict("byPath")
        dict["x"].value = Int.min
        #expect(dict["x"].value == Int.min)
        #expect(dict.values == ["x": Int.min])
        dict["x"] += 1
        #expect(dict.values == ["x": Int.min + 1])
        dict["x"] -= 1
        dict["x"] -= 1  // wraps, never traps
        #expect(dict.values == ["x": Int.max])
    }

    @Test func manyKeysKeepTheirValues() {
        let dict = Registry().collection(at: "/web").intDict("byKey", autoDelete: true)
        for key in 0..<3_000 { dict["k\(key)"] += key }
        for key in stride(from: 0, to: 3_000, by: 2) { dict["k\(key)"] -= key }  // to 0: removed
        for key in stride(from: 1, to: 3_000, by: 2) { dict["k\(key)"] += 1 }
        var expected: [String: Int] = [:]
        for key in stride(from: 1, to: 3_000, by: 2) { expected["k\(key)"] = key + 1 }
        #expect(dict.values == expected)
        #expect(dict["k2"].value == 0)
        #expect(dict["k3"].value == 4)
    }
}
