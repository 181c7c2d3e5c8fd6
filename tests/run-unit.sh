#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run-unit.sh: runs each unit-test program given as an argument (cmocka, TAP
# output, built with ASan and UBSan) and prints "unit: N passed, N failed".
# Exit status: 0 when every test passed and every program exited cleanly.
set -u
passed=0 failed=0
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  p=$(grep -c '^ok ' <<<"$out"); f=$(grep -c '^not ok ' <<<"$out")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or sanitizer report
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
    echo "--- $t failed (exit $rc):"; echo "$out" | tail -40
  else
    echo "$(basename "$t"): $p passed"
  fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
