import Testing

@testable import ScalesGenerator

/// Paths are checked for shape, placement and collisions, each error at the `path:` value.
@Suite struct PathDiagnosticsTests {
    @Test func malformedPaths() {
        let yaml = """
            collections:
              A: { path: "/a//b" }
              B: { path: "/b/{}" }
              C: { path: "/c/{id}/{x}" }
              D: { path: "/d/" }
              E: { path: "/" }
              F: { path: "/f g" }
              G: { path: "/g/{class}" }
              H: { path: "/h/{id" }
              I: { path: "/i/../j" }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:14: error: path `/a//b` has an empty segment (`//`); remove the extra `/`",
                "stats.yaml:3:14: error: placeholder `{}` in path `/b/{}` needs a name, such as `{id}`",
                "stats.yaml:4:14: error: path `/c/{id}/{x}` has more than one placeholder; a collection's own path takes one (`/handler/{id}`), and deeper levels are child collections with `parent:`",
                "stats.yaml:5:14: error: path `/d/` ends with `/`; remove the trailing `/`",
                "stats.yaml:6:14: error: a collection cannot be bound at the root `/`; use a path such as `/web`",
                "stats.yaml:7:14: error: path `/f g` contains a space; path segments use ASCII letters, digits, `_`, `-` and `.`, plus one `{placeholder}`",
                "stats.yaml:8:14: error: placeholder `{class}` in path `/g/{class}` must be a Swift identifier that is not a keyword (it becomes the initializer's label), such as `{id}`",
                "stats.yaml:9:14: error: segment `{id` of path `/h/{id` has unbalanced braces; a placeholder is written `{id}`",
                "stats.yaml:10:14: error: path `/i/../j` contains `..`; paths name each segment, without `.` or `..`",
            ])
    }

    @Test func placeholderThatClashesWithGeneratedNames() {
        #expect(
            diagnostics("collections:\n  H: { path: \"/h/{registry}\" }\n") == [
                "stats.yaml:2:14: error: placeholder `{registry}` in path `/h/{registry}` would clash with the generated `registry` parameter or property; use another name, such as `{id}`"
            ])
    }

    @Test func relativePathWithoutParent() {
        #expect(
            diagnostics("collections:\n  ThreadStats: { path: \"thread-{id}\" }\n") == [
                "stats.yaml:2:24: error: path `thread-{id}` is relative, but the collection has no `parent:`; write `/thread-{id}`, or add `parent:` naming the collection it belongs to"
            ])
    }

    @Test func absolutePathWithParent() {
        let yaml = "collections:\n  P: { path: /p }\n  T:\n    parent: P\n    path: /thread-{id}\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:11: error: a child collection's path is relative to its parent; write `thread-{id}` without the leading `/`"
            ])
    }

    @Test func maxKeysNeedsATemplate() {
        #expect(
            diagnostics("collections:\n  W: { path: /w, maxKeys: 10 }\n") == [
                "stats.yaml:2:27: error: `maxKeys` bounds the instances of a templated collection, but `W`'s path `/w` has no placeholder such as `{id}`; remove `maxKeys`"
            ])
    }

    @Test func placeholderReusedByAnAncestor() {
        let yaml = """
            collections:
              HandlerStats: { path: "/handler/{id}" }
              WorkerStats: { parent: HandlerStats, path: "worker-{id}" }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:46: error: placeholder `{id}` is already used by `HandlerStats` (`/handler/{id}`) above `WorkerStats`; give this level its own name, such as `{workerStatsId}`"
            ])
    }

    @Test func twoCollectionsAtTheSamePath() {
        let yaml = """
            collections:
              WebStats: { path: /web }
              SiteStats: { path: /web }
              A: { path: "/h/{id}" }
              B: { path: "/h/{name}" }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:22: error: `SiteStats` and `WebStats` are both bound at `/web`; give each collection its own path\nstats.yaml:2:21: note: `WebStats` is bound there",
                "stats.yaml:5:14: error: `B` and `A` are both bound at `/h/{name}`; give each collection its own path\nstats.yaml:4:14: note: `A` is bound there",
            ])
    }

    @Test func childPathThatResolvesToAnotherCollectionsPath() {
        let yaml = """
            collections:
              P: { path: /p }
              Cache: { path: /p/cache }
              C: { parent: P, path: cache }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:4:25: error: `C` and `Cache` are both bound at `/p/cache`; give each collection its own path\nstats.yaml:3:18: note: `Cache` is bound there"
            ])
    }

    @Test func collectionInsideAStat() {
        let yaml = """
            collections:
              WebStats: { path: /web, stats: { errors: int } }
              Deep: { path: /web/errors/deep }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:3:17: error: `Deep` at `/web/errors/deep` would sit inside the stat `WebStats.errors` at `/web/errors`; move the collection or rename the stat\nstats.yaml:2:36: note: `errors` is declared here"
            ])
    }
}
