#!/usr/bin/env bash
# Headless Chromium (Debian's `chromium` package) for the status-page tests.
#
#   chromium.sh install                    install chromium + fonts from Debian (idempotent)
#   chromium.sh screenshot URL OUT.png [W,H] save a PNG of the page (default 1200,900)
#   chromium.sh dump-dom URL OUT.html      save the DOM after scripts ran; the page's console
#                                          and chromium's own messages go to OUT.html.log
#
# Both fail (exit 1) when the page did not load. Pitfalls handled here: chromium exits 0 even
# when the page failed to load (we check the output and grep "Page load failed"); as root it
# needs --no-sandbox; every run gets its own --user-data-dir and HOME (a shared profile makes
# parallel runs exit 21, and without HOME it writes under /root); --virtual-time-budget lets
# timers finish before the dump; every run is bounded by `timeout 60`.
set -euo pipefail

find_chromium() {
    for tool in chromium chromium-browser; do
        command -v "$tool" 2>/dev/null && return 0
        [ -x "/usr/bin/$tool" ] && { echo "/usr/bin/$tool"; return 0; }
    done
    return 1
}

run_chromium() {  # run_chromium LOGFILE ARGS...: one isolated headless run
    local log=$1; shift
    local chromium
    chromium=$(find_chromium) || { echo "chromium: not installed" >&2; return 1; }
    local home
    home=$(mktemp -d /tmp/scales-chromium.XXXXXX)
    local rc=0
    HOME="$home" timeout 60 "$chromium" --headless --no-sandbox --disable-gpu \
        --user-data-dir="$home/profile" --no-first-run --hide-scrollbars \
        --enable-logging=stderr --v=0 --virtual-time-budget=3000 "$@" 2> "$log" || rc=$?
    rm -rf "$home"
    if grep -q 'Page load failed' "$log"; then
        echo "chromium: page load failed:" >&2
        grep 'Page load failed' "$log" >&2
        return 1
    fi
    [ "$rc" -eq 0 ] || { echo "chromium: exit $rc" >&2; tail -5 "$log" >&2; return 1; }
}

case "${1:-}" in
install)
    # chromium plus fonts: DejaVu for the page, a CJK and an emoji font so screenshots show
    # every test string instead of empty boxes.
    missing=()
    find_chromium >/dev/null || missing+=(chromium)
    for font in fonts-dejavu-core fonts-wqy-microhei fonts-noto-color-emoji; do
        dpkg -s "$font" >/dev/null 2>&1 || missing+=("$font")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "chromium: already installed ($(find_chromium)), fonts too"
        exit 0
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "chromium: missing ${missing[*]}, and apt-get as root is not available: install Debian's packages" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
    echo "chromium: installed ${missing[*]} ($(find_chromium))"
    ;;
screenshot)
    url=${2:?usage: chromium.sh screenshot URL OUT.png [W,H]}
    out=${3:?usage: chromium.sh screenshot URL OUT.png [W,H]}
    size=${4:-1200,900}
    mkdir -p "$(dirname "$out")"
    rm -f "$out"
    run_chromium "$out.log" --window-size="$size" --screenshot="$out" "$url"
    head -c 8 "$out" 2>/dev/null | grep -q PNG || { echo "chromium: no PNG written to $out" >&2; exit 1; }
    echo "screenshot $out"
    ;;
dump-dom)
    url=${2:?usage: chromium.sh dump-dom URL OUT.html}
    out=${3:?usage: chromium.sh dump-dom URL OUT.html}
    mkdir -p "$(dirname "$out")"
    run_chromium "$out.log" --dump-dom "$url" > "$out"
    [ -s "$out" ] || { echo "chromium: empty DOM for $url" >&2; exit 1; }
    echo "dom $out"
    ;;
*)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
