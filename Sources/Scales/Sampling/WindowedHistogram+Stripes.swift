// The striped record path of ``WindowedHistogram`` (taken once two threads contend for a
// slice's sum) and ``PmfStripes``, the block that holds every stripe's sums, zeros and rows.

import Synchronization

extension WindowedHistogram {
    // MARK: Stripes

    /// The counters of one stripe's row of extension `extensionPage` (see ``PmfStripes``).
    func stripeRow(_ extensionPage: UInt, stripe: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        Self.counters(extensionPage &+ UInt(stripe &* stripeRowBytes))
    }

    /// The bytes of one stripe's counters in an extension page: `5 × 2^s` counters, rounded up
    /// to whole ``Stripes/stride``s so that no two stripes share a cache line.
    var stripeRowBytes: Int {
        (4 * Self.slotCount * bucketsPerOctave + Stripes.stride - 1) / Stripes.stride * Stripes.stride
    }

    /// The stripes, allocated (and published) on first use.
    func stripesBlock() -> PmfStripes {
        let block = stripes.load(ordering: .acquiring)
        if block != 0 { return PmfStripes(block) }
        return PmfStripes(Stripes.publish(PmfStripes.allocate(), in: stripes))
    }

    /// The extension of page `index`: every stripe's rows (allocated on first use).
    func extensionPage(_ index: Int, of block: PmfStripes) -> UInt {
        let current = block.extensions[index].load(ordering: .acquiring)
        if current != 0 { return current }
        let bytes = stripeRowBytes * Stripes.count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Stripes.stride)
        let counters = raw.bindMemory(to: Atomic<UInt32>.self, capacity: bytes / 4)
        for k in 0..<bytes / 4 { (counters + k).initialize(to: Atomic(0)) }
        return Stripes.publish(raw, in: block.extensions[index])
    }

    /// Records a value in slot `slot` of the calling thread's stripe: a record whose
    /// compare-and-swap on the shared sum failed, or any record once the stripes exist.
    @usableFromInline @inline(never)
    func recordStriped(_ value: Double, slot: Int) {
        let block = stripesBlock()
        // The sum picks the stripe: the thread's own, or the next free one if another thread
        // shares it (a failed compare-and-swap), as striped ints do.
        var stripe = Stripes.index(probe: Stripes.threadProbe())
        var added = false
        for _ in 0..<Stripes.count {
            if block.tryAdd(value, stripe: stripe, slot: slot) {
                added = true
                break
            }
            stripe = (stripe &+ 1) & (Stripes.count &- 1)
        }
        if !added { block.sum(stripe: stripe, slot: slot).pointee.addDouble(value) }
        let bits = value.bitPattern
        var position = grid.finestIndex(bits) &>> (NativeGrid.finestSchema &- schema)
        if position < 0 {
            block.zeros(stripe: stripe, slot: slot).pointee.wrappingAdd(1, ordering: .relaxed)
        } else {
            // Beyond 2^64 (which PmfStat drops before it gets here): the top bucket.
            position = Swift.min(position, NativeGrid.octaves &<< schema &- 1)
            let index = position &>> schema | Int(truncatingIfNeeded: bits >> 63) &<< 7
            // The base page first: reads and rotations find octaves by their base pages.
            if pages[unchecked: index].pointee.load(ordering: .acquiring) == 0 { _ = allocatePage(index) }
            let row = stripeRow(extensionPage(index, of: block), stripe: stripe)
            row[slot &<< schema | position & (bucketsPerOctave &- 1)].wrappingAdd(1, ordering: .relaxed)
        }
        slots[slot].addToRange(value)
    }

    /// Gives the histogram its stripes now, as contention would (for tests of striped pmfs).
    func spread() {
        _ = stripesBlock()
    }

    /// Stripes in use: 0 until two threads are seen recording at once.
    var stripeCount: Int {
        stripes.load(ordering: .relaxed) == 0 ? 0 : Stripes.count
    }
}

/// The stripes of a ``WindowedHistogram`` (see its "Stripes"), in one block allocated by the
/// first record that found the sum contended: the address of each page's extension (256
/// words, 2 KiB), then one ``Stripes/stride`` per stripe holding its 5 slice sums and 5 zero
/// counts. An extension page holds every stripe's `5 × 2^s` counters (1,280 bytes per stripe
/// at the default schema 6), allocated by the first striped record of its octave.
struct PmfStripes {
    let base: UInt

    init(_ base: UInt) {
        self.base = base
    }

    static var headerBytes: Int { 2 * NativeGrid.octaves * MemoryLayout<UInt>.stride }

    /// A zeroed block.
    static func allocate() -> UnsafeMutableRawPointer {
        let bytes = headerBytes + Stripes.count * Stripes.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Stripes.stride)
        let table = raw.bindMemory(to: Atomic<UInt>.self, capacity: 2 * NativeGrid.octaves)
        for index in 0..<2 * NativeGrid.octaves { (table + index).initialize(to: Atomic(0)) }
        for stripe in 0..<Stripes.count {
            let cell = raw + headerBytes + stripe * Stripes.stride
            let sums = cell.bindMemory(to: Atomic<UInt64>.self, capacity: WindowedHistogram.slotCount)
            for slot in 0..<WindowedHistogram.slotCount { (sums + slot).initialize(to: Atomic(0.0.bitPattern)) }
            let zeros = (cell + 8 * WindowedHistogram.slotCount).bindMemory(
                to: Atomic<UInt32>.self, capacity: WindowedHistogram.slotCount)
            for slot in 0..<WindowedHistogram.slotCount { (zeros + slot).initialize(to: Atomic(0)) }
        }
        return raw
    }

    /// The extension addresses, by page index.
    var extensions: UnsafeMutablePointer<Atomic<UInt>> {
        UnsafeMutablePointer<Atomic<UInt>>(bitPattern: base).unsafelyUnwrapped
    }

    /// Stripe `stripe`'s sum of slot `slot` (a Double's bits).
    func sum(stripe: Int, slot: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        UnsafeMutablePointer<Atomic<UInt64>>(
            bitPattern: base &+ UInt(Self.headerBytes &+ stripe &* Stripes.stride &+ 8 &* slot)
        )
        .unsafelyUnwrapped
    }

    /// Stripe `stripe`'s zero count of slot `slot`.
    func zeros(stripe: Int, slot: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        UnsafeMutablePointer<Atomic<UInt32>>(
            bitPattern: base
                &+ UInt(Self.headerBytes &+ stripe &* Stripes.stride &+ 8 &* WindowedHistogram.slotCount &+ 4 &* slot)
        ).unsafelyUnwrapped
    }

    /// Adds `value` to a stripe's sum with one compare-and-swap; `false` if it was contended.
    func tryAdd(_ value: Double, stripe: Int, slot: Int) -> Bool {
        let cell = sum(stripe: stripe, slot: slot)
        let old = cell.pointee.load(ordering: .relaxed)
        return cell.pointee.compareExchange(
            expected: old, desired: (Double(bitPattern: old) + value).bitPattern, ordering: .relaxed
        ).exchanged
    }

    /// Frees the extension pages and the block.
    func deallocate() {
        for index in 0..<2 * NativeGrid.octaves {
            UnsafeMutableRawPointer(bitPattern: extensions[index].load(ordering: .acquiring))?.deallocate()
        }
        UnsafeMutableRawPointer(bitPattern: base)?.deallocate()
    }
}
