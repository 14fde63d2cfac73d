#!/usr/bin/env bash
# Installs every test peer this repository knows, from Debian's packages.
# Each Scripts/peers/<name>.sh answers `install` (idempotent) plus its own start/stop verbs.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || echo "install-peers: apt-get update failed; trying installed packages" >&2
fi
for peer in peers/*.sh; do
    echo "install-peers: $peer"
    bash "$peer" install
done
