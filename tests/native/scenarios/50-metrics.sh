#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 50-metrics.sh: `sabpf audit --metrics 127.0.0.1:0` natively (trace
# backend): the probes answer (/readyz, /healthz 200; an unknown path 404; a
# POST 405), the page passes `promtool check metrics` (and a page with one
# broken line does not: the judge can fail), records written live are on the
# page before the agent stops, and the page's record count equals the
# --stats count once the container is idle. A malformed address and a port
# in use are refused before anything is loaded.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
# promtool: scripts/install-deps.sh unpacks it into /var/cache/sabpf-tools
PATH=${SABPF_TOOLS:-/var/cache/sabpf-tools}/bin:$PATH
command -v promtool >/dev/null || not_ok "promtool not found: run scripts/install-deps.sh"
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
pod="$cg/sabpf-native-metrics.$$"
mkdir -p "$pod"
w=$(mktemp -d /tmp/sabpf-metrics.XXXXXX)

"$SABPF" audit --backend trace --cgroup "$pod" --metrics 127.0.0.1:0 -o "jsonl:$OUT/metrics.jsonl" \
  --stats "$OUT/metrics-stats.json" >"$OUT/metrics.stdout" 2>"$OUT/metrics.stderr" &
agent=$!
i=0
while ! grep -q '^sabpf: auditing' "$OUT/metrics.stderr" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
url=$(sed -n 's|^sabpf: metrics at \(http://[0-9.:]*\)/metrics$|\1|p' "$OUT/metrics.stderr")
[ -n "$url" ] && ok "agent says where the metrics are ($url)" ||
  not_ok "no 'sabpf: metrics at' line: $(cat "$OUT/metrics.stderr")"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "$url/readyz")" = 200 ] && ok "/readyz 200 once auditing" || not_ok "/readyz: $(code "$url/readyz")"
[ "$(code "$url/healthz")" = 200 ] && ok "/healthz 200" || not_ok "/healthz: $(code "$url/healthz")"
[ "$(code "$url/nothing")" = 404 ] && ok "unknown path 404" || not_ok "unknown path: $(code "$url/nothing")"
[ "$(code -X POST "$url/metrics")" = 405 ] && ok "POST 405" || not_ok "POST: $(code -X POST "$url/metrics")"

# 20 writes from a shell in the audited cgroup, then wait for the page to
# show them (live delivery, not only at exit) and to settle
sh -c 'echo $$ >"$0/cgroup.procs" && i=0 && while [ $i -lt 20 ]; do echo x >"$1/f$i"; i=$((i + 1)); done' "$pod" "$w"
prev=-1 cur=-2 i=0
while [ "$cur" != "$prev" ] || [ "$cur" -le 0 ] 2>/dev/null; do
  [ $i -ge 40 ] && break
  sleep 0.5
  prev=$cur
  curl -s "$url/metrics" >"$OUT/metrics.prom"
  cur=$(awk '$1 == "sabpf_records_total" { print $2 }' "$OUT/metrics.prom")
  i=$((i + 1))
done
cp "$OUT/metrics.prom" "$OUT/metrics-final.prom"
if promtool check metrics <"$OUT/metrics.prom" >"$OUT/promtool.log" 2>&1; then
  ok "promtool check metrics passes on the page"
else
  not_ok "promtool: $(cat "$OUT/promtool.log")"
fi
# negative control: one sample with a broken label set
sed 's/^sabpf_records_total /sabpf_records_total{cause="x" /' "$OUT/metrics.prom" >"$OUT/metrics-broken.prom"
if promtool check metrics <"$OUT/metrics-broken.prom" >/dev/null 2>&1; then
  not_ok "promtool accepted a broken page: it cannot judge"
else
  ok "promtool rejects a broken page (negative control)"
fi
grep -q '^sabpf_info{backend="trace"} 1$' "$OUT/metrics.prom" && ok "sabpf_info names the trace backend" ||
  not_ok "no sabpf_info{backend=\"trace\"} 1"
grep -q "^sabpf_container_records_lost_total{container_id=\"[0-9]*\",container=\"$pod\",cause=\"ring\"} 0$" "$OUT/metrics.prom" &&
  ok "per-container loss series for the audited cgroup" || not_ok "no loss series naming $pod"

kill -INT "$agent"
wait "$agent"
rc=$?
[ "$rc" -eq 0 ] && ok "agent stops cleanly" || not_ok "agent exited $rc: $(tail -3 "$OUT/metrics.stderr")"
stats=$(grep -o '"records":[0-9]*' "$OUT/metrics-stats.json" | head -1 | cut -d: -f2)
writes=$(grep -c "\"$w/f[0-9]*\"" "$OUT/metrics.jsonl")
[ "$writes" -ge 20 ] && ok "the 20 files are in the capture ($writes records name them)" ||
  not_ok "only $writes records name the 20 files"
[ -n "$cur" ] && [ "$cur" = "$stats" ] && ok "page's sabpf_records_total ($cur) = --stats records ($stats)" ||
  not_ok "page says $cur records, --stats says $stats"

# refused before loading anything: exit 1 (usage 2 is for option syntax)
"$SABPF" audit --backend trace --cgroup "$pod" --metrics localhost:9464 -o jsonl:/dev/null 2>"$OUT/metrics-bad.err"
rc=$?
[ "$rc" -ne 0 ] && grep -q "expected ADDR:PORT" "$OUT/metrics-bad.err" &&
  ok "--metrics localhost:9464 refused ($rc): $(cat "$OUT/metrics-bad.err")" ||
  not_ok "--metrics localhost:9464: rc $rc, $(cat "$OUT/metrics-bad.err")"
port=${url##*:}
"$SABPF" audit --backend trace --cgroup "$pod" --metrics "127.0.0.1:$port" -o jsonl:/dev/null 2>/dev/null &
first=$!
i=0
# ready: the stop handlers are in place (a background job of sh ignores
# SIGINT until the agent installs its own)
while [ "$(code "http://127.0.0.1:$port/readyz")" != 200 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
"$SABPF" audit --backend trace --cgroup "$pod" --metrics "127.0.0.1:$port" -o jsonl:/dev/null 2>"$OUT/metrics-busy.err"
rc=$?
kill -INT "$first"
wait "$first"
[ "$rc" -ne 0 ] && grep -q "cannot listen there: Address already in use" "$OUT/metrics-busy.err" &&
  ok "a port in use is refused: $(cat "$OUT/metrics-busy.err")" ||
  not_ok "port in use: rc $rc, $(cat "$OUT/metrics-busy.err")"
rmdir "$pod" 2>/dev/null
rm -rf "$w"
[ "$fails" -eq 0 ]
