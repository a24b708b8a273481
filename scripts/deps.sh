#!/usr/bin/env bash
# deps.sh — install what memprobe needs to build, run and test, if missing.
# Debian/Ubuntu (apt-get) or Fedora/RHEL (dnf); through sudo when not root.
# Usage: scripts/deps.sh [build|run|test|fleet|all]   (prints one line per install)
# fleet: a one-node Slurm for `make fleet-test` (munge, slurmctld, slurmd, the
# client commands, python3 to check the comparison); optional in `all`.
set -euo pipefail
what=${1:-all}

# Debian package  <->  a file that proves it is installed
deb_build=(
  "build-essential:/usr/bin/g++"
  "pkg-config:/usr/bin/pkg-config"
  "libpapi-dev:/usr/include/papi.h"
  "libhwloc-dev:/usr/include/hwloc.h"
  "libbenchmark-dev:/usr/include/benchmark/benchmark.h"
  "libgc-dev:/usr/include/gc.h"
  "libjson-c-dev:/usr/include/json-c/json.h"
  "libinih-dev:/usr/include/ini.h"
  "libcsv-dev:/usr/include/csv.h"
  "help2man:/usr/bin/help2man"
)
deb_run=(
  "gnuplot-nox:/usr/bin/gnuplot"
  "libjemalloc2:/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2"
  "libmimalloc2.0:/usr/lib/$(uname -m)-linux-gnu/libmimalloc.so.2"
  "libtcmalloc-minimal4:/usr/lib/$(uname -m)-linux-gnu/libtcmalloc_minimal.so.4"
  "hwloc:/usr/bin/lstopo-no-graphics"
  "golang-go:/usr/bin/go"
)
deb_test=(
  "libcmocka-dev:/usr/include/cmocka.h"
  "clang:/usr/bin/clang"
  "libclang-rt-dev:/usr/share/doc/libclang-rt-dev/copyright"
  "cppcheck:/usr/bin/cppcheck"
  "clang-tidy:/usr/bin/clang-tidy"
  "valgrind:/usr/bin/valgrind"
  "chromium:/usr/bin/chromium"
)
# a GPU library that speaks when PAPI probes for GPUs (Slurm's packages pull it
# in): test_cli checks memprobe's output stays its own with it present
[ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] && deb_test+=("librocm-smi64-1:/usr/lib/librocm_smi64.so.1")
deb_fleet=(
  "munge:/usr/sbin/munged"
  "slurmctld:/usr/sbin/slurmctld"
  "slurmd:/usr/sbin/slurmd"
  "slurm-client:/usr/bin/sbatch"
  "python3:/usr/bin/python3"
)
rpm_build=(
  "gcc-c++:/usr/bin/g++" "pkgconf-pkg-config:/usr/bin/pkg-config" "papi-devel:/usr/include/papi.h"
  "hwloc-devel:/usr/include/hwloc.h" "google-benchmark-devel:/usr/include/benchmark/benchmark.h"
  "gc-devel:/usr/include/gc.h" "json-c-devel:/usr/include/json-c/json.h" "inih-devel:/usr/include/ini.h"
  "libcsv-devel:/usr/include/csv.h" "help2man:/usr/bin/help2man"
)
rpm_run=( "golang:/usr/bin/go" "gnuplot:/usr/bin/gnuplot" "jemalloc:/usr/lib64/libjemalloc.so.2" "mimalloc:/usr/lib64/libmimalloc.so.2"
  "gperftools-libs:/usr/lib64/libtcmalloc_minimal.so.4" "hwloc:/usr/bin/lstopo-no-graphics" )
rpm_fleet=( "munge:/usr/sbin/munged" "slurm-slurmctld:/usr/sbin/slurmctld" "slurm-slurmd:/usr/sbin/slurmd"
  "slurm:/usr/bin/sbatch" "python3:/usr/bin/python3" )
rpm_test=( "libcmocka-devel:/usr/include/cmocka.h" "clang:/usr/bin/clang" "chromium:/usr/bin/chromium-browser"
  "cppcheck:/usr/bin/cppcheck" "clang-tools-extra:/usr/bin/clang-tidy"
  "valgrind:/usr/bin/valgrind" "libasan:/usr/lib64/libasan.so.8" "libubsan:/usr/lib64/libubsan.so.1"
  "libtsan:/usr/lib64/libtsan.so.2" )

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

if command -v apt-get >/dev/null 2>&1; then fam=deb
elif command -v dnf >/dev/null 2>&1; then fam=rpm
else echo "deps: neither apt-get nor dnf found; install the packages listed in scripts/deps.sh by hand" >&2; exit 1
fi

missing=()
collect() {
  local -n list=$1
  local entry
  for entry in "${list[@]}"; do
    [ -e "${entry#*:}" ] || missing+=("${entry%%:*}")
  done
}
case "$what" in
  build) collect ${fam}_build ;;
  run)   collect ${fam}_build; collect ${fam}_run ;;
  test)  collect ${fam}_build; collect ${fam}_run; collect ${fam}_test ;;
  fleet) collect ${fam}_fleet ;;
  all)   collect ${fam}_build; collect ${fam}_run; collect ${fam}_test; collect ${fam}_fleet ;;
  *) echo "deps: unknown argument '$what'; accepted: build, run, test, fleet, all" >&2; exit 2 ;;
esac
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
if [ $fam = deb ]; then
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null
  # chromium, librocm-smi64-1 and the fleet packages are optional (the report
  # test, test_cli's GPU-library check and fleet-test skip without them): never
  # fail on them alone
  optional=" chromium librocm-smi64-1 ${deb_fleet[*]%%:*} "
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
    rest=(); for p in "${missing[@]}"; do [[ $optional == *" $p "* ]] || rest+=("$p"); done
    [ ${#rest[@]} -eq 0 ] || "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${rest[@]}" >/dev/null
  }
else
  "${sudo_cmd[@]}" dnf install -y -q "${missing[@]}"
fi
