import Scales
import Testing

/// A fresh snapshot reads gauges, pmfs and the aggregations over them after the registry's
/// lock; each value must land on its own stat, wherever it sits in the tree (issue 17 reads
/// them by walk order instead of by a recorded place).
@Suite struct SnapshotLateReadTests {
    struct Failure: Error {}

    @Test func lateValuesLandOnTheirOwnStats() {
        let registry = Registry()
        let root = registry.collection(at: "/a")
        root.int("a1") += 1
        root.gauge("b", of: Double.self).bind { 2.5 }
        root.pmf("c").record(1)
        let d = root.child(at: "d")
        d.gauge("x", of: Int.self).bind { throw Failure() }
        d.int("y") += 7
        d.gauge("z", of: String.self).bind { "up" }
        _ = root.gauge("e", of: Int.self)  // unbound
        for id in ["w1", "w2"] {
            root.child("w/{id}", id: id).gauge("load", of: Int.self).bind { id == "w1" ? 3 : 4 }
        }
        root.sum("total", of: "load")
        root.int("zz") += 9

        let snapshot = registry.snapshot(at: "/a")
        func value(_ names: String...) -> StatValue? {
            guard case .stat(let stat) = snapshot?.node(at: names) else { return nil }
            return stat.value
        }
        #expect(value("a1") == .int(1))
        #expect(value("b") == .double(2.5))
        if case .pmf(let pmf) = value("c") { #expect(pmf.count == 1) } else { Issue.record("c is not a pmf") }
        #expect(value("d", "x") == .absent)
        #expect(value("d", "y") == .int(7))
        #expect(value("d", "z") == .string("up"))
        #expect(value("e") == .absent)
        #expect(value("w", "w1", "load") == .int(3))
        #expect(value("w", "w2", "load") == .int(4))
        #expect(value("total") == .int(7))
        #expect(value("zz") == .int(9))
        #expect(registry.health.gaugeFailures == 1)
        // A snapshot at a gauge's own path reads it too.
        #expect(registry.snapshot(at: "/a/b")?.root == .stat(SnapshotStat(name: "b", value: .double(2.5))))
    }
}
