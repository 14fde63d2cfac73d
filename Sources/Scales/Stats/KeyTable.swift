import ScalesPlatform
// package: ``ReadSection``, a test hook, hands out pointers to atomics.
package import Synchronization

/// One key of a keyed stat (``IntDictStat``): its value, in a ``StripedInt``.
///
/// How a removed key's cell refuses updates depends on the dict:
/// - **Without `autoDelete`** the cell has a ``live`` flag. An update loads it, then adds with
///   one `lock xadd` (on the cell's word, or on its thread's CPU stripe once two threads are seen
///   updating the key at once, as an ``IntStat`` does). A removal clears the flag; an update
///   that loaded the flag just before lands in the removed cell and is discarded with it, as if
///   it came just before the removal. A removed cell is never used again: the key comes back in
///   a new cell, so no update can land in a cell after it was brought back.
/// - **With `autoDelete`** an update must see the key's new value, to remove the key at 0, so
///   the cell stays one word (never striped) and an update is a compare-and-swap that refuses
///   ``KeyCell/removed`` (`Int.min`), the marker a removed cell holds. An update that finds it
///   takes the dict's lock, where the dict's own record says whether the key lives (a live
///   value may be `Int.min` too; then every update takes the lock until it moves off it, and
///   stays exact). Removing at 0 is one compare-and-swap of 0 to the marker, so no update is lost
///   between the check and the removal, and the key comes back in the same cell.
final class KeyCell: Sendable {
    /// The marker a removed key's cell holds in an `autoDelete` dict.
    static let removed = Int.min

    let key: String
    let hash: Int
    /// Whether the key lives, in a dict without `autoDelete` (always `true` with it).
    let live = Atomic<Bool>(true)
    let value: StripedInt

    init(key: String, hash: Int, value: Int) {
        self.key = key
        self.hash = hash
        self.value = StripedInt(value)
    }

    /// The update of a dict without `autoDelete`: adds `amount` if the key lives (one load and
    /// one `lock xadd`); `false` if the cell was removed.
    @inline(__always)
    func addIfLive(_ amount: Int) -> Bool {
        guard live.load(ordering: .acquiring) else { return false }
        value.add(amount)
        return true
    }

    /// The update of an `autoDelete` dict: adds `amount` unless the cell holds ``removed``; the
    /// new value, or `nil` if it did not add. The cell's one word, never striped.
    @inline(__always)
    func addIfNotRemoved(_ amount: Int) -> Int? {
        var current = value.base.load(ordering: .relaxed)
        while current != Self.removed {
            let new = current &+ amount
            let (exchanged, original) = value.base.weakCompareExchange(
                expected: current, desired: new, ordering: .relaxed)
            if exchanged { return new }
            current = original
        }
        return nil
    }
}

/// The read-mostly index of a keyed stat: an open-addressing table of ``KeyCell``s that
/// updates probe without a lock, so `dict[key] += 1` on an existing key is a hash, a probe and
/// one `lock xadd` (a compare-and-swap with `autoDelete`), inside a ``ReadSection``.
///
/// Writers (inserting a key) hold the dict's lock; they fill an empty slot in place, or, when
/// the table is half full (live and removed cells), build one sized for the live keys without
/// the removed cells, publish it and free the old one (and with it the removed cells no handle
/// holds) only after ``ReadSection/synchronize()`` (no reader can still be in it). So keys
/// removed and added forever keep the index under 4 × (live keys + 1) slots (at least 8) as of
/// its last rebuild, and the removed cells it holds fewer than half its slots. A reader that
/// misses a key just inserted or finds a removed cell takes the dict's lock.
final class KeyIndex: @unchecked Sendable {
    // @unchecked: `slots` are atomics; `used` is only touched under the owning dict's lock.
    let mask: Int
    private let slots: UnsafeMutablePointer<Atomic<UInt>>
    /// Slots filled (live and removed cells); under the dict's lock only.
    private(set) var used = 0

    /// An empty index with room for `capacity` slots (a power of two).
    init(capacity: Int) {
        mask = capacity - 1
        slots = UnsafeMutablePointer.allocate(capacity: capacity)
        for index in 0..<capacity { (slots + index).initialize(to: Atomic(0)) }
    }

    deinit {
        for index in 0...mask {
            let bits = slots[index].load(ordering: .relaxed)
            if let pointer = UnsafeRawPointer(bitPattern: bits) { Unmanaged<KeyCell>.fromOpaque(pointer).release() }
        }
        slots.deinitialize(count: mask + 1)
        slots.deallocate()
    }

    /// The smallest index capacity that keeps `count` cells at most half full.
    static func capacity(for count: Int) -> Int {
        var capacity = 8
        while capacity < 2 * (count + 1) { capacity <<= 1 }
        return capacity
    }

    /// Whether one more cell fits without passing half full.
    var hasRoom: Bool { 2 * (used + 1) <= mask + 1 }

    /// Calls `body` with the cell of `key` if the index has one: the live one when
    /// `liveOnly` (a dict without `autoDelete`, whose removed cells are never used again, so
    /// that the index may hold several cells of one key, all but one removed), else the only one,
    /// live or removed. Readers call it inside a ``ReadSection``; the cell is valid only inside
    /// `body`.
    @inline(__always)
    func withCell<Result>(_ key: String, hash: Int, liveOnly: Bool, _ body: (KeyCell) -> Result) -> Result? {
        var index = hash & mask
        while true {
            let bits = slots[index].load(ordering: .acquiring)
            guard let pointer = UnsafeRawPointer(bitPattern: bits) else { return nil }
            let cell = Unmanaged<KeyCell>.fromOpaque(pointer)
            let found = cell._withUnsafeGuaranteedRef {
                $0.hash == hash && $0.key == key && (!liveOnly || $0.live.load(ordering: .acquiring))
            }
            if found { return cell._withUnsafeGuaranteedRef(body) }
            index = (index &+ 1) & mask
        }
    }

