#!/usr/bin/env bash
# ctest "install": install the build into a fresh prefix and use it as an
# outsider would. usage: test_install.sh BUILD_DIR SOURCE_DIR PYTHON
#  1. `cmake --install` puts the shared library (with its SONAME links), the
#     static library, the public headers, cogscope.pc, the CMake package, the
#     binary, the man pages, the digits set and the Python package;
#  2. the shared library exports exactly the functions the public headers
#     declare (the version script), no internal helper;
#  3. every man page renders without a groff warning;
#  4. tests/install/consumer.c and every examples/*.c build and run against
#     the installed tree with pkg-config, and with find_package(cogscope)
#     against both the shared and the static library;
#  5. the installed binary runs, finds its bundled digits set, and its
#     library-less Python package imports and computes through the
#     installed library.
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) python=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/cogscope-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
pydir=$(sed -n 's/^COGSCOPE_PYTHON_DIR:.*=//p' "$build/CMakeCache.txt")
[ -n "$libdir" ] || libdir=lib
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
major=${version%%.*}

# 1. the files
for f in "$libdir/libcogscope.so" "$libdir/libcogscope.so.$major" "$libdir/libcogscope.so.$version" \
         "$libdir/libcogscope.a" include/cogscope/core.h include/cogscope/info.h \
         include/cogscope/runlog.h "$libdir/pkgconfig/cogscope.pc" \
         "$libdir/cmake/cogscope/cogscopeConfig.cmake" \
         "$libdir/cmake/cogscope/cogscopeConfigVersion.cmake" bin/cogscope \
         share/cogscope/datasets/digits.csv.gz; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not put $f"
