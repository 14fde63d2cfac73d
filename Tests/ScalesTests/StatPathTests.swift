import Scales
import Testing

@Suite struct StatPathTests {
    @Test func parsesNamesAndTemplates() {
        let path: StatPath = "//processor/thread-{id}/"
        #expect(path.segments == [.name("processor"), .template(prefix: "thread-", placeholder: "id", suffix: "")])
        #expect(path.description == "/processor/thread-{id}")
        #expect(path.isPattern)
        #expect(path.filling(id: "7").description == "/processor/thread-7")
        #expect(StatPath.root.description == "/")
        #expect(StatPath("/").segments.isEmpty)
    }

    @Test func malformedBracesStayLiteral() {
        #expect(
            StatPath("/a/{}/{x/y}/{a}{b}").segments == [
                .name("a"), .name("{}"), .name("{x"), .name("y}"), .name("{a}{b}"),
            ])
    }

    @Test func namesAreKeptVerbatim() {
        let path = StatPath(names: ["handler", "a/b{id}"])
        #expect(path.segments.count == 2)
        #expect(!path.isPattern)
        #expect(path.parent == "/handler")
        #expect(path.hasPrefix("/handler"))
        #expect(!StatPath("/handlers").hasPrefix("/handler"))
    }
}
