#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 45-trace-netpol.sh: a network policy enforced without BPF LSM, by the
# cgroup-bpf programs of bpf/policy.bpf.c (`sabpf policy apply` on a host
# where only the trace backend runs, or --backend trace). In a cgroup of
# its own under the policy (deny by default; egress to one port on
# 127.0.0.1 and ::1; bind on that port): the allowed connect succeeds; a
# denied connect (IPv4, IPv6, IPv4-mapped IPv6, TCP Fast Open sendto, UDP), UDP
# sendto, sendmsg and sendmmsg, io_uring connect and sendmsg, bind (IPv4,
# IPv6) and a raw socket fail with EPERM,
# and each denial is in `sabpf policy log --follow`, named by its rule; a
# child cgroup made after the policy was applied inherits it; a sibling
# cgroup outside it does everything the policy denies (negative control),
# and so does the cgroup once the policy is removed. A policy with a files
# section is refused with its file:line:column and "needs the BPF LSM
# backend", and leaves nothing attached. Self-checking (no pytest file).

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -z "$root" ]; then
  not_ok "no cgroup2 mount"
  exit 1
fi
base=$root/sabpf-netpol-$$
sib=$root/sabpf-netpol-sib-$$
child=$base/child
server_pid="" log_pid=""
cleanup() {
  [ -n "$log_pid" ] && kill "$log_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  "$SABPF" policy remove --cgroup "$base" >/dev/null 2>&1
  "$SABPF" policy remove --cgroup "$sib" >/dev/null 2>&1
  rmdir "$child" "$base" "$sib" 2>/dev/null
}
trap cleanup EXIT INT TERM
mkdir -p "$base" "$sib" || {
  not_ok "cannot make cgroups under $root"
  exit 1
}

# Two ports the kernel picks free on 127.0.0.1 and ::1: the policy allows
# the first and denies the second; a server outside the cgroups listens on
# both, so a connect that is not refused by the policy succeeds.
cat >"$OUT/server.py" <<'PY'
import socket, select, sys
def pair():
    while True:
        a = socket.socket(socket.AF_INET)
        a.bind(("127.0.0.1", 0))
        port = a.getsockname()[1]
        b = socket.socket(socket.AF_INET6)
        try:
            b.bind(("::1", port))
        except OSError:
            continue
        return port, [a, b]
okp, ls = pair()
nop, more = pair()
ls += more
for s in ls:
    s.listen(64)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{okp} {nop}\n")
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    for s in select.select(ls, [], [])[0]:
        s.accept()[0].close()
PY
/usr/bin/python3 "$OUT/server.py" "$OUT/server.ready" &
server_pid=$!
for _ in $(seq 50); do [ -s "$OUT/server.ready" ] && break; sleep 0.1; done
read -r okp nop <"$OUT/server.ready" || {
  not_ok "the server did not start"
  exit 1
}

cat >"$OUT/policy.yaml" <<EOF
version: 1
mode: enforce
target:
  cgroup: $base
network:
  default: deny
  egress:
    - {ports: [$okp], addresses: [127.0.0.1, "::1"]}
  bind: [$okp]
EOF
# the probe: one line per attempt, "NAME ok" or "NAME ERRNO"
cat >"$OUT/probe.py" <<PY
import errno, socket, sys
OK, NO = $okp, $nop
def attempt(name, f):
    try:
        f()
        print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode.get(e.errno, e.errno))
def connect(fam, host, port):
    s = socket.socket(fam)
    s.settimeout(2)
    try:
        s.connect((host, port))
    finally:
        s.close()
def tfo(port):
    s = socket.socket()
    try:
        s.sendto(b"x", socket.MSG_FASTOPEN, ("127.0.0.1", port))
    finally:
        s.close()
