#!/usr/bin/env bash
# The main job: install what is missing, build, train a backprop MLP on the
# bundled digits set with logging, analyse the log and print the report.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

mkdir -p runs
./build/cogscope train --data digits --rule bp --layers 64,100,10 --epochs 30 --seed 1 \
  --out runs/digits-bp.h5
./build/cogscope report runs/digits-bp.h5
