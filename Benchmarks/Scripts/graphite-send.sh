#!/usr/bin/env bash
# graphite-send.sh - how much ScalesGraphite's formatting and sending costs over raw writes.
#
# Goal (issue "Graphite: a pusher that never hurts the app"): formatting and sending 100,000
# values to a local carbon-cache takes at most 2x the time of writing the same pre-built bytes
# to the same carbon in the same run.
#
#   bash Benchmarks/Scripts/graphite-send.sh [ROUNDS]     (default 7 rounds)
#
# Builds a tiny release-mode executable against this repository (in .build-bench-graphite/,
# reused between runs; the first build takes a few minutes), starts a private carbon-cache
# with Scripts/peers/carbon.sh (CARBON_MAX_CREATES=0: carbon receives and parses every line but
# writes no whisper files, so 100,000 new names cost no disk), then alternates per round:
#   raw:    write the pre-built plaintext bytes with blocking send() on a connected socket;
#   pusher: GraphitePusher.push(snapshot) on its connected socket: encode the snapshot (rules,
#           sanitizing, number formatting) + queue + write, until the last byte is written.
# Prints the median of each and the ratio pusher/raw. Snapshot time is printed separately
# (it is the runtime's cost, paid the same by every exporter).
set -euo pipefail
ROUNDS=${1:-7}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CARBON=$REPO/Scripts/peers/carbon.sh
bash "$CARBON" check || { echo "graphite-send: carbon-cache missing: bash $CARBON install" >&2; exit 1; }

PKG=$(mktemp -d /tmp/scales-graphite-bench.XXXXXX)
DIR=$(mktemp -d /tmp/scales-graphite-bench-carbon.XXXXXX)
cleanup() { bash "$CARBON" stop "$DIR" >/dev/null 2>&1 || true; rm -rf "$PKG" "$DIR"; }
trap cleanup EXIT

mkdir -p "$PKG/Sources/graphite-send"
cat > "$PKG/Package.swift" <<SWIFT
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "graphite-send",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "$REPO")],
    targets: [
        .executableTarget(
            name: "graphite-send",
            dependencies: [
                .product(name: "Scales", package: "$(basename "$REPO")"),
                .product(name: "ScalesGraphite", package: "$(basename "$REPO")"),
            ])
    ]
)
SWIFT
cat > "$PKG/Sources/graphite-send/main.swift" <<'SWIFT'
import Scales
import ScalesGraphite

#if canImport(Glibc)
import Glibc
#endif

let port = Int(CommandLine.arguments[1]) ?? 2003
let rounds = Int(CommandLine.arguments[2]) ?? 7
let values = 100_000
let clock = ContinuousClock()

// 100 collections x 1,000 stats: half ints, half doubles (varied magnitudes).
let registry = Registry()
for c in 0..<100 {
    let collection = registry.collection(at: StatPath(names: ["bench", "collection\(c)"]))
    for s in 0..<500 {
        collection.int("requests_\(s)").value = c * 1_000_003 + s
        collection.double("latency_\(s)").value = Double(c * 1000 + s) / 7.0
    }
}
let snapshotStart = clock.now
guard let snapshot = registry.snapshot() else { fatalError("no snapshot") }
let snapshotTime = clock.now - snapshotStart

var configuration = GraphiteConfiguration()
configuration.statsPath = nil
let pusher = GraphitePusher(host: "127.0.0.1", port: port, prefix: "bench", registry: registry, configuration: configuration)
pusher.allow("*")
let encodeStart = clock.now
let prebuilt = Array(pusher.plaintext(of: snapshot).utf8)
let encodeTime = clock.now - encodeStart
let lines = prebuilt.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
precondition(lines == values, "expected \(values) lines, got \(lines)")

func connectRaw() -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    precondition(result == 0, "connect failed: \(errno)")
    return fd
}

func rawWrite(_ fd: Int32) -> Duration {
    let start = clock.now
    prebuilt.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let sent = send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            if sent < 0 { if errno == EINTR { continue }; fatalError("send failed: \(errno)") }
            offset += sent
        }
    }
    return clock.now - start
}

func median(_ durations: [Duration]) -> Duration { durations.sorted()[durations.count / 2] }
func ms(_ duration: Duration) -> String {
    let tenths = Int((duration / .microseconds(100)).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

// Warm up both connections (the pusher connects on its first push).
let fd = connectRaw()
_ = await pusher.push(Snapshot(path: .root, root: .container(SnapshotContainer(name: "", children: [.stat(SnapshotStat(name: "warmup", value: .int(1)))])), timestamp: snapshot.timestamp))
try await Task.sleep(for: .seconds(2))

var raw: [Duration] = []
var pushed: [Duration] = []
for round in 0..<rounds {
    let r = rawWrite(fd)
    try await Task.sleep(for: .seconds(3))  // let carbon drain its socket
    let start = clock.now
    let outcome = await pusher.push(snapshot, timeout: .seconds(60))
    let p = clock.now - start
    guard outcome == .sent(lines: values) else { fatalError("push: \(outcome)") }
    try await Task.sleep(for: .seconds(3))
    raw.append(r)
    pushed.append(p)
    print("round \(round + 1): raw \(ms(r)) ms, pusher \(ms(p)) ms")
}
close(fd)
await pusher.shutdown()
let ratio = median(pushed) / median(raw)
print("values: \(values), bytes: \(prebuilt.count), snapshot: \(ms(snapshotTime)) ms (not included below)")
print("formatting alone (rules, sanitizing, numbers; one run): \(ms(encodeTime)) ms")
print("median raw write of pre-built bytes: \(ms(median(raw))) ms")
print("median format + send (GraphitePusher.push(snapshot)): \(ms(median(pushed))) ms")
print("ratio pusher/raw: \(Double(Int(ratio * 100)) / 100) (goal: <= 2)")
SWIFT

echo "graphite-send: building (release) in $REPO/.build-bench-graphite" >&2
swift build -c release --package-path "$PKG" --scratch-path "$REPO/.build-bench-graphite" 2>&1 | tail -n 3 >&2
PORT=$(bash "$CARBON" freeport)
CARBON_MAX_CREATES=0 bash "$CARBON" start "$PORT" "$DIR" >&2
"$REPO/.build-bench-graphite/release/graphite-send" "$PORT" "$ROUNDS"
