import Foundation
import ScalesPlatform
import Testing

@testable import Scales

#if canImport(Glibc)
import Glibc
#endif

/// The process stats against the kernel's own figures, read here with this file's own parsing
/// of `/proc` (Linux only: macOS is written for but not built in CI).
@Suite(.serialized) struct ProcessStatsTests {
    /// The values of the seven stats in one snapshot of `registry`.
    func values(_ registry: Registry, at path: StatPath = ProcessStats.path) throws -> [String: StatValue] {
        let snapshot = try #require(registry.snapshot(at: path))
        guard case .container(let container) = snapshot.root else {
            Issue.record("\(path) is not a collection")
            return [:]
        }
        var values: [String: StatValue] = [:]
        for child in container.children {
            if case .stat(let stat) = child { values[stat.name] = stat.value }
        }
        return values
    }

    #if os(Linux)
    /// `/proc/self/stat`, split by this test: fields counted from 1 as in proc(5).
    struct Stat {
        let fields: [Substring]
        init() throws {
            let text = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
            let afterName = try #require(text.range(of: ")", options: .backwards)).upperBound
            fields = text[afterName...].split(separator: " ")
        }
        func field(_ number: Int) throws -> Double {
            try #require(number - 3 < fields.count ? Double(fields[number - 3]) : nil, "field \(number) of \(fields)")
        }
    }

