import ScalesPlatform

/// Writes a registry's whole tree to a JSON file for crash forensics, once or periodically.
///
/// ```swift
/// let dumper = FileDump(registry: .shared, path: "/var/run/myserver/stats.json")
/// try dumper.write()                                  // once
/// let task = Task { await dumper.run(every: .seconds(60)) }   // until cancelled
/// ```
///
/// Each write is atomic: the JSON goes to a temporary file in the same directory, is flushed to
/// disk, then renamed over the target. A crash or a full disk mid-write leaves the previous
/// file whole. The top-level object has a `last-updated` member (seconds since 1970, as
/// scales writes it). Unlike the HTTP page, collapsed containers are included: a forensics
/// dump should hold everything.
public struct FileDump: Sendable {
    /// The registry to dump.
    public let registry: Registry
    /// The file to write.
    public let path: String
    /// Pretty-print the JSON (two-space indent).
    public let pretty: Bool

    /// Creates a dumper for `registry` writing to `path`.
    public init(registry: Registry = .current, path: String, pretty: Bool = true) {
        self.registry = registry
        self.path = path
        self.pretty = pretty
    }

    /// Why a dump failed; the previous file is left as it was.
    public struct Failure: Error, CustomStringConvertible {
        /// The step that failed: open, write, sync or rename.
        public let step: String
        /// The file involved.
        public let path: String
        /// The system's error number.
        public let code: Int32

        /// A readable explanation, such as `stats dump: rename /x.tmp-1 → /x failed: No such file or directory`.
        public var description: String {
            "stats dump: \(step) \(path) failed: \(SystemError(code: code).message)"
        }
    }

    /// Takes a snapshot and writes it atomically.
    ///
    /// - Throws: ``Failure`` when the file cannot be written; the previous file is untouched.
    public func write() throws {
        let snapshot =
            registry.snapshot()
            ?? Snapshot(
                path: .root, root: .container(SnapshotContainer(name: "", children: [])), timestamp: Registry.now())
        let json =
            JSONFormat.render(
                snapshot, pretty: pretty, includeCollapsed: true, extra: [("last-updated", snapshot.timestamp)]) + "\n"
        try Self.writeAtomically(json, to: path)
    }

    /// Writes every `interval` until the task is cancelled; failures are passed to `onError`
    /// and never stop the loop.
    public func run(every interval: Duration, onError: @Sendable (any Error) -> Void = { _ in }) async {
        while !Task.isCancelled {
            do { try write() } catch { onError(error) }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    static func writeAtomically(_ text: String, to path: String) throws {
        let temporary = "\(path).tmp-\(PlatformFiles.processID)-\(UInt32.random(in: 0...UInt32.max))"
        let fd: Int32
        do { fd = try PlatformFiles.createNew(temporary) } catch {
            throw Failure(step: "open", path: temporary, code: error.code)
        }
        var failure: Failure?
        do { try PlatformFiles.writeAll(fd, Array(text.utf8)) } catch {
            failure = Failure(step: "write", path: temporary, code: error.code)
        }
        if failure == nil {
            do { try PlatformFiles.sync(fd) } catch {
                failure = Failure(step: "sync", path: temporary, code: error.code)
            }
        }
        PlatformFiles.close(fd)
        if failure == nil {
            do { try PlatformFiles.rename(temporary, to: path) } catch {
                failure = Failure(step: "rename", path: "\(temporary) → \(path)", code: error.code)
            }
        }
        if let failure {
            PlatformFiles.remove(temporary)
            throw failure
        }
    }
}
