#!/usr/bin/env bash
# Decoders for the ScalesHTTP tests of /metrics' protobuf and OpenMetrics output, from
# Debian's packages: Python's protobuf runtime with protoc (python3-protobuf,
# protobuf-compiler), the official metrics.proto of prometheus/client_model as Debian ships it
# (golang-github-prometheus-client-model-dev, 0.3.0: native histogram fields included), and
# prometheus_client's strict OpenMetrics parser (python3-prometheus-client).
#
#   protobuf.sh install          install them (idempotent)
#   protobuf.sh decode           stdin: delimited io.prometheus.client.MetricFamily messages;
#                                stdout: one JSON array of the messages (proto field names);
#                                exit 1 when a message does not parse or does not re-encode to
#                                exactly its bytes (an unknown field, a wrong wire type)
#   protobuf.sh check-openmetrics  stdin: OpenMetrics text; stdout: JSON array of families
#                                (name, type, samples); exit 1 with the parser's error
#
# metrics_pb2.py is generated once per machine with protoc from the installed metrics.proto
# (into $SCALES_PROTO_CACHE, /tmp/scales-metrics-pb2 by default): nothing generated is kept in
# the repository. Override the proto with METRICS_PROTO=/path/to/metrics.proto.
set -euo pipefail

python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
proto=${METRICS_PROTO:-/usr/share/gocode/src/github.com/prometheus/client_model/io/prometheus/client/metrics.proto}
timestamp=/usr/share/gocode/src/github.com/golang/protobuf/ptypes/timestamp/timestamp.proto
cache=${SCALES_PROTO_CACHE:-/tmp/scales-metrics-pb2}

have_all() {
    [ -f "$proto" ] && command -v protoc >/dev/null 2>&1 &&
        "$python" -c 'import google.protobuf, prometheus_client' 2>/dev/null
}

generate() {
    [ -f "$cache/metrics_pb2.py" ] && [ "$cache/metrics_pb2.py" -nt "$proto" ] && return 0
    command -v protoc >/dev/null || { echo "protobuf: protoc not installed" >&2; exit 1; }
    [ -f "$proto" ] || { echo "protobuf: $proto not found" >&2; exit 1; }
    local work
    work=$(mktemp -d)
    mkdir -p "$work/include/google/protobuf" "$cache"
    # metrics.proto imports the well-known Timestamp; Debian's golang protobuf ships it.
    if [ -f /usr/include/google/protobuf/timestamp.proto ]; then
        cp /usr/include/google/protobuf/timestamp.proto "$work/include/google/protobuf/"
    else
        cp "$timestamp" "$work/include/google/protobuf/"
    fi
    # At the top level: a package directory named `io` would shadow Python's io module.
    cp "$proto" "$work/metrics.proto"
    protoc -I"$work" -I"$work/include" --python_out="$work" "$work/metrics.proto"
    mv "$work/metrics_pb2.py" "$cache/metrics_pb2.py.tmp" && mv "$cache/metrics_pb2.py.tmp" "$cache/metrics_pb2.py"
    rm -rf "$work"
}

case "${1:-}" in
install)
    if have_all; then
        echo "protobuf: already installed ($proto)"
        exit 0
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "protobuf: not installed, and apt-get as root is not available: install Debian's python3-protobuf, protobuf-compiler, golang-github-prometheus-client-model-dev and python3-prometheus-client" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3-protobuf protobuf-compiler golang-github-prometheus-client-model-dev python3-prometheus-client >/dev/null
    generate
    echo "protobuf: installed ($proto)"
    ;;
decode)
    generate
    # The program as an argument: stdin carries the data.
    script=$(cat <<'PY'
import json, math, sys
sys.path.insert(0, sys.argv[1])
import metrics_pb2
from google.protobuf import json_format

data = sys.stdin.buffer.read()
families, position = [], 0
while position < len(data):
    length, shift = 0, 0
    while True:
        if position >= len(data):
            sys.exit("truncated length prefix")
        byte = data[position]; position += 1
        length |= (byte & 0x7F) << shift; shift += 7
        if not byte & 0x80:
            break
    chunk = data[position:position + length]
    if len(chunk) != length:
        sys.exit("truncated message")
    position += length
    family = metrics_pb2.MetricFamily()
    family.ParseFromString(chunk)
    if family.SerializeToString() != chunk:
        sys.exit("message %d (%s) does not re-encode to its bytes: unknown fields or non-canonical encoding"
                 % (len(families), family.name))
    families.append(json_format.MessageToDict(family, preserving_proto_field_name=True,
                                              including_default_value_fields=False))
print(json.dumps(families))
PY
)
    exec "$python" -c "$script" "$cache"
    ;;
check-openmetrics)
    script=$(cat <<'PY'
import json, math, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
text = sys.stdin.buffer.read().decode("utf-8")
try:
    out = []
    for family in text_string_to_metric_families(text):
        out.append({"name": family.name, "type": family.type, "help": family.documentation,
                    "samples": [{"name": s.name, "labels": s.labels,
                                 "value": repr(s.value) if isinstance(s.value, float) and not math.isfinite(s.value) else s.value}
                                for s in family.samples]})
except Exception as error:
    sys.exit("openmetrics: %s: %s" % (type(error).__name__, error))
print(json.dumps(out))
PY
)
    exec "$python" -c "$script"
    ;;
*)
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
