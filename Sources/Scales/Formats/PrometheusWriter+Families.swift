// Writing a ``PrometheusWriter``'s entries as families: sorting them, the collision rule
// (run only when two stats share a name), and each family's text sample lines.

import ScalesNaming

extension PrometheusWriter {
    /// Gives every stat names no other stat writes: in walk (path) order, a stat whose names
    /// (its families, and a summary's `_sum` and `_count`) are taken by another stat, or by
    /// instances of the same pattern of another kind, is renamed `base_2` (`_3`, …). Records
    /// the base names that collided in ``collisions``.
    private mutating func resolveCollisions() {
        var taken: [String: Int] = [:]
        var bases: [Int: String] = [:]
        for index in entries.indices {
            let owner = entries[index].owner
            if let base = bases[owner] {
                if base != entries[index].base { rename(index, to: base) }
                continue
            }
            let original = entries[index].base
            let shape = ownerShapes[owner]
            var base = original
            var attempt = 1
            while shape.names(base: base).contains(where: { taken[$0].map { $0 != owner } ?? false }) {
                attempt += 1
                base = PrometheusNames.renamed(original, attempt: attempt)
            }
            if attempt > 1 { collisions.append(original) }
            for name in shape.names(base: base) { taken[name] = owner }
            bases[owner] = base
            if base != original { rename(index, to: base) }
        }
    }

    /// Entry indices by family, labels and walk order.
    private func sortedEntries() -> [Int] {
        var sorted = Array(entries.indices)
        // Through a buffer: comparing `entries[a]` with `entries[b]` would copy both entries
        // (and retain their strings) at every comparison.
        entries.withUnsafeBufferPointer { entries in
            sorted.sort { a, b in
                if entries[a].family != entries[b].family { return entries[a].family < entries[b].family }
                if entries[a].key != entries[b].key { return entries[a].key < entries[b].key }
                return entries[a].order < entries[b].order
            }
        }
        return sorted
    }

    /// Whether two owners write a name (a family, or a summary's `_sum` or `_count`), given
    /// the entries sorted by family. When none does, ``resolveCollisions()`` renames nothing,
    /// so the common case skips it (and its hashing of every name).
    private func sharesNames(_ sorted: [Int]) -> Bool {
        let shared = entries.withUnsafeBufferPointer { entries in
            sorted.indices.dropFirst().contains { position in
                let (previous, index) = (sorted[position - 1], sorted[position])
                return entries[previous].owner != entries[index].owner
                    && entries[previous].family == entries[index].family
            }
        }
        if shared { return true }
        for index in entries.indices where entries[index].kind == .summary {
            let base = entries[index].base
            for name in [base + "_sum", base + "_count"] {
                let found = firstPosition(ofFamily: name, in: sorted)
                if found < sorted.count, entries[sorted[found]].family == name { return true }
            }
        }
        return false
    }

