#!/usr/bin/env bash
# Requests per second of the example server's /status/?format=json against a minimal SwiftNIO
# server answering the same bytes, measured with wrk in the same run (issue: at least 1/2).
# The two are measured in alternation, `rounds` times each (this machine's speed drifts over
# seconds), and the medians compared.
#   bash Benchmarks/Scripts/http-throughput.sh [seconds] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
seconds=${1:-5}
rounds=${2:-3}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
swift build -c release --package-path "$root" --product ScalesExample >&2
swift build -c release --package-path "$here" --product MinimalNIOServer >&2
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

example_port=$(free_port)
SCALES_PORT=$example_port "$root/.build/release/ScalesExample" > "$work/example.log" 2>&1 &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$example_port/status/?format=json" -o /dev/null && break; sleep 0.1; done
# A few seconds of simulated traffic fill every dict and pmf, then the baseline gets that body.
sleep 3
curl -sf "http://127.0.0.1:$example_port/status/?format=json" -o "$work/body.json"
minimal_port=$(free_port)
"$here/.build/release/MinimalNIOServer" "$minimal_port" "$work/body.json" > "$work/minimal.log" 2>&1 &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$minimal_port/" -o /dev/null && break; sleep 0.1; done

rate() {
    local out
    out=$(timeout $((seconds + 10)) wrk -t2 -c16 -d"${seconds}s" "$1")
    echo "$out" >&2
    if echo "$out" | grep -qE "Socket errors|Non-2xx"; then echo "errors in the run above" >&2; exit 1; fi
    echo "$out" | awk '/Requests\/sec/ { print $2 }'
}
minimal_rates=()
status_rates=()
for _ in $(seq "$rounds"); do
    minimal_rates+=("$(rate "http://127.0.0.1:$minimal_port/")")
    status_rates+=("$(rate "http://127.0.0.1:$example_port/status/?format=json")")
done
python3 - "$(wc -c < "$work/body.json")" "${status_rates[*]}" "${minimal_rates[*]}" <<'PY'
import statistics, sys
size = int(sys.argv[1])
status = [float(x) for x in sys.argv[2].split()]
minimal = [float(x) for x in sys.argv[3].split()]
s, m = statistics.median(status), statistics.median(minimal)
print(f"rounds: status {', '.join(f'{x:,.0f}' for x in status)}; minimal {', '.join(f'{x:,.0f}' for x in minimal)}")
print(f"/status/?format=json: {s:,.0f} req/s; minimal NIO server, same {size:,} bytes: {m:,.0f} req/s "
      f"(medians of {len(status)}); ratio {s / m:.2f} (goal >= 0.5)")
PY
