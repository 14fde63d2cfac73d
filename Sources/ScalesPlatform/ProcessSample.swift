#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One reading of this process's resource use; a figure the system would not give is `nil`.
package struct ProcessSample: Sendable, Equatable {
    /// CPU time spent in user and system mode, in seconds.
    package var cpuSeconds: Double?
    /// Resident set size in bytes.
    package var residentMemoryBytes: Int?
    /// Virtual memory size in bytes.
    package var virtualMemoryBytes: Int?
    /// Open file descriptors.
    package var openFds: Int?
    /// The soft limit on open file descriptors (`RLIMIT_NOFILE`).
    package var maxFds: Int?
    /// When the process started, in seconds since 1970-01-01 UTC.
    package var startTimeSeconds: Double?
    /// OS threads.
    package var threads: Int?

    package init(
        cpuSeconds: Double? = nil, residentMemoryBytes: Int? = nil, virtualMemoryBytes: Int? = nil,
        openFds: Int? = nil, maxFds: Int? = nil, startTimeSeconds: Double? = nil, threads: Int? = nil
    ) {
        self.cpuSeconds = cpuSeconds
        self.residentMemoryBytes = residentMemoryBytes
        self.virtualMemoryBytes = virtualMemoryBytes
        self.openFds = openFds
        self.maxFds = maxFds
        self.startTimeSeconds = startTimeSeconds
        self.threads = threads
    }

    /// Reads this process's figures now.
    ///
    /// Linux: `/proc/self/stat` (CPU ticks, threads, start ticks, virtual size, resident
    /// pages), `/proc/stat` (`btime`), `/proc/self/fd`, `getrlimit(RLIMIT_NOFILE)`, with
    /// `sysconf(_SC_CLK_TCK)` and `sysconf(_SC_PAGESIZE)`: the sources Prometheus' Go client
    /// reads. Darwin: `getrusage` (CPU), `proc_pidinfo` (`PROC_PIDTASKINFO`: memory and
    /// threads; `PROC_PIDLISTFDS`: descriptors), `sysctl` (`KERN_PROC_PID`: start time),
    /// `getrlimit`.
    package static func read() -> ProcessSample {
        var sample = ProcessSample()
        sample.maxFds = maxFds()
        #if os(Linux)
        if let stat = try? PlatformFiles.readAll("/proc/self/stat"), let fields = ProcStat(stat) {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let pageSize = sysconf(Int32(_SC_PAGESIZE))
            if ticks > 0 {
                sample.cpuSeconds = Double(fields.userTicks + fields.systemTicks) / ticks
                if let boot = bootTime() { sample.startTimeSeconds = boot + Double(fields.startTicks) / ticks }
            }
            let (resident, overflow) = fields.residentPages.multipliedReportingOverflow(by: pageSize)
            if pageSize > 0, !overflow { sample.residentMemoryBytes = resident }
            sample.virtualMemoryBytes = fields.virtualBytes
            sample.threads = fields.threads
        }
        sample.openFds = try? PlatformFiles.entryCount(ofDirectory: "/proc/self/fd", excludingOwnDescriptor: true)
        #elseif canImport(Darwin)
        var usage = rusage()
        if getrusage(RUSAGE_SELF, &usage) == 0 {
            sample.cpuSeconds = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        }
        let pid = getpid()
        var task = proc_taskinfo()
        let taskSize = Int32(MemoryLayout<proc_taskinfo>.size)
        if proc_pidinfo(pid, PROC_PIDTASKINFO, 0, &task, taskSize) == taskSize {
            sample.residentMemoryBytes = Int(clamping: task.pti_resident_size)
            sample.virtualMemoryBytes = Int(clamping: task.pti_virtual_size)
            sample.threads = Int(task.pti_threadnum)
        }
        sample.openFds = darwinOpenFds(pid)
        var info = kinfo_proc()
        var size = MemoryLayout<kinfo_proc>.stride
        var mib: [Int32] = [CTL_KERN, KERN_PROC, KERN_PROC_PID, pid]
        if sysctl(&mib, u_int(mib.count), &info, &size, nil, 0) == 0, size > 0 {
            sample.startTimeSeconds = seconds(info.kp_proc.p_un.__p_starttime)
        }
        #endif
        return sample
    }

    /// The soft limit of `RLIMIT_NOFILE`; `nil` if unknown or unlimited.
    static func maxFds() -> Int? {
        var limit = rlimit()
        #if os(Linux) && canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        #if os(Linux)
        let unlimited = rlim_t.max  // RLIM_INFINITY is ~0, which Swift does not import
        #else
        let unlimited = RLIM_INFINITY
        #endif
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != unlimited else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    #if os(Linux)
    /// The boot time in seconds since 1970 (`btime` in `/proc/stat`); read once.
    static func bootTime() -> Double? { bootTimeOnce }
    private static let bootTimeOnce: Double? = {
        guard let bytes = try? PlatformFiles.readAll("/proc/stat") else { return nil }
        for line in bytes.split(separator: 0x0A) where line.starts(with: Array("btime ".utf8)) {
            return Double(String(decoding: line.dropFirst(6), as: UTF8.self))
        }
        return nil
    }()
    #endif

    #if canImport(Darwin)
    static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1e6
    }

    /// Open descriptors from `proc_pidinfo(PROC_PIDLISTFDS)`: a first call sizes the list.
    static func darwinOpenFds(_ pid: pid_t) -> Int? {
        let needed = proc_pidinfo(pid, PROC_PIDLISTFDS, 0, nil, 0)
        guard needed > 0 else { return nil }
        let entrySize = MemoryLayout<proc_fdinfo>.stride
        // Room for descriptors opened between the two calls.
        var entries = [proc_fdinfo](repeating: proc_fdinfo(), count: Int(needed) / entrySize + 16)
        let filled = entries.withUnsafeMutableBytes { buffer in
            proc_pidinfo(pid, PROC_PIDLISTFDS, 0, buffer.baseAddress, Int32(buffer.count))
        }
        guard filled > 0 else { return nil }
        return Int(filled) / entrySize
    }
    #endif
}

/// The fields of `/proc/<pid>/stat` that the process stats use (see proc(5)).
package struct ProcStat: Sendable, Equatable {
    package var userTicks: Int
    package var systemTicks: Int
    package var threads: Int
    package var startTicks: Int
    package var virtualBytes: Int
    package var residentPages: Int

    /// Parses the file's content; `nil` unless every field is there and numeric.
    ///
    /// The command name (field 2) is in parentheses and may hold spaces and `)`, so fields are
    /// counted from the last `)`.
    package init?(_ bytes: [UInt8]) {
        guard let close = bytes.lastIndex(of: 0x29) else { return nil }
        // Field 3 (state) is the first after ") ".
        let fields = bytes[(close + 1)...].split(whereSeparator: { $0 == 0x20 || $0 == 0x0A })
        func field(_ number: Int) -> Int? {
            let index = number - 3
            guard index >= 0, index < fields.count else { return nil }
            return Int(String(decoding: fields[index], as: UTF8.self))
        }
        guard let user = field(14), let system = field(15), let threads = field(20), let start = field(22),
            let virtual = field(23), let resident = field(24)
        else { return nil }
        self.userTicks = user
        self.systemTicks = system
        self.threads = threads
        self.startTicks = start
        self.virtualBytes = virtual
        self.residentPages = resident
    }
}
