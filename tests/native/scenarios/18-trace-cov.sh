#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 60
# 18-trace-cov.sh: link, linkat, pipe, pipe2, sendmmsg and recvmmsg under
# `sabpf run --backend trace`, in one Python program (ctypes for the calls
# Python does not make): a hard link by name, one by linkat of an open
# descriptor (AT_EMPTY_PATH), a link that fails (EEXIST: the negative
# control, no record), a pipe and a pipe2 never read or written, a pipe
# made on the host meanwhile (outside the container: no node), two
# UDP datagrams of 5 and 7 bytes sent by one sendmmsg and received by one
# recvmmsg, and a sendmmsg that fails (port 0: EINVAL, no send edge). Checked by tests/native/test_trace_cov.py.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
w=$(mktemp -d /tmp/sabpf-native.XXXXXX)
trap 'rm -rf "$w"' EXIT
cat >"$OUT/cov.py" <<'PY'
import ctypes, os, socket, sys, time
w = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
out = {}
with open(f"{w}/a.data", "w") as f:
    f.write("x")
os.link(f"{w}/a.data", f"{w}/b.link")                       # link
fd = os.open(f"{w}/a.data", os.O_RDONLY)
AT_FDCWD, AT_EMPTY_PATH = -100, 0x1000
rc = libc.linkat(fd, b"", AT_FDCWD, f"{w}/c.link".encode(), AT_EMPTY_PATH)
out["linkat_fd"] = rc
try:
    os.link(f"{w}/a.data", f"{w}/b.link")                   # EEXIST
except FileExistsError:
    out["eexist"] = 1
fds = (ctypes.c_int * 2)()
out["pipe"] = libc.syscall(22, fds)                          # pipe
out["pipe_ino"] = os.fstat(fds[0]).st_ino
r, _ = os.pipe()                                             # pipe2
out["pipe2_ino"] = os.fstat(r).st_ino
# the outsider (on the host, in no audited cgroup) makes its pipe now
open(f"{w}/go", "w").close()
for _ in range(200):
    if os.path.exists(f"{w}/outside_ino"):
        break
    time.sleep(0.05)
out["outside_ino"] = open(f"{w}/outside_ino").read().strip()

class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]
class mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", msghdr), ("len", ctypes.c_uint)]
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", 0))
port = rx.getsockname()[1]
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dest = ctypes.create_string_buffer(
    socket.AF_INET.to_bytes(2, "little") + port.to_bytes(2, "big") + bytes([127, 0, 0, 1]) + bytes(8), 16)
bufs = [ctypes.create_string_buffer(b"five!", 5), ctypes.create_string_buffer(b"seven!!", 7)]
iovs = [iovec(ctypes.cast(b, ctypes.c_void_p), len(b)) for b in bufs]
vec = (mmsghdr * 2)()
for i in range(2):
    vec[i].hdr.name = ctypes.cast(dest, ctypes.c_void_p)
    vec[i].hdr.namelen = 16
    vec[i].hdr.iov = ctypes.pointer(iovs[i])
    vec[i].hdr.iovlen = 1
out["sendmmsg"] = libc.syscall(307, tx.fileno(), vec, 2, 0)
rbufs = [ctypes.create_string_buffer(64) for _ in range(2)]
riovs = [iovec(ctypes.cast(b, ctypes.c_void_p), 64) for b in rbufs]
rvec = (mmsghdr * 2)()
for i in range(2):
    rvec[i].hdr.iov = ctypes.pointer(riovs[i])
    rvec[i].hdr.iovlen = 1
out["recvmmsg"] = libc.syscall(299, rx.fileno(), rvec, 2, 0x40, None)  # MSG_WAITFORONE
out["recv_bytes"] = sum(rvec[i].len for i in range(out["recvmmsg"]))
bad = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)               # port 0: EINVAL
zero = ctypes.create_string_buffer(socket.AF_INET.to_bytes(2, "little") + bytes([0, 0, 127, 0, 0, 1]) + bytes(8), 16)
vec[0].hdr.name = ctypes.cast(zero, ctypes.c_void_p)
out["bad_sendmmsg"] = libc.syscall(307, bad.fileno(), vec, 1, 0)
out["bad_ino"] = os.fstat(bad.fileno()).st_ino
out["port"] = port
print(" ".join(f"{k}={v}" for k, v in out.items()))
PY
# the outsider: a pipe made on the host while the program runs
/usr/bin/python3 -c '
import os, sys, time
w = sys.argv[1]
for _ in range(200):
    if os.path.exists(f"{w}/go"):
        break
    time.sleep(0.05)
r, _ = os.pipe()
with open(f"{w}/outside_ino.tmp", "w") as f:
    f.write(str(os.fstat(r).st_ino))
os.rename(f"{w}/outside_ino.tmp", f"{w}/outside_ino")' "$w" &
outsider=$!
"$SABPF" run --backend trace -o "prov:$OUT/cov.prov.json" -o "jsonl:$OUT/cov.jsonl" \
  -- /usr/bin/python3 "$OUT/cov.py" "$w" >"$OUT/stdout" 2>"$OUT/stderr"
rc=$?
wait "$outsider"
echo "$w" >"$OUT/workdir"
[ "$rc" -eq 0 ] && ok "the program ran under the agent" || not_ok "run exited $rc: $(tail -3 "$OUT/stderr")"
grep -q 'linkat_fd=0 eexist=1 pipe=0' "$OUT/stdout" && ok "links and pipes made" ||
  not_ok "calls failed: $(cat "$OUT/stdout")"
grep -q 'sendmmsg=2 recvmmsg=2 recv_bytes=12 bad_sendmmsg=-1' "$OUT/stdout" && ok "two datagrams through mmsg calls" ||
  not_ok "mmsg calls: $(cat "$OUT/stdout")"
[ "$fails" -eq 0 ]