    /// The first position in `sorted` whose family is not below `family`.
    private func firstPosition(ofFamily family: String, in sorted: [Int]) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let middle = (low + high) / 2
            if entries[sorted[middle]].family < family { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private mutating func rename(_ index: Int, to base: String) {
        entries[index].base = base
        entries[index].family = entries[index].suffix.family(base)
    }

    /// One family: its positions in the sorted order, and the kind and help of its earliest
    /// entry (`first`, an index into `entries`, which is walk order).
    struct Block {
        var range: Range<Int>
        var kind: Kind
        var first: Int
    }

    /// Writes the families in order; returns each family's name and bytes. Records where hole
    /// values go in `holeOffsets`.
    mutating func writeFamilies(into out: inout [UInt8]) -> [(family: String, range: Range<Int>)] {
        var sorted = sortedEntries()
        if ownerBasesDiffer || sharesNames(sorted) {
            resolveCollisions()
            sorted = sortedEntries()
        }
        let entries = self.entries
        // Families, each with the kind of its earliest entry.
        var blocks: [Block] = []
        entries.withUnsafeBufferPointer { entries in
            var start = 0
            while start < sorted.count {
                var end = start + 1
                var first = start
                while end < sorted.count, entries[sorted[end]].family == entries[sorted[start]].family {
                    if entries[sorted[end]].order < entries[sorted[first]].order { first = end }
                    end += 1
                }
                blocks.append(Block(range: start..<end, kind: entries[sorted[first]].kind, first: sorted[first]))
                start = end
            }
        }

        out.reserveCapacity(out.count + entries.count * 48 + blocks.count * 80)
        var families: [(family: String, range: Range<Int>)] = []
        families.reserveCapacity(blocks.count)
        var openMetricsNames: [String: Int] = [:]
        if format == .openMetrics { openMetricsNames = openMetricsNameCounts(blocks, sorted) }
        for block in blocks {
            let start = out.count
            defer { families.append((entries[block.first].family, start..<out.count)) }
            switch format {
            case .prometheusText: break
            case .openMetrics:
                writeOpenMetricsFamily(block, sorted, names: openMetricsNames, into: &out)
                continue
            case .protobuf:
                writeProtobufFamily(block, sorted, into: &out)
                continue
            }
            let family = entries[block.first].family
            out.append(contentsOf: "# HELP ".utf8)
            out.appendUTF8(family)
            out.append(0x20)
            Self.appendHelp(helps[entries[block.first].help], to: &out)
            out.append(contentsOf: "\n# TYPE ".utf8)
            out.appendUTF8(family)
            out.append(0x20)
            block.kind.text.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(0x0A)
            appendTextSamples(block, sorted, into: &out)
        }
        return families
    }

    /// A family's sample lines in the text formats (0.0.4 and OpenMetrics write the same).
    mutating func appendTextSamples(_ block: Block, _ sorted: [Int], into out: inout [UInt8]) {
        var previousKey: String?
        for position in block.range {
            if case .value(let value) = entries[sorted[position]].sample, block.range.count == 1 {
                // A family of one scalar series (most of them): no copy of the entry.
                Self.appendLine(entries[sorted[position]].family, entries[sorted[position]].key, nil, value, to: &out)
                continue
            }
            let entry = entries[sorted[position]]
            guard !isRepeated(entry, after: &previousKey) else { continue }
            switch entry.sample {
            case .value(let value):
                Self.appendLine(entry.family, entry.key, nil, value, to: &out)
            case .hole(let hole):
                Self.appendLine(entry.family, entry.key, nil, "", to: &out)
                holeOffsets.append((out.count - 1, hole))
            case .pmf(let pmfIndex):
                let pmf = pmfs[pmfIndex]
                let quantiles: [(String, Double?)] = [
                    ("quantile=\"0.5\"", pmf.median), ("quantile=\"0.75\"", pmf.p75), ("quantile=\"0.95\"", pmf.p95),
                    ("quantile=\"0.98\"", pmf.p98), ("quantile=\"0.99\"", pmf.p99), ("quantile=\"0.999\"", pmf.p999),
                ]
                for (label, value) in quantiles {
                    guard let value else { continue }
                    Self.appendLine(entry.family, entry.key, label, PrometheusFormat.formatValue(value), to: &out)
                }
                Self.appendLine(entry.family + "_sum", entry.key, nil, PrometheusFormat.formatValue(pmf.sum), to: &out)
                Self.appendLine(entry.family + "_count", entry.key, nil, String(pmf.count), to: &out)
            }
        }
    }

    /// Whether `entry` is the same series as the one before it in sorted order (one stat's
    /// labels repeated, as a bridge could make them): every format keeps the first and counts
    /// the family as a collision. Otherwise `entry`'s labels become `previousKey`.
    mutating func isRepeated(_ entry: Entry, after previousKey: inout String?) -> Bool {
        if entry.key == previousKey {
            collisions.append(entry.family)
            return true
        }
        previousKey = entry.key
        return false
    }
}
