#!/usr/bin/env bash
# Install what is missing, build normally, with MPI and with ASan+UBSan, run
# every test (the MPI build: tests/mpi/run.sh), then the libFuzzer harnesses
# (tools/fuzz.sh: clang build in build-fuzz/, COGSCOPE_FUZZ_SECONDS each,
# default 20). CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh test
jobs="$(nproc)"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
# ctest here also runs the Python package's pytest suite (test "python"; pytest's
# exit code 5, no test collected, fails it like any other) and the install test;
# both need the uninstrumented library, so the sanitizer build below skips them.
(cd build && ctest --output-on-failure -j"$jobs")

# The MPI build (docs/distributed.md) in its own directory: the distributed
# commands under mpirun -n 1, 2, 4 against the serial binary, and the
# rank-failure tests (tests/mpi/run.sh).
cmake -S . -B build-mpi -DCMAKE_BUILD_TYPE=Release -DCOGSCOPE_MPI=ON -DCOGSCOPE_TESTS=OFF
cmake --build build-mpi -j"$jobs" --target cogscope
bash tests/mpi/run.sh build/cogscope build-mpi/cogscope

cmake -S . -B build-asan -DCOGSCOPE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j"$jobs"
# detect_leaks stays on; OpenMP's thread pool is the one known false positive,
# suppressed by name in tests/lsan.supp.
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
   LSAN_OPTIONS=suppressions="$PWD/../tests/lsan.supp" \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j"$jobs")

# Fuzzing: each harness for a bounded time from its seed corpus; any finding fails.
bash tools/fuzz.sh
