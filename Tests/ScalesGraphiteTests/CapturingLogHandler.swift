import Logging
import Synchronization

/// A swift-log handler that keeps every message, to count the pusher's log lines.
final class LogCapture: Sendable {
    let entries = Mutex<[(level: Logger.Level, message: String)]>([])

    var logger: Logger {
        var logger = Logger(label: "test.graphite") { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    func count(_ level: Logger.Level) -> Int {
        entries.withLock { $0.filter { $0.level == level }.count }
    }

    var total: Int { entries.withLock { $0.count } }

    var messages: [String] { entries.withLock { $0.map { "\($0.level): \($0.message)" } } }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.entries.withLock { $0.append((event.level, event.message.description)) }
    }
}
