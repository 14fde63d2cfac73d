import Foundation
import Scales
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
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect((object["web"] as? [String: Int]) == ["errors": 2])
        // Forensics dumps include collapsed containers.
        #expect(((object["processor"] as? [String: Any])?["thread-0"] as? [String: Int]) == ["finished": 1])
        let updated = try #require(object["last-updated"] as? Double)
        #expect(updated >= before - 1 && updated <= Registry.now() + 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["stats.json"])
    }

    @Test func anInterruptedDumpLeavesThePreviousFileWhole() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = Registry()
        registry.collection(at: "/web").int("errors") += 1
        let file = directory.appendingPathComponent("stats.json").path
        let dump = FileDump(registry: registry, path: file)
        try dump.write()
        let previous = try Data(contentsOf: URL(fileURLWithPath: file))

        // Make the next write fail part-way, as a full disk would: cap the file size.
        let big = registry.collection(at: "/big").stringDict("blob")
        big["x"] = String(repeating: "y", count: 100_000)
        signal(SIGXFSZ, SIG_IGN)
        var old = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        var capped = old
        capped.rlim_cur = 4096
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &capped)
        #expect(throws: FileDump.Failure.self) { try dump.write() }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)

        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == previous)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["stats.json"])
        // A directory that does not exist is an error with a message, not a crash.
        let missing = FileDump(registry: registry, path: directory.appendingPathComponent("no/such/dir/x.json").path)
        #expect { try missing.write() } throws: { error in
            "\(error)".contains("open") && "\(error)".contains("No such file or directory")
        }
    }

    @Test func periodicDumpsKeepTheFileFresh() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = Registry()
        let errors = registry.collection(at: "/web").int("errors")
        let file = directory.appendingPathComponent("stats.json").path
        let task = Task { await FileDump(registry: registry, path: file, pretty: false).run(every: .milliseconds(20)) }
        defer { task.cancel() }
        errors += 41
        var seen = 0
        for _ in 0..<500 where seen != 41 {
            try await Task.sleep(for: .milliseconds(10))
            errors.value = 41
            if let data = FileManager.default.contents(atPath: file),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let web = object["web"] as? [String: Int]
            {
                seen = web["errors"] ?? 0
            }
        }
        #expect(seen == 41)
        task.cancel()
        _ = await task.value
    }
}
