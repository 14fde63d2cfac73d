import Logging
import Scales
import ScalesGraphite
import ScalesPlatform

/// Starts pushing `registry`'s whole tree to Graphite when the environment asks for it:
///
/// ```sh
/// SCALES_GRAPHITE=127.0.0.1:2003 SCALES_GRAPHITE_PERIOD=10 swift run ScalesExample
/// ```
///
/// - `SCALES_GRAPHITE=host:port` (`[v6addr]:port` for an IPv6 address) turns it on; without it
///   nothing is pushed and this returns `nil`.
/// - `SCALES_GRAPHITE_PERIOD` is the period in seconds (default 60; decimals allowed).
/// - `SCALES_GRAPHITE_PREFIX` replaces the default prefix (the lowercased host name).
///
/// Call ``GraphitePeriodicPusher/stop()`` on the result at exit for a last push, or run it in a
/// `ServiceGroup` (it is a `Service`).
func startGraphiteFromEnvironment(
    registry: Registry, logger: Logger = Logger(label: "scales.example.graphite")
) -> GraphitePeriodicPusher? {
    guard let target = environment("SCALES_GRAPHITE"), !target.isEmpty else { return nil }
    guard let (host, port) = parseHostPort(target) else {
        logger.error("SCALES_GRAPHITE must be host:port (such as 127.0.0.1:2003), got \(target); not pushing")
        return nil
    }
    var period = Duration.seconds(60)
    if let text = environment("SCALES_GRAPHITE_PERIOD") {
        if let seconds = Double(text), seconds.isFinite, seconds > 0 {
            period = .milliseconds(Int64(seconds * 1000))
        } else {
            logger.warning("SCALES_GRAPHITE_PERIOD must be a positive number of seconds, got \(text); using 60")
        }
    }
    let graphite = GraphitePeriodicPusher(
        host: host, port: port, prefix: environment("SCALES_GRAPHITE_PREFIX"), period: period,
        registry: registry, logger: logger)
    graphite.allow("*")
    graphite.start()
    logger.info(
        "pushing stats to Graphite at \(host):\(port) every \(period) with prefix '\(graphite.pusher.prefix)'")
    return graphite
}

/// `host:port` or `[ipv6]:port`.
private func parseHostPort(_ text: String) -> (String, Int)? {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
        (1...65535).contains(port)
    else { return nil }
    var host = String(text[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return host.isEmpty ? nil : (host, port)
}

private func environment(_ name: String) -> String? {
    PlatformEnvironment.value(name)
}
