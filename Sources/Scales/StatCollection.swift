import Synchronization

/// A collection bound in a ``Registry``: the place its stats live, such as `/web`.
///
/// Generated collection types are built on it; use it directly for stats whose names are known
/// only at run time (the equivalent of scales' `collection`, `init` and `initChild`):
///
/// ```swift
/// let web = registry.collection(at: "/web")
/// let errors = web.int("errors")
/// errors += 1
/// let worker = web.child("worker-{id}", id: "7")      // /web/worker-7
/// worker.string("state").value = "idle"
/// worker.remove()
/// ```
///
/// Binding a stat that already exists with the same kind returns the existing cell, so binding
/// twice is idempotent. Binding a different kind over an existing name returns a working cell
/// that is not in the tree and counts a ``RegistryHealth/bindConflicts``; it never crashes.
public struct StatCollection: Sendable {
    /// The registry the collection is bound in.
    public let registry: Registry
    let names: [String]
    let nodeID: UInt64
    /// Whether this collection is outside any tree (its binding conflicted with a stat).
    public let detached: Bool

    init(registry: Registry, names: [String], nodeID: UInt64, detached: Bool) {
        self.registry = registry
        self.names = names
        self.nodeID = nodeID
        self.detached = detached
    }

    /// Where the collection is bound, such as `/handler/h1`.
    public var path: StatPath { StatPath(names: names) }

    // MARK: Stats

    /// Binds an `int` stat.
    ///
    /// `unit` is a base unit such as `bytes`, carried into the exported name (`…_bytes`).
    @discardableResult
    public func int(_ name: String, unit: String? = nil, doc: String? = nil) -> IntStat {
        bind(name, doc: doc, unit: unit) { _ in IntStat() }
    }

    /// Binds a `monotonic` int stat (a counter); `unit` as for ``int(_:unit:doc:)``.
    @discardableResult
    public func counter(_ name: String, unit: String? = nil, doc: String? = nil) -> CounterStat {
        bind(name, doc: doc, unit: unit) { CounterStat(health: $0) }
    }

    /// Binds a `double` stat; `unit` as for ``int(_:unit:doc:)`` (`seconds`, `bytes`…).
    @discardableResult
    public func double(_ name: String, unit: String? = nil, doc: String? = nil) -> DoubleStat {
        bind(name, doc: doc, unit: unit) { DoubleStat(0, health: $0) }
    }

    /// Binds a `monotonic` double stat: a floating-point counter (exported as a Prometheus
    /// counter); `unit` as for ``int(_:unit:doc:)``.
    ///
    /// ```swift
    /// let busy = worker.doubleCounter("busy", unit: "seconds")   // worker_busy_seconds_total
    /// busy += elapsed
    /// ```
    @discardableResult
    public func doubleCounter(_ name: String, unit: String? = nil, doc: String? = nil) -> DoubleCounterStat {
        bind(name, doc: doc, unit: unit) { DoubleCounterStat(health: $0) }
    }

    /// Binds a `string` stat; `initial` is its value when first created (not when bound again).
    @discardableResult
    public func string(_ name: String, initial: String = "", doc: String? = nil) -> StringStat {
        bind(name, doc: doc) { _ in StringStat(initial) }
    }

    /// Binds a `bool` stat; `initial` is its value when first created.
    @discardableResult
    public func bool(_ name: String, initial: Bool = false, doc: String? = nil) -> BoolStat {
        bind(name, doc: doc) { _ in BoolStat(initial) }
    }

    /// Binds a `gauge` of `Value` (Int, Double, String or Bool); give it a closure with
    /// ``GaugeStat/bind(_:)``.
    @discardableResult
    public func gauge<Value: StatScalar>(
        _ name: String, of type: Value.Type = Value.self, unit: String? = nil, doc: String? = nil
    ) -> GaugeStat<Value> {
        bind(name, doc: doc, unit: unit) { _ in GaugeStat<Value>() }
    }

