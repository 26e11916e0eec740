#!/usr/bin/env bash
# Learning rules on Fashion-MNIST: accuracy table and training throughput.
#
#   bash bench/bench_rules.sh [BUILD_DIR]        (default: build-bench)
#
# 1. Builds cogscope with -DCOGSCOPE_BENCH=ON in BUILD_DIR (Release).
# 2. Trains every rule on Fashion-MNIST, one hidden layer of 500 (784,500,10),
#    seed 1, with the configuration listed below (README table: configuration,
#    epochs, wall time, final test accuracy over the 10,000 test images).
#    Wall time is the training loop's own clock (includes the per-epoch test
#    evaluation). Set EPOCHS_SCALE=0.2 for a quick smoke run.
# 3. bench_rules: samples per second of each rule's training step (784,500,10,
#    relu (EP: hard sigmoid), batch 32, 50 steps, one thread, best of 10 rounds
#    interleaved over the rules) and the ratio to BP measured in the same
#    process on the same batches.
# The machine may be shared: throughput is best-of-rounds, the accuracy table
# single runs (the load average is printed alongside).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-bench}
SCALE=${EPOCHS_SCALE:-1}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCOGSCOPE_BENCH=ON >/dev/null
cmake --build "$BUILD" -j2 --target cogscope bench_rules >/dev/null

epochs() { /usr/bin/python3 -c "import math; print(max(1, int(round($1 * $SCALE))))"; }

# rule | flags beyond --data fashion-mnist --layers 784,500,10 --seed 1 | epochs
BPLIKE="--activation relu --batch 32 --lr 0.02 --momentum 0.9 --lr-schedule cosine"
CONFIGS=(
  "bp|$BPLIKE|10"
  "fa|$BPLIKE|10"
  "dfa|$BPLIKE|10"
  "pc|$BPLIKE|10"
  "ep|--lr 0.05|10"
  "ff|--lr 0.001|10"
  "np|--lr 0.0003|20"
)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| rule | configuration | epochs | wall time | test accuracy |\n|---|---|---|---|---|\n'
for c in "${CONFIGS[@]}"; do
  IFS='|' read -r rule flags ep <<<"$c"
  ep=$(epochs "$ep")
  json=$("$BUILD/cogscope" train --data fashion-mnist --layers 784,500,10 --seed 1 --rule "$rule" \
         $flags --epochs "$ep" --json)
  /usr/bin/python3 - "$rule" "$flags" "$ep" "$json" <<'PY'
import json, sys
rule, flags, ep, js = sys.argv[1:]
d = json.loads(js)
mom = f" momentum {d['momentum']:g}" if d['optimizer'] == 'sgd' and d['momentum'] else ""
print(f"| {rule} | {d['activation']}, {d['optimizer']} lr {d['lr']:g}{mom}, batch {d['batch']}, "
      f"{d['lr_schedule']} | {ep} | {d['seconds']:.0f} s | {100 * d['final_test_acc']:.2f} % |")
PY
done
echo
# one thread each, so the ratios measure the rules rather than how the shared
# cores happen to be scheduled
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
  "$BUILD/bench_rules" --data fashion-mnist --layers 784,500,10 --batch 32 --steps 50 --repeats 10 2>/dev/null
