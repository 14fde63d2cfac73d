import ScalesPlatform
import Synchronization

/// A tree of stats: collections bind into it, snapshots and exporters read from it.
///
/// Most code uses the shared registry without naming it; tests make a fresh one each, which is
/// cheap, and pass it to generated initializers or install it for a task:
///
/// ```swift
/// let web = WebStats()                          // Registry.current: the shared one
/// let registry = Registry()                     // a fresh, empty tree
/// let isolated = WebStats(registry: registry)
/// Registry.withCurrent(registry) {
///     let web = WebStats()                      // binds to `registry`
/// }
/// ```
///
/// Lookups by path happen only when binding; updates go straight to the cells the handles hold.
/// The registry's lock guards the tree's shape and is never held while values are read,
/// gauge closures run or output is rendered.
public final class Registry: Sendable {
    let state: Lock<TreeState>
    let healthCounters = HealthCounters()
    let instanceNumbers = Atomic<Int>(0)
    /// Moves on every change of the tree's shape (a bind, a removal, a reset).
    let shape = TreeShape()
    /// The layouts of this tree's renders (see `Formats/RenderCache.swift`).
    let renderCache = RenderCache()

    /// The time source of every time-dependent stat bound in this registry (`pmf` windows and
    /// timings, `meter` rates, `stateTime` totals).
    public let clock: any StatClock

    /// Creates a registry whose tree holds only its own health counters (``RegistryHealth/path``).
    ///
    /// - Parameter clock: The time source of its time-dependent stats; tests pass a manual
    ///   clock (`ManualClock` from `ScalesTestKit`) to control windows and rates.
    public init(clock: some StatClock = SystemClock()) {
        state = Lock(TreeState(shape: shape))
        self.clock = clock
        bindHealth()
    }

    /// The process-wide registry that generated code binds to by default.
    public static let shared = Registry()

    @TaskLocal static var taskLocal: Registry?

    /// The registry generated initializers use by default: the one installed for the current
    /// task with ``withCurrent(_:_:)``, otherwise ``shared``.
    public static var current: Registry { taskLocal ?? shared }

    /// Runs `body` with `registry` as ``current`` for this task and the tasks it creates.
    public static func withCurrent<Result>(_ registry: Registry, _ body: () throws -> Result) rethrows -> Result {
        try $taskLocal.withValue(registry, operation: body)
    }

