// Reading a ``WindowedHistogram``: its ``WindowedHistogram/Contents`` (all-time totals and
// the window's weighted buckets, merged over slices and stripes) and the quantiles of them.

import ScalesPlatform
import Synchronization

extension WindowedHistogram {
    // MARK: Reading

    /// One bucket of the merged window: the value reported for it, and its weight.
    struct Entry {
        var value: Double
        var weight: Double
    }

    /// What a read sees: all-time totals and buckets, and the window's weighted buckets.
    struct Contents {
        var count = 0
        var sum = 0.0
        var windowCount = 0
        var weightedSum = 0.0
        var weightedCount = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        /// Sorted by value, values clamped to `minimum...maximum`; one per non-empty bucket of
        /// the window (its slices merged).
        var entries: [Entry] = []
        var totalWeight = 0.0
        /// All-time counts per bucket (when asked for).
        var zeroCount = 0
        var positive: [NativeBucket] = []
        var negative: [NativeBucket] = []

        var isEmpty: Bool { windowCount == 0 || weightedCount <= 0 || minimum > maximum || entries.isEmpty }

        /// Nearest-rank quantiles of the weighted window, or `nil` when it is empty.
        func quantiles(_ qs: [Double]) -> [Double]? {
            isEmpty ? nil : WindowedHistogram.quantiles(qs, of: entries, totalWeight: totalWeight)
        }
    }

