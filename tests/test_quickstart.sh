#!/usr/bin/env bash
# ctest "quickstart": the main job's non-install part (tools/mainjob.sh) run as a
# newcomer would, in a fresh temporary directory. usage: test_quickstart.sh BUILD_DIR SOURCE_DIR
#  1. it exits 0, writes the HTML comparison report and the full text report;
#  2. the printed summary leads with the comparison and names every metric family
#     (accuracy, PI, synergy, Ω, Φ_R, O-information, the spectral exponent and its
#     fit quality) with a row per learning rule;
#  3. the last line names the report file and the next three commands;
#  4. a second run replaces its own outputs (idempotent) instead of failing;
#  5. bad usage exits 2, a missing binary exits 1, each with a message.
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cogscope-quickstart.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"

job() { bash "$src/tools/mainjob.sh" --bin "$build/cogscope" --out out "$@"; }

# 1. outputs
job > summary.txt 2> stderr.txt || { cat stderr.txt >&2; fail "mainjob.sh exited $?"; }
[ -s out/report.html ] || fail "no HTML report out/report.html"
grep -q '</html>' out/report.html || fail "out/report.html is not a complete HTML page"
[ -s out/report.txt ] || fail "no text report out/report.txt"
for f in bp-1 bp-2 bp-3 ep-1 ep-2 ep-3; do
  [ -s "out/$f.h5" ] && [ -s "out/$f.metrics.h5" ] || fail "run log or analysis of $f missing"
done

# 2. the summary: it starts with the comparison table, names each family, one row per rule
first=$(grep -m1 -v -e '^cogscope quick start' -e '^$' summary.txt)
case "$first" in summary:*) ;; *) fail "the printed report does not lead with the summary: '$first'" ;; esac
header=$(grep -m1 '^group ' summary.txt) || fail "no summary table header"
for family in 'final test accuracy \[%\]' 'mean PI' 'synergy' 'Ω' 'Φ_R' 'O-info' \
              '1/f^χ: χ' 'fit R²' 'angle to bp \[°\]'; do
  grep -q "$family" <<< "$header" || fail "summary header lacks '$family': $header"
done
grep -q '^bp  *3  *[0-9]' summary.txt || fail "no bp row (3 runs) with values"
grep -q '^ep  *3  *[0-9]' summary.txt || fail "no ep row (3 runs) with values"
grep -q '^difference from bp' summary.txt || fail "no difference-from-backprop table"
grep -q 'nats' summary.txt || fail "units (nats) not stated"
# the per-run details stay in the file, not on the screen
grep -q '^out/bp-1.h5: rule' out/report.txt || fail "report.txt lacks the per-run details"
! grep -q '^out/bp-1.h5: rule' summary.txt || fail "per-run details printed on screen"

# 3. the closing line
last=$(tail -n 1 summary.txt)
for word in 'Report: out/report.html' 'cogscope.torch.Observer' ' estimate ' ' watch '; do
  grep -qF -- "$word" <<< "$last" || fail "last line lacks '$word': $last"
done

# 4. idempotent: the second run overwrites its own outputs
before=$(stat -c %Y.%s out/report.html out/ep-3.metrics.h5 | tr '\n' ' ')
sleep 1
job > summary2.txt 2> stderr2.txt || { cat stderr2.txt >&2; fail "second run exited $?"; }
after=$(stat -c %Y.%s out/report.html out/ep-3.metrics.h5 | tr '\n' ' ')
[ "$before" != "$after" ] || fail "second run did not rewrite its outputs"
grep -q '^ep  *3  *[0-9]' summary2.txt || fail "second run printed no ep row"

# 5. bad input
set +e
job --frobnicate > /dev/null 2> err.txt; rc=$?
[ $rc -eq 2 ] && grep -q "unknown argument '--frobnicate'" err.txt || fail "bad usage: rc $rc, $(cat err.txt)"
bash "$src/tools/mainjob.sh" --bin "$work/nope" --out out > /dev/null 2> err.txt; rc=$?
[ $rc -eq 1 ] && grep -q "nope: no cogscope binary" err.txt || fail "missing binary: rc $rc, $(cat err.txt)"
set -e
echo "quickstart: ok"
