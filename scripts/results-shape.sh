#!/usr/bin/env bash
# results-shape.sh — has results.csv kept its shape?  Makes a run of
# `memprobe run --quick --cpus 0,1` (two CPUs, so one pair: the same rows on
# any machine with the dependencies installed) and compares the shape of its
# results.csv — the columns in order, and how many rows of each kind (family,
# benchmark, allocator, runtime, run type, aggregate, status; written by
# scripts/results-shape.c, values left out) — with
# tests/fixtures/quick-shape.txt, cut from such a run.
#
# A change that only moves code must leave the shape alone.  A change that
# adds or removes rows or columns on purpose rewrites the fixture in the same
# commit, so that its diff shows the reviewer exactly what results.csv gained
# or lost:
#   scripts/results-shape.sh --update        rewrite the fixture from a fresh run
#   scripts/results-shape.sh [RUN_DIR]       compare (RUN_DIR: an existing run
#                                            made with the command above)
# Needs two allowed CPUs (0 and 1), the alternative allocators and Go
# (scripts/deps.sh all); says so and stops (status 0) when CPUs 0,1 are not there.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
fixture=tests/fixtures/quick-shape.txt
update=0
[ "${1:-}" = --update ] && { update=1; shift; }
run=${1:-}

make -j2 --no-print-directory bin/memprobe "$BUILD/results-shape" >/dev/null
if [ -z "$run" ]; then
  if ! ./bin/memprobe topo --cpus 0,1 >/dev/null 2>&1; then
    echo "results-shape: skipped: CPUs 0 and 1 are not both allowed here (the fixture is cut on those two)"
    exit 0
  fi
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  run=$work/run
  echo "results-shape: memprobe run --quick --cpus 0,1 (about a minute)"
  ./bin/memprobe run --quick --cpus 0,1 --out "$run" >"$work/log" 2>&1 ||
    { tail -40 "$work/log"; echo "results-shape: the run failed"; exit 1; }
fi

shape=$("$BUILD/results-shape" "$run")
if [ $update -eq 1 ]; then
  { echo "# results.csv shape of \`memprobe run --quick --cpus 0,1\`: see scripts/results-shape.sh"
    printf '%s\n' "$shape"; } >"$fixture"
  echo "results-shape: $fixture rewritten ($(sed -n 's/^rows: //p' "$fixture") rows); commit it with the change"
  exit 0
fi
if diff -u <(grep -v '^#' "$fixture") <(printf '%s\n' "$shape") >"${work:-/tmp}/shape.diff"; then
  echo "results-shape: same columns and rows as $fixture ($(sed -n 's/^rows: //p' "$fixture") rows)"
  exit 0
fi
cat "${work:-/tmp}/shape.diff"
echo "results-shape: results.csv changed shape (- fixture, + this build).  On purpose?  Then"
echo "  scripts/results-shape.sh --update, and commit $fixture with the change."
echo "  Otherwise: missing rows can also mean a missing allocator or Go (scripts/deps.sh all)."
exit 1
