import ScalesPlatform
public import Synchronization

/// Striped cells: where the updates of one stat go once threads are seen to contend for it,
/// as Java's `LongAdder` does.
///
/// A stat starts with one word (its *base*). An integer's add is one `lock xadd` on it; one add
/// in 256 also checks whether another thread writes the word too (a load, and a few
/// compare-and-swaps of the value onto itself, see ``StripedInt/add(_:)``), and if so the stat
/// gets its stripes. (A `Double`, whose add is a compare-and-swap anyway, takes a failed
/// compare-and-swap as the sign, as `LongAdder` does.) The stripes are
/// ``count`` cells, each on a line of ``stride`` bytes of its own, in one block published with
/// a compare-and-swap (a thread that loses the race frees its block). From then on each update
/// goes to the cell of its thread's CPU (``threadProbe()``), and a read sums the base and every
/// cell. A stat no two threads ever update at once never gets stripes: it keeps its size and
/// its single-thread speed.
///
/// Memory: ``stride`` (128) bytes per stripe, ``count`` stripes, allocated once per
/// contended stat and kept until it is freed: 256 bytes on 2 CPUs, 1 KiB on 8, 4 KiB on 32
/// and 8 KiB from 64 CPUs on (the cap).
enum Stripes {
    /// The bytes between two cells: two 64-byte cache lines, so that neither Intel's
    /// adjacent-line prefetcher nor a 128-byte line (Apple silicon) puts two cells together.
    static let stride = 128

    /// The largest number of stripes.
    static let cap = 64

    /// Stripes per contended stat: the next power of two at or above the CPUs online, at
    /// most ``cap``.
    static let count: Int = {
        let cpus = PlatformThread.onlineProcessors
        var count = 1
        while count < cpus && count < cap { count <<= 1 }
        return Swift.max(count, 2)
    }()

    /// Allocates a zeroed block of ``count`` cells holding `zero`.
    static func allocate<Value: AtomicRepresentable>(zero: Value) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: count * stride, alignment: stride)
        for index in 0..<count {
            (block + index * stride).bindMemory(to: Atomic<Value>.self, capacity: 1).initialize(to: Atomic(zero))
        }
        return block
    }

    /// Publishes `block` in `slot` unless a block is there already; returns the one in place
    /// (freeing `block` if it lost).
    static func publish(_ block: UnsafeMutableRawPointer, in slot: borrowing Atomic<UInt>) -> UInt {
        let (won, current) = slot.compareExchange(
            expected: 0, desired: UInt(bitPattern: block), successOrdering: .releasing, failureOrdering: .acquiring)
        if won { return UInt(bitPattern: block) }
        block.deallocate()
        return current
    }

    /// Cell `index` of a block.
    static func cell<Value: AtomicRepresentable>(_ block: UInt, _ index: Int, as: Value.Type) -> UnsafeMutablePointer<
        Atomic<Value>
    > {
        UnsafeMutablePointer<Atomic<Value>>(bitPattern: block &+ UInt(index &* stride)).unsafelyUnwrapped
    }

    /// The stripe of the calling thread's `probe` (see ``threadProbe()``).
    static func index(probe: UInt) -> Int {
        Int(truncatingIfNeeded: probe) & (count - 1)
    }
}

extension Stripes {
    /// A number that picks the calling thread's stripe: the CPU it runs on
    /// (`PlatformThread.currentProcessor()`, `sched_getcpu()` on Linux).
    ///
    /// A CPU number keeps two threads that run at once on different stripes for sure (with
    /// ``count`` at or above the CPUs); a thread address does not: hashed, two threads share a
    /// stripe by chance (half the time with 2 stripes), and raw, Dispatch's threads on this
    /// machine all had the same low page bits. A thread moved between reading its CPU and
    /// updating meets another thread's stripe at worst, which costs time, never a count.
    /// Where the CPU cannot be told (Darwin), the thread's address, hashed.
    static func threadProbe() -> UInt {
        if let cpu = PlatformThread.currentProcessor() { return UInt(cpu) }
        return hashed(PlatformThread.currentThreadID())
    }