    /// Binds an `intDict` stat.
    ///
    /// `label` names the keys' label on `/metrics` (`key` by default): `path` reads better
    /// than `key` for a dict by path. `unit` as for ``int(_:unit:doc:)``.
    @discardableResult
    public func intDict(
        _ name: String, autoDelete: Bool = false, maxKeys: Int? = nil, label: String? = nil, unit: String? = nil,
        doc: String? = nil
    ) -> IntDictStat {
        bind(name, doc: doc, unit: unit, keyLabel: label) {
            IntDictStat(autoDelete: autoDelete, maxKeys: maxKeys, health: $0)
        }
    }

    /// Binds a `stringDict` stat; `label` as for ``intDict(_:autoDelete:maxKeys:label:unit:doc:)``.
    @discardableResult
    public func stringDict(_ name: String, maxKeys: Int? = nil, label: String? = nil, doc: String? = nil)
        -> StringDictStat
    {
        bind(name, doc: doc, keyLabel: label) { StringDictStat(maxKeys: maxKeys, health: $0) }
    }

    /// Binds any cell kind; the statistics kinds (`pmf`, `meter`, …) bind through this.
    ///
    /// `make` runs, under the registry's lock, only when nothing is bound at `name`; it must not
    /// touch the registry.
    package func bind<Cell: StatCell>(
        _ name: String, doc: String?, labels: [StatLabel]? = nil, unit: String? = nil, keyLabel: String? = nil,
        make: (HealthCounters) -> Cell
    ) -> Cell {
        let health = registry.healthCounters
        if detached { return make(health) }
        let outcome = registry.bindStat(
            name, in: names, nodeID: nodeID, doc: doc, labels: labels, unit: unit, keyLabel: keyLabel, make: make)
        switch outcome {
        case .bound(let cell):
            return cell
        case .gone:
            return make(health)
        case .conflict:
            health.bindConflict()
            return make(health)
        }
    }

    // MARK: Aggregations

    /// Declares a `sum`: the total of the int or double stat `of` over all child collections
    /// below this one (only those whose type is `childType`, when given). Derived when read;
    /// a removed child's last value stays in the total.
    @discardableResult
    public func sum(_ name: String, of: String, childType: String? = nil, doc: String? = nil) -> SumStat {
        SumStat(registry: registry, path: aggregate(name, .sum, of: of, childType: childType, doc: doc))
    }

    /// Declares a `sum` of double stats: the same aggregate as
    /// ``sum(_:of:childType:doc:)``, with a handle whose value is a `Double`.
    @discardableResult
    public func doubleSum(_ name: String, of: String, childType: String? = nil, doc: String? = nil) -> DoubleSumStat {
        DoubleSumStat(registry: registry, path: aggregate(name, .sum, of: of, childType: childType, doc: doc))
    }

    /// Declares a `histogram`: how many child collections hold each value of the stat `of`
    /// (a string, bool or int). Children holding an empty string are not counted; a removed
    /// child is no longer counted; values no child holds are absent (not 0).
    @discardableResult
    public func histogram(_ name: String, of: String, childType: String? = nil, doc: String? = nil) -> HistogramStat {
        HistogramStat(registry: registry, path: aggregate(name, .histogram, of: of, childType: childType, doc: doc))
    }

    /// Declares an `intDictSum`: the per-key total of the intDict `of` over all child
    /// collections. A removed child's last values stay in the totals, for at most `maxKeys`
    /// keys (1,000 by default): a removed child's total for a further key goes to
    /// ``IntDictStat/overflowKey`` and is counted in ``RegistryHealth/overflowedKeys``, so that
    /// short-lived children with keys of their own keep memory and render time flat.
    @discardableResult
    public func intDictSum(
        _ name: String, of: String, childType: String? = nil, maxKeys: Int? = nil, doc: String? = nil
    ) -> IntDictSumStat {
        let path = aggregate(name, .intDictSum, of: of, childType: childType, doc: doc, maxRetiredKeys: maxKeys)
        return IntDictSumStat(registry: registry, path: path)
    }

