#!/usr/bin/env bash
# lint.sh — static analysis with the checked-in configuration:
# cppcheck (warnings, portability, performance) and clang-tidy (.clang-tidy).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cppcheck >/dev/null || { echo "lint: installing cppcheck"; apt-get install -y -qq cppcheck >/dev/null; }
command -v clang-tidy >/dev/null || { echo "lint: installing clang-tidy"; apt-get install -y -qq clang-tidy >/dev/null; }
pkg_cflags=$(pkg-config --cflags papi hwloc benchmark bdw-gc json-c inih)
sources=$(ls harness/*.c benches/*.c)

echo "== cppcheck"
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
  --inline-suppr --suppressions-list=.cppcheck-suppressions \
  -D_GNU_SOURCE -DGC_THREADS -D__x86_64__ -Iinclude $sources

echo "== clang-tidy"
fail=0
for f in $sources; do
  out=$(clang-tidy --quiet "$f" -- -std=gnu11 -D_GNU_SOURCE -DGC_THREADS -DMEMPROBE_VERSION='"lint"' \
        -DMEMPROBE_GIT_REV='"lint"' -DMEMPROBE_CC='"lint"' -DMEMPROBE_CFLAGS='""' \
        -DMEMPROBE_BENCHMARK_VERSION='"lint"' -DMEMPROBE_DATADIR='"."' -Iinclude $pkg_cflags 2>/dev/null) || fail=1
  if printf '%s' "$out" | grep -q 'warning:\|error:'; then printf '%s\n' "$out"; fail=1; fi
done
[ $fail -eq 0 ] && echo "lint: clean"
exit $fail
