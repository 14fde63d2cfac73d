public import CoreMetrics
public import Scales

/// A swift-metrics backend that puts every metric into a `Registry` tree, so metrics
/// from libraries instrumented with swift-metrics appear on the same status page, in the same
/// Prometheus output and the same Graphite push as the app's own typed stats.
///
/// ```swift
/// MetricsSystem.bootstrap(ScalesMetricsFactory(registry: .shared))
/// // or, in tests, without the process-wide bootstrap:
/// let factory = ScalesMetricsFactory(registry: Registry())
/// let requests = Counter(label: "http_requests", dimensions: [("method", "GET")], factory: factory)
/// ```
///
/// Mapping (a label `L` with dimensions `D`, under `root`, default `/metrics`):
///
/// | swift-metrics | stat kind | where |
/// |---|---|---|
/// | `Counter` | monotonic `int` (`CounterStat`) | `/metrics/L/<D>` |
/// | `FloatingPointCounter` | monotonic `double` (`DoubleCounterStat`) | `/metrics/L/<D>` |
/// | `Meter` (set, increment, decrement) | `double` | `/metrics/L/<D>` |
/// | `Recorder`, `aggregate: true` | `pmf` | `/metrics/L/<D>` |
/// | `Recorder`, `aggregate: false` | `double` (last value) | `/metrics/L/<D>` |
/// | `Timer` | `pmf` in seconds, or the unit given with `preferDisplayUnit` | `/metrics/L/<D>` |
/// | `destroy…` | the series leaves the tree | |
///
/// `<D>` is the dimensions sorted by name, written `name=value` and joined with commas
/// (`method=GET,status=200`); a metric without dimensions is the series `value`. Every series of
/// a label is a labelled series of one family: on `/metrics` the label is the metric name and
/// the dimensions are real Prometheus labels, however many dimension sets a label has. The
/// root's name stays out of the names on `/metrics`: `Counter(label: "http_requests_total")` is
/// `http_requests_total` there (and `metrics.http_requests_total…` in Graphite, `/metrics/…` on
/// the status page). A label whose name another stat already has on `/metrics` is exported with
/// `_2` appended and counted in `RegistryHealth.nameCollisions`.
///
/// Make one factory per registry and root (the label table below is the factory's own).
/// A label keeps the kind it was first made with; making it again as another kind gives a
/// working handler outside the tree and counts `RegistryHealth.bindConflicts`.
/// At most `maxDimensionSets` series exist per label; further dimension sets share the series
/// `_overflow` (labelled `overflow="true"`) and are counted in
/// `RegistryHealth.overflowedKeys`.
public struct ScalesMetricsFactory: MetricsFactory {
    /// The registry metrics are put in.
    public let registry: Registry
    /// Where in the tree swift-metrics labels go.
    public let root: StatPath
    /// The most dimension sets (series) kept per label.
    public let maxDimensionSets: Int
    let labels: LabelTable

    /// Creates a factory.
    ///
    /// - Parameters:
    ///   - registry: The registry to put metrics in; `Registry.current` (the shared registry unless
    ///     a task installed another) by default.
    ///   - root: The path under which labels go, `/metrics` by default.
    ///   - maxDimensionSets: The most series per label (cardinality bound), 1,000 by default.
    public init(registry: Registry = .current, root: StatPath = "/metrics", maxDimensionSets: Int = 1000) {
        self.registry = registry
        self.root = root
        self.maxDimensionSets = max(1, maxDimensionSets)
        self.labels = LabelTable()
    }

    /// The series name for one dimension set, and its labels.
    static func series(_ dimensions: [(String, String)]) -> (name: String, labels: [StatLabel]) {
        guard !dimensions.isEmpty else { return ("value", []) }
        let sorted = dimensions.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(
            \.element)
        let name = sorted.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return (name, sorted.map { StatLabel(name: $0.0, value: $0.1) })
    }

    /// Binds the cell for `label` and `dimensions`, applying the kind and cardinality rules.
    func bind<Cell: AnyObject & Sendable>(
        _ label: String, _ dimensions: [(String, String)], kind: MetricKind,
        make: (StatCollection, String, [StatLabel]) -> Cell
    ) -> Series<Cell> {
        var (name, statLabels) = Self.series(dimensions)
        let admission = labels.admit(label: label, series: name, kind: kind, max: maxDimensionSets)
        switch admission {
        case .conflict:
            registry.countBindConflict()
            // A working handler outside the tree: bound in a throwaway registry.
            let cell = make(Registry().collection(at: .root), name, statLabels)
            return Series(cell: cell, label: label, name: name, collection: nil, labels: labels)
        case .overflow:
            registry.countOverflowedKey()
            name = overflowSeries
            statLabels = [StatLabel(name: "overflow", value: "true")]
        case .admitted:
            break
        }
        registry.collection(at: root).leaveOutOfExportedNames()
        let collection = registry.collection(at: root.appending(label))
        return Series(
            cell: make(collection, name, statLabels), label: label, name: name, collection: collection, labels: labels)
    }

    // MARK: MetricsFactory

    /// Makes a counter: a monotonic `int` series.
    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        CounterSeries(bind(label, dimensions, kind: .counter, make: { $0.labelledCounter($1, labels: $2) }))
    }

    /// Makes a floating-point counter: a monotonic `double` series (a Prometheus counter).
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        FloatingPointCounterSeries(
            bind(label, dimensions, kind: .floatingPointCounter, make: { $0.labelledDoubleCounter($1, labels: $2) }))
    }

    /// Makes a meter (swift-metrics' settable gauge): a `double` series.
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        MeterSeries(bind(label, dimensions, kind: .meter, make: { $0.labelledDouble($1, labels: $2) }))
    }

    /// Makes a recorder: a `pmf` series when aggregating, a `double` (last value) otherwise.
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate {
            return PmfRecorderSeries(
                bind(label, dimensions, kind: .aggregatingRecorder, make: { $0.labelledPmf($1, labels: $2) }))
        }
        return LastValueRecorderSeries(
            bind(label, dimensions, kind: .recorder, make: { $0.labelledDouble($1, labels: $2) }))
    }

    /// Makes a timer: a `pmf` series in seconds (or the unit set with `preferDisplayUnit`).
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        TimerSeries(bind(label, dimensions, kind: .timer, make: { $0.labelledPmf($1, labels: $2) }))
    }

    /// Removes the counter's series from the tree.
    public func destroyCounter(_ handler: any CounterHandler) { (handler as? any DestroyableSeries)?.destroy() }
    /// Removes the counter's series from the tree.
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        (handler as? any DestroyableSeries)?.destroy()
    }
    /// Removes the meter's series from the tree.
    public func destroyMeter(_ handler: any MeterHandler) { (handler as? any DestroyableSeries)?.destroy() }
    /// Removes the recorder's series from the tree.
    public func destroyRecorder(_ handler: any RecorderHandler) { (handler as? any DestroyableSeries)?.destroy() }
    /// Removes the timer's series from the tree.
    public func destroyTimer(_ handler: any TimerHandler) { (handler as? any DestroyableSeries)?.destroy() }
}

/// The name of the series that takes dimension sets beyond `maxDimensionSets`: `_overflow`, the
/// same name as `IntDictStat.overflowKey` (a dict's overflow key).
public let overflowSeries = IntDictStat.overflowKey