    /// Runs async `body` with `registry` as ``current`` for this task and the tasks it creates.
    public static func withCurrent<Result>(
        _ registry: Registry,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async rethrows -> Result {
        try await $taskLocal.withValue(registry, operation: body, isolation: isolation)
    }

    /// Problems absorbed so far (failed gauges, dropped values, overflows, bind conflicts).
    public var health: RegistryHealth { healthCounters.snapshot }

    /// Removes everything from the tree but the health counters. Handles bound before keep working but are no longer
    /// shown; bind again to appear in the new tree.
    public func reset() {
        state.withLock { $0 = TreeState(shape: shape) }
        bindHealth()
    }

    // MARK: Binding collections

    /// Binds a collection at a fixed path such as `/web`, creating it if needed.
    ///
    /// Binding the same path twice gives the same collection and, through it, the same cells.
    ///
    /// - Parameters:
    ///   - path: A path without template segments (a pattern's template segments are bound as
    ///     their literal text; use ``collection(at:id:type:doc:collapsed:maxKeys:)`` for instances).
    ///   - type: The collection's type name, which `sum`, `histogram` and `intDictSum` in a
    ///     parent match against their `childType`.
    ///   - doc: Documentation, shown as Prometheus HELP where it applies.
    ///   - collapsed: Show as a link on the HTML page, and leave out of JSON below the root.
    public func collection(at path: StatPath, type: String? = nil, doc: String? = nil, collapsed: Bool = false)
        -> StatCollection
    {
        let names = path.segments.map(\.description)
        return bindCollection(names: names, instance: nil, type: type, doc: doc, collapsed: collapsed)
    }

    /// Binds the instance `id` of a templated collection such as `/handler/{id}`.
    ///
    /// The last template segment of `pattern` is filled with `id` (`/handler/h1`); the instance
    /// remembers the template so exporters can show `id` as a label. With `maxKeys`, once that
    /// many instances of this template exist under the same parent, further ids bind to the
    /// instance whose id is ``IntDictStat/overflowKey`` and are counted in
    /// ``RegistryHealth/overflowedKeys``.
    public func collection(
        at pattern: StatPath, id: String, type: String? = nil, doc: String? = nil,
        collapsed: Bool = false, maxKeys: Int? = nil
    ) -> StatCollection {
        guard let templateIndex = pattern.segments.lastIndex(where: \.isTemplate) else {
            return collection(at: pattern.appending(id), type: type, doc: doc, collapsed: collapsed)
        }
        let parentNames = pattern.segments[..<templateIndex].map(\.description)
        let template = pattern.segments[templateIndex]
        let rest = pattern.segments[(templateIndex + 1)...].map(\.description)
        return bindInstance(
            parentNames: parentNames, parentID: nil, template: template, id: id, rest: rest,
            type: type, doc: doc, collapsed: collapsed, maxKeys: maxKeys)
    }

    // MARK: Snapshots

    /// An immutable copy of the tree at `path` (the whole tree by default), or `nil` when
    /// nothing is at that path.
    ///
    /// The lock is held while the tree's shape is copied and the cheap cells (atomics, dicts)
    /// are read; gauge closures run and pmf percentiles are computed after it is released, and
    /// rendering never holds it.
    public func snapshot(at path: StatPath = .root) -> Snapshot? {
        guard
            case (let shape, var root, let late, var values)? = buildTree(
                at: path.segments.map(\.description), reads: .cheap)
        else { return nil }
        SnapshotBuilder.fill(&root, late: late, values: &values, health: healthCounters)
        return Snapshot(path: path, root: root, timestamp: Registry.now(), registry: self, shape: shape, values: values)
    }

    /// The tree at `names` as the builder leaves it under the lock (see ``SnapshotBuilder``),
    /// and the tree's shape then; `nil` when nothing is at `names`.
    func buildTree(
        at names: [String], reads: SnapshotBuilder.Reads
    ) -> (shape: UInt64, root: SnapshotNode, late: [SnapshotBuilder.Late], values: [StatValue])? {
        let health = healthCounters
        return state.withLock { state in
            var builder = SnapshotBuilder(health: health, reads: reads)
            let root: SnapshotNode
            if let last = names.last {
                guard let owner = state.node(at: names.dropLast()), let entry = owner.entries[last] else { return nil }
                root = builder.entry(last, entry, owner: owner)
            } else {
                root = builder.node(state.root)
            }
            return (shape.current, root, builder.late, builder.values)
        }
    }

    /// The tree's shape version, for tests: it moves on every bind of something new, every
    /// removal and every reset, and only then.
    package var shapeVersion: UInt64 { shape.current }

    /// The ids the registry has on record for the instances of `template` under `parent`
    /// (for tests of its bookkeeping).
    package func instanceIDs(under parent: StatPath, template: StatPath.Segment) -> Set<String> {
        state.withLock { $0.node(at: parent.segments.map(\.description))?.instanceIDs[template] ?? [] }
    }

    /// Every path under which something is bound, for tools that list the tree.
    public func paths() -> [StatPath] {
        guard let snapshot = snapshot() else { return [] }
        var paths: [StatPath] = []
        func walk(_ node: SnapshotNode, _ path: StatPath) {
            paths.append(path)
            if case .container(let container) = node {
                for child in container.children { walk(child, path.appending(child.name)) }
            }
        }
        walk(snapshot.root, .root)
        return paths.sorted()
    }

    /// Seconds since 1970-01-01 UTC, from the system's real-time clock.
    package static func now() -> Double {
        PlatformClock.wallClockSeconds()
    }
}
