#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 240
# 50-kafka.sh: the Kafka sink and `sabpf consume` against a real Kafka
# protocol endpoint: librdkafka's mock cluster in its own process on
# loopback (build/tools/kafka-mock, tests/native/kafka_mock.c), with kcat
# as the independent consumer. Four parts:
#  1. every record delivered: kcat's message count and `sabpf consume`
#     equal the run's --stats records; each container's key in one
#     partition; the consumed raw records convert byte-identically to the
#     run's own raw file;
#  2. the broker taken down mid-run (records to memory, then the spool)
#     and brought back: nothing lost, nothing duplicated, every container's
#     records of a CPU in increasing order (checked by kcat's view too);
#  3. a full spool: the loss in --stats (cause spool), the gap `sabpf
#     consume` finds and the LOST records in the topic are the same number;
#  4. negative controls: records injected with kcat make a gap (named, exit
#     1), a LOST record explains it (exit 0), a record out of order and a
#     duplicate are reported;
#  5. format=prov sends the PROV-JSON document and format=spade the lines
#     that the same outputs write to files, byte for byte; consume -o
#     refuses a topic that is not raw.
# Bad specs are refused with a message naming the fault.
# Self-checking (no pytest file).

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
tools=$(dirname "$SABPF")/tools
if ! command -v kcat >/dev/null; then
  not_ok "kcat is not installed (scripts/install-deps.sh installs it)"
  exit 1
fi
w=$(mktemp -d /tmp/sabpf-kafka.XXXXXX)
# a field of a JSON file: jget FILE a.b.0.c
jget() {
  /usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if k.isdigit() else d[k]
print(d)' "$1" "$2"
}
# the container's loss of a cause in a --stats file
jlost() {
  /usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(sum(c["lost"][sys.argv[2]] for c in d["containers"]))' "$1" "$2"
}
waitfor() { # waitfor FILE: up to 30 s
  i=0
  while [ ! -e "$1" ] && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  [ -e "$1" ]
}

# the mock cluster: commands written to the FIFO $w/ctl (fd 3), answers in
# $w/mock.out
. "$(dirname "$SABPF")/../tests/tools/kafka_mock.sh"
mock_start "$tools/kafka-mock" "$w" "$OUT/mock.err" plain:4 flap:4 full:2 inject:1 prov:2 spade:2
cleanup() {
  mock_stop
  rm -rf "$w"
}
if [ -z "$B" ]; then
  not_ok "the mock cluster did not start: $(cat "$OUT/mock.err")"
  cleanup
  exit 1
fi
echo "$B" >"$OUT/bootstrap"
mockctl() { # mockctl "down 1": sends it, waits for the answer
  echo "$1" >&3
  i=0
  while ! grep -q "^ok $1\$" "$w/mock.out" && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  grep -q "^ok $1\$" "$w/mock.out"
}
# the independent consumer: one line per message, "partition key headers"
kview() { kcat -b "$B" -C -t "$1" -e -q -f '%p %k %h\n' 2>>"$OUT/kcat.err"; }
# a loop writing files, 3 records or more an iteration
LOOP='i=0; while [ $i -lt $2 ]; do echo $i >"$1/f$((i % 7))"; i=$((i + 1)); done'

# ---- 1. every record delivered ----
"$SABPF" run --backend trace --name kafka-plain \
  -o "kafka:$B/plain,format=raw,spool=$w/spool1" -o "raw:$OUT/plain.raw" \
  --stats "$OUT/plain.stats.json" -- sh -c "$LOOP" sh "$w" 300 2>"$OUT/plain.err"
rc=$?
records=$(jget "$OUT/plain.stats.json" records)
kview plain >"$OUT/plain.kcat"
kcount=$(wc -l <"$OUT/plain.kcat")
[ "$rc" = 0 ] && [ "$kcount" = "$records" ] && [ "$records" -ge 900 ] &&
  ok "all delivered: kcat reads $kcount messages, --stats counts $records records" ||
  not_ok "run rc $rc; kcat read $kcount messages, --stats $records records: $(tail -3 "$OUT/plain.err")"
"$SABPF" consume --stats "$OUT/plain.consume.json" -o "raw:$OUT/plain.consumed.raw" "$B/plain" \
  >"$OUT/plain.consume.out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ "$(jget "$OUT/plain.consume.json" records)" = "$records" ] &&
  [ "$(jget "$OUT/plain.consume.json" missing)" = 0 ] &&
  ok "sabpf consume: complete, $records records, none missing" ||
  not_ok "sabpf consume rc $rc: $(tail -3 "$OUT/plain.consume.out")"
