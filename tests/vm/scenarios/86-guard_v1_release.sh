#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 300
# 86-guard_v1_release.sh: self-protection on cgroup v1 hierarchies (issue 8,
# sections 1-2): the classic release_agent escape and task moves through a
# v1 hierarchy, from an audited container, as root. Runs on both layouts (its
# name ends in "e", so the hybrid boot of tests/run-all.sh picks it up):
#   - a named v1 hierarchy mounted here (both layouts): the container's tasks
#     sit in its root, so it may change nothing there;
#   - on the hybrid layout, the pids controller's hierarchy, where the host
#     placed the container in a cgroup of its own (pids/gv1ctr): below it the
#     container may make and tune children, but neither move tasks nor touch
#     its own cgroup, its parent or the root's release_agent.
# Each refusal: EPERM, a DENIAL record naming it, and the next action still
# in the capture. The same actions from the host work. Checked by
# tests/integration/test_guard_v1_release.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
ctl=/run/sabpf-gv1.sock
probe=$(dirname "$SABPF")/progs/guardprobe
named=/tmp/gv1-named
mkdir -p "$cg/gv1" "$named" /tmp/gv1-m
mount -t cgroup -o none,name=sabpfguard cgroup "$named" || not_ok "mount of a named v1 hierarchy"
mkdir -p "$named/ctr"
pids=$(awk '$3 == "cgroup" && $4 ~ /(^|,)pids(,|$)/ { print $2; exit }' /proc/mounts)
if [ -n "$pids" ]; then
  echo hybrid >"$OUT/layout"
  mkdir -p "$pids/gv1ctr"
else
  echo v2 >"$OUT/layout"
fi

rm -f "$ctl"
"$SABPF" audit --cgroup "$cg/gv1" --control "$ctl" -o "jsonl:$OUT/gv1.jsonl" \
  --stats "$OUT/gv1-stats.json" >"$OUT/gv1.stdout" 2>"$OUT/gv1.stderr" &
agent=$!
i=0
while [ ! -S "$ctl" ] && [ $i -lt 3000 ] && kill -0 "$agent" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
[ -S "$ctl" ] && ok "agent running" || not_ok "agent did not start: $(cat "$OUT/gv1.stderr")"
echo "$agent" >"$OUT/gv1.pid"

actions='openw NAMED/release_agent
mount cgroup /tmp/gv1-m none,name=sabpfguard2,release_agent=/tmp/gv1-agent
openw NAMED/ctr/notify_on_release
mkdir NAMED/x
cgmove NAMED/ctr
cgmove NAMED'
[ -n "$pids" ] && actions="$actions
openw PIDS/release_agent
openw PIDS/gv1ctr/pids.max
cgmove PIDS/gv1ctr
cgput PIDS/gv1ctr AGENT
mkdir PIDS/x
mkdir PIDS/gv1ctr/x
openw PIDS/gv1ctr/x/pids.max
cgmove PIDS/gv1ctr/x
rmdir PIDS/gv1ctr/x"

run_actions() { # WHERE(inside|outside) FILE
  n=0
  echo "$actions" | sed -e "s|NAMED|$named|g" -e "s|PIDS|$pids|g" -e "s|AGENT|$agent|" |
    while read -r a; do
      n=$((n + 1))
      # shellcheck disable=SC2086
      if [ "$1" = inside ]; then
        # on hybrid into its v1 pids cgroup, then into the audited v2 cgroup
        # (in this order: once audited, the task may not move in v1)
        GUARD_MARK=/tmp/gv1-mark.$n sh -c '{ [ -z "$1" ] || echo $$ > "$1/gv1ctr/cgroup.procs"; } &&
          echo $$ > "$0/cgroup.procs" && shift && exec "$@"' \
          "$cg/gv1" "$pids" "$probe" $a
      else
        case "$a" in "cgput "*) continue ;; esac # the agent stays where it is
        "$probe" $a
      fi
    done >"$OUT/$2" 2>&1
}

rm -f /tmp/gv1-mark.*
run_actions inside inside.txt
ls /tmp/gv1-mark.* 2>/dev/null | wc -l >"$OUT/marks"
run_actions outside outside.txt
sleep 0.5
kill -INT "$agent"
wait "$agent" && ok "agent stopped cleanly" || not_ok "agent exited $?: $(tail -3 "$OUT/gv1.stderr")"

rm -f /tmp/gv1-mark.*
rmdir "$named/x" "$named/ctr" 2>/dev/null
umount "$named"
[ -n "$pids" ] && rmdir "$pids/x" "$pids/gv1ctr/x" "$pids/gv1ctr" 2>/dev/null
rmdir "$cg/gv1" 2>/dev/null
exit "$fails"
