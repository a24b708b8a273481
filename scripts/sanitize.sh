#!/usr/bin/env bash
# sanitize.sh — AddressSanitizer + UndefinedBehaviorSanitizer build running
# every test and a --quick run; ThreadSanitizer build running the harness and
# family tests.  Separate build folders; the normal build is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# libgc scans stacks and registers roots in ways LeakSanitizer misreads
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1

echo "== ASan + UBSan"
make -j2 BUILD=build-asan OPT=-O1 SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  build-asan/memprobe test-binaries
MEMPROBE_BIN=build-asan/memprobe scripts/run-tests.sh $(ls build-asan/tests/test_* | grep -v '\.d$')
smoke=$(mktemp -d)
build-asan/memprobe run --quick --out "$smoke/run" >/dev/null
rm -rf "$smoke"

echo "== TSan (harness and family tests)"
make -j2 BUILD=build-tsan OPT=-O1 SANFLAGS="-fsanitize=thread" build-tsan/memprobe test-binaries
export TSAN_OPTIONS="halt_on_error=1 suppressions=$(pwd)/tests/tsan.supp"
MEMPROBE_BIN=build-tsan/memprobe scripts/run-tests.sh $(ls build-tsan/tests/test_* | grep -v '\.d$' | grep -E "$(cat tests/tsan.list | paste -sd'|')")
echo "sanitize: clean"
