#!/usr/bin/env bash
# The cost of the teaching-signal group (analyze --metrics teaching, issue 15)
# on the 30-epoch digits bp run (issue 15's bound: all metrics under 30 s on
# 2 cores). Interleaves `analyze` with the default groups and with all groups
# (default + teaching), REPEATS times each, and prints the best wall time and
# the best CPU time (user + sys) of each and the ratio all / default: CPU time
# is what a shared machine distorts least.
# usage: bench/bench_teaching.sh [BUILD_DIR] [REPEATS]
set -euo pipefail
build="${1:-build}"
reps="${2:-3}"
bin="$build/cogscope"
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$bin" train --data digits --rule bp --layers 64,100,10 --epochs 30 --seed 1 --quiet --out "$tmp/run.h5"

declare -A wall cpu
for _ in $(seq "$reps"); do
  for m in default all; do
    /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$bin" analyze "$tmp/run.h5" --metrics "$m" --threads 2 \
      --out "$tmp/m.h5" --quiet >/dev/null
    read -r w u s < "$tmp/t"
    c=$(echo "$u $s" | awk '{print $1 + $2}')
    wall[$m]=$(echo "$w ${wall[$m]:-inf}" | awk '{print ($2 == "inf" || $1 < $2) ? $1 : $2}')
    cpu[$m]=$(echo "$c ${cpu[$m]:-inf}" | awk '{print ($2 == "inf" || $1 < $2) ? $1 : $2}')
  done
done
printf "%-34s %12s %12s\n" "analyze, 30-epoch digits bp run" "best wall s" "best CPU s"
printf "%-34s %12.2f %12.2f\n" "--metrics default" "${wall[default]}" "${cpu[default]}"
printf "%-34s %12.2f %12.2f\n" "--metrics all (+ teaching)" "${wall[all]}" "${cpu[all]}"
echo "ratio all / default: wall $(echo "${wall[all]} ${wall[default]}" | awk '{printf "%.2f", $1 / $2}')," \
  "CPU $(echo "${cpu[all]} ${cpu[default]}" | awk '{printf "%.2f", $1 / $2}')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
