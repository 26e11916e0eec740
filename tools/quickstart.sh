#!/usr/bin/env bash
# The main job, one command on a fresh Debian machine: install the missing
# packages (tools/deps.sh), build, then tools/mainjob.sh — train backprop and
# equilibrium propagation on the bundled digits set (3 seeds each, logged),
# analyse every log, print the comparison and write runs/quickstart/report.html.
# Idempotent: re-running rebuilds incrementally and replaces runs/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

bash tools/mainjob.sh --bin build/cogscope --out runs/quickstart
