#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 9000
# vm-binaries: /usr/bin/bash /usr/bin/curl /usr/bin/redis-server /usr/bin/redis-benchmark /usr/bin/redis-cli /usr/bin/sqlite3 /usr/bin/date /usr/bin/seq /usr/bin/head /usr/bin/base64 /usr/bin/shuf /usr/bin/paste /usr/bin/sort /usr/bin/basename /usr/bin/sha256sum /usr/bin/gzip /usr/bin/ls /usr/bin/sed /usr/bin/mv /usr/bin/find /usr/bin/tar /usr/bin/du /usr/bin/df /usr/bin/awk /usr/bin/ps /usr/bin/mkdir /usr/bin/chmod /usr/bin/cat /usr/bin/cp /usr/bin/rm /usr/bin/touch /usr/bin/env /usr/bin/id /usr/bin/uname /usr/bin/uptime /usr/bin/sleep /usr/bin/yes /usr/bin/dirname /usr/bin/mount /usr/bin/umount
# eval-guest.sh: the collection half of the detector's comparison of
# backends (bench/detect/eval-backends.sh): the same plan of benign runs and
# attacks, run in the test VM on the LSM backend (tests/vm/run.sh --script
# --vm) and natively on the trace backend (--native), with the same
# programs: the workloads' tools are the host's Debian binaries (named
# above, copied into the VM with their libraries), found first on PATH; only
# /bin/sh differs (busybox's ash in the VM, dash natively). This script
# itself runs under busybox's sh in the VM, which prefers its own applets to
# PATH: hence /usr/bin/date by its path, for nanoseconds.
#
# Reads, beside the agent ($SABPF/../..): build/detect-eval/backends/plan.tsv
# (lines "NAME KIND SPLIT SEED ATTACK|-", from eval.py plan) and
# build/detect-eval/backends/backend (trace or lsm; $EVAL_BACKEND first, as
# natively a run of each backend may go on beside the other). Writes each run's
# capture to $OUT/NAME.raw and a line "NAME KIND SPLIT SEED ATTACK|- STATUS
# SECONDS" to $OUT/runs.tsv. The attacker's end (bench/detect/attacker.py's
# part, in busybox: an HTTP server with the payload, a listener that feeds a
# reverse shell its commands) runs here, outside every audited container.
# TAP-like lines; exits non-zero when a run fails.
root=$(cd "$(dirname "$SABPF")/.." && pwd)
plan=$root/build/detect-eval/backends/plan.tsv
backend=${EVAL_BACKEND:-$(cat "$root/build/detect-eval/backends/backend" 2>/dev/null)}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
[ -f "$plan" ] || { not_ok "no plan $plan (bench/detect/eval-backends.sh writes it)"; exit 1; }
case "$backend" in trace | lsm) ;; *) not_ok "no backend in $root/build/detect-eval/backends/backend"; exit 1 ;; esac
mkdir -p "$OUT"
: >"$OUT/runs.tsv"

aport=47100
adir=$(mktemp -d /tmp/sabpf-attacker.XXXXXX)
cat >"$adir/payload" <<'EOF'
#!/bin/sh
uname -a > "${1:-/tmp}/.u" 2>&1
id >> "${1:-/tmp}/.u"
cat /etc/hostname /etc/os-release >> "${1:-/tmp}/.u" 2>&1
ls -la / >/dev/null
EOF
echo '{"job":"x"}' >"$adir/pool"
busybox httpd -f -p "127.0.0.1:$aport" -h "$adir" &
httpd=$!
(
  while :; do
    printf 'id\nuname -a\ncat /etc/passwd\nls -la /\nps\nexit\n' |
      busybox timeout 30 busybox nc -l -p $((aport + 1)) >/dev/null 2>&1
  done
) &
listener=$!
sleep 0.5

i=0
while read -r name kind split seed attack; do
  i=$((i + 1))
  work=$(mktemp -d /tmp/sabpf-eval.XXXXXX)
  port=$((47200 + i))
  set -- "$kind" "$seed" "$work" "$port"
  [ "$attack" != - ] && set -- "$@" "$attack" "$aport"
  t0=$(/usr/bin/date +%s.%N)
  "$SABPF" run --backend "$backend" -q --name "eval-$name" -o "raw:$OUT/$name.raw" -- \
    bash "$root/bench/detect/workload.sh" "$@" >/dev/null 2>"$OUT/$name.err"
  status=$?
  t1=$(/usr/bin/date +%s.%N)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  echo "$name $kind $split $seed $attack $status $secs" >>"$OUT/runs.tsv"
  if [ "$status" = 0 ]; then
    ok "$name: $secs s"
    rm -f "$OUT/$name.err"
  else
    not_ok "$name exited $status: $(tail -c 300 "$OUT/$name.err")"
  fi
  rm -rf "$work"
done <"$plan"
kill "$listener" "$httpd" 2>/dev/null
rm -rf "$adir"
[ "$fails" = 0 ]
