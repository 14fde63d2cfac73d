import Scales
import Testing

/// What a snapshot shows of each value a `string`, `bool` or `gauge` stat can hold: the four
/// types Scales conforms keep their kind; a type of the user's own shows its text.
@Suite struct StatScalarTests {
    struct Version: StatScalar, CustomStringConvertible {
        var major: Int
        var description: String { "v\(major)" }
    }

    func value(_ snapshot: Snapshot, _ name: String) -> StatValue? {
        guard case .stat(let stat) = snapshot.node(at: [name]) else { return nil }
        return stat.value
    }

    @Test func eachTypeKeepsItsKind() throws {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.gauge("int", of: Int.self).bind { -3 }
        web.gauge("double", of: Double.self).bind { 0.5 }
        web.gauge("nan", of: Double.self).bind { .nan }
        web.gauge("bool", of: Bool.self).bind { true }
        web.gauge("text", of: String.self).bind { "ready" }
        web.gauge("version", of: Version.self).bind { Version(major: 2) }
        _ = web.string("state", initial: "idle")
        _ = web.bool("healthy", initial: false)
        let snapshot = try #require(registry.snapshot(at: "/web"))
        #expect(value(snapshot, "int") == .int(-3))
        #expect(value(snapshot, "double") == .double(0.5))
        #expect(value(snapshot, "nan") == .absent)
        #expect(value(snapshot, "bool") == .bool(true))
        #expect(value(snapshot, "text") == .string("ready"))
        #expect(value(snapshot, "version") == .string("v2"))
        #expect(value(snapshot, "state") == .string("idle"))
        #expect(value(snapshot, "healthy") == .bool(false))
        #expect(registry.health.gaugeFailures == 1, "only the NaN")
    }
}
