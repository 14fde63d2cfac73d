#!/usr/bin/env bash
# Prometheus and promtool (Debian's `prometheus` package) for the ScalesHTTP tests.
#
#   prometheus.sh install                 install from Debian (idempotent)
#   prometheus.sh freeport                print a free TCP port on 127.0.0.1
#   prometheus.sh start DIR [--native-histograms] JOB=HOST:PORT…
#                                         start a private server scraping each target's /metrics
#                                         every second; data and config in DIR; prints
#                                         "READY prometheus 127.0.0.1:PORT pid=N dir=DIR";
#                                         --native-histograms: --enable-feature=native-histograms
#                                         (it then asks for protobuf first)
#   prometheus.sh stop DIR                stop the server started in DIR (by its pid)
#   prometheus.sh check-metrics           promtool check metrics on stdin (exit 0 clean, 3 lint, 1 parse error)
#
# Pitfalls handled here: the binary listens on 0.0.0.0:9090 by default (we always pass
# --web.listen-address=127.0.0.1:PORT and a private --storage.tsdb.path); the first scrape comes
# about 5 s after start whatever scrape_interval is (wait by polling the query API, not sleeping);
# promtool reads stdin only and is stricter than the server.
set -euo pipefail

find_tool() {
    local tool=$1
    command -v "$tool" 2>/dev/null && return 0
    for dir in /usr/bin /usr/local/bin; do
        [ -x "$dir/$tool" ] && { echo "$dir/$tool"; return 0; }
    done
    return 1
}

freeport() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
    else
        # Fall back to a random high port that nothing listens on.
        while :; do
            local port=$((20000 + RANDOM % 40000))
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
        done
    fi
}

http_ok() {  # http_ok URL: exit 0 when the URL answers 2xx
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
    else
        local rest=${1#http://}; local hostport=${rest%%/*}; local path=/${rest#*/}
        exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}" || return 1
        printf 'GET %s HTTP/1.0\r\n\r\n' "$path" >&3
        head -1 <&3 | grep -q ' 2[0-9][0-9] '
    fi
}

case "${1:-}" in
install)
    if find_tool prometheus >/dev/null && find_tool promtool >/dev/null; then
        echo "prometheus: already installed ($(find_tool prometheus))"
        exit 0
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "prometheus: not installed, and apt-get as root is not available: install Debian's 'prometheus' package" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null
    # A distribution service would listen on 0.0.0.0:9090; tests never use it, but say so.
    if command -v ss >/dev/null && ss -ltn 2>/dev/null | grep -q ':9090 '; then
        echo "prometheus: note: something listens on :9090 (the Debian service?); the tests use private instances" >&2
    fi
    echo "prometheus: installed ($(find_tool prometheus))"
    ;;
freeport)
    freeport
    ;;
start)
    dir=${2:?usage: prometheus.sh start DIR [--native-histograms] JOB=HOST:PORT...}
    shift 2
    features=()
    if [ "${1:-}" = --native-histograms ]; then
        features=(--enable-feature=native-histograms)
        shift
    fi
    [ $# -gt 0 ] || { echo "prometheus.sh start: no targets" >&2; exit 2; }
    prometheus=$(find_tool prometheus) || { echo "prometheus: not installed" >&2; exit 1; }
    mkdir -p "$dir/data"
    port=$(freeport)
    {
        echo "global:"
        echo "  scrape_interval: 1s"
        echo "  evaluation_interval: 1s"
        echo "scrape_configs:"
        for target in "$@"; do
            echo "  - job_name: '${target%%=*}'"
            echo "    metrics_path: /metrics"
            echo "    static_configs:"
            echo "      - targets: ['${target#*=}']"
        done
    } > "$dir/prometheus.yml"
    # Started with every inherited descriptor above 2 closed: a caller that watches for our
    # exit through an inherited descriptor (Foundation's Process does) must not wait for
    # the server too.
    (
        for fd in /proc/self/fd/*; do
            n=${fd##*/}
            [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" 2>/dev/null
        done
        exec nohup "$prometheus" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
            --web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=1h ${features[@]+"${features[@]}"} \
            > "$dir/prometheus.log" 2>&1 < /dev/null
    ) &
    pid=$!
    echo "$pid" > "$dir/prometheus.pid"
    echo "$port" > "$dir/prometheus.port"
    for _ in $(seq 1 300); do
        if http_ok "http://127.0.0.1:$port/-/ready"; then
            echo "READY prometheus 127.0.0.1:$port pid=$pid dir=$dir"
            exit 0
        fi
        kill -0 "$pid" 2>/dev/null || { echo "prometheus exited during start:" >&2; tail -5 "$dir/prometheus.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "prometheus not ready within 30 s" >&2
    kill -TERM "$pid" 2>/dev/null || true
    exit 1
    ;;
stop)
    dir=${2:?usage: prometheus.sh stop DIR}
    [ -f "$dir/prometheus.pid" ] || exit 0
    pid=$(cat "$dir/prometheus.pid")
    if kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/prometheus.pid"
    echo "stopped prometheus pid=$pid"
    ;;
check-metrics)
    promtool=$(find_tool promtool) || { echo "promtool: not installed" >&2; exit 1; }
    exec "$promtool" check metrics
    ;;
*)
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
