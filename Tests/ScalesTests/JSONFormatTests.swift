import Foundation
import Scales
import ScalesTestSupport
import Testing

@Suite struct JSONFormatTests {
    @Test func compactIsSortedAndHasNoSpaces() {
        let text = JSONFormat.render(
            handMadeSnapshot([
                stat("b", .int(2)), stat("a", .double(1.5)),
                container("c", [stat("z", .bool(true)), stat("y", .string("s"))]),
            ]))
        #expect(text == #"{"a":1.5,"b":2,"c":{"y":"s","z":true}}"#)
    }

    @Test func prettyUsesTwoSpaceIndent() {
        let text = JSONFormat.render(
            handMadeSnapshot([
                stat("a", .int(1)), container("b", [stat("c", .intDict(["k": 1]))]),
                container("e", []),
            ]), pretty: true)
        #expect(
            text == """
                {
                  "a": 1,
                  "b": {
                    "c": {
                      "k": 1
                    }
                  },
                  "e": {}
                }
                """)
    }

    @Test func nonFiniteNumbersBecomeNullAndParseStrictly() throws {
        let text = JSONFormat.render(
            handMadeSnapshot([
                stat("nan", .double(.nan)), stat("inf", .double(.infinity)), stat("ninf", .double(-.infinity)),
                stat("absent", .absent), stat("whole", .double(3)), stat("tiny", .double(.leastNonzeroMagnitude)),
                stat("huge", .double(1.7976931348623157e308)), stat("neg", .double(-0.25)),
                stat("pmf", .pmf(PmfSnapshot(count: 3, sum: 1, windowCount: 0))),
                stat("times", .stateTime(["idle": .nan, "busy": 2])),
            ]))
        #expect(!text.lowercased().contains(":nan") && !text.lowercased().contains(":inf") && !text.contains(":-inf"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(
            object["nan"] is NSNull && object["inf"] is NSNull && object["ninf"] is NSNull && object["absent"] is NSNull
        )
        #expect(object["whole"] as? Double == 3)
        #expect(object["tiny"] as? Double == .leastNonzeroMagnitude)
        #expect(object["huge"] as? Double == 1.7976931348623157e308)
        let pmf = try #require(object["pmf"] as? [String: Any])
        #expect(pmf["count"] as? Int == 3)
        #expect(pmf["median"] is NSNull && pmf["99percentile"] is NSNull && pmf["999percentile"] is NSNull)
    }

    @Test func stringsAreEscapedForAnyUnicode() throws {
        var weird = "quote\" backslash\\ newline\n tab\t cr\r nul\u{0} bell\u{7} del\u{7F} "
        weird += "ls\u{2028} ps\u{2029} émoji 😀 中文 </script><script>alert(1)</script>"
        let text = JSONFormat.render(
            handMadeSnapshot([stat(weird, .string(weird)), stat("d", .stringDict([weird: weird]))]))
        #expect(!text.contains("\n") && !text.contains("\u{2028}") && !text.contains("\u{0}"))
        #expect(text.contains(#"\u0000"#) && text.contains(#"\u007f"#) && text.contains(#"\u2028"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object[weird] as? String == weird)
        #expect((object["d"] as? [String: String])?[weird] == weird)
    }

    @Test func meterFieldsUseScalesNames() throws {
        let text = JSONFormat.render(
            handMadeSnapshot([
                stat("hits", .meter(MeterSnapshot(count: 7, m1: 0.5, m5: 0.25, m15: 0.125, meanRate: 1)))
            ]))
        #expect(text == #"{"hits":{"count":7,"m1":0.5,"m5":0.25,"m15":0.125,"mean":1.0,"unit":"per second"}}"#)
    }

    @Test func aStatSnapshotRendersAsABareValue() {
        let registry = Registry()
        registry.collection(at: "/web").string("version", initial: "1.4.2")
        #expect(registry.snapshot(at: "/web/version").map { JSONFormat.render($0) } == #""1.4.2""#)
    }
}