    /// A `Name: value` line of `/proc/self/status` (`VmRSS:  1234 kB` gives 1234).
    func status(_ name: String) throws -> Double {
        let text = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(name + ":") })
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return try #require(words.count >= 2 ? Double(words[1]) : nil, "\(line)")
    }

    func openFdsNow() throws -> Int {
        // Foundation's listing opens the directory too: one descriptor more than the process has.
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count - 1
    }

    func double(_ value: StatValue?) -> Double? {
        switch value {
        case .int(let number)?: return Double(number)
        case .double(let number)?: return number
        case .doubleCounter(let number)?: return number
        default: return nil
        }
    }

    @Test func valuesMatchTheKernelsFigures() throws {
        let registry = Registry()
        ProcessStats.register(in: registry)
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let before = try Stat()
        let rssBefore = try status("VmRSS") * 1024
        let vmBefore = try status("VmSize") * 1024
        let threadsBefore = try status("Threads")
        let fdsBefore = try openFdsNow()
        let values = try values(registry)
        let after = try Stat()
        let rssAfter = try status("VmRSS") * 1024
        let vmAfter = try status("VmSize") * 1024
        let threadsAfter = try status("Threads")
        let fdsAfter = try openFdsNow()

        // CPU: user + system ticks, in seconds, between the two readings of this test, and a counter.
        guard case .doubleCounter(let cpu)? = values["cpuSeconds"] else {
            Issue.record("cpuSeconds is \(String(describing: values["cpuSeconds"])), not a double counter")
            return
        }
        let cpuBefore = (try before.field(14) + before.field(15)) / ticks
        let cpuAfter = (try after.field(14) + after.field(15)) / ticks
        #expect(cpu >= cpuBefore - 1e-9 && cpu <= cpuAfter + 1e-9, "cpu \(cpu) not in \(cpuBefore)…\(cpuAfter)")

        // Memory in bytes (from /proc/self/status in kB: another source than the stats'); the
        // other tests of this process run meanwhile, hence the margins.
        let rss = try #require(double(values["residentMemoryBytes"]))
        #expect(
            rss >= min(rssBefore, rssAfter) * 0.8 - 16_000_000 && rss <= max(rssBefore, rssAfter) * 1.2 + 16_000_000,
            "rss \(rss) vs \(rssBefore)…\(rssAfter)")
        let virtual = try #require(double(values["virtualMemoryBytes"]))
        #expect(
            virtual >= min(vmBefore, vmAfter) * 0.8 && virtual <= max(vmBefore, vmAfter) * 1.2,
            "virtual \(virtual) vs \(vmBefore)…\(vmAfter)")
        #expect(rss < virtual)

        let threads = try #require(double(values["threads"]))
        #expect(
            threads >= min(threadsBefore, threadsAfter) - 8 && threads <= max(threadsBefore, threadsAfter) + 8,
            "threads \(threads) vs \(threadsBefore)…\(threadsAfter)")
        let fds = try #require(double(values["openFds"]))
        #expect(
            fds >= Double(min(fdsBefore, fdsAfter) - 8) && fds <= Double(max(fdsBefore, fdsAfter) + 8),
            "open fds \(fds) vs \(fdsBefore)…\(fdsAfter)")

        var limit = rlimit()
        #expect(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(values["maxFds"] == .int(Int(limit.rlim_cur)))

        // Start time: boot time plus the start ticks; within a second of the test's own sum,
        // and in the past.
        let proc = try String(contentsOfFile: "/proc/stat", encoding: .utf8)
        let btime = try #require(
            proc.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst(6)) })
        let expectedStart = btime + (try before.field(22)) / ticks
        guard case .double(let start)? = values["startTimeSeconds"] else {
            Issue.record("startTimeSeconds is \(String(describing: values["startTimeSeconds"]))")
            return
        }
        #expect(abs(start - expectedStart) < 1, "start \(start) vs \(expectedStart)")
        #expect(start <= Date().timeIntervalSince1970)
        #expect(registry.health.gaugeFailures == 0)
    }

    @Test func openFdsFollowDescriptorsOpenedAndClosed() throws {
        let registry = Registry()
        ProcessStats.register(in: registry)
        func openFds() throws -> Double { try #require(double(try values(registry)["openFds"])) }
        // Other tests of this process open and close descriptors meanwhile (sockets, pipes), so
        // a measurement is repeated until one sees no such traffic; a stat that did not follow
        // the 64 descriptors fails every attempt.
        var attempts: [String] = []
        for _ in 0..<10 {
            let baseline = try openFds()
            let opened = (0..<64).map { _ in open("/dev/null", O_RDONLY) }
            let more = try openFds()
            let own = Double(try openFdsNow())
            for fd in opened where fd >= 0 { close(fd) }
            #expect(opened.allSatisfy { $0 >= 0 })
            if abs(more - baseline - 64) <= 8 && abs(more - own) <= 8 { return }
            attempts.append("baseline \(baseline), with 64 more \(more), /proc/self/fd \(own)")
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("openFds did not follow 64 descriptors in 10 attempts: \(attempts)")
    }
    #endif

    @Test func onlySnapshotsReadTheSystemOncePerSnapshot() async throws {
        let registry = Registry()
        let stats = ProcessStats.register(in: registry)
        #expect(stats.systemReads == 0, "read before any snapshot")
        try await Task.sleep(for: .milliseconds(300))
        #expect(stats.systemReads == 0, "read with no snapshot: a timer?")
        _ = registry.snapshot()
        #expect(stats.systemReads == 1, "one snapshot, seven stats: one reading")
        try await Task.sleep(for: .milliseconds(300))
        #expect(stats.systemReads == 1, "read between snapshots")
        _ = registry.snapshot()
        _ = registry.renderPrometheus()
        #expect(stats.systemReads == 3, "each snapshot reads once")
        // One stat alone: each snapshot of it is a fresh reading.
        _ = registry.snapshot(at: "/process/cpuSeconds")
        _ = registry.snapshot(at: "/process/cpuSeconds")
        #expect(stats.systemReads == 5)
    }

    @Test func cpuSecondsIsACounterThatMovesWithWork() throws {
        let registry = Registry()
        ProcessStats.register(in: registry)
        guard case .doubleCounter(let before)? = try values(registry)["cpuSeconds"] else {
            Issue.record("cpuSeconds is not a double counter")
            return
        }
        // Burn about 0.3 s of CPU on this thread.
        let clock = ContinuousClock()
        let start = clock.now
        var x = 1.0
        while clock.now - start < .milliseconds(300) { x = (x * 1.000001).truncatingRemainder(dividingBy: 7) + 1 }
        #expect(x > 0)
        guard case .doubleCounter(let after)? = try values(registry)["cpuSeconds"] else { return }
        #expect(after > before, "\(before) → \(after)")
    }

    @Test func aFailedReadIsAbsentAndCountedNeverZero() throws {
        let registry = Registry()
        _ = ProcessStats.register(in: registry, at: ProcessStats.path) { ProcessSample(cpuSeconds: 1.5, threads: 3) }
        let values = try values(registry)
        #expect(values["cpuSeconds"] == .doubleCounter(1.5))
        #expect(values["threads"] == .int(3))
        for name in ["residentMemoryBytes", "virtualMemoryBytes", "openFds", "maxFds", "startTimeSeconds"] {
            #expect(values[name] == .absent, "\(name): \(String(describing: values[name]))")
        }
        #expect(registry.health.gaugeFailures == 5)
        let text = try #require(registry.renderPrometheus())
        #expect(text.contains("process_cpu_seconds_total 1.5\n"))
        #expect(!text.contains("process_open_fds "), "an absent value was written:\n\(text)")
        // The render was a second snapshot, with its own reading: five more failures.
        #expect(text.contains("scales_health_read_failures_total 10\n"), "\(text)")
    }

    @Test func registeringTwiceKeepsOneSetOfStats() throws {
        let registry = Registry()
        ProcessStats.register(in: registry)
        ProcessStats.register(in: registry)
        #expect(
            try values(registry).keys.sorted() == [
                "cpuSeconds", "maxFds", "openFds", "residentMemoryBytes", "startTimeSeconds", "threads",
                "virtualMemoryBytes",
            ])
        #expect(registry.health.bindConflicts == 0)
    }

    @Test func theProcStatParserCountsFieldsFromTheLastParenthesis() throws {
        // A command name with spaces and parentheses, as a process may name itself.
        let line =
            "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 9 0 1234 987654 321 18446744073709551615"
        let stat = try #require(ProcStat(Array(line.utf8)))
        #expect(stat.userTicks == 250 && stat.systemTicks == 75 && stat.threads == 9)
        #expect(stat.startTicks == 1234 && stat.virtualBytes == 987654 && stat.residentPages == 321)
        #expect(ProcStat(Array("42 (x) S 1 2".utf8)) == nil)
    }
}
