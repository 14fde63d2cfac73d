import Testing

@testable import ScalesGenerator

/// Keys, kinds and values that stats.yaml does not define: each reported at its own line and
/// column with what would be right, all in one run.
@Suite struct SchemaDiagnosticsTests {
    @Test func unknownTopLevelKey() {
        let yaml = "version: 1\ncolection: {}\ncollections: {}\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:1: error: unknown key `colection` in a stats file; did you mean `collections`? valid keys are `version`, `access` or `collections`"
            ])
    }

    @Test func missingCollections() {
        #expect(
            diagnostics("version: 1\n") == [
                "stats.yaml:1:1: error: a stats file needs `collections:`, a mapping from type names to collections, such as `WebStats: { path: /web, stats: { errors: int } }`"
            ])
    }

    @Test func unsupportedVersion() {
        #expect(
            diagnostics("version: 2\ncollections: {}\n") == [
                "stats.yaml:1:10: error: `version` must be 1, the only stats.yaml format so far; found `2`"
            ])
    }

    @Test func unknownAccessLevel() {
        #expect(
            diagnostics("access: pubic\ncollections: {}\n") == [
                "stats.yaml:1:9: error: `access` must be `internal`, `public` or `package`, not `pubic`; did you mean `public`?"
            ])
    }

    @Test func noCollectionsIsAWarning() {
        #expect(
            diagnostics("collections: {}\n") == [
                "stats.yaml:1:1: warning: no collections are declared, so nothing is generated"
            ])
    }

    @Test func unknownCollectionKey() {
        let yaml = """
            collections:
              WebStats:
                path: /web
                colapsed: true
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:4:5: error: unknown key `colapsed` in a collection; did you mean `collapsed`? valid keys are `path`, `parent`, `doc`, `collapsed`, `maxKeys`, `factory` or `stats`"
            ])
    }

    @Test func collectionWithoutPath() {
        let yaml = """
            collections:
              WebStats:
                stats: { errors: int }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:3: error: collection `WebStats` needs a `path:`, such as `path: /webStats` (or `path: child-{id}` with a `parent:`)"
            ])
    }

    @Test func collectionThatIsNotAMapping() {
        #expect(
            diagnostics("collections:\n  WebStats: /web\n") == [
                "stats.yaml:2:13: error: collection `WebStats` must be a mapping with `path:` and `stats:`, such as `{ path: /web, stats: { errors: int } }`; found `/web`"
            ])
    }

    @Test func unknownKindSuggestsTheClosest() {
        let yaml = """
            collections:
              WebStats:
                path: /web
                stats:
                  errors: itn
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:15: error: unknown stat kind `itn`; did you mean `int`? kinds are `int`, `double`, `string`, `bool`, `gauge`, `intDict`, `stringDict`, `pmf`, `pmfDict`, `meter`, `meterDict`, `stateTime`, `sum`, `histogram` or `intDictSum`"
            ])
    }

    @Test func unknownKindInLongForm() {
        let yaml = "collections:\n  W: { path: /w, stats: { a: { kind: counter } } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:38: error: unknown stat kind `counter`; kinds are `int`, `double`, `string`, `bool`, `gauge`, `intDict`, `stringDict`, `pmf`, `pmfDict`, `meter`, `meterDict`, `stateTime`, `sum`, `histogram` or `intDictSum`"
            ])
    }

    @Test func statWithoutKind() {
        let yaml = """
            collections:
              W:
                path: /w
                stats:
                  errors:
                  ok: { doc: No kind here }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:7: error: stat `errors` needs a kind, such as `errors: int`",
                "stats.yaml:6:11: error: stat `ok` needs `kind:`, one of `int`, `double`, `string`, `bool`, `gauge`, `intDict`, `stringDict`, `pmf`, `pmfDict`, `meter`, `meterDict`, `stateTime`, `sum`, `histogram` or `intDictSum`",
            ])
    }

    @Test func optionOfAnotherKind() {
        let yaml = "collections:\n  W: { path: /w, stats: { d: { kind: intDict, window: 5m } } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:47: error: `window` does not apply to `intDict` stats, only to `pmf` or `pmfDict`; `intDict` takes `kind`, `doc`, `autoDelete`, `maxKeys`, `label` and `unit`"
            ])
    }

    @Test func unknownStatKey() {
        let yaml = "collections:\n  W: { path: /w, stats: { d: { kind: pmf, windw: 60 } } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:43: error: unknown key `windw` in a `pmf` stat; did you mean `window`? valid keys are `kind`, `doc`, `window`, `precision` or `unit`"
            ])
    }

    @Test func boolOptionThatIsNotABool() {
        let yaml = "collections:\n  W: { path: /w, collapsed: yes }\n"
        #expect(diagnostics(yaml) == ["stats.yaml:2:29: error: `collapsed` must be `true` or `false`; found `yes`"])
    }

    @Test func maxKeysMustBePositive() {
        let yaml = "collections:\n  W: { path: /w, stats: { d: { kind: intDict, maxKeys: 0 } } }\n"
        #expect(
            diagnostics(yaml) == ["stats.yaml:2:56: error: `maxKeys` must be a whole number greater than 0; found `0`"])
    }

    @Test func windowMustBeAPositiveDuration() {
        let yaml = """
            collections:
              W:
                path: /w
                stats:
                  a: { kind: pmf, window: "-5m" }
                  b: { kind: pmf, window: soon }
                  c: { kind: pmf, window: 0.0001 }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:31: error: `window` must be a positive duration: seconds as a number (`300`) or a string such as `\"5m\"`, `\"30s\"`, `\"500ms\"`, `\"1h\"`; found `-5m`",
                "stats.yaml:6:31: error: `window` must be a positive duration: seconds as a number (`300`) or a string such as `\"5m\"`, `\"30s\"`, `\"500ms\"`, `\"1h\"`; found `soon`",
                "stats.yaml:7:31: error: `window` must be a whole number of milliseconds between 1ms and 7 days; found `0.0001`",
            ])
    }

    @Test func gaugeTypeMustBeKnown() {
        let yaml = "collections:\n  W: { path: /w, stats: { g: { kind: gauge, type: float } } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:51: error: a gauge's `type` must be `int`, `double`, `string` or `bool`, not `float`"
            ])
    }

    @Test func initialValueMustMatchTheKind() {
        let yaml = """
            collections:
              W:
                path: /w
                stats:
                  a: { kind: int, value: 1.5 }
                  b: { kind: double, value: lots }
                  c: { kind: bool, value: yes }
                  d: { kind: int, monotonic: true, value: 3 }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:30: error: `value` of an int must be a whole number that fits in 64 bits, such as `0` or `-5`; found `1.5`",
                "stats.yaml:6:33: error: `value` of a double must be a finite number, such as `0.5`; found `lots`",
                "stats.yaml:7:31: error: `value` of a bool must be `true` or `false`, not `yes`",
                "stats.yaml:8:47: error: a `monotonic` int is a counter and starts at 0; remove `value`, or drop `monotonic: true` to start `d` elsewhere",
            ])
    }

    @Test func aggregationWithoutOf() {
        // The short form cannot name what it aggregates: a build error at the kind, never Swift
        // that calls `collection.sum("total")` without `of:`.
        let yaml = "collections:\n  P: { path: /p, stats: { total: sum } }\n"
        let result = StatsGenerator.generate([StatsInput(path: "stats.yaml", text: yaml)])
        #expect(result.files.isEmpty)
        #expect(
            result.diagnostics.map(\.description) == [
                "stats.yaml:2:34: error: `sum` stat `total` needs `of:` naming a child collection's stat, such as `of: ThreadStats.total`; write it in the long form: `total: { kind: sum, of: ThreadStats.total }`"
            ])
        let block =
            "collections:\n  P:\n    path: /p\n    stats:\n      byState: histogram\n      perKey:   intDictSum\n"
        #expect(
            diagnostics(block) == [
                "stats.yaml:5:16: error: `histogram` stat `byState` needs `of:` naming a child collection's stat, such as `of: ThreadStats.byState`; write it in the long form: `byState: { kind: histogram, of: ThreadStats.byState }`",
                "stats.yaml:6:17: error: `intDictSum` stat `perKey` needs `of:` naming a child collection's stat, such as `of: ThreadStats.perKey`; write it in the long form: `perKey: { kind: intDictSum, of: ThreadStats.perKey }`",
            ])
        let long = "collections:\n  P: { path: /p, stats: { total: { kind: sum } } }\n"
        #expect(
            diagnostics(long) == [
                "stats.yaml:2:34: error: `sum` stat `total` needs `of:` naming a child collection's stat, such as `of: ThreadStats.total`"
            ])
    }

    @Test func malformedOf() {
        let yaml = "collections:\n  P: { path: /p, stats: { total: { kind: sum, of: finished } } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:51: error: `of` must name a child collection's stat as `Type.stat`, such as `ThreadStats.finished`; found `finished`"
            ])
    }

    @Test func valueOfTheWrongShape() {
        let yaml = "collections:\n  W: { path: [a, b], doc: { x: 1 } }\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:2:14: error: `path` must be a single value; found a list",
                "stats.yaml:2:27: error: `doc` must be text; found a mapping",
            ])
    }

    @Test func unquotedPlaceholderPathSaysToQuote() {
        let yaml = "collections:\n  P: { path: /p }\n  T:\n    parent: P\n    path: {id}\n"
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:11: error: `path` must be a single value; found a mapping (a path starting with `{` must be quoted: `path: \"{id}\"`)"
            ])
    }

    @Test func everyErrorOfAFileInOneRun() {
        let yaml = """
            collections:
              WebStats:
                path: web
                colapsed: true
                stats:
                  errors: itn
                  class: int
              HandlerStats:
                path: /h/{id}/{x}
            """
        let found = diagnostics(yaml)
        #expect(found.count == 5)
        #expect(
            found.map { $0.prefix(while: { $0 != " " }) } == [
                "stats.yaml:3:11:", "stats.yaml:4:5:", "stats.yaml:6:15:", "stats.yaml:7:7:", "stats.yaml:9:11:",
            ])
    }

    /// `unit:` is a base unit on the numeric kinds (a display text on meters, as in scales);
    /// `label:` a label name a user may choose.
    @Test func unitsAndLabelsAreChecked() {
        let yaml = """
            collections:
              W:
                path: /w
                stats:
                  latency: { kind: pmf, unit: ms }
                  size: { kind: int, unit: MB }
                  byPath: { kind: intDict, label: "le" }
                  byRoute: { kind: pmfDict, label: 9lives }
                  hits: { kind: meter, unit: requests per second }
                  total: { kind: double, monotonic: true, value: 1.5 }
                  flag: { kind: bool, unit: seconds }
            """
        #expect(
            diagnostics(yaml) == [
                "stats.yaml:5:35: error: `unit` is a base unit in lower case, such as `seconds` or `bytes` (Prometheus names carry it: `latency_seconds`); found `ms`; record seconds and say `unit: seconds`",
                "stats.yaml:6:32: error: `unit` is a base unit in lower case, such as `seconds` or `bytes` (Prometheus names carry it: `latency_seconds`); found `MB`; record bytes and say `unit: bytes`",
                "stats.yaml:7:39: error: `label` is the Prometheus label name of the keys, such as `path` or `status`: letters, digits and `_`, not starting with a digit or `__`, and not `le` or `quantile`; found `le`",
                "stats.yaml:8:40: error: `label` is the Prometheus label name of the keys, such as `path` or `status`: letters, digits and `_`, not starting with a digit or `__`, and not `le` or `quantile`; found `9lives`",
                "stats.yaml:10:54: error: a `monotonic` double is a counter and starts at 0; remove `value`, or drop `monotonic: true` to start `total` elsewhere",
                "stats.yaml:11:27: error: `unit` does not apply to `bool` stats, only to `int`, `double`, `gauge`, `intDict`, `pmf`, `pmfDict`, `meter` or `meterDict`; `bool` takes `kind`, `doc` and `value`",
            ])
    }

    @Test func precisionIsASchemaFromZeroToEight() {
        let yaml =
            "collections:\n  W: { path: /w, stats: { a: { kind: pmf, precision: 9 }, b: { kind: pmfDict, precision: 4 }, c: { kind: int, precision: 2 } } }\n"
        let found = diagnostics(yaml)
        #expect(found.count == 2, "\(found)")
        #expect(
            found.first?.contains("`precision` is the pmf's native-histogram schema, a whole number from 0") == true)
        #expect(found.last?.contains("`precision` does not apply to `int` stats, only to `pmf` or `pmfDict`") == true)
    }
}
