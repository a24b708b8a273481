#!/usr/bin/env bash
# run-tests.sh — run every cmocka test binary given, print each one's output
# with the seconds it took, and one closing line "N passed, M failed" over all
# of them; exit 1 on failure.
set -u
passed=0; failed=0; broken=()
for t in "$@"; do
  echo "== $t"
  t0=$SECONDS
  out=$("$t" 2>&1); rc=$?
  printf '%s\n' "$out"
  echo "-- $t: $((SECONDS - t0)) s"
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p)); failed=$((failed + f))
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); broken+=("$t (exit $rc)"); fi
done
for b in "${broken[@]+"${broken[@]}"}"; do echo "broken: $b"; done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