# each key (node/container) in exactly one partition
split=$(awk '{print $2, $1}' "$OUT/plain.kcat" | sort -u | awk '{print $1}' | uniq -d | wc -l)
keys=$(awk '{print $2}' "$OUT/plain.kcat" | sort -u | wc -l)
[ "$split" = 0 ] && [ "$keys" -ge 1 ] && ok "each of the $keys container keys is in one partition" ||
  not_ok "$split keys are spread over partitions"
"$SABPF" convert -o "jsonl:$OUT/plain.file.jsonl" "$OUT/plain.raw" &&
  "$SABPF" convert -o "jsonl:$OUT/plain.topic.jsonl" "$OUT/plain.consumed.raw" &&
  cmp -s "$OUT/plain.file.jsonl" "$OUT/plain.topic.jsonl" &&
  ok "the topic's raw records convert to the same JSON lines as the run's raw file" ||
  not_ok "the topic's records differ from the run's raw file"

# ---- 2. the broker down mid-run, then back ----
"$SABPF" run --backend trace --name kafka-flap \
  -o "kafka:$B/flap,format=jsonl,spool=$w/spool2,queue.buffering.max.messages=50" \
  --stats "$OUT/flap.stats.json" -- sh -c "$LOOP"'
    touch "$1/a"; while [ ! -e "$1/go" ]; do sleep 0.05; done
    '"$LOOP"'
    touch "$1/b"; while [ ! -e "$1/end" ]; do sleep 0.05; done' sh "$w" 300 \
  2>"$OUT/flap.err" &
run=$!
waitfor "$w/a" && mockctl "down 1" && ok "broker 1 down mid-run" || not_ok "could not take the broker down"
sleep 1
touch "$w/go"
waitfor "$w/b"
sleep 1
mockctl "up 1" && ok "broker 1 back" || not_ok "could not bring the broker back"
touch "$w/end"
wait $run
rc=$?
records=$(jget "$OUT/flap.stats.json" records)
spooled=$(sed -n 's/.* records delivered, \([0-9]*\) through the spool.*/\1/p' "$OUT/flap.err")
delivered=$(sed -n 's/.*: \([0-9]*\) records delivered,.*/\1/p' "$OUT/flap.err")
[ "$rc" = 0 ] && [ "${spooled:-0}" -ge 500 ] && [ "$delivered" = "$records" ] &&
  ok "broker away: $spooled of $records records went through the disk spool, all $delivered delivered" ||
  not_ok "rc $rc, spooled '$spooled', delivered '$delivered' of $records: $(tail -3 "$OUT/flap.err")"
kview flap >"$OUT/flap.kcat"
kcount=$(wc -l <"$OUT/flap.kcat")
# kcat's view of the order: per partition and CPU, sequence numbers increase
disorder=$(tr ',' ' ' <"$OUT/flap.kcat" | awk '{
    p = $1; cpu = ""; seq = 0
    for (i = 3; i <= NF; i++) {
      if ($i ~ /^sabpf.cpu=/) cpu = substr($i, 11)
      if ($i ~ /^sabpf.seq=/) seq = substr($i, 11) + 0
    }
    k = p "/" cpu
    if (seq > 0 && (k in last) && seq <= last[k]) bad++
    last[k] = seq
  } END { print bad + 0 }')
[ "$kcount" = "$records" ] && [ "$disorder" = 0 ] &&
  ok "kcat reads all $kcount records, in order per partition and CPU" ||
  not_ok "kcat read $kcount of $records records, $disorder out of order"
"$SABPF" consume --stats "$OUT/flap.consume.json" "$B/flap" >"$OUT/flap.consume.out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ "$(jget "$OUT/flap.consume.json" records)" = "$records" ] &&
  [ "$(jget "$OUT/flap.consume.json" duplicates)" = 0 ] &&
  [ "$(jget "$OUT/flap.consume.json" out_of_order)" = 0 ] &&
  ok "sabpf consume: $records records, no gap, no duplicate, none out of order" ||
  not_ok "sabpf consume rc $rc: $(tail -3 "$OUT/flap.consume.out")"

# ---- 3. a full spool: loss counted, the same number everywhere ----
mockctl "down 1"
"$SABPF" run --backend trace --name kafka-full \
  -o "kafka:$B/full,format=jsonl,spool=$w/spool3,spool.size=16K,queue.buffering.max.messages=20,flush.timeout=1" \
  --stats "$OUT/full.stats.json" -- sh -c "$LOOP" sh "$w" 200 2>"$OUT/full.err"
