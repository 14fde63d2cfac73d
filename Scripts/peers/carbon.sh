#!/usr/bin/env bash
# carbon.sh - a private Graphite carbon-cache on 127.0.0.1, for ScalesGraphite's tests and for
# trying the example server against a real carbon.
#
#   carbon.sh install          install graphite-carbon (+ python3-whisper) from Debian; idempotent
#   carbon.sh check            exit 0 if carbon-cache and python3's whisper module are usable
#   carbon.sh freeport         print a free TCP port on 127.0.0.1
#   carbon.sh start PORT DIR   write DIR/conf/*, start carbon-cache (daemon) with its line
#                              receiver on 127.0.0.1:PORT and storage under DIR/storage/whisper,
#                              wait until the port accepts, print "READY carbon-cache 127.0.0.1:PORT pid=N"
#                              (restarting on the same PORT and DIR keeps the stored data)
#   carbon.sh stop DIR         SIGTERM the instance of DIR and wait until it is gone
#                              (carbon does NOT flush its cache on SIGTERM: read back first)
#   carbon.sh dump DIR [FROM]  print "metric.name<TAB>timestamp<TAB>value" for every stored point
#                              since FROM (unix seconds, within the last hour so points come from
#                              the 1 s archive; default: the last 50 minutes), values as
#                              Python repr (exact)
#   carbon.sh problems DIR     print the lines of carbon's logs that report a rejected line or a
#                              write error (empty output = carbon accepted everything)
#   env: CARBON_WAIT (seconds, default 20), CARBON_MAX_CREATES (default inf), CARBON_BIN, CARBON_PY
#
# Why the settings below (each one was met the hard way):
# - MAX_CREATES_PER_MINUTE: Debian's default 50 silently DROPS the 51st new metric of a minute.
# - USER empty: Debian's `_graphite` cannot write in DIR.
# - PICKLE_RECEIVER_PORT 0 / CACHE_QUERY_PORT 0: disabled / ephemeral, so instances don't clash;
#   LINE_RECEIVER_PORT 0 would DISABLE the receiver, so a real port is required.
# - carbon binds with SO_REUSEPORT: a second instance on a used port would silently share the
#   traffic, so `start` refuses a port that already accepts connections.
# - ENABLE_TAGS False: otherwise every new metric is POSTed to a graphite-web on 127.0.0.1:80.
# - comments must stay on their own lines: carbon's ConfigParser keeps `# ...` in the value.
# - retention 1s:1h,10s:1d with xFilesFactor 0: a point at "now" is stored per second.
# - /usr/bin/python3 (Debian's) has twisted and whisper; a pyenv/venv python3 on PATH may not.
set -euo pipefail

CARBON_BIN=${CARBON_BIN:-/usr/bin/carbon-cache}
PY=${CARBON_PY:-/usr/bin/python3}
WAIT=${CARBON_WAIT:-20}
# New metrics carbon creates per minute. Tests need `inf`; a benchmark that only measures
# sending sets 0 (carbon then receives and drops, writing no files).
MAX_CREATES=${CARBON_MAX_CREATES:-inf}

die() { echo "carbon.sh: $*" >&2; exit 1; }

usable() {
  [ -x "$CARBON_BIN" ] && [ -x "$PY" ] && "$PY" -c 'import whisper, twisted' 2>/dev/null
}

alive() {  # alive PID: running and not a zombie
  [ -r "/proc/$1/stat" ] || return 1
  local st
  st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

port_open() {  # port_open PORT: something accepts on 127.0.0.1:PORT
  "$PY" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
s.close()
EOF
}

write_conf() {  # write_conf PORT DIR
  local port=$1 dir=$2
  mkdir -p "$dir/conf" "$dir/storage/whisper" "$dir/storage/lists" "$dir/log"
  cat > "$dir/conf/carbon.conf" <<EOF
[cache]
STORAGE_DIR = $dir/storage/
LOCAL_DATA_DIR = $dir/storage/whisper/
WHITELISTS_DIR = $dir/storage/lists/
LOG_DIR = $dir/log/
PID_DIR = $dir/
USER =
DATABASE = whisper
ENABLE_LOGROTATION = False
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = $MAX_CREATES
MIN_TIMESTAMP_RESOLUTION = 1
CACHE_WRITE_STRATEGY = sorted
WHISPER_AUTOFLUSH = True
WHISPER_FALLOCATE_CREATE = False
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $port
ENABLE_UDP_LISTENER = False
UDP_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = 0
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = 0
ENABLE_TAGS = False
ENABLE_MANHOLE = False
USE_FLOW_CONTROL = True
LOG_LISTENER_CONN_SUCCESS = True
LOG_UPDATES = False
LOG_CREATES = True
LOG_CACHE_HITS = False
LOG_CACHE_QUEUE_SORTS = False
CARBON_METRIC_INTERVAL = 60
EOF
  cat > "$dir/conf/storage-schemas.conf" <<'EOF'
[carbon]
pattern = ^carbon\.
retentions = 60s:1d

[default]
pattern = .*
retentions = 1s:1h,10s:1d
EOF
  cat > "$dir/conf/storage-aggregation.conf" <<'EOF'
[default]
pattern = .*
xFilesFactor = 0
aggregationMethod = average
EOF
}

cmd=${1:-}
case $cmd in
install)
  if usable; then
    echo "carbon.sh: carbon-cache and python3-whisper already installed"
    exit 0
  fi
  command -v apt-get >/dev/null || die "apt-get not found: install graphite-carbon (carbon-cache + python3-whisper) by hand"
  export DEBIAN_FRONTEND=noninteractive
  # graphite-carbon brings python3-whisper and python3-twisted; the system instance it ships
  # stays disabled (/etc/default/graphite-carbon), we never use it.
  apt-get install -y --no-install-recommends graphite-carbon python3-whisper >/dev/null \
    || { apt-get update -qq >/dev/null && apt-get install -y --no-install-recommends graphite-carbon python3-whisper >/dev/null; }
  usable || die "graphite-carbon installed but carbon-cache or python3's whisper module is not usable"
  echo "carbon.sh: installed graphite-carbon"
  ;;
