#!/usr/bin/env bash
# cross-aarch64.sh — cross-build memprobe for aarch64 and run its tests under
# qemu-user, on an x86-64 Debian/Ubuntu machine.
#
#   scripts/cross-aarch64.sh [all|deps|build|test]      (make cross-aarch64 = all)
#
# deps   installs the host tools when missing (gcc/g++-aarch64-linux-gnu,
#        qemu-user-static) and builds an arm64 sysroot: the arm64 -dev packages
#        and everything they depend on (libc6 included) are downloaded with a
#        private apt state (arm64 only, empty dpkg status) and unpacked with
#        `dpkg -x` into $SYSROOT.
# build  builds $BUILD/memprobe and the test binaries with the cross compiler
#        (--sysroot=$SYSROOT, pkg-config reading the sysroot's .pc files).
# test   runs the test binaries under qemu-aarch64 (-L $SYSROOT), except the
#        ones in QEMU_SKIP (each with its reason), then a --quick run.
#
# Why a sysroot and not multiarch (dpkg --add-architecture arm64): all eight
# -dev packages are Multi-Arch: same and do co-install, but Multi-Arch: same
# forces the amd64 and arm64 copies of every shared dependency to the same
# version, so installing them upgrades host packages (libssl3, krb5,
# linux-libc-dev, e2fsprogs, ... on Debian 12).  The sysroot changes nothing
# on the host besides the cross compiler and qemu.
#
# Environment: BUILD (build-aarch64), SYSROOT ($BUILD/sysroot), JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
TRIPLET=aarch64-linux-gnu
BUILD=${BUILD:-build-aarch64}
SYSROOT=${SYSROOT:-$PWD/$BUILD/sysroot}
JOBS=${JOBS:-2}
case "$SYSROOT" in /*) ;; *) SYSROOT=$PWD/$SYSROOT ;; esac

# the arm64 packages memprobe builds and tests against (scripts/deps.sh lists
# the same for the host)
ARM64_PKGS=(libpapi-dev libhwloc-dev libbenchmark-dev libgc-dev libjson-c-dev
            libinih-dev libcsv-dev libcmocka-dev)

# Tests that cannot run under qemu-user, with the reason: "binary" skips a
# whole test binary, "binary:test" one cmocka test (scripts/cross-aarch64-skip.c
# is preloaded and drops it; a name the binary lacks fails the run, so the list
# cannot go stale).  Everything else in $BUILD/tests runs, later tests too.
NO_EXEC="without binfmt_misc the host kernel cannot execute an aarch64 file, so a test that starts an aarch64 binary through a host program (env, sh) cannot run"
NO_MADVISE="qemu-user answers madvise advice it does not implement (MADV_NOHUGEPAGE, MADV_HUGEPAGE, MADV_POPULATE_WRITE) with success and does nothing, and its /proc/self/smaps describes the emulator, so page policies cannot be checked"
declare -A QEMU_SKIP=(
  [test_allocators:test_active_under_ld_preload]="$NO_EXEC (env LD_PRELOAD=... /proc/self/exe)"
  [test_gc:test_every_parameter_in_its_column]="$NO_EXEC (the gc family runs its collector child from /proc/self/exe)"
  [test_hoard:test_cli_hoard_cap]="$NO_EXEC (the hoard family runs its child from /proc/self/exe)"
  [test_faults]="the fault paths (full disk, read-only folders, signals, kills, the lock) are the same C on every architecture and are checked natively and under ASan; the aarch64 binary's run path is the smoke run below (and qemu-user does not implement ptrace, which the watchdog test uses to freeze a worker): 50 s of qemu's 166"
  [test_cli]="usage errors end before anything is measured, the same C on every architecture, checked natively and fuzzed under ASan (fuzz_cli): 28 s of qemu's 166"
  [test_litmus:test_forbidden_outcomes_never_seen]="qemu's TCG emits the STLR barrier before the store and the LDAR one after the load, so the x86 host's store buffer lets a load-acquire pass an earlier store-release: SB rel_acq shows the outcome ARMv8 (RCsc LDAR) forbids"
  [test_passing:test_collected_heap_alone_and_in_the_full_list]="$NO_EXEC (passing/ptr_gc runs each batch in a child from /proc/self/exe)"
  [test_pages:test_base_pages_never_huge]=$NO_MADVISE
  [test_pages:test_populate_makes_every_page_resident]=$NO_MADVISE
  [test_pages:test_thp_aligned_or_refused]=$NO_MADVISE
  [test_access:test_base_page_variants_hold_no_huge_page]=$NO_MADVISE
  [test_topo:test_load_honours_affinity]="qemu-user keeps its own RCU thread in the process with the full CPU mask, and hwloc's process binding is the union over /proc/self/task"
)

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)

# ------------------------------------------------------------------ deps
host_tools() {
  local missing=()
  command -v $TRIPLET-gcc >/dev/null || missing+=("gcc-$TRIPLET")
  command -v $TRIPLET-g++ >/dev/null || missing+=("g++-$TRIPLET")
  [ -n "$QEMU" ] || missing+=(qemu-user-static)
  command -v pkg-config >/dev/null || missing+=(pkg-config)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || {
    echo "cross-aarch64: needs apt-get (Debian/Ubuntu) to install ${missing[*]}" >&2; exit 1; }
  echo "cross-aarch64: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
  QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
}

# Download the arm64 closure of ARM64_PKGS with a private apt state and
# unpack it into $SYSROOT.  Skipped when the sysroot holds this package list.
sysroot() {
  local stamp=$SYSROOT/.memprobe-packages
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${ARM64_PKGS[*]}" ]; then return 0; fi
  if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
    echo "cross-aarch64: the arm64 sysroot is built from Debian packages (apt-get, dpkg); point SYSROOT at an existing one elsewhere" >&2
    exit 1
  fi
  local apt=$PWD/$BUILD/apt
  rm -rf "$SYSROOT" "$apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$SYSROOT"
  : > "$apt/status"
  local opts=(-q -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache"
              -o Dir::State::status="$apt/status" -o APT::Architecture=arm64
              -o APT::Architectures::=arm64 -o Debug::NoLocking=1)
  [ "$(id -u)" -eq 0 ] && opts+=(-o APT::Sandbox::User=root)
  echo "cross-aarch64: downloading the arm64 packages into $apt"
  apt-get "${opts[@]}" update >/dev/null
  apt-get "${opts[@]}" install -y --download-only --no-install-recommends "${ARM64_PKGS[@]}" >/dev/null
  local deb n=0
  for deb in "$apt"/cache/archives/*.deb; do dpkg -x "$deb" "$SYSROOT"; n=$((n + 1)); done
  # absolute symlinks would point into the host: re-aim them into the sysroot
  local link target
  while IFS= read -r link; do
    target=$(readlink "$link")
    ln -sfn "$SYSROOT$target" "$link"
  done < <(find "$SYSROOT" -type l -lname '/*')
  rm -rf "$apt/cache/archives"
  echo "${ARM64_PKGS[*]}" > "$stamp"
  echo "cross-aarch64: sysroot $SYSROOT ($n packages)"
}

# ------------------------------------------------------------------ build
# Compiler wrappers adding --sysroot, so the Makefile sees plain CC/CXX names
# (its MEMPROBE_CC string and -dumpversion keep working).
toolchain() {
  local dir=$PWD/$BUILD/toolchain tool
  mkdir -p "$dir"
  for tool in gcc g++; do
    printf '#!/bin/sh\nexec %s --sysroot="%s" "$@"\n' "$(command -v $TRIPLET-$tool)" "$SYSROOT" \
      > "$dir/$TRIPLET-$tool"
    chmod +x "$dir/$TRIPLET-$tool"
  done
}

build() {
  toolchain
  export PKG_CONFIG_SYSROOT_DIR=$SYSROOT
  export PKG_CONFIG_LIBDIR=$SYSROOT/usr/lib/$TRIPLET/pkgconfig:$SYSROOT/usr/share/pkgconfig
  unset PKG_CONFIG_PATH
  make --no-print-directory -j"$JOBS" BUILD="$BUILD" \
    CC="$PWD/$BUILD/toolchain/$TRIPLET-gcc" CXX="$PWD/$BUILD/toolchain/$TRIPLET-g++" \
    "$BUILD/memprobe" test-binaries
  "$PWD/$BUILD/toolchain/$TRIPLET-gcc" -std=gnu11 -O2 -Wall -Wextra -Werror -shared -fPIC \
    -o "$BUILD/qemu-skip.so" scripts/cross-aarch64-skip.c
  build_go_companion
  # e_machine (bytes 18-19 of the ELF header) is 183 = EM_AARCH64
  [ "$(od -An -tu2 -j18 -N2 "$BUILD/memprobe" | tr -d ' ')" = 183 ] || {
    echo "cross-aarch64: $BUILD/memprobe is not an aarch64 executable" >&2; exit 1; }
}

# The Go companion for arm64 beside $BUILD/memprobe, where Go is installed
# (pure Go, CGO_ENABLED=0: no race build, as on any cgo-less target).
build_go_companion() {
  local go_bin out=$PWD/$BUILD/memprobe-go
  go_bin=$(command -v go || true)
  if [ -z "$go_bin" ]; then echo "cross-aarch64: no go on PATH: the go family will skip"; return 0; fi
  (cd benches/go && GOCACHE=$PWD/../../$BUILD/gocache GOPATH=$PWD/../../$BUILD/gopath GOPROXY=off \
     GOTOOLCHAIN=local GOFLAGS="" GO111MODULE=on GOOS=linux GOARCH=arm64 CGO_ENABLED=0 \
     "$go_bin" build -gcflags=-m=2 -o "$out" . 2> "$out.escape.txt") || {
    cat "$out.escape.txt" >&2; exit 1; }
}

# ------------------------------------------------------------------ test
# Without binfmt_misc the kernel cannot exec an aarch64 file, so every
# aarch64 program is started through a small host shell script that execs
# qemu.  The tests find memprobe through $MEMPROBE_BIN = such a script.
qemu_wrapper() {   # qemu_wrapper BINARY WRAPPER [TESTS-TO-SKIP]
  local env=""
  [ -z "${3:-}" ] || env="-E LD_PRELOAD=$PWD/$BUILD/qemu-skip.so -E MEMPROBE_QEMU_SKIP=$3 "
  printf '#!/bin/sh\nexec %s -L "%s" %s"%s" "$@"\n' "$QEMU" "$SYSROOT" "$env" "$PWD/$1" > "$2"
  chmod +x "$2"
}

# "a:b" for the tests of binary $1 in QEMU_SKIP (printing each reason)
skipped_tests() {
  local key list=""
  for key in "${!QEMU_SKIP[@]}"; do
    if [ "${key%%:*}" != "$1" ] || [ "$key" = "$1" ]; then continue; fi
    echo "skip under qemu: $key — ${QEMU_SKIP[$key]}" >&2
    list+=${list:+:}${key#*:}
  done
  echo "$list"
}

run_tests() {
  local qdir=$BUILD/qemu t name wrappers=()
  rm -rf "$qdir"; mkdir -p "$qdir"
  qemu_wrapper "$BUILD/memprobe" "$qdir/memprobe"
  if [ -x "$BUILD/memprobe-go" ]; then   # the go family finds it through $MEMPROBE_GO
    qemu_wrapper "$BUILD/memprobe-go" "$qdir/memprobe-go"
    cp "$BUILD/memprobe-go.escape.txt" "$qdir/"
    export MEMPROBE_GO=$PWD/$qdir/memprobe-go
  fi
  for t in "$BUILD"/tests/test_*; do
    case "$t" in *.d|*.o) continue ;; esac
    name=${t##*/}
    if [ -n "${QEMU_SKIP[$name]+x}" ]; then
      echo "skip under qemu: $name — ${QEMU_SKIP[$name]}"
      continue
    fi
    qemu_wrapper "$t" "$qdir/$name" "$(skipped_tests "$name")"
    wrappers+=("$qdir/$name")
  done
  echo "== tests under $(basename "$QEMU") ($("$QEMU" --version | head -1))"
  MEMPROBE_BIN=$qdir/memprobe scripts/run-tests.sh "${wrappers[@]}"

  echo "== smoke under qemu: memprobe run --quick --filter 'latency|harness'"
  local smoke
  smoke=$(mktemp -d)
  "$qdir/memprobe" run --quick --filter 'latency|harness' --out "$smoke/run" > "$smoke/log" 2>&1 || {
    cat "$smoke/log"; rm -rf "$smoke"; echo "cross-aarch64: the --quick run under qemu failed" >&2; exit 1; }
  local f
  for f in results.csv machine.json report.md; do
    [ -s "$smoke/run/$f" ] || { rm -rf "$smoke"; echo "cross-aarch64: the --quick run under qemu wrote no $f" >&2; exit 1; }
  done
  echo "results.csv: $(($(wc -l < "$smoke/run/results.csv") - 1)) rows"
  rm -rf "$smoke"
}

case "$what" in
  deps)  host_tools; sysroot ;;
  build) host_tools; sysroot; build ;;
  test)  host_tools; sysroot; run_tests ;;
  all)   host_tools; sysroot; build; run_tests ;;
  *) echo "cross-aarch64: unknown argument '$what'; accepted: all, deps, build, test" >&2; exit 2 ;;
esac
echo "cross-aarch64: ok"