    /// Declares the aggregation in the tree; returns its path (for the handle).
    private func aggregate(
        _ name: String, _ kind: Aggregation.Kind, of: String, childType: String?, doc: String?,
        maxRetiredKeys: Int? = nil
    ) -> StatPath {
        let statPath = path.appending(name)
        if detached { return statPath }
        let conflict = registry.declareAggregation(
            name, in: names, nodeID: nodeID,
            Aggregation(kind: kind, of: of, childType: childType, doc: doc, maxRetiredKeys: maxRetiredKeys))
        if conflict { registry.healthCounters.bindConflict() }
        return statPath
    }

    // MARK: Children

    /// Binds a fixed child collection at a path relative to this one (scales' `initChild`
    /// with a name), such as `sub/path`.
    public func child(at relative: StatPath, type: String? = nil, doc: String? = nil, collapsed: Bool = false)
        -> StatCollection
    {
        if detached { return self }
        let names = relative.segments.map(\.description)
        let exists = registry.state.withLock { $0.node(at: self.names, id: nodeID) != nil }
        guard exists else {
            return StatCollection(registry: Registry(), names: self.names + names, nodeID: 0, detached: true)
        }
        return registry.bindCollection(
            names: self.names + names, instance: nil, type: type, doc: doc, collapsed: collapsed)
    }

    /// Binds the instance `id` of a templated child collection, such as `thread-{id}` under
    /// `/processor` (scales' `initChild`).
    ///
    /// Without `id`, the registry numbers instances 1, 2, 3… (scales' auto-numbered children).
    /// `maxKeys` bounds the number of instances of this template under this collection (see
    /// ``Registry/collection(at:id:type:doc:collapsed:maxKeys:)``).
    public func child(
        _ template: StatPath, id: String? = nil, type: String? = nil, doc: String? = nil,
        collapsed: Bool = false, maxKeys: Int? = nil
    ) -> StatCollection {
        let id = id ?? String(registry.nextInstanceNumber())
        if detached { return self }
        guard let templateIndex = template.segments.lastIndex(where: \.isTemplate) else {
            return child(at: template.appending(id), type: type, doc: doc, collapsed: collapsed)
        }
        let prefix = template.segments[..<templateIndex].map(\.description)
        let rest = template.segments[(templateIndex + 1)...].map(\.description)
        if !prefix.isEmpty {
            // Intermediate segments (as in `C/{id}`) are plain containers under this collection.
            let middle = child(at: StatPath(names: prefix))
            return registry.bindInstance(
                parentNames: middle.names, parentID: middle.nodeID, template: template.segments[templateIndex], id: id,
                rest: rest, type: type, doc: doc, collapsed: collapsed, maxKeys: maxKeys)
        }
        return registry.bindInstance(
            parentNames: names, parentID: nodeID, template: template.segments[templateIndex], id: id, rest: rest,
            type: type, doc: doc, collapsed: collapsed, maxKeys: maxKeys)
    }

    // MARK: Removal

    /// Removes the stat `name` from this collection, if it is there and is `cell` (or any stat,
    /// when `cell` is `nil`). Idempotent. A parent's `sum` or `intDictSum` keeps its last value.
    public func removeStat(named name: String, ifIdenticalTo cell: AnyObject? = nil) {
        if detached { return }
        registry.removeStat(names: names, id: nodeID, name: name, cell: cell)
    }

    /// Removes this collection and everything below it from the tree. Idempotent: removing
    /// again, or removing after the path was re-created by someone else, does nothing.
    ///
    /// `sum` and `intDictSum` aggregates above keep what the removed children contributed;
    /// `histogram` stops counting them. Intermediate containers left empty are removed too.
    /// Handles keep working but are no longer shown; binding the path again makes fresh cells.
    public func remove() {
        if detached { return }
        registry.remove(names: names, id: nodeID)
    }
}

extension Registry {
    func nextInstanceNumber() -> Int {
        instanceNumbers.wrappingAdd(1, ordering: .relaxed).newValue
    }
}
