#!/usr/bin/env bash
# Renders a run's report.html to a PNG with headless Chromium, to look at the page as a
# maintainer would (make report-png). Installs Debian's chromium with apt-get if it is missing.
# Usage: scripts/report_png.sh [OUT_DIR]   (default out/: reads OUT_DIR/report.html, writes
# OUT_DIR/report.png). Not part of `make test`.
set -euo pipefail

out=${1:-out}
html="$out/report.html"
png="$out/report.png"
if [[ ! -f $html ]]; then
    echo "report_png: $html not found (run make dedup first)" >&2
    exit 1
fi
if [[ ! -x /usr/bin/chromium ]]; then
    echo "report_png: installing chromium (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# The sample dumps are mostly Chinese: without a CJK font every character is a box.
if command -v fc-list >/dev/null && [[ -z $(fc-list :lang=zh) ]]; then
    echo "report_png: installing a CJK font (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; }
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$png"
# No network: the page loads nothing, and these flags keep Chromium itself from phoning home.
/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --screenshot="$png" \
    --window-size=1280,4000 "file://$(realpath "$html")" 2>"$profile/stderr" || {
    cat "$profile/stderr" >&2
    exit 1
}
if [[ ! -s $png ]]; then
    cat "$profile/stderr" >&2
    echo "report_png: no screenshot written" >&2
    exit 1
fi
echo "report_png: $png"
