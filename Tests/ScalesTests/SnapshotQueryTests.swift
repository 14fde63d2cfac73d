import Foundation
import Scales
import ScalesTestSupport
import Testing

@Suite struct SnapshotQueryTests {
    func filtered(_ registry: Registry, _ query: String, at path: StatPath = .root) throws -> NSDictionary {
        let snapshot = try #require(registry.snapshot(at: path))
        let result = try SnapshotQuery(query).apply(to: snapshot)
        let text = JSONFormat.render(result)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary, "\(text)")
    }

    func sample() -> Registry {
        let registry = Registry()
        let web = registry.collection(at: "/web")
        web.int("errors").value = 3
        web.int("success").value = 0
        web.double("load").value = 0.75
        _ = web.string("state", initial: "idle")
        _ = web.bool("healthy", initial: false)
        let byPath = web.intDict("byPath")
        byPath["/"].value = 10
        byPath["/about"].value = 2
        let latency = web.pmf("latency")
        for value in [0.1, 0.2, 0.9] { latency.record(value) }
        let api = registry.collection(at: "/api")
        api.int("errors").value = 0
        let processor = registry.collection(at: "/processor")
        for id in 0..<3 {
            let thread = processor.child("thread-{id}", id: String(id), collapsed: true)
            _ = thread.string("state", initial: id == 1 ? "busy" : "idle")
        }
        return registry
    }

    @Test func parsesEveryOperatorLongestFirst() throws {
        let cases: [(String, SnapshotQuery.Comparison)] = [
            ("a>=1", .greaterOrEqual), ("a>1", .greater), ("a<1", .less), ("a<=1", .lessOrEqual),
            ("a=1", .equal), ("a==1", .equal), ("a!=1", .notEqual),
        ]
        for (text, comparison) in cases {
            let query = try SnapshotQuery(text)
            #expect(query.key == "a", "\(text)")
            #expect(query.condition?.comparison == comparison, "\(text)")
            #expect(query.condition?.value == "1", "\(text)")
        }
        let spaced = try SnapshotQuery("  state  =  busy ")
        #expect(spaced.key == "state")
        #expect(spaced.condition?.value == "busy")
        #expect(try SnapshotQuery("errors").condition == nil)
        #expect(try SnapshotQuery("state=").condition?.value == "")
    }

    @Test func rejectsMalformedQueries() {
        #expect(throws: SnapshotQuery.ParseError.emptyKey(query: ">5")) { try SnapshotQuery(">5") }
        #expect(throws: SnapshotQuery.ParseError.emptyKey(query: "  ")) { try SnapshotQuery("  ") }
        #expect(throws: SnapshotQuery.ParseError.moreThanOneOperator(query: "a>1<2")) { try SnapshotQuery("a>1<2") }
        #expect(throws: SnapshotQuery.ParseError.moreThanOneOperator(query: "a=>1")) { try SnapshotQuery("a=>1") }
        let message = (try? SnapshotQuery("a>1>2")) == nil
        #expect(message)
    }

    @Test func aKeyAloneKeepsEveryBranchContainingIt() throws {
        let result = try filtered(sample(), "errors")
        #expect(result == ["web": ["errors": 3], "api": ["errors": 0]] as NSDictionary)
    }

    @Test func comparisonsFilterByValue() throws {
        #expect(try filtered(sample(), "errors>0") == ["web": ["errors": 3]] as NSDictionary)
        #expect(try filtered(sample(), "errors>=0") == ["web": ["errors": 3], "api": ["errors": 0]] as NSDictionary)
        #expect(try filtered(sample(), "errors<3") == ["api": ["errors": 0]] as NSDictionary)
        #expect(try filtered(sample(), "errors<=3").count == 2)
        #expect(try filtered(sample(), "errors==3") == ["web": ["errors": 3]] as NSDictionary)
        #expect(try filtered(sample(), "errors!=3") == ["api": ["errors": 0]] as NSDictionary)
        #expect(try filtered(sample(), "load>0.5") == ["web": ["load": 0.75]] as NSDictionary)
        #expect(try filtered(sample(), "errors>2.5") == ["web": ["errors": 3]] as NSDictionary)
    }

    @Test func zeroValuesCompareNumericallyUnlikeScales() throws {
        // scales compared a zero stat against the raw text; here 0 is a number like any other.
        #expect(try filtered(sample(), "success<1") == ["web": ["success": 0]] as NSDictionary)
    }

    @Test func valuesThatDoNotConvertNeverMatch() throws {
        #expect(try filtered(sample(), "errors>abc") == [:] as NSDictionary)
        #expect(try filtered(sample(), "healthy=maybe") == [:] as NSDictionary)
    }

    @Test func stringsAndBoolsCompare() throws {
        #expect(
            try filtered(sample(), "state=idle") == [
                "web": ["state": "idle"], "processor": ["thread-0": ["state": "idle"], "thread-2": ["state": "idle"]],
            ] as NSDictionary)
        #expect(try filtered(sample(), "healthy=false") == ["web": ["healthy": false]] as NSDictionary)
        #expect(try filtered(sample(), "healthy=FALSE") == ["web": ["healthy": false]] as NSDictionary)
        #expect(try filtered(sample(), "healthy=0") == ["web": ["healthy": false]] as NSDictionary)
        #expect(try filtered(sample(), "healthy=true") == [:] as NSDictionary)
    }

    @Test func collapsedContainersAreSearchedAndShownExpanded() throws {
        // A plain JSON render leaves collapsed threads out; a query reaches them.
        let registry = sample()
        let plain = try #require(
            try JSONSerialization.jsonObject(with: Data(JSONFormat.render(registry.snapshot()!).utf8)) as? NSDictionary)
        #expect(
            plain["processor"] as? NSDictionary == [:] as NSDictionary,
            "collapsed threads are left out of a plain render")
        #expect(try filtered(registry, "state=busy") == ["processor": ["thread-1": ["state": "busy"]]] as NSDictionary)
        #expect(try filtered(registry, "thread-1") == ["processor": ["thread-1": ["state": "busy"]]] as NSDictionary)
    }

    @Test func dictKeysAreCandidates() throws {
        #expect(try filtered(sample(), "/about") == ["web": ["byPath": ["/about": 2]]] as NSDictionary)
        #expect(try filtered(sample(), "/>5") == ["web": ["byPath": ["/": 10]]] as NSDictionary)
        #expect(try filtered(sample(), "byPath") == ["web": ["byPath": ["/": 10, "/about": 2]]] as NSDictionary)
    }

    @Test func aPmfIsKeptWholeWhenOneOfItsFieldsMatches() throws {
        let result = try filtered(sample(), "99percentile>0.5")
        let latency = try #require((result["web"] as? NSDictionary)?["latency"] as? NSDictionary)
        #expect(latency["count"] as? Int == 3)
        #expect(latency["median"] != nil)
        #expect(try filtered(sample(), "99percentile>5") == [:] as NSDictionary)
    }

    @Test func aStructuredCandidateNeverMatchesAnOperator() throws {
        #expect(try filtered(sample(), "byPath>1") == [:] as NSDictionary)
        #expect(try filtered(sample(), "web=1") == [:] as NSDictionary)
    }

    @Test func appliesToASubtreeAndToAStat() throws {
        let registry = sample()
        #expect(try filtered(registry, "errors", at: "/web") == ["errors": 3] as NSDictionary)
        let dict = try #require(registry.snapshot(at: "/web/byPath"))
        let reduced = try SnapshotQuery("/about").apply(to: dict)
        #expect(JSONFormat.render(reduced) == #"{"/about":2}"#)
        let scalar = try #require(registry.snapshot(at: "/web/errors"))
        #expect(JSONFormat.render(try SnapshotQuery("errors>1").apply(to: scalar)) == "3")
        #expect(JSONFormat.render(try SnapshotQuery("errors>5").apply(to: scalar)) == "{}")
    }

    @Test func keepsLabelsOfLabelledStats() throws {
        let snapshot = handMadeSnapshot([
            container("m", [stat("a=1", .intDict(["x": 1, "y": 2]), labels: [StatLabel(name: "a", value: "1")])])
        ])
        let result = try SnapshotQuery("x").apply(to: snapshot)
        guard case .container(let root) = result.root, case .container(let m)? = root.children.first,
            case .stat(let stat)? = m.children.first
        else {
            Issue.record("unexpected shape \(result)")
            return
        }
        #expect(stat.labels == [StatLabel(name: "a", value: "1")])
        #expect(stat.value == .intDict(["x": 1]))
    }
}
