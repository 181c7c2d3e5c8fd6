#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 300
# 70-workload.sh: the end-to-end workload of issue 3. A shell script, run in
# one audited container (with its own network namespace), creates, writes,
# renames, reads and deletes files, pipes between processes, execs, and
# moves two secrets through sockets:
#   flow 1: sh writes a -> mv a b -> dd reads b -> pipe -> sh reads it and
#           execs flowhelp with it -> TCP over loopback -> flowhelp writes
#           tcp.out -> read -> unix stream socket -> unix.out -> read -> UDP
#           over loopback -> udp.out
#   flow 2: sh writes secret2 -> flowhelp opens it and passes the descriptor
#           over a unix socket -> flowhelp receives it, reads through it and
#           writes fd.out
# The main shell itself opens no file of the flows (ash opens a command's
# redirections in the shell, so flowhelp opens its input files itself), so
# it is a pure source of its children and the flows stay apart. dd, not cat,
# reads b: busybox cat copies with sendfile, and the kernel calls no LSM hook
# for a pipe that sendfile or splice writes into (motif sendfile_pipe,
# pending); its report goes to a file of its own, not to /dev/null, which
# every background job opens. And, first, an unrelated flow kept inside one subshell (unrelated ->
# unrelated.copy) that reaches neither sink.
# tests/integration/test_workload.py checks, on the captured graph, that
# every flow can be followed from its source to its sink, and more.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
flowhelp=$(dirname "$SABPF")/progs/flowhelp
[ -x "$flowhelp" ] || { not_ok "$flowhelp missing (make builds it)"; exit 1; }

W=/tmp/wl
rm -rf "$W" && mkdir -p "$W"
cat >"$W/workload.sh" <<EOF
set -e
H=$flowhelp
W=$W
sh -c 'echo unrelated > \$0/unrelated; cat \$0/unrelated > \$0/unrelated.copy' "\$W"
# flow 1
sh -c 'echo s3cret-1 > \$0/a' "\$W"
mv "\$W/a" "\$W/b"
"\$H" tcp-recv 6200 "\$W/tcp.out" &
"\$H" await "\$W/tcp.out.ready"
dd if="\$W/b" 2>"\$W/dd.log" | sh -c 'read x; exec "\$0" tcp-send 6200 "\$x"' "\$H"
wait
"\$H" unix-recv "\$W/u.sock" "\$W/unix.out" &
"\$H" await "\$W/u.sock.ready"
"\$H" unix-send "\$W/u.sock" "\$W/tcp.out"
wait
"\$H" udp-recv 6201 "\$W/udp.out" &
"\$H" await "\$W/udp.out.ready"
"\$H" udp-send 6201 "\$W/unix.out"
wait
# flow 2
sh -c 'echo s3cret-2 > \$0/secret2' "\$W"
"\$H" fd-recv "\$W/fd.sock" "\$W/fd.out" &
"\$H" await "\$W/fd.sock.ready"
"\$H" fd-send "\$W/fd.sock" "\$W/secret2"
wait
rm "\$W/b"
EOF
cp "$W/workload.sh" "$OUT/workload.sh"

"$SABPF" run --net --name workload -o "prov:$OUT/capture.prov.json" -o "jsonl:$OUT/capture.jsonl" \
  --stats "$OUT/stats.json" -- sh "$W/workload.sh" >"$OUT/stdout" 2>"$OUT/stderr"
rc=$?
if [ "$rc" -eq 0 ]; then
  ok "the workload ran in an audited container"
else
  not_ok "sabpf run -- sh workload.sh exited $rc: $(tail -5 "$OUT/stderr")"
fi
for f in udp.out fd.out unrelated.copy; do
  cp "$W/$f" "$OUT/$f" 2>/dev/null
done
[ "$(cat "$W/udp.out" 2>/dev/null)" = s3cret-1 ] && ok "secret 1 reached udp.out" ||
  not_ok "udp.out holds '$(cat "$W/udp.out" 2>/dev/null)'"
[ "$(cat "$W/fd.out" 2>/dev/null)" = s3cret-2 ] && ok "secret 2 reached fd.out" ||
  not_ok "fd.out holds '$(cat "$W/fd.out" 2>/dev/null)'"
[ ! -e "$W/b" ] && ok "b was deleted" || not_ok "b still exists"
exit "$fails"
