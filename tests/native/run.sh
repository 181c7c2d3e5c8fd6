#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run.sh: the native integration tests of the trace backend, on this host
# (no VM): builds, runs every tests/native/scenarios/NN-name.sh through
# tests/vm/guest-run.sh (same conventions as the VM scenarios: SABPF, OUT,
# TAP-like ok/not ok lines), then the host-side checks tests/native/test_*.py
# on their artifacts (build/native-trace/out). Ends with the line
# "native: N passed, N failed" that tests/run-all.sh counts, and exits
# non-zero if anything failed. A host where the trace backend cannot run
# (`sabpf doctor` exits 1) is a failure, not a skip.
#
#   tests/native/run.sh [--only PATTERN]
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 2
only=""
[ "${1:-}" = --only ] && only=$2
out=build/native-trace/out
passed=0 failed=0

if ! make -s all variants >build/native-trace.make.log 2>&1; then
  tail -20 build/native-trace.make.log
  echo "native: 0 passed, 1 failed"
  exit 1
fi
build/sabpf doctor >build/native-trace.doctor.log 2>&1
if [ $? -eq 1 ]; then
  echo "not ok - neither backend can run on this host: see build/native-trace.doctor.log"
  echo "native: 0 passed, 1 failed"
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
sh tests/vm/guest-run.sh --scenarios tests/native/scenarios --out "$out" --sabpf "$repo/build/sabpf" \
  ${only:+--only "$only"}
ok=$(cat "$out"/*.tap 2>/dev/null | grep -c '^ok - ')
not_ok=$(cat "$out"/*.tap 2>/dev/null | grep -c '^not ok - ')
passed=$((passed + ok))
failed=$((failed + not_ok))
log=$out/pytest.log
files=()
for f in tests/native/test_*.py; do # test_trace_run.py checks scenario trace-run
  name=$(basename "$f" .py)
  name=${name#test_}
  name=${name//_/-}
  # shellcheck disable=SC2053 # $only is a glob on purpose
  [ -z "$only" ] || [[ "$name" == $only ]] || [[ "$name" == *"$only"* ]] || continue
  files+=("$f")
done
if [ "${#files[@]}" -eq 0 ]; then
  echo "# pytest: no host-side check matches '$only'" | tee "$log"
  summary="0 passed"
else
  SABPF_ARTIFACTS="$repo/$out" /usr/bin/python3 -m pytest -q -rfE -p no:cacheprovider "${files[@]}" 2>&1 | tee "$log"
  summary=$(grep -E '[0-9]+ (passed|failed|errors?)( |,|$)' "$log" | tail -1)
fi
if [ -z "$summary" ]; then
  echo "not ok - pytest printed no summary (log: $log)"
  failed=$((failed + 1))
else
  while read -r n word; do
    case "$word" in
    passed) passed=$((passed + n)) ;;
    *) failed=$((failed + n)) ;;
    esac
  done < <(grep -oE '[0-9]+ (passed|failed|errors?|skipped|xfailed|xpassed)' <<<"$summary")
fi
echo "native: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
