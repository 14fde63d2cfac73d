package import ScalesPlatform

/// This process's CPU time, memory, file descriptors, threads and start time, under
/// `/process`, with the names and types Prometheus' client libraries give them.
///
/// One line turns them on:
///
/// ```swift
/// ProcessStats.register(in: .shared)
/// ```
///
/// | Stat in `/process` | On `/metrics` | Type |
/// |---|---|---|
/// | `cpuSeconds` | `process_cpu_seconds_total` | counter |
/// | `residentMemoryBytes` | `process_resident_memory_bytes` | gauge |
/// | `virtualMemoryBytes` | `process_virtual_memory_bytes` | gauge |
/// | `openFds` | `process_open_fds` | gauge |
/// | `maxFds` | `process_max_fds` | gauge |
/// | `startTimeSeconds` | `process_start_time_seconds` | gauge |
/// | `threads` | `process_threads` | gauge |
///
/// The first six are the Go client's; `process_threads` is the Java client's name (Go has no
/// such series). A namespace given to ``Registry/renderPrometheus(at:namespace:)`` prefixes
/// them like every other stat (`myapp_process_cpu_seconds_total`), as the Go client's
/// `ProcessCollectorOpts.Namespace` does.
///
/// **When they are read.** Only when a snapshot is taken (a page, `/metrics`, a Graphite push,
/// a file dump): there is no timer and no thread. One reading of the system (on Linux
/// `/proc/self/stat`, `/proc/self/fd` and `getrlimit`; on macOS `getrusage`, `proc_pidinfo`
/// and `sysctl`) serves the seven stats of one snapshot: a reading is reused until a stat that
/// already took its figure from it is read again (the next snapshot), or for at most one
/// second. A figure that cannot be read (say `/proc` is not mounted) is absent from that
/// snapshot and counted in ``RegistryHealth/gaugeFailures`` (`/scales/health/readFailures`),
/// never shown as 0.
///
/// Registering again at the same path keeps the stats already there.
public final class ProcessStats: Sendable {
    /// Where ``register(in:at:)`` puts the stats by default: `/process`, which gives the
    /// `process_…` names on `/metrics`.
    public static let path: StatPath = "/process"

    /// Where the stats are.
    public let collection: StatCollection

    let sampler: ProcessSampler

    private init(collection: StatCollection, sampler: ProcessSampler) {
        self.collection = collection
        self.sampler = sampler
    }

    /// Adds the process stats to `registry` at `path`.
    ///
    /// ```swift
    /// ProcessStats.register(in: .shared)
    /// ```
    @discardableResult
    public static func register(in registry: Registry = .current, at path: StatPath = ProcessStats.path) -> ProcessStats
    {
        register(in: registry, at: path, reading: ProcessSample.read)
    }

    /// ``register(in:at:)`` with another source of readings (tests: a reading that fails).
    package static func register(
        in registry: Registry, at path: StatPath, reading: @escaping @Sendable () -> ProcessSample
    ) -> ProcessStats {
        let collection = registry.collection(
            at: path, doc: "This process's resources, read when a snapshot is taken")
        let sampler = ProcessSampler(reading: reading)
        var field = 0
        func add(_ name: String, unit: String?, doc: String, _ value: @escaping @Sendable (ProcessSample) -> StatValue?)
        {
            let bit = UInt8(1) << field
            field += 1
            _ = collection.bind(name, doc: doc, unit: unit) { _ in
                SampledStat { [sampler] in value(sampler.current(for: bit)) }
            }
        }
        add("cpuSeconds", unit: "seconds", doc: "Total user and system CPU time spent in seconds") {
            $0.cpuSeconds.map { .doubleCounter($0) }
        }
        add("residentMemoryBytes", unit: "bytes", doc: "Resident memory size in bytes") {
            $0.residentMemoryBytes.map { .int($0) }
        }
        add("virtualMemoryBytes", unit: "bytes", doc: "Virtual memory size in bytes") {
            $0.virtualMemoryBytes.map { .int($0) }
        }
        add("openFds", unit: nil, doc: "Number of open file descriptors") { $0.openFds.map { .int($0) } }
        add("maxFds", unit: nil, doc: "Maximum number of open file descriptors") { $0.maxFds.map { .int($0) } }
        add("startTimeSeconds", unit: "seconds", doc: "Start time of the process since unix epoch in seconds") {
            $0.startTimeSeconds.map { .double($0) }
        }
        add("threads", unit: nil, doc: "Number of OS threads in the process") { $0.threads.map { .int($0) } }
        return ProcessStats(collection: collection, sampler: sampler)
    }

    /// How many times this instance has read the system (for tests: it moves only with reads).
    package var systemReads: Int { sampler.reads }
}

/// Reads the system's figures for the process stats: one reading serves each stat once
/// (the stats of one snapshot), for at most ``maximumAge``.
final class ProcessSampler: Sendable {
    private struct State {
        var sample = ProcessSample()
        var takenAt: UInt64?
        /// The stats (one bit each) that took their figure from `sample`.
        var served: UInt8 = 0
        var reads = 0
    }

    /// The longest a reading is reused, however few of its stats were read.
    static let maximumAge: Duration = .seconds(1)

    private let state = Lock(State())
    private let reading: @Sendable () -> ProcessSample
    private let maximumAgeNanoseconds = ProcessSampler.maximumAge.clampedNanoseconds

    init(reading: @escaping @Sendable () -> ProcessSample) {
        self.reading = reading
    }

    /// The figures for the stat `bit`: the current reading unless that stat already took a
    /// figure from it or it is older than ``maximumAge``, otherwise a new one.
    ///
    /// The lock is held while the system is read, so concurrent snapshots wait for one reading
    /// instead of each taking their own.
    func current(for bit: UInt8) -> ProcessSample {
        state.withLock { state in
            if let takenAt = state.takenAt, state.served & bit == 0,
                PlatformClock.monotonicNanoseconds() &- takenAt < maximumAgeNanoseconds
            {
                state.served |= bit
                return state.sample
            }
            state.sample = reading()
            state.takenAt = PlatformClock.monotonicNanoseconds()
            state.served = bit
            state.reads += 1
            return state.sample
        }
    }

    var reads: Int { state.withLock { $0.reads } }
}
