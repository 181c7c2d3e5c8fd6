#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 900
# 80-policy.sh: access control from a policy (issue 4, part 1). Policies are
# applied with `sabpf policy apply` to live cgroups while `sabpf audit`
# records them; every operation a policy governs is tried inside (allowed
# and denied cases) and outside (unaffected); then monitor mode, a policy on
# a pod covering its child cgroup, an atomic replacement, the agent
# restarting, a malformed policy, the hook budget, removal, and the cost of a
# decision. Then what must fail closed (paths too long or too deep to resolve
# whole), bind mounts, chroot and user namespaces that would rename a denied
# file, and hard links to it (pol-deep). Results are checked by
# tests/integration/test_policy.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
ctl=/run/sabpf-policy.sock
mkdir -p /tmp/progs /tmp/pol
cp "$(dirname "$SABPF")/progs/policyprobe" /tmp/progs/
probe=/tmp/progs/policyprobe
touch /tmp/pol/data /tmp/pol-outside
for d in pol-enforce pol-monitor pol-pod pol-free pol-exe pol-deep; do mkdir -p "$cg/$d"; done
cp "$probe" /tmp/progs/probe-copy # the same program under another name: another inode

# The policy under test: each element has an allowed and a denied case below.
cat >/tmp/pol/enforce.yaml <<'EOF'
version: 1
mode: enforce
target:
  cgroup: /pol-enforce
network:
  default: deny
  egress:
    - 80
    - {ports: [8000-8080], addresses: [127.0.0.0/8]}
  bind: [9000]
  families: [unix, inet]