rc=$?
lost=$(jlost "$OUT/full.stats.json" spool)
[ "$rc" = 0 ] && [ "$lost" -gt 0 ] && grep -q "spool .* is full" "$OUT/full.err" &&
  [ "$(jget "$OUT/full.stats.json" lost)" = "$lost" ] &&
  ok "spool full: $lost records lost, counted in --stats (cause spool) and told on stderr" ||
  not_ok "rc $rc, lost '$lost': $(tail -3 "$OUT/full.err")"
mockctl "up 1"
# the next run sends what the spool kept
"$SABPF" run --backend trace --name kafka-next \
  -o "kafka:$B/full,format=jsonl,spool=$w/spool3" -- true 2>"$OUT/next.err"
grep -q "left in .* by a previous run go first" "$OUT/next.err" &&
  grep -q " 0 left in " "$OUT/next.err" &&
  ok "the next run sent the spool first" || not_ok "the spool was not sent: $(tail -2 "$OUT/next.err")"
"$SABPF" consume --stats "$OUT/full.consume.json" "$B/full" >"$OUT/full.consume.out" 2>&1
rc=$?
missing=$(jget "$OUT/full.consume.json" missing)
told=$(jget "$OUT/full.consume.json" lost.spool)
[ "$rc" = 0 ] && [ "$missing" = "$lost" ] && [ "$told" = "$lost" ] &&
  [ "$(jget "$OUT/full.consume.json" unexplained)" = 0 ] &&
  ok "consume: $missing missing = $told in LOST records (spool) = $lost in --stats" ||
  not_ok "consume rc $rc: missing $missing, LOST $told, --stats $lost: $(tail -3 "$OUT/full.consume.out")"

# ---- 4. negative controls, with records injected by kcat ----
"$SABPF" run --backend trace --name kafka-inject -o "kafka:$B/inject,format=jsonl,spool=$w/spool4" \
  -- sh -c "$LOOP" sh "$w" 20 2>"$OUT/inject.err"
"$SABPF" consume "$B/inject" >"$OUT/inject0.out" 2>&1 && ok "the topic is complete before injection" ||
  not_ok "inject topic incomplete: $(tail -2 "$OUT/inject0.out")"
last=$(kview inject | tail -1)
h() { echo "$last" | tr ' ,' '\n\n' | sed -n "s/^sabpf\.$1=//p"; }
key=$(echo "$last" | awk '{print $2}')
node=$(h node) runid=$(h run) cpu=$(h cpu) seq=$(h seq) container=$(h container)
inject() { # inject SEQ TYPE [more -H]
  s=$1 t=$2
  shift 2
  echo '{"injected":true}' | kcat -b "$B" -P -t inject -k "$key" -H "sabpf.node=$node" \
    -H "sabpf.run=$runid" -H "sabpf.format=jsonl" -H "sabpf.cpu=$cpu" -H "sabpf.seq=$s" \
    -H "sabpf.container=$container" -H "sabpf.type=$t" "$@" 2>>"$OUT/kcat.err"
}
inject $((seq + 5)) edge
"$SABPF" consume --stats "$OUT/inject1.json" "$B/inject" >"$OUT/inject1.out" 2>&1
rc=$?
[ "$rc" = 1 ] && [ "$(jget "$OUT/inject1.json" unexplained)" = 4 ] &&
  grep -q "^gap: node $node run $runid cpu $cpu: seq $((seq + 1))..$((seq + 4)) missing (4)" "$OUT/inject1.out" &&
  ok "an injected gap of 4 is named (seq $((seq + 1))..$((seq + 4))), exit 1" ||
  not_ok "injected gap: rc $rc: $(cat "$OUT/inject1.out")"
inject 0 lost -H "sabpf.lost=4" -H "sabpf.cause=ring"
"$SABPF" consume --stats "$OUT/inject2.json" "$B/inject" >"$OUT/inject2.out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ "$(jget "$OUT/inject2.json" explained)" = 4 ] &&
  ok "a LOST record of 4 explains the gap: exit 0" || not_ok "LOST record: rc $rc: $(tail -3 "$OUT/inject2.out")"
inject $((seq + 3)) edge
inject 1 edge
"$SABPF" consume --stats "$OUT/inject3.json" "$B/inject" >"$OUT/inject3.out" 2>&1
rc=$?
[ "$rc" = 1 ] && [ "$(jget "$OUT/inject3.json" out_of_order)" = 1 ] &&
  [ "$(jget "$OUT/inject3.json" duplicates)" = 1 ] &&
  grep -q "^out of order: .* seq $((seq + 3)) after $((seq + 5))" "$OUT/inject3.out" &&
  ok "a record out of order and a duplicate are reported: exit 1" ||
  not_ok "disorder: rc $rc: $(tail -4 "$OUT/inject3.out")"

