#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 300
# 15-seal.sh: sealed outputs of a live run (docs/sealing.md). `sabpf run
# --seal-key` writes FILE.seal beside each output; root in the container
# cannot write the output or its seal (both refused and recorded as
# agent_file denials); `sabpf verify` finds the files whole with the right
# key, and names what is wrong with another key and after a byte is changed.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
keys=/tmp/seal-keys
rm -rf "$keys"
mkdir -p "$keys"
"$SABPF" keygen "$keys/k" >/dev/null && "$SABPF" keygen "$keys/other" >/dev/null ||
  not_ok "sabpf keygen failed"
out=$OUT/sealed.jsonl
# the attack as a script file, so that the paths are not in the argv record
cat >/tmp/seal-attack.sh <<EOT
echo hi > /tmp/seal-a
echo forged >> $out.seal.tmp 2>/dev/null && echo SEAL-WRITTEN
echo forged >> $out.tmp 2>/dev/null && echo FILE-WRITTEN
cat /tmp/seal-a > /tmp/seal-b
EOT
"$SABPF" run --seal-key "$keys/k.key" -o "jsonl:$out" -o "raw:$OUT/sealed.raw" \
  -- sh /tmp/seal-attack.sh >"$OUT/seal.stdout" 2>"$OUT/seal.stderr"
rc=$?
[ "$rc" -eq 0 ] && ok "sabpf run --seal-key exits 0" || not_ok "sabpf run exited $rc: $(tail -3 "$OUT/seal.stderr")"
for f in "$out.seal" "$OUT/sealed.raw.seal"; do
  [ -s "$f" ] && ok "$(basename "$f") written" || not_ok "$f missing"
  [ -e "$f.tmp" ] && not_ok "$f.tmp left behind"
done
grep -q SEAL-WRITTEN "$OUT/seal.stdout" && not_ok "the container appended to the seal" ||
  ok "the container could not write the seal"
grep -q FILE-WRITTEN "$OUT/seal.stdout" && not_ok "the container appended to the output" ||
  ok "the container could not write the output"
n=$(grep '"operation":"agent_file"' "$out" | grep -c 'sealed.jsonl.seal.tmp')
[ "$n" -eq 1 ] && ok "one agent_file denial names the seal" || not_ok "$n agent_file denials name the seal (expected 1)"
grep -q '"object":"/tmp/seal-b"' "$out" && ok "the write after the attempts is in the capture" ||
  not_ok "no record of /tmp/seal-b after the attempts"
for f in "$out" "$OUT/sealed.raw"; do
  v=$("$SABPF" verify "$f" --key "$keys/k.pub")
  rc=$?
  [ "$rc" -eq 0 ] && ok "verify: $v" || not_ok "verify $f exited $rc: $v"
done
v=$("$SABPF" verify "$out" --key "$keys/other.pub")
rc=$?
case "$rc:$v" in
1:*"made with another key"*) ok "verify with another key: $v" ;;
*) not_ok "verify with another key exited $rc: $v" ;;
esac
# negative control: one byte changed in a copy
cp "$out" /tmp/tampered.jsonl && cp "$out.seal" /tmp/tampered.jsonl.seal
printf 'X' | dd of=/tmp/tampered.jsonl bs=1 seek=100 conv=notrunc 2>/dev/null
v=$("$SABPF" verify /tmp/tampered.jsonl --key "$keys/k.pub")
rc=$?
case "$rc:$v" in
1:*"block 0 (bytes 0-"*") was altered"*) ok "a changed byte is named: $v" ;;
*) not_ok "verify of a changed copy exited $rc: $v" ;;
esac
exit "$fails"
