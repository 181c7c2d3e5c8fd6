#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 360
# 10-run.sh: `sabpf run` on the issue's example, `sh -c 'cat /etc/hostname >
# /tmp/x'`, with every output format; exit-status propagation; what root in
# a default container may do (capabilities, no_new_privs, cgroup namespace,
# mount, setuid) against --privileged. The captures are checked on the host
# by tests/integration/test_run.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}

rm -f /tmp/x
"$SABPF" run --name demo -o "prov:$OUT/capture.prov.json" -o "spade:$OUT/capture.spade.json" \
  -o "jsonl:$OUT/capture.jsonl" -o "raw:$OUT/capture.raw" --stats "$OUT/stats.json" \
  -- sh -c 'cat /etc/hostname > /tmp/x' >"$OUT/stdout" 2>"$OUT/stderr" &
agent=$!
echo "$agent" >"$OUT/agent_pid"
wait "$agent"
rc=$?
if [ "$rc" -eq 0 ]; then ok "sabpf run exits with CMD's status (0)"; else not_ok "sabpf run exited $rc: $(tail -3 "$OUT/stderr")"; fi
if cmp -s /etc/hostname /tmp/x; then ok "CMD really ran: /tmp/x holds /etc/hostname"; else not_ok "/tmp/x does not hold /etc/hostname"; fi
for f in capture.prov.json capture.spade.json capture.jsonl capture.raw stats.json; do
  if [ -s "$OUT/$f" ]; then ok "$f written"; else not_ok "$f missing or empty"; fi
  [ -e "$OUT/$f.tmp" ] && not_ok "$f.tmp left behind"
done
grep -q "wrote prov:$OUT/capture.prov.json" "$OUT/stderr" && ok "summary says where the capture went" ||
  not_ok "no summary on stderr: $(cat "$OUT/stderr")"

# ---- what root in the container may do: default against --privileged ----
# A default container has Docker's default capabilities (bounding, permitted,
# effective; nothing inheritable or ambient), no_new_privs and a cgroup
# namespace rooted at its leaf: mount(2) is EPERM and a setuid-root binary
# run by nobody stays nobody. --privileged (the negative control) is the
# full root of this shell, in its cgroup namespace. The probe rides on the
# two exit-status runs (each agent start costs most of a minute under TCG):
# the exit-3 run is a default container, the self-signalling one privileged.
privcheck=$(dirname "$SABPF")/progs/privcheck
docker_caps=00000000a80425fb # CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
# NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP (moby oci/caps/defaults.go)
full_caps=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
cp "$privcheck" /tmp/privcheck-suid && chmod 4755 /tmp/privcheck-suid
mkdir -p /tmp/privmnt
probe="grep -E '^(Cap|NoNewPrivs)' /proc/self/status; cat /proc/self/cgroup;
  $privcheck mount /tmp/privmnt; $privcheck as 65534 /tmp/privcheck-suid ids"

"$SABPF" run -q --name priv-default -o "jsonl:$OUT/exit3.jsonl" -- sh -c "$probe; exit 3" \
  >"$OUT/priv-default.txt" 2>"$OUT/priv-default.stderr"
rc=$?
if [ "$rc" -eq 3 ]; then ok "exit status 3 of CMD is passed on"; else not_ok "exit status: expected 3, got $rc: $(tail -3 "$OUT/priv-default.stderr")"; fi

"$SABPF" run -q --privileged --name priv-privileged -o "jsonl:$OUT/signal.jsonl" \
  -- sh -c "$probe; trap '' TERM; kill -KILL \$\$" >"$OUT/priv-privileged.txt" 2>"$OUT/priv-privileged.stderr"
rc=$?
# pid 1 of a pid namespace: the kernel drops the SIGKILL it sends itself (no
# handler, sent from inside), so kill returns 0, the shell goes on and exits
# with that 0, and sabpf passes it on (not 137, not its own failure 125)
if [ "$rc" -eq 0 ]; then ok "a CMD signalling itself exits 0 and sabpf passes that on"; else not_ok "CMD signalling itself: expected exit 0, got $rc"; fi

# field FILE NAME: the value of "NAME:" in a /proc/PID/status text
field() { awk -v k="$2:" '$1 == k { print $2 }' "$1"; }
# expect MODE WHAT EXPECTED GOT
expect() {
  if [ "$3" = "$4" ]; then ok "$1: $2 is $3"; else not_ok "$1: $2 is '$4', expected '$3'"; fi
}
d=$OUT/priv-default.txt
p=$OUT/priv-privileged.txt
for f in CapBnd CapPrm CapEff; do expect default "$f" "$docker_caps" "$(field "$d" "$f")"; done
for f in CapInh CapAmb; do expect default "$f" 0000000000000000 "$(field "$d" "$f")"; done
expect default NoNewPrivs 1 "$(field "$d" NoNewPrivs)"
expect default "the cgroup v2 line" "0::/" "$(grep '^0::' "$d")"
expect default "mount(2)" "mount: errno=1 EPERM" "$(grep '^mount:' "$d")"
expect default "a setuid-root binary run by nobody" "uid=65534 euid=65534" "$(grep '^uid=' "$d")"
grep '"action":"exec"' "$OUT/exit3.jsonl" | grep -q '"object":"/tmp/privcheck-suid"' &&
  ok "default: the exec of the setuid binary is in the capture" ||
  not_ok "default: no exec record of /tmp/privcheck-suid in exit3.jsonl"
[ "$full_caps" != "$docker_caps" ] && ok "this shell's bounding set ($full_caps) is more than Docker's" ||
  not_ok "this shell has only Docker's capabilities: the privileged control proves nothing"
for f in CapBnd CapPrm CapEff; do expect privileged "$f" "$full_caps" "$(field "$p" "$f")"; done
expect privileged NoNewPrivs 0 "$(field "$p" NoNewPrivs)"
expect privileged "the cgroup v2 line" "0::/sabpf/priv-privileged" "$(grep '^0::' "$p")"
expect privileged "mount(2)" "mount: ok" "$(grep '^mount:' "$p")"
expect privileged "a setuid-root binary run by nobody" "uid=65534 euid=0" "$(grep '^uid=' "$p")"
rm -f /tmp/privcheck-suid

# no container cgroup is left behind
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
left=$(find "$cg/sabpf" -mindepth 1 -type d 2>/dev/null | wc -l)
if [ "$left" -eq 0 ]; then ok "no container cgroup left under $cg/sabpf"; else not_ok "$left cgroups left under $cg/sabpf"; fi
exit "$fails"
