#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 180
# 90-tenant.sh: tenant-supplied programs (issue 4, part 2). `sabpf load`
# attaches the example object examples/tenant/noraw.bpf.c (no raw or packet
# sockets) to one cgroup: it holds there, after `sabpf load` has exited, and
# nowhere else; objects that are not confined are refused with nothing
# attached; `sabpf list` shows it and `sabpf detach` removes it.
# Checked by tests/integration/test_tenant.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
progs=$(dirname "$SABPF")/progs
probe=$progs/policyprobe
mkdir -p "$cg/tenant-a" "$cg/tenant-b"

in_cgroup() { # CGROUP ARGS...
  d=$1
  shift
  sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg/$d" "$probe" "$@"
}

probe_all() { # FILE
  {
    in_cgroup tenant-a socket packet
    in_cgroup tenant-a socket inet
    in_cgroup tenant-b socket packet
    "$probe" socket packet
  } >"$OUT/$1" 2>&1
}

if "$SABPF" load "$progs/noraw.bpf.o" --cgroup "$cg/tenant-a" >"$OUT/load.txt" 2>&1; then
  ok "sabpf load noraw"
else
  not_ok "sabpf load noraw: $(cat "$OUT/load.txt")"
fi
"$SABPF" list >"$OUT/list-loaded.txt" 2>&1
"$SABPF" policy show --json >"$OUT/hooks-loaded.json" 2>&1
probe_all loaded.txt

for bad in bad_global bad_pinned bad_helper; do
  "$SABPF" load "$progs/$bad.bpf.o" --cgroup "$cg/tenant-b" >"$OUT/load-$bad.txt" 2>&1
  echo "rc=$?" >>"$OUT/load-$bad.txt"
done
"$SABPF" load "$progs/noraw.bpf.o" --cgroup "$cg/tenant-a" >"$OUT/load-twice.txt" 2>&1
echo "rc=$?" >>"$OUT/load-twice.txt"
"$SABPF" list >"$OUT/list-after-bad.txt" 2>&1
"$SABPF" policy show --json >"$OUT/hooks-after-bad.json" 2>&1

if "$SABPF" detach --cgroup "$cg/tenant-a" --name noraw >"$OUT/detach.txt" 2>&1; then
  ok "sabpf detach"
else
  not_ok "sabpf detach: $(cat "$OUT/detach.txt")"
fi
"$SABPF" list >"$OUT/list-detached.txt" 2>&1
"$SABPF" policy show --json >"$OUT/hooks-detached.json" 2>&1
probe_all detached.txt
"$SABPF" detach --cgroup "$cg/tenant-a" --name noraw >"$OUT/detach-again.txt" 2>&1
echo "rc=$?" >>"$OUT/detach-again.txt"

rmdir "$cg/tenant-a" "$cg/tenant-b"
exit "$fails"
