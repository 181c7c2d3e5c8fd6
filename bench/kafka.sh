#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# kafka.sh: the Kafka figures and transcripts of docs/operations.md, measured
# on this machine against librdkafka's mock cluster (build/tools/kafka-mock,
# its own process on loopback): a traced run streamed to a topic, the topic
# read back by kcat and `sabpf consume`, a full spool, and the throughput of
# the sink (records/s to the broker), of the spool (written while the broker
# is away, sent when it returns) and of `sabpf consume`. Writes the
# transcripts and bench/results/kafka/figures.json, then renders the Kafka
# section of docs/operations.md (bench/kafka_doc.py). Run as root (the trace
# backend), after `make`.
#
#   bench/kafka.sh [ITERATIONS]     (default 4000: a capture of ~16000 records)
#
# The mock cluster keeps at most 5 MiB (and 100000 messages) per partition
# and drops the oldest beyond that, and one container's records all go to
# one partition: a larger capture shows as gaps at its start in `sabpf
# consume` (which is right: they are gone).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
iters=${1:-4000}
S=$repo/build/sabpf
res=bench/results/kafka
mkdir -p "$res"
w=$(mktemp -d /tmp/sabpf-kafka-bench.XXXXXX)
# shellcheck source=tests/tools/kafka_mock.sh
. tests/tools/kafka_mock.sh
mock_start build/tools/kafka-mock "$w" "$w/mock.err" sabpf:4 bench1:4 bench2:4 bench3:4 benchspool:4 lossy:2
trap 'mock_stop; rm -rf "$w"' EXIT
mockctl() {
  echo "$1" >&3
  for _ in $(seq 100); do grep -q "^ok $1\$" "$w/mock.out" && return 0; sleep 0.1; done
  return 1
}
now() { date +%s.%N; }
# the transcripts show the mock's address as BROKER:PORT and the temporary
# directory as /tmp/demo, which vary from run to run
clean() { sed -e "s|$B|127.0.0.1:PORT|g" -e "s|$w|/tmp/demo|g"; }
show() { # show NAME 'COMMAND LINE': runs it, keeps "$ COMMAND LINE" and its output
  { echo "\$ $2" | clean; PATH=$repo/build:$PATH bash -c "$2" 2>&1 | clean; } >"$res/$1.txt" || true
}

# ---- transcripts ----
export B w
show run 'sabpf run --backend trace --name demo -o "kafka:$B/sabpf,format=jsonl,spool=$w/spool" -- sh -c "echo hello >/tmp/sabpf-kafka-demo"'
show kcat 'kcat -b $B -C -t sabpf -e -q -f "partition %p key %k offset %o\nheaders %h\n%s\n" | sed -n 17,22p'
show consume 'sabpf consume $B/sabpf'
mockctl "down 1"
show lossy-run 'sabpf run --backend trace --name lossy -o "kafka:$B/lossy,format=raw,spool=$w/spool-lossy,spool.size=64K,queue.buffering.max.messages=100,flush.timeout=1" --stats $w/lossy.json -- sh -c "i=0; while [ \$i -lt 300 ]; do echo \$i >/tmp/sabpf-kafka-demo; i=\$((i + 1)); done"; grep -o "\"lost\":{[^}]*}" $w/lossy.json'
mockctl "up 1"
show lossy-next 'sabpf run --backend trace --name next -o "kafka:$B/lossy,format=raw,spool=$w/spool-lossy" -- true'
show lossy-consume 'sabpf consume -o "jsonl:$w/lossy.jsonl" $B/lossy'
rm -f /tmp/sabpf-kafka-demo

# ---- throughput ----
# a capture to replay: sabpf convert through the sink measures the sink
# alone, without the workload's own pace
"$S" run --backend trace --name bench -o "raw:$w/capture.raw" --stats "$w/capture.json" \
  -- sh -c 'i=0; while [ $i -lt $1 ]; do echo $i >"$2/f$((i % 7))"; i=$((i + 1)); done' sh \
  "$iters" "$w" 2>/dev/null
records=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$w/capture.json")
bytes=$(stat -c %s "$w/capture.raw")
ext=$(od -An -tu4 -j12 -N4 "$w/capture.raw" | tr -d " ") # the header extension's length
head -c $((16 + ext)) "$w/capture.raw" >"$w/empty.raw" # the file header alone: no record

# three times, each to its own topic: the machine is shared
sink=()
for n in 1 2 3; do
  t0=$(now)
  "$S" convert -o "kafka:$B/bench$n,format=raw,spool=$w/spool-bench,flush.timeout=300" \
    "$w/capture.raw" 2>"$w/bench.err"
  t1=$(now)
  sink+=("$t1 - $t0")
done
# the spool: broker away, everything past librdkafka's queue goes to disk
mockctl "down 1"
t2=$(now)
"$S" convert -o "kafka:$B/benchspool,format=raw,spool=$w/spool-disk,spool.size=4G,queue.buffering.max.messages=1000,flush.timeout=0" \
  "$w/capture.raw" 2>"$w/spool.err"
t3=$(now)
spool_bytes=$(stat -c %s "$w/spool-disk/sabpf-benchspool.spool")
mockctl "up 1"
t4=$(now)
"$S" convert -o "kafka:$B/benchspool,format=raw,spool=$w/spool-disk,flush.timeout=300" "$w/empty.raw" 2>"$w/drain.err"
t5=$(now)
consume_rc=0
"$S" consume --stats "$w/consume.json" "$B/benchspool" >"$w/consume.out" 2>&1 || consume_rc=$?
t6=$(now)
delivered=$(sed -n 's/.*: \([0-9]*\) records delivered,.*/\1/p' "$w/bench.err")
drained=$(sed -n 's/.*: \([0-9]*\) records delivered,.*/\1/p' "$w/drain.err")
consumed=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["records"], d["missing"])' "$w/consume.json")

/usr/bin/python3 - "$res/figures.json" <<EOF
import json, sys
t = [$t0, $t1, $t2, $t3, $t4, $t5, $t6]
fig = {
    "machine": "$(nproc) CPUs, $(uname -r)",
    "librdkafka": "$(dpkg-query -W -f='${Version}' librdkafka-dev)",
    "capture_records": $records,
    "capture_bytes": $bytes,
    "sink_seconds": sorted([${sink[0]}, ${sink[1]}, ${sink[2]}]),
    "sink_delivered": $delivered,
    "spool_write_seconds": t[3] - t[2],
    "spool_file_bytes": $spool_bytes,
    "spool_drain_seconds": t[5] - t[4],
    "spool_drained": $drained,
    "consume_seconds": t[6] - t[5],
    "consumed_records": int("$consumed".split()[0]),
    "consumed_missing": int("$consumed".split()[1]),
    "consume_exit": $consume_rc,
}
json.dump(fig, open(sys.argv[1], "w"), indent=1)
EOF
/usr/bin/python3 bench/kafka_doc.py