def bind(fam, host, port):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.bind((host, port))
    finally:
        s.close()
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
attempt("connect4-allowed", lambda: connect(socket.AF_INET, "127.0.0.1", OK))
attempt("connect4-denied", lambda: connect(socket.AF_INET, "127.0.0.1", NO))
attempt("connect6-allowed", lambda: connect(socket.AF_INET6, "::1", OK))
attempt("connect6-denied", lambda: connect(socket.AF_INET6, "::1", NO))
attempt("mapped-allowed", lambda: connect(socket.AF_INET6, "::ffff:127.0.0.1", OK))
attempt("mapped-denied", lambda: connect(socket.AF_INET6, "::ffff:127.0.0.1", NO))
attempt("tfo-denied", lambda: tfo(NO))
attempt("udp4-allowed", lambda: u4.sendto(b"x", ("127.0.0.1", OK)))
attempt("udp-connect-denied", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(("127.0.0.1", NO)))
attempt("udp4-denied", lambda: u4.sendto(b"x", ("127.0.0.1", NO)))
attempt("udp4-sendmsg-denied", lambda: u4.sendmsg([b"x"], [], 0, ("127.0.0.1", NO)))
attempt("udp6-denied", lambda: u6.sendto(b"x", ("::1", NO)))
attempt("udp6-mapped-denied", lambda: u6.sendto(b"x", ("::ffff:127.0.0.1", NO)))
attempt("bind4-allowed", lambda: bind(socket.AF_INET, "127.0.0.1", OK))
attempt("bind4-denied", lambda: bind(socket.AF_INET, "127.0.0.1", NO))
attempt("bind6-denied", lambda: bind(socket.AF_INET6, "::1", NO))
attempt("raw-denied", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close())
attempt("unix-allowed", lambda: socket.socket(socket.AF_UNIX).close())
PY
# runs the probe in cgroup $1, output in $OUT/$2.txt; then io_uring and
# sendmmsg through build/progs/policyprobe ("OP ARGS: ok" or ": errno=N NAME")
pp=$(dirname "$SABPF")/progs/policyprobe
probe() {
  /bin/sh -c 'echo $$ >"$1/cgroup.procs" && /usr/bin/python3 "$2" &&
    for op in uring-connect uring-sendmsg sendmmsg; do "$3" $op 127.0.0.1 "$4"; done &&
    "$3" uring-connect 127.0.0.1 "$5"' sh "$1" "$OUT/probe.py" "$pp" "$nop" "$okp" \
    >"$OUT/$2.txt" 2>"$OUT/$2.err"
}
# expect FILE "NAME RESULT"...: every line is in FILE
expect() {
  f=$1
  shift
  for want in "$@"; do
    grep -qx "$want" "$f" || return 1
  done
}

"$SABPF" policy apply --cgroup "$base" "$OUT/policy.yaml" >"$OUT/apply.out" 2>"$OUT/apply.err"
rc=$?
[ "$rc" -eq 0 ] && ok "network policy applied" || not_ok "apply: rc $rc: $(cat "$OUT/apply.err")"
"$SABPF" policy show >"$OUT/show.txt" 2>&1
grep -A1 "^$base " "$OUT/show.txt" | grep -q "hooks: .*connect4 connect6 sendmsg4 sendmsg6 bind4 bind6 sock_create" &&
  ok "the cgroup-bpf hooks are attached" || not_ok "policy show: $(cat "$OUT/show.txt")"
mkdir "$child" # made after the policy was applied

"$SABPF" policy log --follow >"$OUT/log.jsonl" 2>"$OUT/log.err" &
log_pid=$!
for _ in $(seq 50); do grep -q "following every denial" "$OUT/log.err" && break; sleep 0.1; done

probe "$base" in
expect "$OUT/in.txt" "connect4-allowed ok" "connect6-allowed ok" "mapped-allowed ok" "udp4-allowed ok" \
  "bind4-allowed ok" "unix-allowed ok" "uring-connect 127.0.0.1 $okp: ok" &&
  ok "allowed connects (IPv4, IPv6, IPv4-mapped, io_uring), sendto, bind and a unix socket succeed" ||
  not_ok "allowed: $(cat "$OUT/in.txt" "$OUT/in.err")"
denied="uring-connect 127.0.0.1 $nop: errno=1 EPERM|uring-sendmsg 127.0.0.1 $nop: errno=1 EPERM|sendmmsg 127.0.0.1 $nop: errno=1 EPERM|connect4-denied EPERM|connect6-denied EPERM|mapped-denied EPERM|tfo-denied EPERM|udp4-denied EPERM|udp-connect-denied EPERM|udp4-sendmsg-denied EPERM|udp6-denied EPERM|udp6-mapped-denied EPERM|bind4-denied EPERM|bind6-denied EPERM|raw-denied EPERM"
# shellcheck disable=SC2086 # split on | on purpose
(IFS='|' && expect "$OUT/in.txt" $denied) &&
  ok "denied: connect (IPv4, IPv6, mapped, Fast Open, io_uring), UDP sendto/sendmsg/sendmmsg (also io_uring), bind, raw socket: EPERM" ||
  not_ok "denied: $(cat "$OUT/in.txt" "$OUT/in.err")"
# negative control of the check itself: a mutated expectation fails
! expect "$OUT/in.txt" "connect4-denied ok" && ok "a mutated expectation fails the check" ||
  not_ok "expect accepted connect4-denied ok"

probe "$child" child
# shellcheck disable=SC2086
(IFS='|' && expect "$OUT/child.txt" "connect4-allowed ok" $denied) &&
  ok "a child cgroup made after the policy inherits it" || not_ok "child: $(cat "$OUT/child.txt" "$OUT/child.err")"
