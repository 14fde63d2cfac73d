#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
            "stats dump: \(step) \(path) failed: \(String(cString: strerror(code)))"
        }
    }

    /// Takes a snapshot and writes it atomically.
    ///
    /// - Throws: ``Failure`` when the file cannot be written; the previous file is untouched.
    public func write() throws {
        let snapshot = registry.snapshot() ?? Snapshot(path: .root, root: .container(SnapshotContainer(name: "", children: [])), timestamp: Registry.now())
        let json = JSONFormat.render(snapshot, pretty: pretty, includeCollapsed: true, extra: [("last-updated", snapshot.timestamp)]) + "\n"
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
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(step: "open", path: temporary, code: errno) }
        var failure: Failure?
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = Failure(step: "write", path: temporary, code: errno)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = Failure(step: "sync", path: temporary, code: errno) }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = Failure(step: "rename", path: "\(temporary) → \(path)", code: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}
