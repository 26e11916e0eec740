#!/usr/bin/env bash
# Time `cogscope analyze` on a 30-epoch digits run (issue 7 aims for under a
# minute on 2 cores), for each estimator, best of N runs (the machine may be
# shared: the best run is the least disturbed one).
# usage: bench/bench_analyze.sh [BUILD_DIR] [REPEATS]
set -euo pipefail
build="${1:-build}"
reps="${2:-3}"
bin="$build/cogscope"
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$bin" train --data digits --rule bp --layers 64,100,10 --epochs 30 --seed 1 --quiet --out "$tmp/run.h5"
"$bin" info "$tmp/run.h5" 2>/dev/null | head -3 || true

best() { # best wall time of $reps runs of "$@"
  local b=""
  for _ in $(seq "$reps"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    b=$(echo "$t0 $t1 ${b:-inf}" | awk '{d = $2 - $1; if ($3 == "inf" || d < $3) print d; else print $3}')
  done
  echo "$b"
}

printf "%-28s %10s\n" "configuration" "best wall s"
for est in gcopula gaussian ksg; do
  t=$(best "$bin" analyze "$tmp/run.h5" --threads 2 --estimator "$est" --out "$tmp/m.h5" --quiet)
  printf "%-28s %10.2f\n" "all metrics, $est" "$t"
done
t=$(best "$bin" analyze "$tmp/run.h5" --threads 1 --out "$tmp/m.h5" --quiet)
printf "%-28s %10.2f\n" "all metrics, gcopula, 1 thr" "$t"
t=$(best "$bin" analyze "$tmp/run.h5" --threads 2 --surrogates 20 --out "$tmp/m.h5" --quiet)
printf "%-28s %10.2f\n" "gcopula, --surrogates 20" "$t"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