check)
  usable
  ;;
freeport)
  [ -x "$PY" ] || die "$PY not found"
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  ;;
start)
  [ $# -eq 3 ] || die "usage: $0 start PORT DIR"
  port=$2
  case $port in ''|*[!0-9]*) die "PORT must be a number";; esac
  [ "$port" -gt 0 ] && [ "$port" -le 65535 ] || die "PORT out of range (0 would disable carbon's receiver): $port"
  usable || die "carbon-cache not usable: run '$0 install'"
  mkdir -p "$3"
  dir=$(cd "$3" && pwd)
  pidf=$dir/carbon-cache.pid
  if [ -s "$pidf" ] && alive "$(cat "$pidf")"; then die "already running with pid $(cat "$pidf")"; fi
  if port_open "$port"; then die "127.0.0.1:$port already accepts connections"; fi
  rm -f "$pidf"
  write_conf "$port" "$dir"
  "$CARBON_BIN" --config="$dir/conf/carbon.conf" --pidfile="$pidf" --logdir="$dir/log" start \
    > "$dir/log/start.out" 2>&1 || { cat "$dir/log/start.out" >&2; die "carbon-cache start failed"; }
  i=0
  while [ ! -s "$pidf" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ -s "$pidf" ] || { cat "$dir/log/start.out" >&2; die "no pidfile $pidf"; }
  pid=$(cat "$pidf")
  i=0
  until port_open "$port"; do
    if ! alive "$pid"; then
      tail -n 30 "$dir/log/console.log" >&2 2>/dev/null || true
      die "carbon-cache (pid $pid) exited during startup"
    fi
    i=$((i + 1))
    [ $i -le $((WAIT * 10)) ] || { kill -TERM "$pid" 2>/dev/null || true; die "127.0.0.1:$port not accepting after ${WAIT}s"; }
    sleep 0.1
  done
  echo "READY carbon-cache 127.0.0.1:$port pid=$pid dir=$dir"
  ;;
stop)
  [ $# -eq 2 ] || die "usage: $0 stop DIR"
  pidf=$2/carbon-cache.pid
  if [ ! -s "$pidf" ]; then echo "not running (no $pidf)"; exit 0; fi
  pid=$(cat "$pidf")
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while alive "$pid" && [ $i -lt $((WAIT * 10)) ]; do sleep 0.1; i=$((i + 1)); done
    if alive "$pid"; then
      echo "carbon.sh: pid $pid ignored SIGTERM for ${WAIT}s, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidf"
  echo "STOPPED carbon-cache pid=$pid"
  ;;
dump)
  [ $# -ge 2 ] || die "usage: $0 dump DIR [FROM]"
  "$PY" - "$2/storage/whisper" "${3:-}" <<'EOF'
import os, sys, time, whisper
root, since = sys.argv[1], sys.argv[2]
now = int(time.time())
since = int(since) if since else now - 3000  # inside the 1 s archive (1 h)
for base, _, files in os.walk(root):
    for name in sorted(files):
        if not name.endswith(".wsp"):
            continue
        path = os.path.join(base, name)
        metric = os.path.relpath(path, root)[:-4].replace(os.sep, ".")
        try:
            (start, end, step), values = whisper.fetch(path, since - 1, now + 1)
        except Exception as error:  # a file being created: report, go on
            print("#", metric, error, file=sys.stderr)
            continue
        for index, value in enumerate(values):
            if value is not None:
                print("%s\t%d\t%r" % (metric, start + index * step, value))
EOF
  ;;
problems)
  [ $# -eq 2 ] || die "usage: $0 problems DIR"
  grep -h -E 'invalid line|Unhandled Error|Error writing|Error creating|UnicodeDecodeError' \
    "$2"/log/*.log 2>/dev/null || true
  ;;
*)
  sed -n '2,20p' "$0" >&2
  exit 2
  ;;
esac