probe "$sib" sib
expect "$OUT/sib.txt" "connect4-denied ok" "connect6-denied ok" "mapped-denied ok" "udp4-denied ok" \
  "udp-connect-denied ok" "udp6-denied ok" "bind4-denied ok" "bind6-denied ok" "raw-denied ok" "uring-connect 127.0.0.1 $nop: ok" \
  "uring-sendmsg 127.0.0.1 $nop: ok" "sendmmsg 127.0.0.1 $nop: ok" &&
  ok "an unaudited sibling cgroup does what the policy denies (negative control)" ||
  not_ok "sibling: $(cat "$OUT/sib.txt" "$OUT/sib.err")"

sleep 0.5
kill "$log_pid" 2>/dev/null
wait "$log_pid" 2>/dev/null
log_pid=""
bid=$(stat -c %i "$base")
cid=$(stat -c %i "$child")
sid=$(stat -c %i "$sib")
has() { grep -F "\"container\":$bid," "$OUT/log.jsonl" | grep -F "\"cgroup_id\":$1," | grep -qF "$2"; }
has "$bid" "\"action\":\"denied\",\"operation\":\"connect\",\"rule_id\":131071,\"rule\":\"network.default\"" &&
  has "$bid" "\"address\":\"127.0.0.1\",\"port\":$nop,\"result\":\"EPERM\"" &&
  has "$bid" "\"address\":\"::1\",\"port\":$nop" &&
  [ "$(grep -F "\"cgroup_id\":$bid," "$OUT/log.jsonl" | grep -cF "\"operation\":\"connect\"")" -eq 6 ] &&
  ok "denied connects are in the policy log (rule network.default, address, port, EPERM)" ||
  not_ok "connect denial not in the log: $(head -c 600 "$OUT/log.jsonl")"
[ "$(grep -F "\"cgroup_id\":$bid," "$OUT/log.jsonl" | grep -cF "\"operation\":\"sendmsg\"")" -eq 6 ] &&
  ok "the six denied datagrams are in the log as sendmsg" ||
  not_ok "sendmsg denials: $(grep -F sendmsg "$OUT/log.jsonl" | head -c 600)"
[ "$(grep -F "\"cgroup_id\":$bid," "$OUT/log.jsonl" | grep -cF "\"operation\":\"bind\",\"rule_id\":196607")" -eq 2 ] &&
  has "$bid" "\"operation\":\"socket_create\",\"rule_id\":131067,\"rule\":\"network.unhooked\"" &&
  ok "denied binds and the raw socket are in the log" || not_ok "bind/raw denials: $(head -c 900 "$OUT/log.jsonl")"
has "$cid" "\"address\":\"127.0.0.1\",\"port\":$nop,\"result\":\"EPERM\"" &&
  ok "the child's denial is logged under the policy's cgroup" || not_ok "no child denial in the log"
! grep -qF "\"port\":$okp," "$OUT/log.jsonl" && ! grep -qF "\"cgroup_id\":$sid," "$OUT/log.jsonl" &&
  ok "no record of allowed operations or of the sibling" || not_ok "unexpected records in the log"

# a rule that needs BPF LSM: refused, naming where, nothing attached
cat >"$OUT/files.yaml" <<EOF
version: 1
target:
  cgroup: $sib
network:
  default: deny
files:
  default: r
EOF
"$SABPF" policy apply --cgroup "$sib" "$OUT/files.yaml" >"$OUT/files.out" 2>"$OUT/files.err"
rc=$?
[ "$rc" -ne 0 ] &&
  grep -q "^sabpf policy apply: $OUT/files.yaml:7:12: files needs the BPF LSM backend (lsm); this host runs trace: " "$OUT/files.err" &&
  ok "a files rule is refused with file:line and the reason" || not_ok "files policy: rc $rc: $(cat "$OUT/files.err")"
"$SABPF" policy show >"$OUT/show2.txt" 2>&1
! grep -q "^$sib " "$OUT/show2.txt" && [ ! -e "/sys/fs/bpf/sabpf/policy/links/$sid" ] &&
  ok "the refused policy left nothing attached" || not_ok "something attached to $sib: $(cat "$OUT/show2.txt")"
probe "$sib" sib2
expect "$OUT/sib2.txt" "connect4-denied ok" && ok "the sibling still connects anywhere" || not_ok "sib2: $(cat "$OUT/sib2.txt")"

"$SABPF" policy remove --cgroup "$base" >/dev/null 2>&1
probe "$base" removed
expect "$OUT/removed.txt" "connect4-denied ok" "udp4-denied ok" "raw-denied ok" &&
  ok "with the policy removed the cgroup connects again (negative control)" ||
  not_ok "after remove: $(cat "$OUT/removed.txt" "$OUT/removed.err")"
[ "$fails" -eq 0 ]