    /// A thread address's page number, mixed (Fibonacci hashing: the top bits of the product).
    static func hashed(_ address: UInt) -> UInt {
        UInt(truncatingIfNeeded: (UInt64(truncatingIfNeeded: address >> 12) &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }
}

/// An integer striped under contention: see ``Stripes``.
///
/// `add` is one `lock xadd` on the base (and, one add in 256, a load of it) until the load shows
/// another thread's write; a store clears the stripes and sets the base (see ``store(_:)``).
@usableFromInline
struct StripedInt: ~Copyable, Sendable {
    @usableFromInline let base: Atomic<Int>
    /// The address of the stripes' block; 0 until the first contention.
    @usableFromInline let stripes = Atomic<UInt>(0)

    init(_ initial: Int) {
        base = Atomic(initial)
    }

    deinit {
        UnsafeMutableRawPointer(bitPattern: stripes.load(ordering: .acquiring))?.deallocate()
    }

    /// Adds `amount`, wrapping.
    ///
    /// Unstriped, the add is the `lock xadd` of a plain atomic. One add in 256 (those that
    /// take the value across a multiple of 256 of its steps: of 1 for `+= 1`, of 4,096 for
    /// `+= 4096`) also checks whether another thread writes the word too
    /// (``checkContention(expected:)``). Checking every add would cost a single-threaded loop
    /// of adds 1.8x (what follows the add waits for it to complete); checking one in 256, on a
    /// bit test of the value the add returns, costs nothing measurable.
    @inlinable @inline(__always)
    func add(_ amount: Int) {
        guard stripes.load(ordering: .relaxed) == 0 else { return addStriped(amount) }
        let old = base.wrappingAdd(amount, ordering: .relaxed).oldValue
        if Self.checksContention(after: old, adding: amount) { checkContention(expected: old &+ amount) }
    }

    /// Whether the add of `amount` to `old` is one of the one in 256 that check for contention:
    /// those that take the value across a multiple of 256 of its steps (`amount`'s lowest set
    /// bit), so that any step, from any start, checks as often.
    @inlinable @inline(__always)
    static func checksContention(after old: Int, adding amount: Int) -> Bool {
        (old &>> amount.trailingZeroBitCount) & 255 == 0
    }

    /// Gives the stat its stripes now, as contention would (for tests of striped stats).
    func spread() {
        if stripes.load(ordering: .acquiring) == 0 { _ = Stripes.publish(Stripes.allocate(zero: 0), in: stripes) }
    }

    /// Whether other threads write the base too: it holds something other than `expected`
    /// (what the add left there), or one of a few compare-and-swaps of its value onto itself
    /// fails (another thread wrote it between the load and the swap, as `LongAdder` notices).
    /// If so, the stat gets its stripes (unless another thread gave them first), for the adds
    /// that follow. The load right after an add alone rarely sees another thread's write: the
    /// add has just brought the line to this core.
    @usableFromInline @inline(never)
    func checkContention(expected: Int) {
        var contended = base.load(ordering: .relaxed) != expected
        var probes = 0
        while !contended && probes < 4 {
            let seen = base.load(ordering: .relaxed)
            contended = !base.compareExchange(expected: seen, desired: seen, ordering: .relaxed).exchanged
            probes += 1
        }
        guard contended, stripes.load(ordering: .acquiring) == 0 else { return }
        _ = Stripes.publish(Stripes.allocate(zero: 0), in: stripes)
    }

    /// An add once the stripes exist: one `lock xadd` on the cell of the thread's CPU.
    @usableFromInline @inline(never)
    func addStriped(_ amount: Int) {
        let block = stripes.load(ordering: .acquiring)
        Stripes.cell(block, Stripes.index(probe: Stripes.threadProbe()), as: Int.self).pointee
            .wrappingAdd(amount, ordering: .relaxed)
    }

    /// The base plus every stripe. Each of them only grows under adds of non-negative
    /// amounts, and a read loads each after the previous read did, so a counter's reads
    /// never go backwards.
    func load() -> Int {
        var total = base.load(ordering: .relaxed)
        let block = stripes.load(ordering: .acquiring)
        guard block != 0 else { return total }
        for index in 0..<Stripes.count {
            total &+= Stripes.cell(block, index, as: Int.self).pointee.load(ordering: .relaxed)
        }
        return total
    }

    /// Stores `value`: clears every stripe, then sets the base. The value read right after
    /// is `value` plus the adds made since; an add racing the store is counted either before
    /// it (and cleared) or after it (and kept), never twice.
    func store(_ value: Int) {
        let block = stripes.load(ordering: .acquiring)
        if block != 0 {
            for index in 0..<Stripes.count {
                Stripes.cell(block, index, as: Int.self).pointee.store(0, ordering: .relaxed)
            }
        }
        base.store(value, ordering: .relaxed)
    }

    /// 0 until the first contention, then ``Stripes/count``.
    var stripeCount: Int {
        stripes.load(ordering: .relaxed) == 0 ? 0 : Stripes.count
    }
}

/// A `Double` sum striped under contention: see ``Stripes``. Sums of values whose partial
/// sums are exactly representable are exact in any order, so striping them loses nothing.
@usableFromInline
struct StripedDouble: ~Copyable, Sendable {
    /// The base, as a Double's bits.
    @usableFromInline let base: Atomic<UInt64>
    /// The address of the stripes' block; 0 until the first contention.
    @usableFromInline let stripes = Atomic<UInt>(0)

    init(_ initial: Double) {
        base = Atomic(initial.bitPattern)
    }

    deinit {
        UnsafeMutableRawPointer(bitPattern: stripes.load(ordering: .acquiring))?.deallocate()
    }

    /// Adds `amount`: one compare-and-swap on the base until one fails.
    @inlinable @inline(__always)
    func add(_ amount: Double) {
        if stripes.load(ordering: .relaxed) == 0 {
            let old = base.load(ordering: .relaxed)
            let new = (Double(bitPattern: old) + amount).bitPattern
            if base.compareExchange(expected: old, desired: new, ordering: .relaxed).exchanged { return }
        }
        addContended(amount)
    }

    /// An add that found the base contended: into the thread's stripe.
    @usableFromInline @inline(never)
    func addContended(_ amount: Double) {
        var block = stripes.load(ordering: .acquiring)
        if block == 0 { block = Stripes.publish(Stripes.allocate(zero: Double(0).bitPattern), in: stripes) }
        var index = Stripes.index(probe: Stripes.threadProbe())
        for _ in 0..<Stripes.count {
            let cell = Stripes.cell(block, index, as: UInt64.self)
            let old = cell.pointee.load(ordering: .relaxed)
            let new = (Double(bitPattern: old) + amount).bitPattern
            if cell.pointee.compareExchange(expected: old, desired: new, ordering: .relaxed).exchanged { return }
            index = (index &+ 1) & (Stripes.count &- 1)
        }
        Stripes.cell(block, index, as: UInt64.self).pointee.addDouble(amount)
    }

    /// The base plus every stripe.
    func load() -> Double {
        var total = Double(bitPattern: base.load(ordering: .relaxed))
        let block = stripes.load(ordering: .acquiring)
        guard block != 0 else { return total }
        for index in 0..<Stripes.count {
            total += Double(bitPattern: Stripes.cell(block, index, as: UInt64.self).pointee.load(ordering: .relaxed))
        }
        return total
    }

    /// Stores `value`: clears every stripe, then sets the base (as ``StripedInt/store(_:)``).
    func store(_ value: Double) {
        let block = stripes.load(ordering: .acquiring)
        if block != 0 {
            for index in 0..<Stripes.count {
                Stripes.cell(block, index, as: UInt64.self).pointee.store(Double(0).bitPattern, ordering: .relaxed)
            }
        }
        base.store(value.bitPattern, ordering: .relaxed)
    }

    /// Gives the stat its stripes now, as contention would (for tests of striped stats).
    func spread() {
        if stripes.load(ordering: .acquiring) == 0 {
            _ = Stripes.publish(Stripes.allocate(zero: Double(0).bitPattern), in: stripes)
        }
    }

    /// 0 until the first contention, then ``Stripes/count``.
    var stripeCount: Int {
        stripes.load(ordering: .relaxed) == 0 ? 0 : Stripes.count
    }
}
