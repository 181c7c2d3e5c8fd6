#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 120
# 50-errors.sh: bad input gets a clear message and a non-zero exit, and no
# output file that looks complete is left behind.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}

# expect RC PATTERN CMD...: CMD exits RC and says PATTERN on stderr
expect() {
  want=$1 pattern=$2
  shift 2
  "$@" >/dev/null 2>"$OUT/err"
  rc=$?
  if [ "$rc" -eq "$want" ] && grep -q -- "$pattern" "$OUT/err"; then
    ok "$* -> $rc, '$pattern'"
  else
    not_ok "$* -> $rc (wanted $want), stderr: $(cat "$OUT/err")"
  fi
}

cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
expect 2 "unrecognized option" "$SABPF" run --bogus -- true
expect 2 "ring-size" "$SABPF" run --ring-size 1000 -- true
expect 2 "unknown record class 'disk'" "$SABPF" run --classes proc,disk -- true
expect 125 "unknown output format 'xml'" "$SABPF" run -o "xml:$OUT/a.xml" -- true
[ -e "$OUT/a.xml" ] && not_ok "a.xml created for a bad spec" || ok "nothing written for a bad spec"
expect 1 "does-not-exist" "$SABPF" audit --cgroup "$cg/does-not-exist" -o "prov:$OUT/none.json"
[ -e "$OUT/none.json" ] || [ -e "$OUT/none.json.tmp" ] && not_ok "output left for a missing cgroup" ||
  ok "no output for a missing cgroup"
expect 1 "not a directory\|not on cgroup v2\|cgroup" "$SABPF" audit --cgroup /etc/passwd
expect 2 "give at least one --cgroup" "$SABPF" audit
expect 127 "nonexistent-command" "$SABPF" run -o "jsonl:$OUT/enoent.jsonl" -- nonexistent-command
expect 2 "unknown command 'frobnicate'" "$SABPF" frobnicate
expect 1 "cannot reach the agent" "$SABPF" ctl --control /run/none.sock list
# without privileges: the doctor's remedy, before anything is loaded
su -s /bin/sh nobody -c "$SABPF run -o jsonl:- -- true" >/dev/null 2>"$OUT/err"
rc=$?
if [ "$rc" -eq 125 ] && grep -q "run as root" "$OUT/err"; then
  ok "unprivileged run -> 125, 'run as root'"
else
  not_ok "unprivileged run -> $rc, stderr: $(cat "$OUT/err")"
fi
left=$(find "$cg/sabpf" -mindepth 1 -type d 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && ok "no cgroup left after failed runs" || not_ok "$left cgroups left"
exit "$fails"
