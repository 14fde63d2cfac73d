#!/usr/bin/env bash
# wrk (Debian's `wrk` package): bounded HTTP load for the ScalesHTTP tests and benchmarks.
#
#   wrk.sh install                          install from Debian (idempotent)
#   wrk.sh run URL [SECONDS] [CONNECTIONS] [THREADS]
#                                           load URL for SECONDS (default 3) with CONNECTIONS
#                                           (default 32) over THREADS (default 2); prints wrk's
#                                           report and a line
#                                           "WRK-SUMMARY requests=N rps=R p99_ms=P socket_errors=E non2xx=M"
#                                           exit 1 on any socket error, any non-2xx/3xx, or no request
#
# Pitfalls handled here: wrk exits 0 even with socket errors and 5xx (we read its
# "Socket errors:" and "Non-2xx or 3xx responses:" lines, present only when non-zero); it is
# bounded by time only (-d, plus `timeout` as a hard stop); latency units vary (us, ms, s).
set -euo pipefail

find_wrk() {
    command -v wrk 2>/dev/null && return 0
    [ -x /usr/bin/wrk ] && { echo /usr/bin/wrk; return 0; }
    return 1
}

case "${1:-}" in
install)
    if find_wrk >/dev/null; then
        echo "wrk: already installed ($(find_wrk))"
        exit 0
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "wrk: not installed, and apt-get as root is not available: install Debian's 'wrk' package" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >/dev/null
    echo "wrk: installed ($(find_wrk))"
    ;;
run)
    url=${2:?usage: wrk.sh run URL [SECONDS] [CONNECTIONS] [THREADS]}
    seconds=${3:-3}
    connections=${4:-32}
    threads=${5:-2}
    wrk=$(find_wrk) || { echo "wrk: not installed" >&2; exit 1; }
    out=$(mktemp /tmp/scales-wrk.XXXXXX)
    rc=0
    timeout $((seconds + 30)) "$wrk" --latency -t"$threads" -c"$connections" -d"${seconds}s" "$url" > "$out" 2>&1 || rc=$?
    cat "$out"
    requests=$(awk '/ requests in / {print $1}' "$out")
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p99=$(awk '$1=="99%" { v=$2; u=v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
          if (u=="us") v/=1000; else if (u=="s") v*=1000; else if (u=="m") v*=60000; print v }' "$out")
    socket_errors=$(awk '/^  Socket errors:/ {gsub(",", ""); print $4+$6+$8+$10}' "$out")
    non2xx=$(awk '/^  Non-2xx or 3xx responses:/ {print $5}' "$out")
    rm -f "$out"
    echo "WRK-SUMMARY requests=${requests:-0} rps=${rps:-0} p99_ms=${p99:-?} socket_errors=${socket_errors:-0} non2xx=${non2xx:-0}"
    fail=0
    [ "$rc" -eq 0 ] || { echo "WRK-FAIL: wrk exit $rc"; fail=1; }
    [ -n "${requests:-}" ] && [ "${requests:-0}" -gt 0 ] || { echo "WRK-FAIL: no request completed"; fail=1; }
    [ "${socket_errors:-0}" -eq 0 ] || { echo "WRK-FAIL: $socket_errors socket errors"; fail=1; }
    [ "${non2xx:-0}" -eq 0 ] || { echo "WRK-FAIL: $non2xx non-2xx/3xx responses"; fail=1; }
    exit $fail
    ;;
*)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
