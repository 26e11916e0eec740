#!/usr/bin/env bash
# The main job without installing or building (tools/quickstart.sh runs it after
# both; the ctest "quickstart" runs it alone in a temporary directory).
#
# usage: tools/mainjob.sh [--bin PATH/cogscope] [--out DIR]
#   --bin  the cogscope binary (default build/cogscope of this checkout)
#   --out  where the runs and reports go (default runs/quickstart of this checkout)
#
# Trains backprop and equilibrium propagation on the bundled digits set, three
# seeds each, logs every run, analyses every log, then compares them with
# `cogscope report`: prints the comparison (the report text up to the per-run
# details) and writes DIR/report.html and DIR/report.txt (everything).
#
# Why EP: among the rules measured with these settings (docs: README, Quick
# start) EP reaches backprop's accuracy (no significant difference) while its
# synergy, Ω, O-information, angle to the backprop gradient and PI differ
# significantly: the clearest "same accuracy, different inner workings".
# 10 epochs and a snapshot every 100 steps keep the job well under a minute on
# 2 cores; seeds give the report its 95 % intervals and Welch tests.
#
# Idempotent: it deletes and rewrites only the files it names below in DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/cogscope
out=$root/runs/quickstart
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=${2:?--bin needs a path}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,21s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "mainjob.sh: unknown argument '$1' (usage: --bin PATH --out DIR)" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "mainjob.sh: $bin: no cogscope binary (build first, or --bin)" >&2; exit 1; }
mkdir -p "$out"

# Paths as the user would type them from here.
rel() { case "$1" in "$PWD"/*) echo "${1#"$PWD"/}" ;; *) echo "$1" ;; esac; }

rules=(bp ep)
seeds=(1 2 3)
train_opts=(--data digits --layers 64,100,10 --epochs 10 --log-every 100)
start=$SECONDS

runs=()
for r in "${rules[@]}"; do
  for s in "${seeds[@]}"; do
    log=$out/$r-$s.h5
    # Our own outputs only: a log or analysis left by an earlier (or killed)
    # run of this job is replaced, never refused or appended to.
    rm -f "$log" "${log%.h5}.metrics.h5"
    [ -t 2 ] && printf 'training and analysing %s, seed %s ...\r' "$r" "$s" >&2
    "$bin" train "${train_opts[@]}" --rule "$r" --seed "$s" --out "$log" --quiet
    "$bin" analyze "$log" --quiet
    runs+=("$log")
  done
done
[ -t 2 ] && printf '%-60s\r' '' >&2

rm -f "$out/report.html" "$out/report.txt"
"$bin" report "${runs[@]}" --format html -o "$out/report.html"
"$bin" report "${runs[@]}" --format text -o "$out/report.txt"

echo "cogscope quick start: ${rules[*]} on digits (64-100-10, 10 epochs), seeds ${seeds[*]}," \
     "trained, logged and analysed in $((SECONDS - start)) s"
echo
# The report text leads with the comparison (summary, differences, configuration);
# the per-run details that follow start with the first run's file name.
awk -v first="${runs[0]}:" 'index($0, first) == 1 { exit } { print }' "$out/report.txt"
echo "Units: synergy, Φ_R and O-information in nats (O > 0: redundancy dominates, < 0: synergy);" \
     "Ω = synergy / I(pair;Y), a fraction; PI in (0, 1]; χ: exponent of a 1/f^χ fit to the" \
     "per-step loss and PI spectra, R² its fit quality."
echo "Each run's details and the analysis notes (flags): $(rel "$out/report.txt")"
b=$(rel "$bin") lib=$(rel "$(dirname "$bin")/libcogscope.so") py=$(rel "$root/python")
echo "Report: $(rel "$out/report.html") | next: (1) log your PyTorch model:" \
     "PYTHONPATH=$py COGSCOPE_LIB=$lib /usr/bin/python3 train.py with cogscope.torch.Observer" \
     "(README, \"Instrument a PyTorch model\") (2) $b estimate mi --input YOUR_TABLE.csv --x 0 --y 1" \
     "(3) $b train --data digits --rule pc --out live.h5 & $b watch live.h5 --wait 10"
