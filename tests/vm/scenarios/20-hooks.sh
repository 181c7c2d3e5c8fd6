#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 240
# 20-hooks.sh: one container runs tests/vm/progs/exercise, which makes the
# system calls behind every hook of the core engine (files, names, process
# life, credentials, IPv4/IPv6/unix sockets) and prints what it did;
# tests/integration/test_hooks.py matches each record's fields with that.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
exercise=$(dirname "$SABPF")/progs/exercise
[ -x "$exercise" ] || { not_ok "$exercise missing (make builds it)"; exit 1; }

rm -rf /tmp/ex && mkdir -p /tmp/ex
"$SABPF" run --net --name hooks -o "prov:$OUT/capture.prov.json" -o "jsonl:$OUT/capture.jsonl" \
  -o "raw:$OUT/capture.raw" --stats "$OUT/stats.json" -- sh -c "
    $exercise files /tmp/ex > $OUT/files.txt &&
    $exercise net 5000 > $OUT/net.txt &&
    $exercise abstract sabpf-abstract > $OUT/abstract.txt &&
    $exercise proc > $OUT/proc.txt" >"$OUT/stdout" 2>"$OUT/stderr"
rc=$?
if [ "$rc" -eq 0 ]; then ok "exercise ran in an audited container"; else not_ok "exited $rc: $(tail -5 "$OUT/stderr")"; fi
exit "$fails"
