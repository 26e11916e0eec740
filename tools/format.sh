#!/usr/bin/env bash
# Format every C source and header of the repository (*.c, *.h, *.inc under src/
# tools/ include/ tests/ examples/ bench/: those git tracks, or all of them outside
# a git checkout) with clang-format and the house style in .clang-format.
#
# usage: tools/format.sh [--check] [FILE...]
#   (no option)  rewrite the files in place
#   --check      change nothing; list the files that are not formatted and exit 1
#                when there is one (tools/format-check.sh is this mode)
#   FILE...      only these files (default: all of them)
#
# clang-format 14 (Debian: clang-format-14, in tools/deps.sh) is required: other
# major versions format some constructs differently, so their verdict would not
# match CI's. CLANG_FORMAT=PATH chooses the binary. SortIncludes is off in
# .clang-format: the include order stays as written (formatting never changes
# what compiles).
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
[ "${1:-}" = --check ] && { check=1; shift; }
cf=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format || true)}
[ -n "$cf" ] || { echo "format.sh: clang-format not found (bash tools/deps.sh test installs clang-format-14)" >&2; exit 2; }
version=$("$cf" --version 2>&1) || true
case "$version" in
  *" version 14."*) ;;
  *) echo "format.sh: $cf is '$version'; the house style is checked with clang-format 14" >&2; exit 2 ;;
esac

dirs=(src tools include tests examples bench)
if [ $# -gt 0 ]; then
  files=("$@")
elif git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- "${dirs[@]/%//*.c}" "${dirs[@]/%//*.h}" "${dirs[@]/%//*.inc}")
else # an unpacked source archive
  mapfile -t files < <(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' -o -name '*.inc' \) | sort)
fi

# (clang-format with no file would read stdin)
[ ${#files[@]} -gt 0 ] || { echo "format.sh: no C files found" >&2; exit 2; }
if [ $check = 0 ]; then
  # Twice: clang-format 14 is not idempotent on a long call through a name macro,
  # SFX(f)(args) in src/learn/mlp_kernels.inc (the second pass re-indents the
  # argument line it split off); the second pass is a fixed point.
  for pass in 1 2; do
    printf '%s\0' "${files[@]}" | xargs -0 -n 50 "$cf" -i --style=file
  done
  exit 0
fi
# One clang-format process for all files (~4 s for the tree): --dry-run --Werror
# reports each place that would change as "FILE:LINE:COL: error: ...".
out=$("$cf" --dry-run --Werror --style=file "${files[@]}" 2>&1) && rc=0 || rc=$?
# Only the files given count (an error in .clang-format itself is named the same way).
mapfile -t bad < <(grep -E '^[^ :]+:[0-9]+:[0-9]+: (error|warning): ' <<< "$out" | cut -d: -f1 | sort -u |
                   grep -Fxf <(printf '%s\n' "${files[@]}"))
if [ $rc -ne 0 ] && [ ${#bad[@]} -eq 0 ]; then
  # It failed for another reason (an unreadable file, a broken .clang-format).
  echo "$out" >&2
  echo "format-check: $cf failed (exit $rc)" >&2
  exit 2
fi
if [ ${#bad[@]} -gt 0 ]; then
  printf '%s\n' "${bad[@]}"
  echo "format-check: ${#bad[@]} of ${#files[@]} files are not formatted (bash tools/format.sh fixes them)" >&2
  exit 1
fi
