#!/usr/bin/env bash
# lint.sh — static analysis with the checked-in configuration:
#   two rooms  harness/ and benches/ (what measures, and what a family links
#              against) include no analysis/ header (what reads finished run
#              folders); the CLI entry, harness/main.c, is the one exception
#   cppcheck   (warning, portability, performance; .cppcheck-suppressions)
#   clang-tidy (.clang-tidy) over the C sources and harness/cbench.cc
# Any finding fails the script.  Usage: scripts/lint.sh [FILE...]
# (default: harness/*.c analysis/*.c benches/*.c harness/cbench.cc).  Runs clang-tidy on
# all CPUs; prints "lint: clean" when nothing was found.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {   # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null && return
  echo "lint: installing $2"
  local sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}
need cppcheck cppcheck
need clang-tidy clang-tidy

if [ $# -gt 0 ]; then files=("$@"); else files=(harness/*.c analysis/*.c benches/*.c harness/cbench.cc); fi
c_files=(); cxx_files=()
for f in "${files[@]}"; do case $f in *.cc) cxx_files+=("$f") ;; *) c_files+=("$f") ;; esac; done

pkg_cflags=$(pkg-config --cflags papi hwloc benchmark bdw-gc json-c inih)
defs=(-D_GNU_SOURCE -DGC_THREADS -DMEMPROBE_VERSION='"lint"' -DMEMPROBE_GIT_REV='"lint"' -DMEMPROBE_CC='"lint"'
      -DMEMPROBE_CFLAGS='""' -DMEMPROBE_BENCHMARK_VERSION='"lint"' -DMEMPROBE_DATADIR='"."' -Iinclude)
fail=0

echo "== two rooms: harness/ and benches/ include no analysis header (harness/main.c may)"
crossings=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]analysis/' \
              harness/*.c harness/*.cc benches/*.c include/memprobe/*.h 2>/dev/null | grep -v '^harness/main\.c:' || true)
if [ -n "$crossings" ]; then
  printf '%s\n' "$crossings" | sed 's|$|   <- an analysis header in the measuring room; see README "Source map"|'
  fail=1
fi

echo "== cppcheck (${#c_files[@]} C files)"
if [ ${#c_files[@]} -gt 0 ]; then
  cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
    --inline-suppr --suppressions-list=.cppcheck-suppressions \
    -D_GNU_SOURCE -DGC_THREADS -D__x86_64__ -D__GNUC__ -Iinclude "${c_files[@]}" || fail=1
fi

echo "== clang-tidy (${#c_files[@]} C, ${#cxx_files[@]} C++ files, $(nproc) at a time)"
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
export log pkg_cflags
tidy_one() {   # tidy_one FILE: findings into $log/<n>.out, status into $log/<n>.fail
  local f=$1 std=(-std=gnu11) extra=() out
  # C++: benchmark::RegisterBenchmark hands the new'd benchmark to
  # libbenchmark's registry, which the analyzer cannot see (a leak report
  # inside /usr/include/benchmark/benchmark.h, not in our code)
  case $f in *.cc) std=(-x c++ -std=c++17); extra=(--checks=-clang-analyzer-cplusplus.NewDeleteLeaks) ;; esac
  out="$log/$(printf '%s' "$f" | tr '/' '_')"
  # shellcheck disable=SC2086
  if ! clang-tidy --quiet --warnings-as-errors='*' "${extra[@]}" "$f" -- "${std[@]}" "${@:2}" $pkg_cflags \
       >"$out.out" 2>"$out.err"; then
    touch "$out.fail"
  fi
}
export -f tidy_one
printf '%s\n' "${c_files[@]}" "${cxx_files[@]}" | grep . |
  xargs -P "$(nproc)" -I{} bash -c 'tidy_one "$@"' _ {} "${defs[@]}"
for f in "$log"/*.fail; do
  [ -e "$f" ] || continue
  fail=1
  cat "${f%.fail}.out"
  grep -v 'warnings\? generated\|warnings\? treated as error\|^Suppressed\|^Use -header-filter\|NOLINT' "${f%.fail}.err" || true
done

[ $fail -eq 0 ] && echo "lint: clean"
exit $fail
