#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run.sh: builds the policy parser's fuzz harness (tests/fuzz/fuzz_policy.c)
# with clang's libFuzzer, ASan and UBSan, and runs it for N seconds
# (default 20) from the seed corpus in tests/fuzz/corpus. New inputs it
# finds go to build/fuzz/corpus (not into the repository); a crash leaves
# its input in build/fuzz/crash-* and makes this script exit non-zero.
#
#   tests/fuzz/run.sh [SECONDS]
#   FUZZ_JOBS=2 tests/fuzz/run.sh 60     two fuzzing processes
#
# To add a crashing input to the corpus once fixed:
#   cp build/fuzz/crash-XXXX tests/fuzz/corpus/regress-NAME
set -euo pipefail

seconds=${1:-20}
case "$seconds" in
  ''|*[!0-9]*) echo "run.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/fuzz
mkdir -p "$out/corpus"
rm -f "$out"/fuzz-*.log
cd "$root"

${CLANG:-clang} -std=gnu11 -g -O1 -D_GNU_SOURCE -Iinclude -Isrc \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer \
  -o "$out/fuzz_policy" tests/fuzz/fuzz_policy.c src/policy_parse.c src/policy_decide.c src/policy_print.c src/policy_glob.c src/json_write.c -l:libyaml.a

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "run.sh: fuzzing the policy parser for ${seconds}s ($(ls tests/fuzz/corpus | wc -l) seeds)"
# with several jobs libFuzzer writes fuzz-N.log into the current directory:
# run it from build/fuzz so nothing lands in the repository
jobs=()
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS"); fi
set +e
(cd "$out" && exec ./fuzz_policy -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=8192 -dict="$root/tests/fuzz/policy.dict" -artifact_prefix="$out/" \
  -print_final_stats=1 "${jobs[@]}" "$out/corpus" "$root/tests/fuzz/corpus") 2>"$out/fuzz.log"
rc=$?
set -e
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$out/fuzz.log" || true
if [ "$rc" -ne 0 ]; then
  echo "run.sh: the fuzzer failed (exit $rc); the end of $out/fuzz.log:" >&2
  tail -40 "$out/fuzz.log" >&2
  ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null >&2 || true
  exit 1
fi
echo "run.sh: no crash in ${seconds}s"
