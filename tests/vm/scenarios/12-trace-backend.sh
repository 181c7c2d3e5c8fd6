#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 120
# 12-trace-backend.sh: the trace backend (tracepoints only) in the VM, on
# the Debian kernels, beside the LSM one: it loads, records a write and a
# read, and picks its read and write programs by what the kernel has: by
# direct loads where the kernel has the kfunc bpf_rdonly_cast (6.2 and
# later: 6.12), by probe reads where not (6.1), with /proc/kallsyms as the
# independent judge of which. The natively tested programs are the same
# object; this is what proves the older kernel's variant loads and records.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
"$SABPF" run -q --backend trace -o "jsonl:$OUT/trace.jsonl" --stats "$OUT/stats.json" \
  -- sh -c 'echo planted >/tmp/tb-in.txt; cat /tmp/tb-in.txt >/tmp/tb-out.txt' \
  >"$OUT/run.out" 2>&1 && ok "sabpf run --backend trace on $(uname -r)" ||
  not_ok "trace backend run failed on $(uname -r): $(tail -5 "$OUT/run.out")"

if grep -qw bpf_rdonly_cast /proc/kallsyms; then want=direct; else want=probe-read; fi
grep -q "\"trace_reads\":\"$want\"" "$OUT/stats.json" &&
  ok "read and write programs: $want (kallsyms: bpf_rdonly_cast $([ $want = direct ] || echo 'absent'))" ||
  not_ok "expected trace_reads $want: $(cat "$OUT/stats.json" 2>/dev/null)"
grep -q '"lost":0,' "$OUT/stats.json" && ok "nothing lost" || not_ok "records lost: $(cat "$OUT/stats.json")"

# edge COMM ACTION FILE: a record of ACTION on FILE by COMM (a pattern:
# busybox's sh runs its cat applet as /proc/self/exe, comm "exe")
edge() {
  grep "\"comm\":\"$1\"" "$OUT/trace.jsonl" | grep "\"action\":\"$2\"" |
    grep -q "\"object\":\"[^\"]*/$3\""
}
grep -q '"action":"arg".*"object":"cat /tmp/tb-in.txt"' "$OUT/trace.jsonl" &&
  ok "cat's exec and argv recorded" || not_ok "no argv of cat"
edge '[^"]*' read tb-in.txt && ok "the read of tb-in.txt recorded" ||
  not_ok "no read of tb-in.txt: $(grep -c . "$OUT/trace.jsonl") records"
edge '[^"]*' write tb-out.txt && ok "the write of tb-out.txt recorded" ||
  not_ok "no write of tb-out.txt"
edge sh write tb-in.txt && ok "sh's write of tb-in.txt recorded" || not_ok "no write of tb-in.txt by sh"
# negative controls: the checks find no read of the file nobody read, and
# no write of tb-in.txt by anything but sh
edge '[^"]*' read tb-out.txt && not_ok "the check found a read of tb-out.txt, which nobody read" ||
  ok "negative control: no read of tb-out.txt"
edge exe write tb-in.txt && not_ok "the check found a write of tb-in.txt by cat" ||
  ok "negative control: no write of tb-in.txt by cat"
[ "$fails" -eq 0 ]