    /// Adds `cell` (its key must not be in the index); the caller holds the dict's lock and has
    /// checked ``hasRoom``.
    func insert(_ cell: KeyCell) {
        var index = cell.hash & mask
        while slots[index].load(ordering: .relaxed) != 0 { index = (index &+ 1) & mask }
        let bits = UInt(bitPattern: Unmanaged.passRetained(cell).toOpaque())
        slots[index].store(bits, ordering: .releasing)
        used += 1
    }

    /// The hash the index files `key` under: a word-at-a-time multiply-xor over its UTF-8
    /// bytes (String's own seeded SipHash costs more than the rest of an update).
    @inline(__always)
    static func hash(_ key: String) -> Int {
        if let hash = key.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return hash }
        return Array(key.utf8).withUnsafeBytes { hash($0) }
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        let count = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        var offset = 0
        while offset + 8 <= count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            offset += 8
        }
        // The 1 to 7 bytes after the last whole word, without a loop over them: two 4-byte reads
        // that may overlap, or 3 single bytes. Both stay within that last partial word: a read
        // across the 8-byte boundary of a small string's bytes, just copied to the stack in two
        // words, would wait for the copy (a failed store forward, about 4 ns a key here). The
        // count, mixed in first, tells apart keys whose tails read alike.
        let rest = count - offset
        if rest > 0 {
            let tail: UInt64
            if rest >= 4 {
                tail =
                    UInt64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                    | UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) << 32
            } else {
                tail = UInt64(bytes[offset]) | UInt64(bytes[offset + rest / 2]) << 8 | UInt64(bytes[count - 1]) << 16
            }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        h ^= h >> 29
        return Int(bitPattern: UInt(h))
    }
}

/// Announces lock-free readers of ``KeyIndex``es so that a writer knows when an index it
/// replaced can be freed (a grace period, as in read-copy-update).
///
/// A reader claims one of 64 padded slots (the first free one from a slot picked by its stack
/// address, so two threads rarely try the same one) with one compare-and-swap, and frees it
/// with a plain store when done: one locked instruction per read section, not two. A slot's
/// word counts claims and frees (odd while claimed), so ``synchronize()`` waits, for each slot
/// claimed when it looks, until the word moves on. A reader claiming the slot again later
/// moves it past the value looked at, so a writer never waits for sections that began after
/// it looked, however busy the slot. Readers never wait, unless all 64 slots are claimed at
/// once; only a writer replacing an index does, and only for the few nanoseconds a reader
/// spends probing (longer if the reader's thread is descheduled there).
///
/// The writer publishes the new index before it looks at the slots, and a reader claims its
/// slot before it loads the index, both sequentially consistent: either the writer sees the
/// claim and waits for it, or the reader loads the new index.
package enum ReadSection {
    package static let slots = 64
    /// Words per slot: one slot per 128 bytes, so slots share no cache line.
    static let stride = 16

    // nonisolated(unsafe): allocated once and never freed; every access is an atomic operation.
    nonisolated(unsafe) package static let words: UnsafeMutablePointer<Atomic<UInt>> = {
        let count = slots * stride
        let words = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<UInt>.stride, alignment: 128)
            .bindMemory(to: Atomic<UInt>.self, capacity: count)
        for index in 0..<count { (words + index).initialize(to: Atomic(0)) }
        return words
    }()

    /// A claimed slot: where it is and the odd word the claim left there.
    package struct Claim {
        package let slot: UnsafeMutablePointer<Atomic<UInt>>
        package let word: UInt
    }

    /// Enters a read section; pass the result to ``exit(_:)``. `words` is ``words``, which a
    /// dict keeps so that an update does not check the global's lazy initialization.
    @inline(__always)
    package static func enter(_ words: UnsafeMutablePointer<Atomic<UInt>>) -> Claim {
        var marker = 0
        let address = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        var index = Int(truncatingIfNeeded: (address >> 14) ^ (address >> 20) ^ (address >> 23)) & (slots - 1)
        var tried = 0
        while true {
            let slot = words + index * stride
            let free = slot.pointee.load(ordering: .relaxed)
            if free & 1 == 0
                && slot.pointee.compareExchange(
                    expected: free, desired: free &+ 1, ordering: .sequentiallyConsistent
                ).exchanged
            {
                return Claim(slot: slot, word: free &+ 1)
            }
            index = (index &+ 1) & (slots - 1)
            tried &+= 1
            // Every slot claimed at once: the claimers may be descheduled, so let them run.
            if tried & (slots - 1) == 0 { PlatformThread.yield() }
        }
    }

    /// Leaves the read section `enter()` began: a releasing store, so that everything the
    /// section read comes before a writer sees the slot's word move on.
    @inline(__always)
    package static func exit(_ claim: Claim) {
        claim.slot.pointee.store(claim.word &+ 1, ordering: .releasing)
    }

    /// Returns once every read section that began before the call has ended. The caller has
    /// published what readers must see from now on with a sequentially consistent store.
    package static func synchronize() {
        for index in 0..<slots {
            let slot = words + index * stride
            let seen = slot.pointee.load(ordering: .sequentiallyConsistent)
            guard seen & 1 == 1 else { continue }
            while slot.pointee.load(ordering: .acquiring) == seen { PlatformThread.yield() }
        }
    }
}