    /// Reads the all-time totals (and, with `buckets`, the all-time counts per bucket) and the
    /// window at `now`.
    func contents(at now: UInt64, buckets: Bool) -> Contents {
        let nowEpoch = now / sliceNanoseconds
        var contents = Contents()
        let n = bucketsPerOctave
        let block = stripes.load(ordering: .acquiring)
        let striped = block == 0 ? nil : PmfStripes(block)
        // A slot's sum and zero count: the shared ones plus every stripe's.
        func slotSum(_ slot: Int) -> Double {
            var sum = Double(bitPattern: slots[slot].sum.load(ordering: .relaxed))
            if let striped {
                for stripe in 0..<Stripes.count {
                    sum += Double(bitPattern: striped.sum(stripe: stripe, slot: slot).pointee.load(ordering: .relaxed))
                }
            }
            return sum
        }
        func slotZeros(_ slot: Int) -> Int {
            var zeros = Int(slots[slot].zeros.load(ordering: .relaxed))
            if let striped {
                for stripe in 0..<Stripes.count {
                    zeros &+= Int(striped.zeros(stripe: stripe, slot: slot).pointee.load(ordering: .relaxed))
                }
            }
            return zeros
        }
        // A bucket's count in a slot: the page's plus every stripe's row of its extension.
        func count(_ counters: UnsafeMutablePointer<Atomic<UInt32>>, extensionPage: UInt, slot: Int, bucket: Int)
            -> UInt32
        {
            var total = counters[slot * n + bucket].load(ordering: .relaxed)
            guard extensionPage != 0 else { return total }
            for stripe in 0..<Stripes.count {
                total &+= stripeRow(extensionPage, stripe: stripe)[slot * n + bucket].load(ordering: .relaxed)
            }
            return total
        }
        retired.withLock { totals in
            // Each slot's weight in the window (0: not in it), read once.
            var weights = InlineArray<5, Double>(repeating: 0)
            var heaviest = 0.0
            var sum = totals.sum
            for index in 0..<Self.slotCount {
                let tag = slots[index].tag.load(ordering: .acquiring)
                guard tag != 0 else { continue }
                sum += slotSum(index)
                let epoch = tag &- 1
                guard epoch &+ UInt64(Self.slotCount) > nowEpoch && epoch <= nowEpoch &+ 1 else { continue }
                // Age of the slice's middle (the current slice: the middle of what has passed).
                let start = epoch &* sliceNanoseconds
                let end = Swift.min(start &+ sliceNanoseconds, Swift.max(now, start))
                let middle = Double(start) / 2 + Double(end) / 2
                let age = Swift.max(0, Double(now) - middle)
                weights[index] = exp2(-age / Double(sliceNanoseconds))
                heaviest = Swift.max(heaviest, weights[index])
            }
            var live = false
            for index in 0..<Self.slotCount where weights[index] > 0 {
                weights[index] /= heaviest
                live = true
            }
            // The pages, read once so that the entries fit the capacity computed from them.
            var addresses = InlineArray<256, UInt>(repeating: 0)
            var extensions = InlineArray<256, UInt>(repeating: 0)
            var pageCount = 0
            for index in 0..<2 * NativeGrid.octaves {
                addresses[index] = pages[unchecked: index].pointee.load(ordering: .acquiring)
                if addresses[index] != 0 { pageCount += 1 }
                if let striped { extensions[index] = striped.extensions[index].load(ordering: .acquiring) }
            }
            var slotCounts = InlineArray<5, Int>(repeating: 0)
            var allCount = totals.count
            var entries: [Entry] = []
            var positive: [NativeBucket] = []
            var negative: [NativeBucket] = []
            let midpoints = NativeGrid.midpoints[schema]
            // One bucket: its counts in every slot, its entry if the window holds some of it,
            // its all-time count.
            func visit(
                _ counts: (Int) -> UInt32, allTime: Int, value: Double, index: Int, into list: inout [NativeBucket],
                _ emit: (Entry) -> Void
            ) {
                var total = allTime
                var weight = 0.0
                for slot in 0..<Self.slotCount {
                    let c = Int(counts(slot))
                    guard c != 0 else { continue }
                    total &+= c
                    slotCounts[slot] &+= c
                    weight += weights[slot] * Double(c)
                }
                allCount &+= total &- allTime
                if weight > 0 { emit(Entry(value: value, weight: weight)) }
                if buckets && total > 0 { list.append(NativeBucket(index: index, count: total)) }
            }
            func walk(emit: (Entry) -> Void) {
                // Negative values by descending magnitude, the zero bucket, positive ascending.
                for octave in stride(from: NativeGrid.octaves - 1, through: 0, by: -1) {
                    let page = addresses[1 << 7 | octave]
                    guard page != 0 else { continue }
                    let counters = Self.counters(page)
                    let extensionPage = extensions[1 << 7 | octave]
                    let allTime = allTime(page)
                    let scale = -exp2(Double(octave + NativeGrid.lowestExponent))
                    for bucket in stride(from: n - 1, through: 0, by: -1) {
                        visit(
                            { count(counters, extensionPage: extensionPage, slot: $0, bucket: bucket) },
                            allTime: Int(allTime[bucket]),
                            value: scale * midpoints[bucket],
                            index: (octave + NativeGrid.lowestExponent) * n + bucket + 1,
                            into: &negative, emit)
                    }
                }
                var zeros = totals.zeros
                var zeroWeight = 0.0
                for slot in 0..<Self.slotCount {
                    let c = slotZeros(slot)
                    zeros &+= c
                    slotCounts[slot] &+= c
                    zeroWeight += weights[slot] * Double(c)
                }
                allCount &+= zeros &- totals.zeros
                contents.zeroCount = zeros
                if zeroWeight > 0 { emit(Entry(value: 0, weight: zeroWeight)) }
                for octave in 0..<NativeGrid.octaves {
                    let page = addresses[octave]
                    guard page != 0 else { continue }
                    let counters = Self.counters(page)
                    let extensionPage = extensions[octave]
                    let allTime = allTime(page)
                    let scale = exp2(Double(octave + NativeGrid.lowestExponent))
                    for bucket in 0..<n {
                        visit(
                            { count(counters, extensionPage: extensionPage, slot: $0, bucket: bucket) },
                            allTime: Int(allTime[bucket]),
                            value: scale * midpoints[bucket],
                            index: (octave + NativeGrid.lowestExponent) * n + bucket + 1,
                            into: &positive, emit)
                    }
                }
            }
            if live {
                entries = [Entry](unsafeUninitializedCapacity: pageCount * n + 1) { buffer, filled in
                    walk { entry in
                        buffer.initializeElement(at: filled, to: entry)
                        filled += 1
                    }
                }
            } else {
                walk { _ in }
            }
            contents.count = allCount
            contents.sum = sum
            contents.positive = positive
            contents.negative = negative.reversed()
            contents.entries = entries
            for slot in 0..<Self.slotCount where weights[slot] > 0 && slotCounts[slot] > 0 {
                let weight = weights[slot]
                let s = slotSum(slot)
                contents.windowCount &+= slotCounts[slot]
                contents.weightedSum += weight * s
                contents.weightedCount += weight * Double(slotCounts[slot])
                contents.minimum = Swift.min(
                    contents.minimum, Double(bitPattern: slots[slot].minimum.load(ordering: .relaxed)))
                contents.maximum = Swift.max(
                    contents.maximum, Double(bitPattern: slots[slot].maximum.load(ordering: .relaxed)))
            }
        }
        guard !contents.isEmpty else { return contents }
        // Clamp to the exact range (monotonic, so the order is kept) and total the weights.
        let (minimum, maximum) = (contents.minimum, contents.maximum)
        contents.totalWeight = contents.entries.withUnsafeMutableBufferPointer { entries in
            var total = 0.0
            for index in entries.indices {
                entries[index].value = Swift.min(Swift.max(entries[index].value, minimum), maximum)
                total += entries[index].weight
            }
            return total
        }
        return contents
    }

