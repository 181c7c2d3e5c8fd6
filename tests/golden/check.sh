#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# check.sh: the outputs of `sabpf convert` on the golden capture
# (tests/golden/*.raw, made in the VM by update.sh) must be byte-identical to
# the expectations beside it, in every format: a refactoring changes no output
# byte. A negative control converts a copy whose records were altered and
# expects a difference. Ends with "golden: N passed, N failed".
#
#   tests/golden/check.sh [--write]    (--write: rewrite the expectations)
set -u
cd "$(dirname "$0")/../.."
dir=tests/golden
sabpf=${SABPF:-build/sabpf}
formats=(jsonl spade prov dot summary summary-json)
passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

convert() { # RAW OUTDIR
  local args=() f
  mkdir -p "$2"
  for f in "${formats[@]}"; do args+=(-o "$f:$2/out.$f"); done
  "$sabpf" convert "${args[@]}" "$1" >"$2/stdout" 2>"$2/stderr"
}

for raw in "$dir"/*.raw; do
  [ -f "$raw" ] || { not_ok "no golden capture in $dir: run tests/golden/update.sh"; break; }
  name=$(basename "$raw" .raw)
  if ! convert "$raw" "$tmp/$name"; then
    not_ok "$name: sabpf convert failed: $(head -3 "$tmp/$name/stderr")"
    continue
  fi
  for f in "${formats[@]}"; do
    want="$dir/$name.$f"
    if [ "${1:-}" = --write ]; then
      cp "$tmp/$name/out.$f" "$want"
      echo "wrote $want"
    elif cmp -s "$tmp/$name/out.$f" "$want"; then
      ok "$name.$f byte-identical"
    else
      not_ok "$name.$f differs from the expectation: $(diff "$want" "$tmp/$name/out.$f" | head -5 | tr '\n' ' ')"
    fi
  done
  # sealing changes no output byte, and the seal verifies (docs/sealing.md)
  if [ "${1:-}" != --write ]; then
    mkdir -p "$tmp/$name.sealed"
    if "$sabpf" convert --seal -o "jsonl:$tmp/$name.sealed/out.jsonl" "$raw" 2>"$tmp/$name.sealed/err" &&
      cmp -s "$tmp/$name.sealed/out.jsonl" "$dir/$name.jsonl" &&
      "$sabpf" verify "$tmp/$name.sealed/out.jsonl" >"$tmp/$name.sealed/verify"; then
      ok "$name.jsonl sealed: byte-identical, and $(cat "$tmp/$name.sealed/verify")"
    else
      not_ok "$name.jsonl sealed: $(cat "$tmp/$name.sealed/err" "$tmp/$name.sealed/verify" 2>/dev/null | head -3)"
    fi
  fi
  # negative control: the same capture with bytes of its records altered
  # (past the 4 KiB head, so the file is still a capture) must not convert
  # to the same output
  cp "$raw" "$tmp/$name.mut.raw"
  size=$(stat -c %s "$raw")
  if [ "$size" -gt 8192 ]; then
    printf '\x7f\x7f\x7f\x7f' | dd of="$tmp/$name.mut.raw" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
    if convert "$tmp/$name.mut.raw" "$tmp/$name.mut" &&
      cmp -s "$tmp/$name.mut/out.jsonl" "$dir/$name.jsonl" &&
      cmp -s "$tmp/$name.mut/out.prov" "$dir/$name.prov"; then
      not_ok "$name: an altered capture converted to the expected output (the check cannot fail)"
    else
      ok "$name: an altered capture does not match (negative control)"
    fi
  fi
  # convert -o raw: keeps the capture's header (its clock offset and
  # backend, which the replay learns after the outputs are opened): the
  # capture with a header of today's kind (backend lsm) converts to itself,
  # byte for byte; control: a copy with another clock offset converts to
  # other times
  python3 - "$raw" "$tmp/$name.h16.raw" "$tmp/$name.shift.raw" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
ext = struct.unpack_from("<I", data, 12)[0]
offset = struct.unpack_from("<q", data, 16)[0]
body = data[16 + ext:]
for path, off in ((sys.argv[2], offset), (sys.argv[3], offset + 3600 * 10**9)):
    open(path, "wb").write(data[:12] + struct.pack("<IqII", 16, off, 1, 0) + body)
PY
  if "$sabpf" convert -o "raw:$tmp/$name.again.raw" "$tmp/$name.h16.raw" 2>"$tmp/$name.again.err" &&
    cmp -s "$tmp/$name.again.raw" "$tmp/$name.h16.raw" &&
    ! cmp -s <("$sabpf" convert -o jsonl:- "$tmp/$name.shift.raw") <("$sabpf" convert -o jsonl:- "$tmp/$name.again.raw"); then
    ok "$name: convert -o raw: gives the capture back byte for byte (its clock and backend kept); another clock gives other times"
  else
    not_ok "$name: convert -o raw: $(head -2 "$tmp/$name.again.err"; cmp "$tmp/$name.again.raw" "$tmp/$name.h16.raw" 2>&1 | head -1)"
  fi
done
[ "${1:-}" = --write ] && exit 0
echo "golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
