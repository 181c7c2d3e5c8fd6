#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# capture-guest.sh: records the golden capture inside the test VM (run by
# tests/golden/update.sh through tests/vm/run.sh --script). A small workload
# that touches every node kind the outputs render: files written, renamed,
# read and removed, a pipe, exec with argv, a TCP and a UDP exchange over
# loopback, a unix socket, and a child process tree. --privileged:
# `ip link set lo up` needs CAP_NET_ADMIN, which a default container lacks.
"$SABPF" run --privileged --net -o "raw:$OUT/workload.raw" -- sh -c '
  echo one > /tmp/a; cat /tmp/a | tr o 0 > /tmp/b; mv /tmp/b /tmp/c
  ls -l /tmp > /dev/null; rm /tmp/a
  ip link set lo up
  (nc -l -p 7000 > /tmp/tcp-in &) ; sleep 0.3; echo hello | nc 127.0.0.1 7000; sleep 0.3
  (nc -u -l -p 7001 > /tmp/udp-in &) ; sleep 0.3; echo dgram | nc -u -w 1 127.0.0.1 7001
  (nc -lU /tmp/sock > /tmp/unix-in &) ; sleep 0.3; echo local | nc -U /tmp/sock; sleep 0.3
  sh -c "exit 3"; true' 
rc=$?
if [ "$rc" -eq 0 ] && [ -s "$OUT/workload.raw" ]; then
  echo "ok - golden workload recorded ($(wc -c <"$OUT/workload.raw") bytes)"
else
  echo "not ok - sabpf run exited $rc"
  exit 1
fi