    /// All-time count and sum (and, with `buckets`, the all-time counts on the grid), and the
    /// figures of the window at `now`.
    func figures(at now: UInt64, buckets: Bool = true) -> PmfSnapshot {
        let contents = contents(at: now, buckets: buckets)
        var result = PmfSnapshot(count: contents.count, sum: contents.sum, windowCount: contents.windowCount)
        if buckets {
            result.buckets = NativeHistogram(
                schema: schema, zeroThreshold: NativeGrid.zeroThreshold, zeroCount: contents.zeroCount,
                count: contents.count, sum: contents.sum, positive: contents.positive, negative: contents.negative)
        }
        guard !contents.isEmpty else { return result }
        let mean = Swift.min(
            Swift.max(contents.weightedSum / contents.weightedCount, contents.minimum), contents.maximum)
        // The reported quantiles and the variance, in one pass with no arrays.
        var quantiles = InlineArray<6, Double>(repeating: 0)
        let targets: InlineArray<6, Double> = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999]
        var variance = 0.0
        Self.walk(contents.entries, totalWeight: contents.totalWeight, targets: 6) {
            targets[$0]
        } visit: { entry in
            let d = entry.value - mean
            variance += entry.weight * d * d
        } found: {
            quantiles[$0] = $1
        }
        result.min = contents.minimum
        result.max = contents.maximum
        result.mean = mean
        result.stddev = (variance / contents.totalWeight).squareRoot()
        result.median = quantiles[0]
        result.p75 = quantiles[1]
        result.p95 = quantiles[2]
        result.p98 = quantiles[3]
        result.p99 = quantiles[4]
        result.p999 = quantiles[5]
        return result
    }

    /// Nearest-rank quantiles of sorted, weighted entries: the first entry whose cumulative
    /// weight reaches `q × totalWeight`.
    static func quantiles(_ qs: [Double], of entries: [Entry], totalWeight: Double) -> [Double] {
        var result = [Double](repeating: 0, count: qs.count)
        let order = qs.indices.sorted { qs[$0] < qs[$1] }
        walk(entries, totalWeight: totalWeight, targets: qs.count) {
            qs[order[$0]]
        } visit: { _ in
        } found: {
            result[order[$0]] = $1
        }
        return result
    }

    /// The nearest-rank rule, in one pass over sorted, weighted entries: `visit` sees every
    /// entry in order, and `found(i, value)` reports the first entry whose cumulative weight
    /// reaches `target(i) × totalWeight` (the last entry for a target not reached), for
    /// `target(i)` ascending in `i`.
    @inline(__always)
    static func walk(
        _ entries: [Entry], totalWeight: Double, targets count: Int, target: (Int) -> Double,
        visit: (Entry) -> Void, found: (Int, Double) -> Void
    ) {
        entries.withUnsafeBufferPointer { entries in
            var cumulative = 0.0
            var next = 0
            let last = entries.count - 1
            for index in entries.indices {
                let entry = entries[index]
                visit(entry)
                cumulative += entry.weight
                while next < count, cumulative >= target(next) * totalWeight || index == last {
                    found(next, entry.value)
                    next += 1
                }
            }
        }
    }
}
