#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# demo.sh: the README's main demonstration. Builds sabpf, records one small
# command in its own container scope (`sh -c 'cat /etc/hostname > /tmp/x'`)
# as a W3C PROV-JSON graph and as JSON lines, and summarises the capture.
# Runs natively with the LSM backend when `build/sabpf doctor` passes (exit
# 0); natively with the trace backend when only that one can run (exit 3:
# this machine's kernel refuses BPF LSM programs); otherwise, or with --vm,
# inside the test VM: QEMU/TCG with Debian's cloud kernel 6.1 (LSM backend).
# It says which backend it used. The capture lands in build/demo/.
#
#   scripts/demo.sh [--vm]
set -euo pipefail
cd "$(dirname "$0")/.."

demo=build/demo
prov=$demo/capture.prov.json
jsonl=$demo/capture.jsonl

die() {
  echo "demo.sh: $*" >&2
  exit 1
}

echo "demo.sh: building (make)"
make -s all || die "the build failed; run 'make' to see why (missing packages? run scripts/install-deps.sh)"
mkdir -p "$demo"
rm -f "$prov" "$jsonl"

doctor_rc=0
build/sabpf doctor >"$demo/doctor.txt" 2>&1 || doctor_rc=$?
if [ "$doctor_rc" -eq 0 ] && [ "${1:-}" != --vm ]; then
  echo "demo.sh: this kernel runs BPF LSM programs; recording natively (backend: lsm)"
  build/sabpf run --backend lsm -o "prov:$prov" -o "jsonl:$jsonl" -- sh -c 'cat /etc/hostname > /tmp/x' ||
    die "sabpf run failed (exit $?)"
elif [ "$doctor_rc" -eq 3 ] && [ "${1:-}" != --vm ]; then
  echo "demo.sh: this kernel refuses BPF LSM programs; recording natively with the trace" \
    "backend (tracepoints: it records, it cannot deny; docs/backends.md)." \
    "'build/sabpf doctor' says why: $demo/doctor.txt"
  build/sabpf run --backend trace -o "prov:$prov" -o "jsonl:$jsonl" -- sh -c 'cat /etc/hostname > /tmp/x' ||
    die "sabpf run failed (exit $?)"
else
  echo "demo.sh: running the demo inside the test VM with the LSM backend" \
    "(QEMU/TCG, Debian cloud kernel 6.1). 'build/sabpf doctor' on this host: $demo/doctor.txt"
  tests/vm/run.sh --vm --kernel 6.1 --script tests/vm/demo-guest.sh --out "$demo/vm" ||
    die "the recording in the VM failed: see build/vm/6.1/script/console.log"
  cp "$demo/vm/capture.prov.json" "$prov"
  cp "$demo/vm/capture.jsonl" "$jsonl"
fi

[ -s "$jsonl" ] && [ -s "$prov" ] || die "sabpf wrote no capture ($prov, $jsonl)"

echo
echo "demo.sh: capture written to"
echo "  $prov   (W3C PROV-JSON provenance graph)"
echo "  $jsonl       (one JSON object per audited action)"
echo
/usr/bin/python3 - "$jsonl" "$prov" <<'PYEOF'
# Summarises the capture: actions in the JSON lines, node and relation
# counts in the PROV-JSON document (parsed with the python3-prov library).
import collections
import json
import sys

jsonl_path, prov_path = sys.argv[1], sys.argv[2]
with open(jsonl_path) as f:
    rows = [json.loads(line) for line in f if line.strip()]
actions = collections.Counter(r.get("action", "?") for r in rows)
print(f"JSON lines: {len(rows)} records")
for action, n in actions.most_common():
    print(f"  {action:<20} {n}")
for r in rows:
    if r.get("object") in ("/etc/hostname", "/tmp/x"):
        print(f"  seen: {r.get('comm')} (pid {r.get('pid')}) {r.get('action')} {r.get('object')}")

with open(prov_path) as f:
    doc = json.load(f)
print(f"PROV-JSON: {len(doc.get('entity', {}))} entities, "
      f"{len(doc.get('activity', {}))} activities, {len(doc.get('agent', {}))} agents")
for kind in sorted(k for k in doc if k not in ("prefix", "entity", "activity", "agent", "bundle")):
    print(f"  {kind:<20} {len(doc[kind])}")
try:
    from prov.model import ProvDocument
except ImportError:
    print("  (python3-prov not installed: PROV document not validated)")
else:
    parsed = ProvDocument.deserialize(source=prov_path, format="json")
    print(f"  python3-prov parsed it: {len(parsed.get_records())} records")
PYEOF
