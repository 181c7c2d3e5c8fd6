#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# demo-guest.sh: the README demo's command, as run inside the test VM by
# scripts/demo.sh (through tests/vm/run.sh --script). Records one small
# command with sabpf and leaves the capture in $OUT.

"$SABPF" run -o "prov:$OUT/capture.prov.json" -o "jsonl:$OUT/capture.jsonl" \
  -- sh -c 'cat /etc/hostname > /tmp/x'
rc=$?
if [ "$rc" -eq 0 ] && [ -s "$OUT/capture.jsonl" ] && [ -s "$OUT/capture.prov.json" ]; then
  echo "ok - sabpf run recorded sh -c 'cat /etc/hostname > /tmp/x'"
else
  echo "not ok - sabpf run exited $rc (capture files: $(ls "$OUT" | tr '\n' ' '))"
  exit 1
fi
