#!/usr/bin/env bash
# sanitize.sh — two sanitizer builds, each in its own folder (the normal
# build is untouched):
#   build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer (gcc, -O1):
#                every test but those named in tests/asan.skip, then a whole
#                `memprobe run --quick`
#   build-tsan/  ThreadSanitizer (gcc, -O1): every test but those named in
#                tests/tsan.skip (the harness and family tests: their
#                benchmarks run in-process), then the families that need two
#                CPUs (`memprobe list` says which) end to end
# Tests find the binary under test through MEMPROBE_BIN.  Any report fails.
# Usage: scripts/sanitize.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
what=("$@"); [ ${#what[@]} -gt 0 ] || what=(asan tsan)

# the Go companion (when Go is installed) is built once, by the normal build;
# the sanitizer builds' memprobe finds it through MEMPROBE_GO
make -j2 --no-print-directory bin/memprobe >/dev/null
[ -x bin/memprobe-go ] && export MEMPROBE_GO=$PWD/bin/memprobe-go

# gcc's -Wmaybe-uninitialized depends on inlining, which -O1 and the
# instrumentation change: here it warns without failing (the normal -O2 gcc
# and clang builds keep it an error).
export EXTRA_CFLAGS="-Wno-error=maybe-uninitialized"

tests_in() {   # tests_in BUILD [SKIP]: the test binaries of a build (but those SKIP names first on a line)
  local t
  for t in "$1"/tests/test_*; do
    [[ $t == *.d ]] && continue
    [ -n "${2:-}" ] && grep -q "^$(basename "$t")\b" "$2" && continue
    echo "$t"
  done
}

asan() {
  echo "== ASan + UBSan (build-asan/)"
  local t0=$SECONDS
  make -j2 --no-print-directory BUILD=build-asan OPT=-O1 \
    SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
    build-asan/memprobe test-binaries || return 1
  # Leak checking is on; tests/lsan.supp names third-party libraries only.
  # (No detect_stack_use_after_return: its heap-allocated fake frames would
  # hide stack roots from libgc's conservative scan.)
  export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1
  export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  local rc=0
  # shellcheck disable=SC2046
  MEMPROBE_BIN=build-asan/memprobe scripts/run-tests.sh $(tests_in build-asan tests/asan.skip) || rc=1
  local smoke
  smoke=$(mktemp -d)
  if ! build-asan/memprobe run --quick --out "$smoke/run" >"$smoke/log" 2>&1; then
    echo "sanitize: memprobe run --quick failed under ASan+UBSan:"; tail -60 "$smoke/log"; rc=1
  fi
  rm -rf "$smoke"
  [ $rc -eq 0 ] && echo "asan: clean ($((SECONDS - t0)) s)" || echo "asan: FAILED ($((SECONDS - t0)) s)"
  return $rc
}

tsan() {
  echo "== TSan (build-tsan/; tests but those in tests/tsan.skip)"
  local t0=$SECONDS
  make -j2 --no-print-directory BUILD=build-tsan OPT=-O1 SANFLAGS="-fsanitize=thread" build-tsan/memprobe test-binaries || return 1
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
  local rc=0
  # shellcheck disable=SC2046
  MEMPROBE_BIN=build-tsan/memprobe scripts/run-tests.sh $(tests_in build-tsan tests/tsan.skip) || rc=1
  # and the multi-threaded families end to end, as a user runs them
  local smoke families
  smoke=$(mktemp -d)
  families=$(build-tsan/memprobe list 2>/dev/null | sed -n 's/^  \([a-z0-9_]*\) .*\[needs [0-9]* CPUs\]$/\1/p' | paste -sd'|')
  echo "tsan: end to end: ${families:?memprobe list names no family that needs two CPUs}"
  if ! build-tsan/memprobe run --quick --filter "^($families)/" --out "$smoke/run" \
       >"$smoke/log" 2>&1; then
    echo "sanitize: multi-threaded families failed under TSan:"; tail -60 "$smoke/log"; rc=1
  fi
  rm -rf "$smoke"
  [ $rc -eq 0 ] && echo "tsan: clean ($((SECONDS - t0)) s)" || echo "tsan: FAILED ($((SECONDS - t0)) s)"
  return $rc
}

for w in "${what[@]}"; do
  case $w in asan|tsan) ;; *) echo "sanitize: unknown '$w'; accepted: asan, tsan" >&2; exit 2 ;; esac
done
fail=0
for w in "${what[@]}"; do "$w" || fail=1; done
[ $fail -eq 0 ] || { echo "sanitize: FAILED"; exit 1; }
echo "sanitize: clean"
