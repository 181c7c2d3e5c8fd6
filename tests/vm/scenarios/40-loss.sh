#!/bin/sh
# 40-loss.sh: no silent loss. A flood of distinct records through a ring
# buffer of one page must be either delivered or counted as lost with the
# exact number; through a large ring it must arrive whole. Also: no cred or
# file map entry of a container outlives it. Checked by test_loss.py.
# timeout: 300

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
exercise=$(dirname "$SABPF")/progs/exercise
n=20000
echo "$n" >"$OUT/reads"
"$SABPF" run -q --ring-size 4096 -o "raw:$OUT/small.raw" --stats "$OUT/small.json" \
  -- "$exercise" flood "$n" /etc/hostname /etc/passwd >"$OUT/small.out" 2>&1 &&
  ok "flood through a 4 KiB ring" || not_ok "small-ring run failed: $(tail -3 "$OUT/small.out")"
"$SABPF" run -q --ring-size 64M -o "raw:$OUT/large.raw" --stats "$OUT/large.json" \
  -- "$exercise" flood "$n" /etc/hostname /etc/passwd >"$OUT/large.out" 2>&1 &&
  ok "flood through a 64 MiB ring" || not_ok "large-ring run failed: $(tail -3 "$OUT/large.out")"
# the same flood with no agent, timed (/proc/uptime, 10 ms steps): the rate
# the workload reaches alone, beside the rate the audited one was drained at
t0=$(cut -d' ' -f1 /proc/uptime)
"$exercise" flood "$n" /etc/hostname /etc/passwd >/dev/null
t1=$(cut -d' ' -f1 /proc/uptime)
echo "$t0 $t1" >"$OUT/bare.uptime"
exit "$fails"
