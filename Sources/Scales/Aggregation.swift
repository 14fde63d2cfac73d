// Aggregations (`sum`, `histogram`, `intDictSum`): the ``Aggregation`` a collection declares,
// the inputs it reads (as ``StatReader``s), what removed children leave it, and the
// ``AggregationPlan`` that copies its retired totals for a snapshot.

import Synchronization

/// A `sum`, `histogram` or `intDictSum` declared in a parent collection: derived from the
/// children's stat named `of` when read.
///
/// **Which children.** Below its collection, the aggregation takes the nearest containers that
/// hold an entry named `of` (and whose type is `childType`, when given), and does not look
/// further down inside them. That entry may be a stat or itself an aggregation (sums chain up
/// a tree: a cluster's `sum` of its nodes' `sum` of their workers), and nothing is counted
/// twice.
final class Aggregation {
    enum Kind: Sendable {
        case sum, histogram, intDictSum

        /// The kind's name in stats.yaml.
        var name: String {
            switch self {
            case .sum: return "sum"
            case .histogram: return "histogram"
            case .intDictSum: return "intDictSum"
            }
        }
    }

    let kind: Kind
    let of: String
    let childType: String?
    let doc: String?
    /// For `intDictSum`: the most keys kept for removed children (see ``retire(_:health:)``).
    let maxRetiredKeys: Int
    /// What removed children contributed (`sum` and `intDictSum` keep it; `histogram` does not).
    var retiredInt = 0
    var retiredDouble = 0.0
    var retiredIsDouble = false
    /// Whether retired values were counters (int or double), plain numbers, both or neither (a
    /// sum of counters is a counter).
    var retiredCounters = false
    var retiredPlainInts = false
    var retiredDict: [String: Int] = [:]
    /// Set once a child's `of` turned out to be a kind this aggregation cannot use (counted once
    /// in ``RegistryHealth/bindConflicts``).
    let mismatch = MismatchFlag()

    /// Its snapshot record's fixed part, made by the first snapshot (the name is its entry's).
    private var info: StatInfo?

    /// The record's fixed part for the entry named `name` (under the registry's lock).
    func info(named name: String) -> StatInfo {
        if let info, info.name == name { return info }
        let made = StatInfo(name: name, doc: doc, declaredKind: kind.name)
        info = made
        return made
    }

    /// The default bound on the keys an `intDictSum` keeps for removed children.
    static let defaultMaxRetiredKeys = 1000

    init(kind: Kind, of: String, childType: String?, doc: String?, maxRetiredKeys: Int? = nil) {
        self.kind = kind
        self.of = of
        self.childType = childType
        self.doc = doc
        self.maxRetiredKeys = Swift.max(0, maxRetiredKeys ?? Self.defaultMaxRetiredKeys)
    }

    /// Whether `node` is a child this aggregation reads (its type matches and it holds `of`).
    func reads(_ node: Node) -> Bool {
        guard childType == nil || node.typeName == childType else { return false }
        switch node.entries[of] {
        case .stat, .aggregation: return true
        case .container, nil: return false
        }
    }

    /// What this aggregation reads below `owner`: the nearest matching containers' entries.
    func inputs(below owner: Node) -> [StatReader] {
        var inputs: [StatReader] = []
        for entry in owner.entries.values {
            if case .container(let child) = entry { collect(child, into: &inputs) }
        }
        return inputs
    }

    /// The inputs at or below `node` (a matching container stops the descent).
    func collect(_ node: Node, into inputs: inout [StatReader]) {
        if reads(node) {
            switch node.entries[of] {
            case .stat(let cell, _): inputs.append(.cell(cell))
            case .aggregation(let nested): inputs.append(.derived(nested.plan, nested.inputs(below: node)))
            case .container, nil: break
            }
            return
        }
        for entry in node.entries.values {
            if case .container(let child) = entry { collect(child, into: &inputs) }
        }
    }

    /// Whether this aggregation, declared in `owner`, reads entries inside `node` (a
    /// descendant): no container strictly between them is one it reads.
    func reachesInto(_ node: Node, from owner: Node) -> Bool {
        var current = node.parent
        while let between = current, between !== owner {
            if reads(between) { return false }
            current = between.parent
        }
        return current === owner
    }

    /// Keeps what a removed child contributed, for `sum` and `intDictSum`. (Always called
    /// while the child's entry is removed, which moves the tree's shape.)
    ///
    /// An `intDictSum` keeps the totals of at most ``maxRetiredKeys`` keys for removed
    /// children (so that short-lived children with keys of their own cannot grow it without
    /// bound); a removed child's total for a further key is added to the key
    /// ``IntDictStat/overflowKey`` and counted in ``RegistryHealth/overflowedKeys``.
    func retire(_ value: StatValue, health: HealthCounters) {
        switch (kind, value) {
        case (.sum, .int(let value)):
            retiredInt &+= value
            retiredPlainInts = true
        case (.sum, .counter(let value)):
            retiredInt &+= value
            retiredCounters = true
        case (.sum, .double(let value)):
            retiredDouble += value
            retiredIsDouble = true
            retiredPlainInts = true
        case (.sum, .doubleCounter(let value)):
            retiredDouble += value
            retiredIsDouble = true
            retiredCounters = true
        case (.intDictSum, .intDict(let dict)):
            for (key, value) in dict {
                if retiredDict[key] != nil || retiredKeyCount < maxRetiredKeys || key == IntDictStat.overflowKey {
                    retiredDict[key, default: 0] &+= value
                } else {
                    retiredDict[IntDictStat.overflowKey, default: 0] &+= value
                    health.overflowedKey()
                }
            }
        default:
            break
        }
    }

