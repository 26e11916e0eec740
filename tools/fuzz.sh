#!/usr/bin/env bash
# Build the libFuzzer harnesses of tests/fuzz (clang, AddressSanitizer +
# UndefinedBehaviorSanitizer) in build-fuzz/ and run each one for a bounded
# time, starting from its seed corpus in tests/fuzz/corpus/NAME (which also
# holds every input that once crashed a reader, so each run re-checks them).
# Any finding (crash, sanitizer report, leak, timeout, out-of-memory) fails.
#
# usage: tools/fuzz.sh [HARNESS ...]      (default: all)
# env:   COGSCOPE_FUZZ_SECONDS  time per harness (default 20)
#        COGSCOPE_FUZZ_JOBS     harnesses run at once (default: nproc)
#        COGSCOPE_FUZZ_SEED     libFuzzer -seed (default 1: the same inputs each run)
# A finding is saved as build-fuzz/findings/NAME-crash-*; reproduce it with
#   build-fuzz/fuzz_NAME build-fuzz/findings/NAME-crash-...
# and, once fixed, copy it into tests/fuzz/corpus/NAME as a regression input.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${COGSCOPE_FUZZ_SECONDS:-20}"
seed="${COGSCOPE_FUZZ_SEED:-1}"
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(table number csv idx collist runlog)

CC=clang cmake -S . -B build-fuzz -DCOGSCOPE_FUZZ=ON -DCOGSCOPE_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${harnesses[@]/#/fuzz_}"

mkdir -p build-fuzz/findings
# fuzz_one NAME: one harness for $secs s; prints its line, returns 1 on a finding.
fuzz_one() {
  local h="$1" work="build-fuzz/corpus/$1" log="build-fuzz/fuzz_$1.log" runs
  mkdir -p "$work"
  rm -f "build-fuzz/findings/$h-"*
  # One process, no forking of the fuzzer itself; -timeout: an input that
  # takes 30 s is a hang.
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
     LSAN_OPTIONS=suppressions="$PWD/tests/fuzz/lsan.supp" \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
     "build-fuzz/fuzz_$h" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2560 -seed="$seed" \
       -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$h-" "$work" "tests/fuzz/corpus/$h" \
       >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || echo '?')
    echo "fuzz_$h: no finding in ${secs} s ($runs inputs)"
    # The run-log harness forks the checked child of cli_h5_check: when the
    # HDF5 library crashes there (contained, as designed), libFuzzer's
    # handler in the child still writes an artifact. The exit status of the
    # fuzzer itself is what counts.
    rm -f "build-fuzz/findings/$h-"*
  else
    echo "fuzz_$h: FINDING (log: $log, input: build-fuzz/findings/$h-*)" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
}

# The harnesses are single-threaded: run as many at once as there are cores
# (each still gets its $secs of wall time on a core of its own).
par="${COGSCOPE_FUZZ_JOBS:-$(nproc)}"
passed=0 failed=0 pids=()
for h in "${harnesses[@]}"; do
  fuzz_one "$h" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$par" ]; then
    if wait "${pids[0]}"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do
  if wait "$p"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