files:
  default: r
  rw: [/tmp/pol/*]
  exec: [/tmp/progs/*]
  map_exec: [/lib/**, /usr/lib/**]
exec:
  allow: [/tmp/progs/*]
EOF
sed -e 's/^mode: enforce/mode: monitor/' -e 's|/pol-enforce|/pol-monitor|' /tmp/pol/enforce.yaml >/tmp/pol/monitor.yaml
# a replacement: egress to port 22 allowed now, no file or exec section
cat >/tmp/pol/enforce-v2.json <<'EOF'
{"version": 1, "target": {"cgroup": "/pol-enforce"},
 "network": {"default": "deny", "egress": [22, 80], "families": ["unix", "inet"]}}
EOF
cat >/tmp/pol/pod.json <<'EOF'
{"target": {"cgroup": "/pol-pod"}, "network": {"default": "deny", "egress": [443]}}
EOF
cat >/tmp/pol/exe.json <<'EOF'
{"target": {"cgroup": "/pol-exe", "executable": "/tmp/progs/policyprobe"},
 "network": {"default": "deny"}}
EOF
# rights beyond reading only under /tmp/deep: what cannot be resolved there is denied
cat >/tmp/pol/deep.json <<'EOF'
{"target": {"cgroup": "/pol-deep"},
 "files": {"default": "r", "rw": ["/tmp/deep/**"], "map_exec": ["/tmp/deep/**"], "exec": ["/**"]}}
EOF
printf '{"target": {"cgroup": "/pol-free"},\n "network": {"default": "deny", "egress": [70000]}}\n' >/tmp/pol/bad.json

# in CGROUP ARGS...: the probe run by a shell moved into CGROUP (fork + exec);
# "PID CGROUP-PATH PROBE ARGS" of each run is appended to $OUT/pids.txt (exec
# keeps the shell's pid: a denial record must name it)
in_cgroup() {
  cgdir=$1
  shift
  sh -c 'echo "$$ $*" >>"$0"; echo $$ > "$1/cgroup.procs" && shift && exec "$@"' \
    "$OUT/pids.txt" "$cg/$cgdir" "$probe" "$@"
}

# The cases: "op args" one per line.
cases='connect 127.0.0.1 80
connect 127.0.0.1 22
connect 127.0.0.1 8001
connect 10.0.0.1 8001
sendto 127.0.0.1 8080
sendto 127.0.0.1 53
bind 0.0.0.0 9000
bind 0.0.0.0 9001
listen 9000
listen 0
socket unix
socket inet6
open /etc/passwd r
open /etc/passwd rw
open /tmp/pol/data rw
open /tmp/pol-outside rw
exec /tmp/progs/policyprobe socket unix
exec /bin/busybox true
mmapx /tmp/progs/policyprobe
mmapx /tmp/pol/data
mprotectx /tmp/progs/policyprobe
mprotectx /tmp/pol/data'

# run_cases CGROUP FILE: every case inside CGROUP ("" = outside), into FILE
run_cases() {
  echo "$cases" | while read -r c; do
    # shellcheck disable=SC2086
    if [ -n "$1" ]; then in_cgroup "$1" $c; else "$probe" $c; fi
  done >"$2" 2>&1
}

start_agent() { # OUTPUT-NAME
  rm -f "$ctl"
  "$SABPF" audit --cgroup "$cg/pol-enforce" --cgroup "$cg/pol-monitor" --cgroup "$cg/pol-pod" \
    --cgroup "$cg/pol-free" --cgroup "$cg/pol-deep" \
    --control "$ctl" -o "jsonl:$OUT/$1.jsonl" --stats "$OUT/$1-stats.json" \
    >"$OUT/$1.stdout" 2>"$OUT/$1.stderr" &
  agent=$!
  i=0
  while [ ! -S "$ctl" ] && [ $i -lt 3000 ] && kill -0 "$agent" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
  [ -S "$ctl" ] && ok "agent $1 running" || not_ok "agent $1 did not start: $(cat "$OUT/$1.stderr")"
}

stop_agent() {
  sleep 1.5 # the agent looks for the denial ring once a second
  kill -INT "$agent"
  wait "$agent" && ok "agent stopped cleanly" || not_ok "agent exited $?: $(tail -3 "$OUT/$1.stderr")"
}

apply() { # NAME FILE [CGROUP]
  name=$1 file=$2
  shift 2
  if "$SABPF" policy apply "$file" "$@" >"$OUT/apply-$name.txt" 2>&1; then
    ok "policy apply $name"
  else
    not_ok "policy apply $name: $(cat "$OUT/apply-$name.txt")"
  fi
}

start_agent audit1
mkdir -p "$cg/pol-pod/c1" # a container of the pod, made while both run
apply enforce /tmp/pol/enforce.yaml --cgroup "$cg/pol-enforce"
apply monitor /tmp/pol/monitor.yaml --cgroup "$cg/pol-monitor"
apply pod /tmp/pol/pod.json --cgroup "$cg/pol-pod"
"$SABPF" policy show --json >"$OUT/show-applied.json" 2>&1
"$SABPF" policy show >"$OUT/show-applied.txt" 2>&1

run_cases pol-enforce "$OUT/enforce-inside.txt"
run_cases "" "$OUT/outside.txt"
run_cases pol-monitor "$OUT/monitor-inside.txt"
in_cgroup pol-pod/c1 connect 127.0.0.1 80 >"$OUT/pod-child.txt" 2>&1
in_cgroup pol-pod/c1 connect 127.0.0.1 443 >>"$OUT/pod-child.txt" 2>&1
# a policy for one executable of the cgroup: other programs there are not governed
apply exe /tmp/pol/exe.json
in_cgroup pol-exe connect 127.0.0.1 22 >"$OUT/exe.txt" 2>&1
sh -c 'echo $$ > "$0/cgroup.procs" && exec /tmp/progs/probe-copy connect 127.0.0.1 22' "$cg/pol-exe" >>"$OUT/exe.txt" 2>&1
"$SABPF" policy remove --cgroup "$cg/pol-exe" >/dev/null 2>&1 || not_ok "policy remove pol-exe"
# a process already running in the cgroup keeps its policy across fork and exec
in_cgroup pol-enforce exec /tmp/progs/policyprobe connect 127.0.0.1 22 >"$OUT/fork-exec.txt" 2>&1

# Fail closed, mounts, hard links (pol-deep). The files exist first (made
# from outside): N directories of LEN 'd's under /tmp/deep, then f.
mkdir -p /tmp/deep
touch /tmp/deep/ok
echo secret >/tmp/deep-secret
for nl in "3 200" "21 200" "5 1" "40 1" "10 250"; do
  # shellcheck disable=SC2086
  "$probe" deep /tmp/deep $nl touch f >/dev/null 2>&1 || not_ok "cannot make /tmp/deep $nl"
done
# the cases, one per line: each result inside pol-deep is checked by test_policy.py
deep_cases='open /tmp/deep/ok rw
open /tmp/deep-secret rw
deep /tmp/deep 3 200 open f rw
deep /tmp/deep 21 200 open f rw
deep /tmp/deep 10 250 open f rw
deep /tmp/deep 5 1 mprotectx f
deep /tmp/deep 40 1 mprotectx f
deep /tmp/deep 10 250 mprotectx f
link /tmp/deep-secret /tmp/deep/secret-link
open /tmp/deep/secret-link rw
open /tmp/deep/secret-link r
bindmount /tmp/deep-secret /tmp/deep/ok
chroot /tmp
userns-bind /tmp/deep-secret /tmp/deep/ok
open /tmp/deep/ok rw'
apply deep /tmp/pol/deep.json
"$SABPF" policy show --json >"$OUT/show-deep.json" 2>&1
echo "$deep_cases" | while read -r c; do
  # shellcheck disable=SC2086
  in_cgroup pol-deep $c
done >"$OUT/deep-inside.txt" 2>&1
# the same from outside (the link exists now: its open is tried, not its making)
echo "$deep_cases" | grep -v '^link' | while read -r c; do
  # shellcheck disable=SC2086
  "$probe" $c
done >"$OUT/deep-outside.txt" 2>&1
# a task 18 cgroup levels below the policy's cgroup is still governed by it
deepcg=pol-deep$(for i in $(seq 1 17); do printf '/c%s' "$i"; done)
mkdir -p "$cg/$deepcg"
in_cgroup "$deepcg" open /tmp/deep-secret rw >"$OUT/deep-cgroup.txt" 2>&1
in_cgroup "$deepcg" open /tmp/deep/ok rw >>"$OUT/deep-cgroup.txt" 2>&1
d=$deepcg
while [ "$d" != pol-deep ]; do rmdir "$cg/$d"; d=${d%/*}; done
"$SABPF" policy remove --cgroup "$cg/pol-deep" >/dev/null 2>&1 || not_ok "policy remove pol-deep"
rm -f /tmp/deep/secret-link

# decision cost: allowed and denied, with a policy and without (pol-free)
for c in "open /etc/passwd r" "open /etc/passwd rw" "connect 127.0.0.1 80" "connect 127.0.0.1 22"; do
  # shellcheck disable=SC2086
  in_cgroup pol-enforce -n 2000 $c >>"$OUT/bench.txt" 2>&1
  # shellcheck disable=SC2086
  in_cgroup pol-free -n 2000 $c >>"$OUT/bench-free.txt" 2>&1
done

# an atomic replacement on the live cgroup
apply enforce-v2 /tmp/pol/enforce-v2.json --cgroup "$cg/pol-enforce"
"$SABPF" policy show --json >"$OUT/show-replaced.json" 2>&1
run_cases pol-enforce "$OUT/v2-inside.txt"
stop_agent audit1

# no agent: the policy holds on its own; a new agent reports its denials
in_cgroup pol-enforce connect 127.0.0.1 25 >"$OUT/no-agent.txt" 2>&1
"$SABPF" policy log >"$OUT/policy-log.jsonl" 2>&1
start_agent audit2
in_cgroup pol-enforce connect 127.0.0.1 26 >"$OUT/restarted.txt" 2>&1
stop_agent audit2

# a malformed policy changes nothing; an exhausted budget is refused
"$SABPF" policy apply /tmp/pol/bad.json >"$OUT/apply-bad.txt" 2>&1
echo "rc=$?" >>"$OUT/apply-bad.txt"
SABPF_POLICY_HOOK_BUDGET=5 "$SABPF" policy apply /tmp/pol/pod.json --cgroup "$cg/pol-free" \
  >"$OUT/apply-budget.txt" 2>&1
echo "rc=$?" >>"$OUT/apply-budget.txt"
"$SABPF" policy show --json >"$OUT/show-after-errors.json" 2>&1

# sabpf run --policy: enforced on the run's own container, recorded in its capture
"$SABPF" run -q --policy /tmp/pol/pod.json -o "jsonl:$OUT/run.jsonl" -- \
  sh -c "$probe connect 127.0.0.1 443; $probe connect 127.0.0.1 22" >"$OUT/run.txt" 2>&1
echo "rc=$?" >>"$OUT/run.txt"
"$SABPF" policy show --json >"$OUT/show-after-run.json" 2>&1
# sabpf run --policy with a files section: the run's own setup mounts (before
# its child execs) are not refused, the command's are. --privileged: a default container
# has no CAP_SYS_ADMIN, and the kernel refuses its mount before any LSM asks.
sed 's|"/pol-deep"|"/ignored"|' /tmp/pol/deep.json >/tmp/pol/deep-run.json
"$SABPF" run -q --privileged --policy /tmp/pol/deep-run.json -o "jsonl:$OUT/run-deep.jsonl" -- \
  sh -c "$probe open /tmp/deep/ok rw; $probe bindmount /tmp/deep-secret /tmp/deep/ok" \
  >"$OUT/run-deep.txt" 2>&1
echo "rc=$?" >>"$OUT/run-deep.txt"

# removal
for d in pol-enforce pol-monitor pol-pod; do
  "$SABPF" policy remove --cgroup "$cg/$d" >>"$OUT/remove.txt" 2>&1 || not_ok "policy remove $d"
done
"$SABPF" policy remove --cgroup "$cg/pol-enforce" >"$OUT/remove-again.txt" 2>&1
echo "rc=$?" >>"$OUT/remove-again.txt"
"$SABPF" policy show --json >"$OUT/show-removed.json" 2>&1
ls /sys/fs/bpf/sabpf/policy/links >"$OUT/links-left.txt" 2>&1
run_cases pol-enforce "$OUT/removed-inside.txt"

for d in pol-pod/c1 pol-pod pol-enforce pol-monitor pol-free pol-exe pol-deep; do rmdir "$cg/$d" 2>/dev/null; done
exit "$fails"
