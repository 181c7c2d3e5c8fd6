#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 600
# 26-ipc.sh: System V IPC and POSIX message queues (record class ipc), and
# the opt-in class perm (inode_permission). One audited container runs
# tests/vm/progs/ipc for a message queue, a shared memory segment, a
# semaphore set and a POSIX queue between two processes, and leaves some
# objects for the end of its IPC namespace to free; the same runs again
# with --classes proc,file,net,sys (no ipc); then `cat` runs with
# --classes all,perm and with the default classes.
# tests/integration/test_ipc.py matches the records with the reports.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
ipc=$(dirname "$SABPF")/progs/ipc
[ -x "$ipc" ] || { not_ok "$ipc missing (make builds it)"; exit 1; }

# run_ipc NAME CLASSES: the whole exercise in one audited container
run_ipc() {
  "$SABPF" run --name "$1" --classes "$2" -o "prov:$OUT/$1.prov.json" -o "jsonl:$OUT/$1.jsonl" \
    -o "spade:$OUT/$1.spade.json" -o "dot:$OUT/$1.dot" -o "summary-json:$OUT/$1.summary.json" \
    -o "raw:$OUT/$1.raw" --stats "$OUT/$1.stats.json" -- sh -c "
      $ipc msg > $OUT/$1.msg.txt &&
      $ipc shm > $OUT/$1.shm.txt &&
      $ipc sem > $OUT/$1.sem.txt &&
      $ipc mq > $OUT/$1.mq.txt &&
      $ipc leave > $OUT/$1.leave.txt" >"$OUT/$1.stdout" 2>"$OUT/$1.stderr"
}

run_ipc ipc all
rc=$?
[ "$rc" -eq 0 ] && ok "ipc ran in an audited container" || not_ok "ipc exited $rc: $(tail -5 "$OUT/ipc.stderr")"
run_ipc noipc proc,file,net,sys
rc=$?
[ "$rc" -eq 0 ] && ok "ipc ran with --classes proc,file,net,sys" || not_ok "noipc exited $rc: $(tail -5 "$OUT/noipc.stderr")"

# inode_permission: only with the class perm named
for classes in all,perm all; do
  name=perm-$(echo "$classes" | tr , _)
  "$SABPF" run --name "$name" --classes "$classes" -o "prov:$OUT/$name.prov.json" \
    -o "jsonl:$OUT/$name.jsonl" --stats "$OUT/$name.stats.json" -- cat /etc/hostname \
    >"$OUT/$name.stdout" 2>"$OUT/$name.stderr"
  rc=$?
  [ "$rc" -eq 0 ] && ok "cat ran with --classes $classes" || not_ok "cat with --classes $classes exited $rc"
done
exit "$fails"
