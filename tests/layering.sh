#!/usr/bin/env bash
# ctest "layering": the module map of docs/architecture.md holds, by the
# compiler and the linker, not by memory.
# usage: layering.sh BUILD_DIR SOURCE_DIR
#  1. Compile probes (CMake targets layering_*, listed in BUILD/layering/
#     probes.txt), each with exactly the include scope of one module's own
#     sources: every public header of the module and of the modules below it
#     compiles; a public header of any other module, and a private header
#     (src/<other>/...) of any other module, fails with "No such file"; so
#     does <hdf5.h> in every module but io (where hdf5.h is off the
#     compiler's default path, as on Debian).
#  2. No source reaches out of its module folder with #include "../...".
#  3. Link graph: every symbol a module archive (libcogscope_<m>.a) needs from
#     another module archive is defined in a module it may use
#     (BUILD/layering/modules.txt); prints the graph found.
#  4. core needs nothing but the C library: every symbol libcogscope_core.a
#     leaves undefined is defined by libc (or the dynamic loader).
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
probes=$build/layering/probes.txt modules=$build/layering/modules.txt
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
[ -s "$probes" ] && [ -s "$modules" ] || { echo "FAIL: no probe list in $build/layering" >&2; exit 1; }

# 1. the probes, in one build that keeps going past the (expected) failures
targets=$(awk '{print $1}' "$probes")
if [ -e "$build/build.ninja" ]; then keep=(-k 0); else keep=(-k); fi
log=$(mktemp)
trap 'rm -f "$log" "$log".*' EXIT
if cmake --build "$build" --target $targets -- "${keep[@]}" > "$log" 2>&1; then
  bad "every layering probe compiled: the upward includes were not refused"
fi
nprobe=0 nrefused=0
while read -r target file header; do
  nprobe=$((nprobe + 1))
  errors=$(grep -F "$file:" "$log" | grep -E 'error' || true)
  if [ -z "$header" ]; then
    [ -z "$errors" ] || bad "$target: a header the module may use does not compile: $errors"
  else
    # gcc: "fatal error: x.h: No such file or directory"; clang: "'x.h' file not found"
    if grep -F "$file:" "$log" | grep -qE "(fatal error: $header: No such file or directory|'$header' file not found)"; then
      nrefused=$((nrefused + 1))
    else
      bad "$target: #include \"$header\" was not refused as missing: ${errors:-it compiled}"
    fi
  fi
done < "$probes"
if [ $fail -ne 0 ]; then echo "--- build output ---" >&2; cat "$log" >&2; fi

# 2. relative includes that leave the module folder
while IFS= read -r hit; do
  f=${hit%%:*} inc=$(sed -n 's/.*#include *"\([^"]*\)".*/\1/p' <<< "${hit#*:}")
  m=${f#"$src"/src/}; m=${m%%/*}
  target=$(realpath -m "$(dirname "$f")/$inc")
  case $target in
    "$src/src/$m"/*) ;;
    *) bad "${f#"$src"/}: #include \"$inc\" reaches out of src/$m" ;;
  esac
done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"\.\./' "$src/src" | cut -d: -f1,3-)

# 3. the link graph from the archives' symbol tables
declare -A owner
while read -r m _; do
  while read -r sym; do owner[$sym]=$m; done < <(nm -g --defined-only "$build/libcogscope_$m.a" 2>/dev/null |
    awk 'NF == 3 && $2 ~ /[TDBRCVW]/ {print $3}')
done < "$modules"
graph=""
while read -r m deps; do
  used=""
  for sym in $(nm -g --undefined-only "$build/libcogscope_$m.a" | awk 'NF == 2 {print $2}' | sort -u); do
    o=${owner[$sym]:-}
    [ -n "$o" ] && [ "$o" != "$m" ] || continue
    case " $deps " in
      *" $o "*) case " $used " in *" $o "*) ;; *) used="$used $o" ;; esac ;;
      *) bad "libcogscope_$m.a uses $sym of $o, a module it may not use" ;;
    esac
  done
  graph="$graph$m ->${used:- (nothing)}\n"
done < "$modules"
# 4. core on libc alone (sanitizer run-time hooks aside)
libc=$(cc -print-file-name=libc.so.6) ldso=$(cc -print-file-name=ld-linux-x86-64.so.2)
libc_syms=$(nm -D --defined-only "$libc" "$ldso" 2>/dev/null | awk 'NF == 3 {sub(/@.*/, "", $3); print $3}' | sort -u)
[ -n "$libc_syms" ] || bad "cannot list the symbols of $libc"
core_ext=0
for sym in $(nm -g --undefined-only "$build/libcogscope_core.a" | awk 'NF == 2 {print $2}' | sort -u); do
  case $sym in _GLOBAL_OFFSET_TABLE_ | __asan* | __ubsan* | __sanitizer* | __sancov* | __msan*) continue ;; esac
  [ "${owner[$sym]:-}" = core ] && continue
  core_ext=$((core_ext + 1))
  grep -qxF "$sym" <<< "$libc_syms" || bad "libcogscope_core.a needs $sym, which libc does not define"
done
echo "core: $core_ext symbols from libc, nothing else"

printf "link graph (module -> modules whose symbols it uses):\n$graph"
echo "$nprobe probes, $nrefused forbidden includes refused"
exit $fail
