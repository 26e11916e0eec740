#!/usr/bin/env bash
# Regenerates the worked comparison of docs/ipwt.md: the seven learning rules
# (bp fa dfa ep pc ff np) on the bundled digits set and on 4-bit parity, three
# seeds each (rules other than bp also log backprop's delta: --reference-errors);
# every log analysed with every metric (--metrics all); one report per data
# set (text, JSON, HTML); the table of docs/ipwt.md from the report JSON
# (docs/ipwt/table.py).
#
# usage: bash docs/ipwt/run.sh [--bin build/cogscope] [--out runs/ipwt]
#   environment: SEEDS ("1 2 3"), RULES ("bp fa dfa ep pc ff np"),
#   DIGITS_EPOCHS (10), THREADS (2), PLANE_METRIC (the report's default Omega).
# Outputs in OUT: DATA-RULE-SEED.h5 and .metrics.h5, DATA.{txt,json,html},
# table.md. Re-running replaces only these files. Time: docs/ipwt.md says.
set -euo pipefail
bin=build/cogscope out=runs/ipwt
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
seeds=${SEEDS:-1 2 3}
rules=${RULES:-bp fa dfa ep pc ff np}
threads=${THREADS:-2}
[ -x "$bin" ] || { echo "run.sh: $bin: no cogscope binary (build first)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
plane=()
[ -z "${PLANE_METRIC:-}" ] || plane=(--plane-metric "$PLANE_METRIC")
start=$(date +%s)
for data in digits parity; do
  # digits: 10 epochs (850 steps) with a snapshot every 20 steps (43 snapshots,
  # enough for the teaching-signal spectra); parity: the trainer's defaults
  # (30 epochs of 2000 4-bit samples, 3750 steps, a snapshot every 50).
  extra=()
  [ "$data" = digits ] && extra=(--epochs "${DIGITS_EPOCHS:-10}" --log-every 20)
  files=()
  for r in $rules; do
    for s in $seeds; do
      f=$out/$data-$r-$s.h5
      ref=(); [ "$r" = bp ] || ref=(--reference-errors)   # backprop's delta beside the rule's
      "$bin" train --data "$data" --rule "$r" --seed "$s" "${extra[@]}" "${ref[@]}" --threads "$threads" \
        --out "$f" --force --quiet
      "$bin" analyze "$f" --metrics all --threads "$threads" --force > /dev/null
      files+=("$f")
    done
  done
  for fmt in text json html; do
    ext=$fmt; [ "$fmt" = text ] && ext=txt
    "$bin" report "${files[@]}" "${plane[@]}" --format "$fmt" -o "$out/$data.$ext" --force
  done
done
/usr/bin/python3 "$here/table.py" "$out/digits.json" "$out/parity.json" > "$out/table.md"
echo "docs/ipwt/run.sh: $(( $(date +%s) - start )) s; table: $out/table.md; reports: $out/{digits,parity}.{txt,json,html}"
