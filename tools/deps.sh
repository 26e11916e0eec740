#!/usr/bin/env bash
# Install the Debian packages cogscope needs, only those missing.
# usage: tools/deps.sh build|test|bench
# apt-get as root, sudo otherwise; does nothing when everything is present.
set -euo pipefail

# gfortran: libgfortran.a, OpenBLAS's runtime in the statically linked CLI (CMakeLists.txt,
# COGSCOPE_CLI_STATIC; without it the CLI links the shared libraries).
build_pkgs=(gcc make cmake pkg-config libgsl-dev libfftw3-dev libhdf5-dev libcriterion-dev
            libopenblas-dev liblapacke-dev zlib1g-dev help2man gfortran)
# python3-*: the Python package's tests (python/tests, run by ctest) and the run-log
# tests' h5py fixtures and the report's CSV/JSON checks (python3-jsonschema validates
# the report JSON against docs/report.schema.json); groff-base renders the man pages
# in the install test; OpenMPI: the MPI build and its tests (tests/mpi/run.sh);
# clang, its runtime libraries and libomp build the fuzz harnesses (tools/fuzz.sh);
# clang-format-14 checks the house format (tools/format-check.sh, .clang-format).
test_pkgs=(chromium python3-cffi python3-numpy python3-pytest python3-torch python3-h5py
           python3-jsonschema groff-base libopenmpi-dev openmpi-bin clang libclang-rt-14-dev libomp-dev
           clang-format-14)
bench_pkgs=(dataset-fashion-mnist python3-numpy python3-scipy python3-sklearn python3-torch
            python3-h5py python3-mne hyperfine time)

want=("${build_pkgs[@]}")
case "${1:-build}" in
  build) ;;
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
