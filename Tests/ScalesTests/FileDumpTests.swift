import Foundation
import Scales
import Synchronization
import Testing

@Suite(.serialized) struct FileDumpTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scales-dump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesTheWholeTreeWithLastUpdated() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = Registry()
        registry.collection(at: "/web").int("errors") += 2
        registry.collection(at: "/processor").child("thread-{id}", id: "0", collapsed: true).int("finished") += 1
        let file = directory.appendingPathComponent("stats.json").path
        let before = Registry.now()
        try FileDump(registry: registry, path: file).write()
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect((object["web"] as? [String: Int]) == ["errors": 2])
        // Forensics dumps include collapsed containers.
        #expect(((object["processor"] as? [String: Any])?["thread-0"] as? [String: Int]) == ["finished": 1])
        let updated = try #require(object["last-updated"] as? Double)
        #expect(updated >= before - 1 && updated <= Registry.now() + 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["stats.json"])
    }

    /// The environment variable that makes ``aDumpOverTheFileSizeLimitFails()`` run: the
    /// directory of its dump. Set only for the child process of
    /// ``anInterruptedDumpLeavesThePreviousFileWhole()``.
    static let childVariable = "SCALES_FILE_DUMP_CHILD_DIR"

    @Test func anInterruptedDumpLeavesThePreviousFileWhole() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = Registry()
        registry.collection(at: "/web").int("errors") += 1
        let file = directory.appendingPathComponent("stats.json").path
        try FileDump(registry: registry, path: file).write()
        let previous = try Data(contentsOf: URL(fileURLWithPath: file))

        // The next write fails part-way, as on a full disk: in a child process (this test binary,
        // running only the test below) whose file size is capped, so that no other test, and
        // no peer another test starts, ever runs under the cap.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = [
            "--testing-library", "swift-testing", "--filter", "FileDumpTests/aDumpOverTheFileSizeLimitFails",
        ]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: directory.path]) { $1 }
        let output = Pipe()
        child.standardOutput = output
        child.standardError = output
        try child.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        #expect(child.terminationStatus == 0, "the child's dump did not fail as it must:\n\(text)")
        #expect(text.contains("aDumpOverTheFileSizeLimitFails() passed"), "the child ran no test:\n\(text)")

        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == previous)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["stats.json"])
        // A directory that does not exist is an error with a message, not a crash.
        let missing = FileDump(registry: registry, path: directory.appendingPathComponent("no/such/dir/x.json").path)
        #expect { try missing.write() } throws: { error in
            "\(error)".contains("open") && "\(error)".contains("No such file or directory")
        }
    }

    /// Runs only in the child process of ``anInterruptedDumpLeavesThePreviousFileWhole()``
    /// (skipped otherwise): with the file size capped at 4 KiB, a dump of a 100 KB tree fails.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childVariable] != nil, "runs in a child process only"))
    func aDumpOverTheFileSizeLimitFails() throws {
        let directory = try #require(ProcessInfo.processInfo.environment[Self.childVariable])
        let registry = Registry()
        registry.collection(at: "/big").stringDict("blob")["x"] = String(repeating: "y", count: 100_000)
        let dump = FileDump(registry: registry, path: directory + "/stats.json")
        signal(SIGXFSZ, SIG_IGN)
        var capped = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &capped)
        capped.rlim_cur = 4096
        #expect(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &capped) == 0)
        #expect(throws: FileDump.Failure.self) { try dump.write() }
    }

    /// `run(every:)` writes again and again: a value changed after the first dump shows in a
    /// later one, with a later `last-updated`; and a failing write goes to `onError` while the
    /// loop goes on.
    @Test func periodicDumpsKeepTheFileFresh() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = Registry()
        let errors = registry.collection(at: "/web").int("errors")
        errors.value = 41
        let file = directory.appendingPathComponent("stats.json").path
        let task = Task { await FileDump(registry: registry, path: file, pretty: false).run(every: .milliseconds(20)) }
        defer { task.cancel() }
        func dumped() -> (errors: Int, updated: Double)? {
            guard let data = FileManager.default.contents(atPath: file),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let web = object["web"] as? [String: Int], let errors = web["errors"],
                let updated = object["last-updated"] as? Double
            else { return nil }
            return (errors, updated)
        }
        func waitFor(_ value: Int) async throws -> Double? {
            for _ in 0..<1000 {  // a hang guard of 10 s; a dump comes every 20 ms
                if let dump = dumped(), dump.errors == value { return dump.updated }
                try await Task.sleep(for: .milliseconds(10))
            }
            return nil
        }
        let first = try #require(try await waitFor(41))
        errors.value = 42  // only a later dump can show this
        let second = try #require(try await waitFor(42))
        #expect(second > first)
        task.cancel()
        _ = await task.value

        // Failures go to onError, and the loop keeps trying.
        let failures = Atomic<Int>(0)
        let failing = FileDump(registry: registry, path: directory.appendingPathComponent("no/such/dir/x.json").path)
        let failingTask = Task {
            await failing.run(every: .milliseconds(10)) { _ in failures.wrappingAdd(1, ordering: .relaxed) }
        }
        for _ in 0..<1000 where failures.load(ordering: .relaxed) < 3 { try await Task.sleep(for: .milliseconds(10)) }
        failingTask.cancel()
        _ = await failingTask.value
        #expect(failures.load(ordering: .relaxed) >= 3)
    }
}
