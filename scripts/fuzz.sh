#!/usr/bin/env bash
# fuzz.sh — build the libFuzzer targets fuzz/fuzz_*.c (clang,
# -fsanitize=fuzzer,address,undefined, library in build-fuzz/), replay every
# saved regression input (fuzz/regressions/<target>/), then fuzz each target
# for a short while, two at a time, starting from its seeds (fuzz/seeds/<target>/).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (default 20 s, every target)
#        FUZZ_JOBS=N  targets fuzzed at once (default: number of CPUs, at most 2)
#        FUZZ_SEED=N  a reproducible run: libFuzzer's -seed=N from the seeds alone
#                     (a fresh corpus in build-fuzz/, not the one fuzz/corpus-*
#                     grew), so every machine starts down the same path (not
#                     bit for bit: scratch folders have random names).  CI
#                     uses it: a gate fails on what a change broke, not on
#                     what chance found that day.  Unset: a random seed and
#                     the growing corpus, for the long runs that find new bugs.
# A crash or leak fails the script; the input is kept in build-fuzz/crashes/<target>/
# — copy it into fuzz/regressions/<target>/ with the fix so it is replayed forever.
# The growing corpus lives in fuzz/corpus-<target>/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
case $seconds in ''|*[!0-9]*) echo "fuzz: SECONDS '$seconds': expected a whole number of seconds" >&2; exit 2 ;; esac
seed=${FUZZ_SEED:-}
case $seed in *[!0-9]*) echo "fuzz: FUZZ_SEED '$seed': expected a whole number (or unset for a random seed)" >&2; exit 2 ;; esac

# clang and its sanitizer/libFuzzer runtimes (Debian: libclang-rt-NN-dev or part of clang)
if ! command -v clang >/dev/null || ! echo 'int LLVMFuzzerTestOneInput(const char*d,unsigned long n){(void)d;(void)n;return 0;}' |
     clang -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  echo "fuzz: installing clang and its libFuzzer runtime"
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends clang >/dev/null
  ver=$(clang -dumpversion | cut -d. -f1)
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "libclang-rt-$ver-dev" >/dev/null 2>&1 || true
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
echo "== build (clang, build-fuzz/)"
make -j2 --no-print-directory BUILD=build-fuzz CC=clang CXX=clang++ OPT="-O1" \
  SANFLAGS="-fsanitize=fuzzer-no-link ${san}" build-fuzz/libmemprobe.a
pkgs="papi hwloc benchmark bdw-gc json-c inih"
mkdir -p build-fuzz/fuzz
if [ $# -gt 0 ]; then targets=("$@"); else targets=(); for f in fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done; fi
for t in "${targets[@]}"; do
  [ -f "fuzz/$t.c" ] || { echo "fuzz: unknown target '$t'; accepted: $(cd fuzz && ls fuzz_*.c | sed 's/\.c$//' | xargs)" >&2; exit 2; }
  bin=build-fuzz/fuzz/$t
  if [ ! "$bin" -nt "fuzz/$t.c" ] || [ ! "$bin" -nt build-fuzz/libmemprobe.a ] || [ ! "$bin" -nt fuzz/fuzzutil.h ]; then
    # compile as C, link with clang++ (cbench.cc needs the C++ sanitizer runtime)
    # shellcheck disable=SC2046,SC2086
    clang -std=gnu11 -g -O1 $san -fsanitize=fuzzer -D_GNU_SOURCE -DGC_THREADS \
      -DMEMPROBE_VERSION='"fuzz"' -DMEMPROBE_GIT_REV='"fuzz"' -DMEMPROBE_CC='"clang"' -DMEMPROBE_CFLAGS='"fuzz"' \
      -DMEMPROBE_BENCHMARK_VERSION='"fuzz"' -DMEMPROBE_DATADIR='"."' -DFUZZ_FIXTURE_RUN="\"$PWD/tests/fixtures/run-a\"" \
      -Iinclude -Ifuzz $(pkg-config --cflags $pkgs) -c "fuzz/$t.c" -o "$bin.o"
    # shellcheck disable=SC2046,SC2086
    clang++ $san -fsanitize=fuzzer "$bin.o" -o "$bin" \
      -Wl,--whole-archive build-fuzz/libmemprobe.a -Wl,--no-whole-archive \
      $(pkg-config --libs $pkgs) -lcsv -lpthread -ldl -lm
  fi
done

# Leak checking stays on (no parser here allocates through libgc).  Each
# input gets 10 s and 2 GB.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# PAPI leaks a few strdup'd names per unknown event name (its frames only)
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}
opts=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=0)

echo "== replay fuzz/regressions and fuzz/seeds"
fail=0
for t in "${targets[@]}"; do
  inputs=()
  for d in "fuzz/regressions/$t" "fuzz/seeds/$t"; do
    [ -d "$d" ] && while IFS= read -r f; do inputs+=("$f"); done < <(find "$d" -type f | sort)
  done
  [ ${#inputs[@]} -eq 0 ] && continue
  if ! "build-fuzz/fuzz/$t" "${opts[@]}" "${inputs[@]}" >"build-fuzz/fuzz/$t.replay.log" 2>&1; then
    echo "fuzz: $t fails on a saved input:"; tail -40 "build-fuzz/fuzz/$t.replay.log"; fail=1
  else
    echo "$t: ${#inputs[@]} saved inputs ok"
  fi
done
[ $fail -eq 0 ] || exit 1

[ "$seconds" -gt 0 ] || { echo "fuzz: replay only (0 s)"; exit 0; }
jobs=${FUZZ_JOBS:-$(nproc)}; [ "$jobs" -gt 2 ] && [ -z "${FUZZ_JOBS:-}" ] && jobs=2
if [ -n "$seed" ]; then
  opts+=(-seed="$seed")
  echo "== fuzz ${#targets[@]} targets, ${seconds} s each, $jobs at a time, seed $seed from the seeds alone"
else
  echo "== fuzz ${#targets[@]} targets, ${seconds} s each, $jobs at a time, random seeds, growing fuzz/corpus-*"
fi
export FUZZ_SEED=$seed
fuzz_one() {   # fuzz_one TARGET SECONDS OPTS...: exit 1 on a crash
  local t=$1 s=$2 corpus=fuzz/corpus-$1
  shift 2
  if [ -n "$FUZZ_SEED" ]; then corpus=build-fuzz/corpus-seed$FUZZ_SEED-$t; rm -rf "$corpus"; fi
  mkdir -p "$corpus" "build-fuzz/crashes/$t"
  local seeds=(); [ -d "fuzz/seeds/$t" ] && seeds=("fuzz/seeds/$t")
  if "build-fuzz/fuzz/$t" "$@" -max_total_time="$s" -artifact_prefix="build-fuzz/crashes/$t/" \
       "$corpus" "${seeds[@]}" >"build-fuzz/fuzz/$t.log" 2>&1; then
    echo "$t: $(grep -o 'Done [0-9]* runs' "build-fuzz/fuzz/$t.log" | tail -1 | sed 's/Done //') in ${s} s, no crash"
  else
    echo "fuzz: $t CRASHED; input kept in build-fuzz/crashes/$t/:"; ls "build-fuzz/crashes/$t/"
    grep -A30 'ERROR\|runtime error\|fuzz invariant\|deadly signal' "build-fuzz/fuzz/$t.log" | head -60
    return 1
  fi
}
export -f fuzz_one
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$@"' _ {} "$seconds" "${opts[@]}" || fail=1
[ $fail -eq 0 ] && echo "fuzz: no crash"
exit $fail
