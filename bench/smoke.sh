#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# smoke.sh: a test of the native benchmark's pipeline itself (tests/run-all.sh
# runs it; about 15 s): bench/native.py with tiny counts (the null row, one
# round, the four configurations), then checks that the data is well-formed,
# that auditd's and the kernel's audit state is as before, and that
# bench/native_report.py renders it into a copy of docs/performance.md.
# Negative controls: the generator must refuse data missing a field a table
# needs, data of another format, and a document without its markers. Then
# bench/test_native_report.py (pytest): the report's arithmetic.
# Ends with "bench: N passed, N failed"; exits non-zero on any failure.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 2
out=build/bench-smoke
rm -rf "$out"
mkdir -p "$out"
passed=0 failed=0
ok() {
  echo "ok - $*"
  passed=$((passed + 1))
}
not_ok() {
  echo "not ok - $*"
  failed=$((failed + 1))
}
py=/usr/bin/python3

if ! make -s all >"$out/make.log" 2>&1 || ! make -s -C bench >>"$out/make.log" 2>&1; then
  tail -20 "$out/make.log"
  echo "bench: 0 passed, 1 failed"
  exit 1
fi

audit_state() { auditctl -s 2>/dev/null | grep -E '^(enabled|pid|backlog_limit) '; auditctl -l 2>/dev/null; }
audit_state >"$out/audit-before.txt"
data=$out/data.json
if bench/native.py --parts micro --rows null --rounds 1 --seconds 0.02 --out "$data" \
  >"$out/native.log" 2>&1; then
  ok "native.py ran the four configurations"
else
  not_ok "native.py exited $?: $(tail -3 "$out/native.log")"
fi
audit_state >"$out/audit-after.txt"
if cmp -s "$out/audit-before.txt" "$out/audit-after.txt"; then
  ok "audit state restored (enabled flag, daemon, backlog, rules)"
else
  not_ok "audit state changed: $(diff "$out/audit-before.txt" "$out/audit-after.txt" | tr '\n' ' ')"
fi
ls -d /sys/fs/cgroup/unified/sabpf-bench.* /sys/fs/cgroup/sabpf-bench.* >"$out/leftover.txt" 2>/dev/null
if [ -s "$out/leftover.txt" ]; then
  not_ok "cgroups left behind: $(cat "$out/leftover.txt")"
else
  ok "no sabpf-bench cgroup left behind"
fi

# The data: one micro entry per configuration, each with its conditions; the
# agent auditing another cgroup received no record of the benchmark's.
if $py - "$data" >"$out/check.log" 2>&1 <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "sabpf-bench-native/1", d.get("format")
micro = [e for e in d["results"] if e["part"] == "micro"]
configs = sorted(e["config"] for e in micro)
assert configs == ["auditd", "none", "trace-other", "trace-self"], configs
for e in micro:
    assert e["name"] == "null" and e["us"] > 0 and e["iterations"] >= 1, e
    c = e["conditions"]
    assert isinstance(c["disturbed"], bool) and c["seconds"] > 0, c
    assert c["loadavg_before"] >= 0 and 0 <= c["steal"] <= 1, c
agents = {e["config"]: e["counters"] for e in d["results"] if e["part"] == "micro-agent"}
assert agents["trace-other"]["records"] == 0, agents["trace-other"]
assert agents["trace-self"]["lost"] == 0, agents["trace-self"]
assert agents["auditd"]["log_bytes"] > agents["trace-other"]["raw_bytes"], agents
assert d["failures"] == [], d["failures"]
EOF
  ok "data well-formed: four configurations, conditions, agent counters"
else
  not_ok "data check: $(tail -3 "$out/check.log")"
fi

doc=$out/performance.md
cp docs/performance.md "$doc"
if $py bench/native_report.py "$data" --doc "$doc" >"$out/report.log" 2>&1 &&
  grep -q '^| null syscall | [0-9.]* .*| [0-9.]* .*| [0-9.]* .*| [0-9.]* ' "$doc" &&
  grep -q "bench/native.py --parts micro --rows null" "$doc" &&
  [ "$(grep -c '^<!-- native:' "$doc")" -eq 2 ]; then
  ok "native_report.py wrote the null row of all four configurations and the command into the doc"
else
  not_ok "native_report.py: $(tail -3 "$out/report.log")"
fi
# Negative controls: each must be refused with exit 1 and a message.
$py - "$data" "$out/bad-field.json" "$out/bad-format.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
next(e for e in d["results"] if e["part"] == "micro").pop("us")
json.dump(d, open(sys.argv[2], "w"))
d = json.load(open(sys.argv[1]))
d["format"] = "something-else/1"
json.dump(d, open(sys.argv[3], "w"))
EOF
for bad in bad-field bad-format; do
  if $py bench/native_report.py "$out/$bad.json" >/dev/null 2>"$out/$bad.err"; then
    not_ok "native_report.py accepted $bad.json"
  elif [ $? -eq 1 ] && grep -q "$bad.json" "$out/$bad.err"; then
    ok "native_report.py refuses $bad.json: $(head -1 "$out/$bad.err")"
  else
    not_ok "native_report.py on $bad.json: wrong exit or message: $(cat "$out/$bad.err")"
  fi
done
grep -v '^<!-- native:end' docs/performance.md >"$out/no-marker.md"
if $py bench/native_report.py "$data" --doc "$out/no-marker.md" >/dev/null 2>"$out/no-marker.err"; then
  not_ok "native_report.py accepted a document without its end marker"
else
  ok "native_report.py refuses a document without its end marker"
fi
# The report's arithmetic on synthetic data of known figures (medians,
# overheads, fractions, targets), and its refusals of bad data.
if $py -m pytest -q -p no:cacheprovider bench/test_native_report.py >"$out/pytest.log" 2>&1; then
  ok "test_native_report.py: $(tail -1 "$out/pytest.log")"
else
  not_ok "test_native_report.py: $(tail -1 "$out/pytest.log") (log: $out/pytest.log)"
fi
echo "bench: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
