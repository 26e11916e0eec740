#!/usr/bin/env bash
# The distributed commands under mpirun, compared with the serial build
# (docs/distributed.md): every output must be bit-identical for K = 1, 2, 4
# ranks and to the serial binary; a rank that fails ends the job with exit 1
# and a message, never a hang. Loopback only (shared memory between ranks).
# usage: tests/mpi/run.sh SERIAL_COGSCOPE MPI_COGSCOPE
set -euo pipefail
serial="$(realpath "$1")"
mpi="$(realpath "$2")"
here="$(cd "$(dirname "$0")" && pwd)"
py=/usr/bin/python3
work="$(mktemp -d /tmp/cogscope-mpi-XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# CI runs as root, which mpirun refuses unless told; no network transports.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
# A job that hangs is a failure: every mpirun is bounded.
mpirun=(timeout 300 mpirun --oversubscribe)
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

"$serial" train --data digits --rule bp --layers 64,16,12,10 --epochs 2 --log-every 25 \
    --probe-size 160 --seed 3 --out r1.h5 >/dev/null
"$serial" train --data digits --rule fa --layers 64,20,10 --epochs 1 --log-every 20 \
    --probe-size 120 --seed 4 --out r2.h5 >/dev/null
"$py" "$here/make_data.py" "$work" r1.h5

# same_output NAME ARGS...: stdout of the serial binary and of mpirun -n 1,2,4
same_output() {
    local name="$1"
    shift
    "$serial" "$@" >serial.out
    for k in 1 2 4; do
        if "${mpirun[@]}" -n "$k" "$mpi" "$@" >"mpi$k.out" && cmp -s serial.out "mpi$k.out"; then
            pass "$name (K=$k)"
        else
            fail "$name (K=$k): output differs or exit code non-zero"
            diff serial.out "mpi$k.out" | head -5 || true
        fi
    done
}

same_output "oinfo multiplets 3-5 gcopula" estimate oinfo --input g.txt --estimator gcopula --multiplets 3-5 --json
same_output "oinfo multiplets --top 7 gaussian" estimate oinfo --input g.txt --estimator gaussian --multiplets 2-6 --top 7 --threads 1
same_output "tc multiplets discrete" estimate tc --input d.txt --estimator discrete --multiplets 2-4 --json
same_output "dtc multiplets --top 5 discrete" estimate dtc --input d.txt --estimator discrete --multiplets 3-4 --top 5
same_output "sinfo multiplets --top 3 binned" estimate sinfo --input g.txt --estimator discrete --bins 3 --multiplets 3 --top 3 --json
same_output "te surrogates ksg1" estimate te --input ts.txt --x 0 --y 1 --estimator ksg1 --surrogates 40 --seed 5 --json
same_output "mi surrogates gaussian" estimate mi --input g.txt --x 0 --y 1 --estimator gaussian --surrogates 99 --threads 1
same_output "cmi surrogates discrete" estimate cmi --input d.txt --x 0 --y 1 --z 2 --estimator discrete --surrogates 30 --json
same_output "te pairs ksg1 + surrogates" estimate te --input ts.txt --pairs 0-4 --estimator ksg1 --surrogates 5 --json
same_output "mi pairs gaussian + surrogates" estimate mi --input g.txt --pairs 0-6 --estimator gaussian --surrogates 19
same_output "te pairs discrete" estimate te --input d.txt --pairs 0-3 --estimator discrete --history 2 --json

# analyze: two runs, every metric file compared with the serial one
for k in 0 1 2 4; do
    mkdir -p "a$k"
    cp r1.h5 r2.h5 "a$k/"
done
(cd a0 && "$serial" analyze r1.h5 r2.h5 --surrogates 3 --multiplets 30 --quiet)
for k in 1 2 4; do
    if (cd "a$k" && "${mpirun[@]}" -n "$k" "$mpi" analyze r1.h5 r2.h5 --surrogates 3 --multiplets 30 --quiet) &&
        "$py" "$here/same_metrics.py" a0/r1.metrics.h5 "a$k/r1.metrics.h5" &&
        "$py" "$here/same_metrics.py" a0/r2.metrics.h5 "a$k/r2.metrics.h5"; then
        pass "analyze r1 r2 (K=$k)"
    else
        fail "analyze r1 r2 (K=$k)"
    fi
done
(cd a0 && "$serial" analyze r2.h5 --estimator binned --metrics infoplane,integration,phiid --quiet)
(cd a4 && "${mpirun[@]}" -n 4 "$mpi" analyze r2.h5 --estimator binned --metrics infoplane,integration,phiid --quiet --threads 1)
if "$py" "$here/same_metrics.py" a0/r2.metrics.h5 a4/r2.metrics.h5; then
    pass "analyze binned subset (K=4)"
else
    fail "analyze binned subset (K=4)"
fi

# expect_failure NAME CODE PATTERN ARGS...: mpirun -n 4 exits with CODE (not
# the timeout's 124) and stderr holds PATTERN
expect_failure() {
    local name="$1" code="$2" pattern="$3" rc=0
    shift 3
    "${mpirun[@]}" -n 4 "$mpi" "$@" >/dev/null 2>err.txt || rc=$?
    if [ "$rc" -eq "$code" ] && grep -q -- "$pattern" err.txt; then
        pass "$name (exit $rc)"
    else
        fail "$name: exit $rc (want $code), stderr:"
        head -5 err.txt
    fi
}

# one rank (the last: it owns the last triplet) meets a singular block
expect_failure "one rank's singular multiplet" 1 "singular.*(rank 3 of 4)" \
    estimate oinfo --input sing.txt --estimator gaussian --multiplets 3 --threads 1
# one snapshot of a run log is damaged: the rank whose job reads it ends the job
expect_failure "damaged snapshot in one analyze job" 1 "cannot read .*activations.*ending the job" \
    analyze r2.h5 bad.h5 --metrics infoplane --threads 1
expect_failure "missing input" 1 "cannot open" estimate oinfo --input nope.txt --estimator gaussian --multiplets 3
expect_failure "bad usage" 2 "unknown option '--bogus'" estimate te --input ts.txt --pairs 0,1 --estimator gaussian --bogus
if [ "$(grep -c "unknown option" err.txt)" -eq 1 ]; then
    pass "a usage error is printed once, by rank 0"
else
    fail "a usage error is printed $(grep -c "unknown option" err.txt) times"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
