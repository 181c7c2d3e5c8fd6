# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""unix.py: the workload of tests/native/scenarios/35-trace-unix.sh: unix
sockets with path-named and abstract addresses (two of the longest size),
through bind, connect, sendto and sendmsg (argv[1]: the work directory, argv[2]: a tag for the
abstract names). A socketpair (no address at all) is the negative control."""

import os
import socket
import sys

w, tag = sys.argv[1], sys.argv[2]

# stream, path-named: bind + listen, connect, accept, send
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(f"{w}/stream.sock")
srv.listen(1)
cli = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
cli.connect(f"{w}/stream.sock")
conn, _ = srv.accept()
cli.send(b"over-stream")
assert conn.recv(100) == b"over-stream"

# datagram, abstract: bind, then sendto from another socket
abs_rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
abs_rx.bind(f"\0{tag}-abstract")
tx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
tx.sendto(b"to-abstract", f"\0{tag}-abstract")
assert abs_rx.recv(100) == b"to-abstract"

# datagram, path-named: sendmsg with an address, twice (the repeat links
# nothing new), then sendto another path of the same directory
dg_rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
dg_rx.bind(f"{w}/dgram.sock")
tx.sendmsg([b"to-path"], [], 0, f"{w}/dgram.sock")
assert dg_rx.recv(100) == b"to-path"
tx.sendmsg([b"to-path"], [], 0, f"{w}/dgram.sock")
assert dg_rx.recv(100) == b"to-path"
dg2_rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
dg2_rx.bind(f"{w}/dgram2.sock")
tx.sendto(b"to-path2", f"{w}/dgram2.sock")
assert dg2_rx.recv(100) == b"to-path2"

# datagram, two abstract names of the longest size (107 bytes after the
# NUL) that differ in their last byte only
longs = [f"{tag}-long-".ljust(106, "x") + end for end in "ab"]
long_rx = []
for name in longs:
    rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rx.bind(f"\0{name}")
    long_rx.append(rx)
for name, rx in zip(longs, long_rx):
    tx.sendto(b"to-long", f"\0{name}")
    assert rx.recv(100) == b"to-long"

# the negative control: a socketpair has no address
a, b = socket.socketpair()
a.send(b"pair")
assert b.recv(100) == b"pair"
print("unix ok")