# ---- 5. PROV-JSON documents and SPADE lines: the same bytes as the files ----
"$SABPF" run --backend trace --name kafka-formats \
  -o "kafka:$B/prov,format=prov,spool=$w/spool5" -o "prov:$OUT/formats.prov.json" \
  -o "kafka:$B/spade,format=spade,spool=$w/spool6" -o "spade:$OUT/formats.spade.json" \
  -- sh -c "$LOOP" sh "$w" 20 2>"$OUT/formats.err"
kcat -b "$B" -C -t prov -e -q -f '%s' >"$OUT/formats.prov.kafka" 2>>"$OUT/kcat.err"
kcat -b "$B" -C -t spade -e -q -f '%s' >"$OUT/formats.spade.kafka" 2>>"$OUT/kcat.err"
docs=$(kcat -b "$B" -C -t prov -e -q -f 'x\n' | wc -l)
[ "$docs" = 1 ] && cmp -s "$OUT/formats.prov.kafka" "$OUT/formats.prov.json" &&
  /usr/bin/python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); assert d["activity"] and d["entity"]' \
    "$OUT/formats.prov.kafka" && ok "format=prov: one PROV-JSON document, the file's bytes" ||
  not_ok "format=prov: $docs messages, or not the file's document"
[ -s "$OUT/formats.spade.json" ] && cmp -s "$OUT/formats.spade.kafka" "$OUT/formats.spade.json" &&
  ok "format=spade: the messages are the file's lines" || not_ok "format=spade: not the file's lines"
"$SABPF" consume --stats "$OUT/formats.consume.json" "$B/prov" >"$OUT/formats.consume.out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ "$(jget "$OUT/formats.consume.json" documents)" = 1 ] &&
  ok "consume counts the PROV document" || not_ok "consume of prov: rc $rc: $(tail -2 "$OUT/formats.consume.out")"
"$SABPF" consume -o "jsonl:$OUT/formats.jsonl" "$B/spade" >"$OUT/formats.convert.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "the topic holds spade messages: -o converts raw records only" "$OUT/formats.convert.out" &&
  ok "consume -o refuses to convert a topic that is not raw, saying why" ||
  not_ok "consume -o of spade: rc $rc: $(tail -2 "$OUT/formats.convert.out")"

# bad input: clear errors
"$SABPF" run --backend trace -o "kafka:$B" -- true 2>"$OUT/bad1.err"
rc=$?
[ "$rc" = 125 ] && grep -q "give BROKERS/TOPIC" "$OUT/bad1.err" && ok "kafka:BROKERS without a topic is refused" ||
  not_ok "no topic: rc $rc: $(cat "$OUT/bad1.err")"
"$SABPF" run --backend trace -o "kafka:$B/plain,acks=1" -- true 2>"$OUT/bad2.err"
rc=$?
[ "$rc" = 125 ] && grep -q "acks=1 would let records be lost" "$OUT/bad2.err" && ok "acks=1 is refused" ||
  not_ok "acks=1: rc $rc: $(cat "$OUT/bad2.err")"
"$SABPF" run --backend trace -o "kafka:$B/plain,no.such.property=1" -- true 2>"$OUT/bad3.err"
rc=$?
[ "$rc" = 125 ] && grep -q "no.such.property=1: No such configuration property" "$OUT/bad3.err" &&
  ok "an unknown librdkafka property is named" || not_ok "bad property: rc $rc: $(cat "$OUT/bad3.err")"
"$SABPF" consume --timeout 2 127.0.0.1:1/plain >"$OUT/bad4.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "cannot read topic 'plain' from 127.0.0.1:1" "$OUT/bad4.out" &&
  ok "consume from an absent broker fails, naming it" || not_ok "absent broker: rc $rc: $(tail -2 "$OUT/bad4.out")"
"$SABPF" consume "$B/no-such-topic" >"$OUT/bad5.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -Eq "cannot read topic 'no-such-topic'|topic 'no-such-topic' on .* holds no message" "$OUT/bad5.out" &&
  ok "consume of a missing (the mock makes it: empty) topic fails, naming it" || not_ok "missing topic: rc $rc: $(tail -2 "$OUT/bad5.out")"

cleanup
[ "$fails" -eq 0 ]
