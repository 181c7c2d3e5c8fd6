#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 17-trace-ns.sh: `sabpf run --backend trace` natively, credentials and
# namespaces. In the container (Docker's default capabilities): setpriv
# drops to uid 1234 / gid 4321 with no groups (setgroups, setgid, setuid),
# then tries to get uid 0 back (EPERM: the negative control, no record);
# setpriv drops every inheritable capability (capset). In a user and
# network namespace of its own (unshare -Urn: the container has no
# CAP_SYS_ADMIN over the host's): a child unshares a netns of its own
# (unshare -n), a second joins it (nsenter -n: setns with an nsfs
# descriptor), and a raw clone and a clone3 with CLONE_NEWNET|CLONE_NEWUTS
# (python's ctypes) make children in new namespaces. Outside the container,
# meanwhile, the host unshares a netns twenty times (the outsider: it must
# be absent). Each step writes what it saw (ids, namespaces) into ns.txt.
# Checked by tests/native/test_trace_ns.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
w=$(mktemp -d /tmp/sabpf-native.XXXXXX)
chmod 755 "$w"
echo "$w" >"$OUT/workdir"
: >"$w/ns.txt" && chmod 666 "$w/ns.txt"
cat >"$w/clone.py" <<'PY'
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
NEWNET, NEWUTS, SIGCHLD = 0x40000000, 0x04000000, 17
out = sys.argv[1]
def child(tag):
    with open(out, "a") as f:
        f.write(f"{tag} pid={os.getpid()} net={os.readlink('/proc/self/ns/net')} uts={os.readlink('/proc/self/ns/uts')}\n")
    os._exit(0)
pid = libc.syscall(56, NEWNET | NEWUTS | SIGCHLD, 0, 0, 0, 0)  # clone(2), fork-like
if pid == 0:
    child("clone")
assert pid > 0, ctypes.get_errno()
os.waitpid(pid, 0)
args = ctypes.create_string_buffer(struct.pack("11Q", NEWNET | NEWUTS, 0, 0, 0, SIGCHLD, 0, 0, 0, 0, 0, 0), 88)
pid = libc.syscall(435, args, 88)  # clone3(2)
if pid == 0:
    child("clone3")
assert pid > 0, ctypes.get_errno()
os.waitpid(pid, 0)
PY

# the outsider: the host's own unshares, in no audited cgroup
(i=0; while [ $i -lt 20 ]; do unshare -n true; sleep 0.05; i=$((i + 1)); done) &
outsider=$!

"$SABPF" run --backend trace --name native-ns \
  -o "jsonl:$OUT/run.jsonl" -o "prov:$OUT/run.prov.json" \
  --stats "$OUT/stats.json" -- sh -c '
    w=$1
    setpriv --regid 4321 --reuid 1234 --clear-groups sh -c "
      echo \"setpriv uid=\$(id -u) gid=\$(id -g)\" >>$w/ns.txt
      setpriv --reuid 0 true 2>/dev/null && echo regained >>$w/ns.txt
      exit 0" || exit 3
    setpriv --inh-caps=-all true || exit 4
    unshare -Urn sh -c "
      echo \"userns pid=\$\$ net=\$(readlink /proc/self/ns/net)\" >>$w/ns.txt
      unshare -n sh -c \"echo unshared pid=\\\$\\\$ net=\\\$(readlink /proc/self/ns/net) >>$w/ns.txt; sleep 5\" &
      i=0; while ! grep -q ^unshared $w/ns.txt && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i + 1)); done
      p=\$(sed -n \"s/^unshared pid=\\([0-9]*\\).*/\\1/p\" $w/ns.txt)
      nsenter -t \$p -n sh -c \"echo joined pid=\\\$\\\$ net=\\\$(readlink /proc/self/ns/net) >>$w/ns.txt\" || exit 5
      kill %1
      /usr/bin/python3 $w/clone.py $w/ns.txt || exit 6
      exit 0" || exit 5
    exit 0' sh "$w" >"$OUT/stdout" 2>"$OUT/stderr"
echo $? >"$OUT/rc"
wait "$outsider"

[ "$(cat "$OUT/rc")" = 0 ] && ok "the namespace workload ran" ||
  not_ok "run exited $(cat "$OUT/rc"): $(tail -3 "$OUT/stderr")"
[ -s "$OUT/run.prov.json" ] && ok "a PROV-JSON capture" || not_ok "no PROV-JSON capture"
cp "$w/ns.txt" "$OUT/ns.txt" 2>/dev/null
for tag in setpriv userns unshared joined clone clone3; do
  grep -q "^$tag " "$OUT/ns.txt" 2>/dev/null && ok "the $tag step reported" || not_ok "no $tag line in ns.txt"
done
grep -q '^regained' "$OUT/ns.txt" && not_ok "setuid(0) after dropping root succeeded" ||
  ok "setuid(0) after dropping root failed (negative control)"
rm -rf "$w"
[ "$fails" -eq 0 ]