done
soname=$(readelf -d "$prefix/$libdir/libcogscope.so.$version" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libcogscope.so.$major" ] || fail "SONAME is '$soname', not libcogscope.so.$major"
# every public header compiles on its own (includes what it uses)
for h in "$prefix"/include/cogscope/*.h; do
  echo "#include \"cogscope/$(basename "$h")\"" > "$work/h.c"
  cc -std=c11 -Wall -Werror -fsyntax-only -I"$prefix/include" "$work/h.c" ||
    fail "$(basename "$h") does not compile on its own"
done

# 2. the exported symbols are the declared ones
nm -D --defined-only "$prefix/$libdir/libcogscope.so.$version" | awk '{print $3}' |
  sed 's/@.*//' | grep -v "^COGSCOPE_" | sort > "$work/exported"
sed -n 's/^    \(cs_[a-z0-9_]*\);$/\1/p' "$build/cogscope.map" | sort > "$work/declared"
[ -s "$work/declared" ] || fail "no declared function found in $build/cogscope.map"
if ! diff "$work/declared" "$work/exported" > "$work/symdiff"; then
  echo "declared in include/cogscope/*.h (<) vs exported by libcogscope.so (>):" >&2
  cat "$work/symdiff" >&2
  fail "the shared library's exports differ from the public headers"
fi

# 3. man pages (unless configured with -DCOGSCOPE_MAN=OFF)
man=$(sed -n 's/^COGSCOPE_MAN:BOOL=//p' "$build/CMakeCache.txt")
pages=0
if [ "$man" != OFF ]; then
for f in cogscope.1 cogscope-train.1 cogscope-estimate-mi.1; do
  [ -e "$prefix/share/man/man1/$f" ] || fail "cmake --install did not put share/man/man1/$f"
done
pages=$(ls "$prefix"/share/man/man1/*.1 | wc -l)
[ "$pages" -ge 8 ] || fail "only $pages man pages"
if command -v groff > /dev/null; then
  for m in "$prefix"/share/man/man1/*.1; do
    out=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
    [ -z "$out" ] || fail "$(basename "$m"): $out"
  done
fi
grep -qF -- '\-\-estimator' "$prefix/share/man/man1/cogscope-estimate-mi.1" ||
  fail "cogscope-estimate-mi.1 lacks the --estimator option of the --help text"
fi

# 4. consumers: tests/install/consumer.c and the examples
sources=("$src/tests/install/consumer.c")
for e in "$src"/examples/*.c; do [ -e "$e" ] && sources+=("$e"); done
run() { # run a built program in its own scratch directory; the installed
  # cogscope must read every run log it writes there
  local exe=$1 dir; dir=$(mktemp -d "$work/run.XXXXXX")
  (cd "$dir" && "$exe" > out.txt 2>&1) || { cat "$dir/out.txt" >&2; fail "$exe exited non-zero"; }
  for log in "$dir"/*.h5; do
    [ -e "$log" ] || continue
    "$prefix/bin/cogscope" info "$log" > /dev/null || fail "cogscope info cannot read $exe's $log"
  done
}
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
[ "$(pkg-config --modversion cogscope)" = "$version" ] || fail "pkg-config --modversion cogscope"
for s in "${sources[@]}"; do
  name=$(basename "$s" .c)
  # shellcheck disable=SC2046
  cc -std=c11 $(pkg-config --cflags cogscope) "$s" -o "$work/${name}_pc" \
     $(pkg-config --libs cogscope) -lm -Wl,-rpath,"$prefix/$libdir" ||
    fail "$name does not build with pkg-config"
  readelf -d "$work/${name}_pc" | grep -q "libcogscope.so.$major" ||
    fail "${name}_pc is not linked to the shared library"
  run "$work/${name}_pc"
done
cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
      -DSOURCES="$(IFS=';'; echo "${sources[*]}")" -DCMAKE_BUILD_TYPE=Release > "$work/consumer.log" ||
  { cat "$work/consumer.log" >&2; fail "find_package(cogscope) project does not configure"; }
cmake --build "$work/consumer" -j2 > "$work/consumer-build.log" 2>&1 ||
  { cat "$work/consumer-build.log" >&2; fail "find_package(cogscope) project does not build"; }
for s in "${sources[@]}"; do
  name=$(basename "$s" .c)
  run "$work/consumer/${name}_shared"
  run "$work/consumer/${name}_static"
  if readelf -d "$work/consumer/${name}_static" | grep -q libcogscope; then
    fail "${name}_static links libcogscope.so instead of the static library"
  fi
done

# 5. the installed binary and Python package
"$prefix/bin/cogscope" --version | grep -q "$version" || fail "cogscope --version"
(cd "$work" && env -u COGSCOPE_DATASETS "$prefix/bin/cogscope" train --data digits --epochs 1 \
   --out "$work/t.h5" > /dev/null 2>&1 && "$prefix/bin/cogscope" info "$work/t.h5" > /dev/null) ||
  fail "the installed cogscope does not train on its bundled digits set"
# ... and it is the installed copy it reads: spoil that copy, and the error names it
digits=$prefix/share/cogscope/datasets/digits.csv.gz
mv "$digits" "$work/digits.good"
echo "not gzip" > "$digits"
if err=$(cd "$work" && env -u COGSCOPE_DATASETS "$prefix/bin/cogscope" train --data digits \
         --epochs 1 --out "$work/t2.h5" 2>&1); then
  fail "the installed cogscope trained on a spoiled digits file: not reading its own copy"
fi
mv "$work/digits.good" "$digits"
# Only the install: no build tree, no source tree on the path.
(cd "$work" && env -u COGSCOPE_LIB PYTHONPATH="$prefix/$pydir" "$python" -c '
import math, os, sys, cogscope
assert cogscope.library_path.startswith(sys.argv[1]), cogscope.library_path
v = cogscope.mi([0, 1, 0, 1, 1, 0, 1, 0], [0, 1, 0, 1, 1, 0, 1, 0], estimator="discrete")
assert abs(v - 1.0) < 1e-15, v
' "$prefix") || fail "the installed Python package does not work"
# The configured prefix's Python directory is one Debian's python3 searches
# (for the prefixes it knows: /usr and /usr/local).
conf_prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
case "$conf_prefix" in
  /usr|/usr/local)
    "$python" -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "$conf_prefix/$pydir" ||
      fail "$conf_prefix/$pydir (COGSCOPE_PYTHON_DIR) is not on $python's sys.path" ;;
esac
echo "install test passed ($pages man pages, $(wc -l < "$work/exported") exported functions)"
