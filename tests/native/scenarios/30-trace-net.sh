#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 30-trace-net.sh: sockets under `sabpf run --backend trace`: a TCP server
# and client over loopback (bind, listen, connect, send, accept, recv) and a
# UDP datagram, in one Python program (server in the parent, client in a
# forked child). Checked by tests/native/test_trace_net.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
cat >"$OUT/net.py" <<'PY'
import os, socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
port = srv.getsockname()[1]
pid = os.fork()
if pid == 0:
    c = socket.socket()
    c.connect(("127.0.0.1", port))
    c.sendall(b"hello-net")
    c.close()
    os._exit(0)
conn, peer = srv.accept()
data = conn.recv(100)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"dgram", ("127.0.0.9", 9))
os.waitpid(pid, 0)
print(f"port={port} peer={peer[1]} client={pid} data={data.decode()}")
PY
"$SABPF" run --backend trace -o "prov:$OUT/net.prov.json" -o "jsonl:$OUT/net.jsonl" \
  --stats "$OUT/stats.json" -- /usr/bin/python3 "$OUT/net.py" >"$OUT/stdout" 2>"$OUT/stderr"
rc=$?
[ "$rc" -eq 0 ] && ok "the network program ran under the agent" || not_ok "run exited $rc: $(tail -3 "$OUT/stderr")"
grep -q 'data=hello-net' "$OUT/stdout" && ok "the data went through" || not_ok "no data: $(cat "$OUT/stdout")"
[ "$fails" -eq 0 ]
