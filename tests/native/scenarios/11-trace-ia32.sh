#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 90
# 11-trace-ia32.sh: ia32 system calls (int $0x80) under `sabpf run
# --backend trace`. build/progs/int80 makes one call of each kind the
# backend records (files, names, attributes, maps, a pipe, sockets by
# socketcall and by the direct calls, sendmsg and sendmmsg with their
# 32-bit layouts, a vfork-like clone, setresuid32) on files of its own
# directory and UDP ports the container listens on (`cover`), and its twin
# makes the same calls by their x86_64 numbers in another directory
# (`cover64`). tests/native/test_trace_ia32.py expects the same records
# from both. The negative control runs `cover` again with the ia32 table
# left out (SABPF_TRACE_IA32=0, the backend as it was before it): the
# same checks must then fail.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
int80="$(dirname "$SABPF")/progs/int80"
mkdir -p "$OUT"
cat >"$OUT/ia32.py" <<'PY'
import socket, subprocess, sys
prog, modes = sys.argv[1], sys.argv[2:]
socks = []
for _ in range(5):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
ports = [str(s.getsockname()[1]) for s in socks]
print("ports=" + ",".join(ports))
for mode in modes:  # mode:DIR
    name, d = mode.split(":", 1)
    r = subprocess.run([prog, name, d] + ports)
    if r.returncode:
        sys.exit(f"{name} exited {r.returncode}")
got = []
for i, s in enumerate(socks):
    s.setblocking(False)
    try:
        while True:
            got.append(f"{i + 1}:{len(s.recv(100))}")
    except BlockingIOError:
        pass
print("got=" + ",".join(sorted(got)))
PY
# run_one NAME MODE...: one agent run of the program, each MODE (cover,
# cover64) in its own directory $w/MODE; artifacts in $OUT/NAME
run_one() {
  name=$1
  out=$OUT/$name
  shift
  mkdir -p "$out"
  w=$(mktemp -d /tmp/sabpf-ia32.XXXXXX)
  echo "$w" >"$out/workdir"
  modes=""
  for m in "$@"; do
    mkdir "$w/$m"
    modes="$modes $m:$w/$m"
  done
  # shellcheck disable=SC2086 # one word per mode
  "$SABPF" run --backend trace --name native-ia32 -o "prov:$out/run.prov.json" \
    --stats "$out/stats.json" -- /usr/bin/python3 "$OUT/ia32.py" "$int80" $modes \
    >"$out/stdout" 2>"$out/stderr"
  rc=$?
  rm -rf "$w"
  [ "$rc" -eq 0 ] && ok "$name: the program ran under the agent" ||
    not_ok "$name: run exited $rc: $(tail -3 "$out/stderr")"
  # what the listeners got: 13 and 31 bytes on port 1, 17 on 2, 19 on 3,
  # 23 on 4, 29 on 5, from each mode
  want=$(for m in "$@"; do printf '1:13\n1:31\n2:17\n3:19\n4:23\n5:29\n'; done | sort | paste -sd,)
  grep -qx "got=$want" "$out/stdout" && ok "$*: every datagram arrived" ||
    not_ok "$*: datagrams: $(grep got= "$out/stdout"), want $want"
}
run_one run cover cover64
export SABPF_TRACE_IA32=0
run_one no-ia32 cover
unset SABPF_TRACE_IA32
[ "$fails" -eq 0 ]
