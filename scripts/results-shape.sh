#!/usr/bin/env bash
# results-shape.sh — has results.csv kept its shape?  Makes a run of
# `memprobe run --quick --cpus 0,1` (two CPUs, so one pair: the same rows on
# any machine with the dependencies installed) and compares the shape of its
# results.csv — the columns in order, and how many rows of each kind (family,
# benchmark, allocator, runtime, run type, aggregate; not the status, which
# depends on the machine (THP, reserved huge pages); written by
# scripts/results-shape.c, values left out) — with
# tests/fixtures/quick-shape.txt, cut from such a run.
#
# It fails when the run lost or changed what the fixture has: a column gone
# or out of order, a kind of row gone or counted differently (a refactor
# must leave all of that alone).  What the run has beyond the fixture (a new
# family's or variant's rows, their columns) is listed, not failed: later
# work legitimately adds rows.  --update records the additions, so that the
# fixture's diff shows the reviewer what results.csv gained:
#   scripts/results-shape.sh [RUN_DIR]       check (RUN_DIR: an existing run
#                                            made with the command above)
#   scripts/results-shape.sh --update [RUN_DIR]   rewrite the fixture from the run
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
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if [ -z "$run" ]; then
  if ! ./bin/memprobe topo --cpus 0,1 >/dev/null 2>&1; then
    echo "results-shape: skipped: CPUs 0 and 1 are not both allowed here (the fixture is cut on those two)"
    exit 0
  fi
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
grep -v '^#' "$fixture" | sed -n 's/^columns: //p' | tr ',' '\n' >"$work/want.cols"
printf '%s\n' "$shape" | sed -n 's/^columns: //p' | tr ',' '\n' >"$work/have.cols"
grep -P '^([0-9]+|\*)\t' "$fixture" | sort >"$work/want.rows"
printf '%s\n' "$shape" | grep -P '^([0-9]+|\*)\t' | sort >"$work/have.rows"
# the fixture's columns must all be there, in the same order (others may stand between)
lost_cols=$(awk 'NR == FNR { have[++n] = $0; next } { while (i < n && have[++i] != $0) ; if (have[i] != $0) print }' \
              "$work/have.cols" "$work/want.cols")
lost_rows=$(comm -23 "$work/want.rows" "$work/have.rows")
added_rows=$(comm -13 "$work/want.rows" "$work/have.rows")
added_cols=$(grep -vxF -f "$work/want.cols" "$work/have.cols" || true)
if [ -n "$added_rows$added_cols" ]; then
  echo "results-shape: beyond $fixture (not a failure; --update records it):"
  [ -z "$added_cols" ] || echo "  new columns: $(echo "$added_cols" | paste -sd' ')"
  [ -z "$added_rows" ] || printf '%s\n' "$added_rows" | sed 's/^/  + /'
fi
if [ -z "$lost_cols$lost_rows" ]; then
  echo "results-shape: every column and row of $fixture is there ($(sed -n 's/^rows: //p' "$fixture") rows)"
  exit 0
fi
[ -z "$lost_cols" ] || echo "results-shape: columns missing or out of order: $(echo "$lost_cols" | paste -sd' ')"
[ -z "$lost_rows" ] || { echo "results-shape: rows missing or counted differently (count, family, benchmark, allocator, runtime, run type, aggregate):"
                         printf '%s\n' "$lost_rows" | sed 's/^/  - /'; }
echo "results-shape: results.csv lost or changed rows or columns.  On purpose?  Then"
echo "  scripts/results-shape.sh --update, and commit $fixture with the change."
echo "  Otherwise: missing rows can also mean a missing allocator or Go (scripts/deps.sh all)."
exit 1