    /// Keys kept for removed children, not counting the overflow key.
    private var retiredKeyCount: Int {
        retiredDict.count - (retiredDict[IntDictStat.overflowKey] == nil ? 0 : 1)
    }

    var plan: AggregationPlan {
        AggregationPlan(
            kind: kind, retiredInt: retiredInt, retiredDouble: retiredDouble,
            retiredIsDouble: retiredIsDouble, retiredCounters: retiredCounters,
            retiredPlainInts: retiredPlainInts, retiredDict: retiredDict, mismatch: mismatch)
    }
}

/// Whether an aggregation has met a child stat of a kind it cannot use; flips once.
final class MismatchFlag: Sendable {
    private let seen = Atomic<Bool>(false)

    /// Marks it; `true` the first time only.
    func mark() -> Bool {
        !seen.exchange(true, ordering: .relaxed)
    }
}

// MARK: Retiring what removed children contributed

extension Aggregation {
    /// Before `node` is removed: each `sum` and `intDictSum` above it keeps what the removed
    /// subtree contributed, the entries it reads inside it (none when the sum reads a container
    /// above the removed one). Call with the registry's lock held.
    static func retire(removed node: Node, health: HealthCounters) {
        var ancestor = node.parent
        while let owner = ancestor {
            for case .aggregation(let aggregation) in owner.entries.values
            where aggregation.kind != .histogram && aggregation.reachesInto(node, from: owner) {
                var inputs: [StatReader] = []
                aggregation.collect(node, into: &inputs)
                for input in inputs { aggregation.retire(input.read(health), health: health) }
            }
            ancestor = owner.parent
        }
    }

    /// Before the stat `name` (`cell`) is removed from `node`: each `sum` and `intDictSum` above
    /// that reads it keeps its last value. Call with the registry's lock held.
    static func retire(removedStat cell: any StatCell, named name: String, in node: Node, health: HealthCounters) {
        var ancestor = node.parent
        while let owner = ancestor {
            for case .aggregation(let aggregation) in owner.entries.values
            where aggregation.kind != .histogram && aggregation.of == name && aggregation.reads(node)
                && aggregation.reachesInto(node, from: owner)
            {
                aggregation.retire(cell.read(health), health: health)
            }
            ancestor = owner.parent
        }
    }
}

/// An aggregation's retired totals, copied for one snapshot.
struct AggregationPlan: Sendable {
    let kind: Aggregation.Kind
    let retiredInt: Int
    let retiredDouble: Double
    let retiredIsDouble: Bool
    let retiredCounters: Bool
    let retiredPlainInts: Bool
    let retiredDict: [String: Int]
    let mismatch: MismatchFlag

    /// The aggregate of the children's `values` and the retired totals. A value of a kind this
    /// aggregation cannot use is left out and counted (once per aggregation) as a bind
    /// conflict; when no value was usable and nothing is retired, the result is absent rather
    /// than a 0 nobody asked for. An absent value (a failed gauge, counted already) is skipped.
    func evaluate(_ values: [StatValue], health: HealthCounters) -> StatValue {
        var usable = 0
        var unusable = 0
        defer {
            if unusable > 0, mismatch.mark() { health.bindConflict() }
        }
        switch kind {
        case .sum:
            var intTotal = retiredInt
            var doubleTotal = retiredDouble
            var isDouble = retiredIsDouble
            // A sum of counters only grows (removed children's values are kept): a counter too.
            var allCounters = (retiredCounters || !values.isEmpty) && !retiredPlainInts
            for value in values {
                switch value {
                case .counter(let v):
                    intTotal &+= v
                    usable += 1
                case .int(let v):
                    intTotal &+= v
                    allCounters = false
                    usable += 1
                case .double(let v):
                    doubleTotal += v
                    isDouble = true
                    allCounters = false
                    usable += 1
                case .doubleCounter(let v):
                    doubleTotal += v
                    isDouble = true
                    usable += 1
                case .absent: break
                default: unusable += 1
                }
            }
            if unusable > 0, usable == 0, !retiredIsDouble, !retiredCounters, !retiredPlainInts { return .absent }
            if isDouble {
                let total = doubleTotal + Double(intTotal)
                return allCounters ? .doubleCounter(total) : .double(total)
            }
            return allCounters ? .counter(intTotal) : .int(intTotal)
        case .histogram:
            var counts: [String: Int] = [:]
            for value in values {
                let key: String
                switch value {
                case .string(let s): key = s
                case .bool(let b): key = String(b)
                case .int(let i), .counter(let i): key = String(i)
                case .absent: continue
                default:
                    unusable += 1
                    continue
                }
                if key.isEmpty { continue }
                counts[key, default: 0] += 1
            }
            return .intDict(counts)
        case .intDictSum:
            var totals = retiredDict
            for value in values {
                switch value {
                case .intDict(let dict):
                    for (key, v) in dict { totals[key, default: 0] &+= v }
                    usable += 1
                case .absent: break
                default: unusable += 1
                }
            }
            if unusable > 0, usable == 0, retiredDict.isEmpty { return .absent }
            return .intDict(totals)
        }
    }
}
