#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call's error number (`errno`).
package struct SystemError: Error, Sendable, Equatable {
    /// The error number.
    package let code: Int32

    package init(code: Int32) {
        self.code = code
    }

    /// The error number of the last failed call on this thread.
    package static var last: SystemError { SystemError(code: errno) }

    /// The system's text for the error, such as `No such file or directory`.
    package var message: String { PlatformFiles.errorMessage(code) }
}

/// File and process-identity calls: what the file dump and the process stats need.
package enum PlatformFiles {
    /// This process's id.
    package static var processID: Int32 { getpid() }

    /// The system's text for an error number (`strerror`).
    package static func errorMessage(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Creates `path`, which must not exist yet, for writing (close-on-exec); its descriptor.
    package static func createNew(_ path: String, permissions: UInt16 = 0o644) throws(SystemError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(permissions))
        guard fd >= 0 else { throw .last }
        return fd
    }

    /// Writes all of `bytes` to `fd`, retrying short and interrupted writes.
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) {
        var failure: SystemError?
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .last
                    return
                }
                offset += written
            }
        }
        if let failure { throw failure }
    }

    /// Flushes `fd`'s data to the disk (`fsync`).
    package static func sync(_ fd: Int32) throws(SystemError) {
        guard fsync(fd) == 0 else { throw .last }
    }

    /// Closes `fd`.
    package static func close(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #elseif canImport(Musl)
        _ = Musl.close(fd)
        #elseif canImport(Darwin)
        _ = Darwin.close(fd)
        #endif
    }

    /// Renames `source` over `destination` atomically (`rename`).
    package static func rename(_ source: String, to destination: String) throws(SystemError) {
        #if canImport(Glibc)
        let result = Glibc.rename(source, destination)
        #elseif canImport(Musl)
        let result = Musl.rename(source, destination)
        #elseif canImport(Darwin)
        let result = Darwin.rename(source, destination)
        #endif
        guard result == 0 else { throw .last }
    }

    /// Removes the file at `path`, if it can (`unlink`).
    package static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// The whole content of a file that may not know its size (as `/proc` files do not).
    package static func readAll(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .last }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .last
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// How many entries a directory has, `.` and `..` not counted.
    ///
    /// - Parameter excludingOwnDescriptor: Also leave out the descriptor this call opens to
    ///   read the directory (for `/proc/self/fd`, which lists it).
    package static func entryCount(ofDirectory path: String, excludingOwnDescriptor: Bool = false) throws(SystemError)
        -> Int
    {
        guard let directory = opendir(path) else { throw .last }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var count = 0
        errno = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                Array(bytes.prefix { $0 != 0 })
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            if excludingOwnDescriptor, name == Array(String(own).utf8) { continue }
            count += 1
        }
        if errno != 0 { throw .last }
        return count
    }
}

/// The process's environment, the machine's name, and leaving with one line (the example).
package enum PlatformEnvironment {
    /// Writes `line` and a newline to standard error, then exits with `status` (no backtrace).
    package static func exit(status: Int32, line: String) -> Never {
        _ = try? PlatformFiles.writeAll(STDERR_FILENO, Array((line + "\n").utf8))
        #if canImport(Glibc)
        Glibc.exit(status)
        #elseif canImport(Musl)
        Musl.exit(status)
        #elseif canImport(Darwin)
        Darwin.exit(status)
        #endif
    }

    /// The value of the environment variable `name`, or `nil` when it is not set.
    package static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// This machine's host name (`gethostname`), or `nil` if it cannot be read.
    package static func hostName() -> String? {
        var bytes = [CChar](repeating: 0, count: 256)
        guard gethostname(&bytes, bytes.count - 1) == 0 else { return nil }
        let name = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? nil : name
    }
}
