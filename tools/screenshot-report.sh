#!/usr/bin/env bash
# Regenerate the README's screenshot of the quick-start HTML report with headless
# Chromium (Debian package chromium, in tools/deps.sh test).
# usage: tools/screenshot-report.sh [--report FILE.html] [--out FILE.png] [--height PX]
#   --report  default runs/quickstart/report.html; when it is missing the main job
#             (tools/mainjob.sh, build/cogscope) writes it first
#   --out     default docs/img/quickstart-report.png
#   --height  viewport height in pixels, 1280 wide (default 1700: the summary,
#             the configuration and the first training charts; ~240 KB)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
report=$root/runs/quickstart/report.html
out=$root/docs/img/quickstart-report.png
height=1700
while [ $# -gt 0 ]; do
  case "$1" in
    --report) report=${2:?--report needs a file}; shift 2 ;;
    --out) out=${2:?--out needs a file}; shift 2 ;;
    --height) height=${2:?--height needs pixels}; shift 2 ;;
    *) echo "screenshot-report.sh: unknown argument '$1'" \
            "(usage: --report FILE.html --out FILE.png --height PX)" >&2; exit 2 ;;
  esac
done
case "$height" in ''|*[!0-9]*) echo "screenshot-report.sh: --height '$height' is not a number of pixels" >&2; exit 2 ;; esac
command -v chromium > /dev/null ||
  { echo "screenshot-report.sh: chromium not found (bash tools/deps.sh test installs it)" >&2; exit 1; }
[ -s "$report" ] || bash "$root/tools/mainjob.sh" --out "$(dirname "$report")" > /dev/null
[ -s "$report" ] || { echo "screenshot-report.sh: $report: no such report" >&2; exit 1; }

# A fresh profile each time, nothing fetched from the network (the report is
# offline); the compositor flags make Chromium paint every SVG chart before the
# capture (without them charts near the bottom came out half drawn).
profile=$(mktemp -d "${TMPDIR:-/tmp}/cogscope-chromium.XXXXXX")
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$out")"
rm -f "$out"
if ! chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$profile" --hide-scrollbars --run-all-compositor-stages-before-draw \
      --virtual-time-budget=10000 --window-size=1280,"$height" \
      --screenshot="$out" "file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")" \
      > "$profile/chromium.log" 2>&1 || [ ! -s "$out" ]; then
  cat "$profile/chromium.log" >&2
  echo "screenshot-report.sh: chromium wrote no screenshot $out" >&2; exit 1
fi
echo "$out: $(stat -c %s "$out") bytes, 1280 x $height, from $report"
