#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# check.sh: `sabpf detect` and `sabpf lineage` on the golden capture
# (tests/golden/workload.raw), on the host, in a few seconds: a model trained
# on the capture fits the capture again; copies of it whose processes do
# something else (edges of one relation turned into another,
# mutate_capture.py) are found abnormal, with an alert that names the score,
# the threshold and nodes; a model of another format version, bad options
# and a missing capture are refused with a message; alerts name the pod of
# a capture that has identities; --dot draws the alerts live (from
# standard input) as from the file; Kafka topics filled from the captures
# (librdkafka's mock cluster) give the files' models, alerts and pictures,
# and bad topics are refused. Ends with "detect: N passed, N failed".
# Then `sabpf lineage` on the same capture:
# what /tmp/c came from (through cat, a pipe and tr), what /tmp/a led to,
# a connection crossed through its packet, the DOT picture, bad specs.
set -u
cd "$(dirname "$0")/../.."
sabpf=${SABPF:-build/sabpf}
golden=tests/golden/workload.raw
passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# field FILE TYPE KEY: the value of KEY in the first JSON line of that type
field() {
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == sys.argv[2]:
        print(json.dumps(o.get(sys.argv[3])))
        break
' "$@"
}

# train: a model from the golden capture (small batches: it has 364 edges)
if "$sabpf" detect train -o "$tmp/model" --batch 50 "$golden" 2>"$tmp/train.err" &&
  grep -q "364 edges, 8 sketches" "$tmp/train.err"; then
  ok "train: $(cat "$tmp/train.err")"
else
  not_ok "train failed: $(head -3 "$tmp/train.err")"
fi

# the training capture fits its own model
"$sabpf" detect watch --model "$tmp/model" "$golden" >"$tmp/self.out" 2>"$tmp/self.err"
if [ "$(field "$tmp/self.out" verdict abnormal)" = false ] &&
  [ "$(field "$tmp/self.out" verdict sketches)" = 8 ] &&
  ! grep -q '"type":"alert"' "$tmp/self.out"; then
  ok "watch: the training capture fits (no alert, 8 sketches)"
else
  not_ok "watch of the training capture: $(cat "$tmp/self.out" "$tmp/self.err" | head -3)"
fi

# "-": the raw stream from standard input (how a live agent's raw:- is read)
if "$sabpf" detect watch --model "$tmp/model" - <"$golden" >"$tmp/stdin.out" 2>&1 &&
  cmp -s <(grep -v '"stats"' "$tmp/stdin.out") <(grep -v '"stats"' "$tmp/self.out"); then
  ok "watch - (standard input) gives the same verdict as the file"
else
  not_ok "watch -: $(head -3 "$tmp/stdin.out")"
fi

# a verdict says how many records its container lost (here 5, in a LOST
# record appended to the capture; the capture itself lost none)
python3 - "$golden" "$tmp/lossy.raw" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
# struct sabpf_lost: header (LOST, cpu 0, 64 bytes, seq 0, time, container 40),
# count 5, first_seq, last_seq, cause 1 (ring), pad
lost = struct.pack("<HHIQQQQQQII", 4, 0, 64, 0, 1, 40, 5, 0, 0, 1, 0)
open(sys.argv[2], "wb").write(data + lost)
PY
"$sabpf" detect watch --model "$tmp/model" "$tmp/lossy.raw" >"$tmp/lossy.out" 2>&1
if [ "$(field "$tmp/lossy.out" verdict lost)" = 5 ] && [ "$(field "$tmp/self.out" verdict lost)" = 0 ]; then
  ok "the verdict counts the container's lost records (5; none in the capture itself)"
else
  not_ok "lost in verdict: $(grep verdict "$tmp/lossy.out" "$tmp/self.out")"
fi

# negative controls: the same processes doing something else
for m in "16 20 reads turned into executable maps" "17 24 writes turned into hard links"; do
  set -- $m
  python3 tests/detect/mutate_capture.py "$golden" "$tmp/mut-$1.raw" "$1" "$2" >"$tmp/mut-$1.n"
  "$sabpf" detect watch --model "$tmp/model" "$tmp/mut-$1.raw" >"$tmp/mut-$1.out" 2>&1
  if [ "$(field "$tmp/mut-$1.out" verdict abnormal)" = true ] &&
    python3 - "$tmp/mut-$1.out" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if '"alert"' in l]
a = alerts[0]
assert len(alerts) == 1, alerts
assert a["container"] == 40 and a["score"] > a["threshold"], a
assert a["test"] in ("novelty", "distance", "evolution"), a
assert a["time"].endswith("Z") and a["edges"] > 0, a
assert a["labels"] and all(l["node"].startswith("n") and l["slots"] > 0 for l in a["labels"]), a
assert any(l.get("what") for l in a["labels"]), a  # what the nodes are
PY
  then
    ok "watch: $(cat "$tmp/mut-$1.n") ${*:3}: abnormal, alert with score over threshold and the nodes named"
  else
    not_ok "watch did not flag ${*:3}: $(head -3 "$tmp/mut-$1.out")"
  fi
done

# the leave-one-out tests: a model of two identical training graphs has
# a novelty threshold of 0 (each graph scored against the other; no floor); the golden
# capture passes both, the altered copy is flagged by each alone (its new
# labels are novel, its sketches far from the medoids)
cp "$golden" "$tmp/twin.raw"
"$sabpf" detect train -o "$tmp/model2" --batch 50 --novelty-floor 0 "$golden" "$tmp/twin.raw" 2>"$tmp/train2.err"
for t in novelty distance; do
  "$sabpf" detect watch --model "$tmp/model2" --tests $t "$golden" >"$tmp/loo-self.out" 2>&1
  "$sabpf" detect watch --model "$tmp/model2" --tests $t "$tmp/mut-16.raw" >"$tmp/loo-mut.out" 2>&1
  if grep -q "thresholds at --stds 2 (max): distance 0.[0-9]*, novelty 0.0000" "$tmp/train2.err" &&
    [ "$(field "$tmp/loo-self.out" verdict abnormal)" = false ] &&
    [ "$(field "$tmp/loo-mut.out" alert test)" = "\"$t\"" ]; then
    ok "leave-one-out test $t: the capture fits a model of two copies, the altered copy is flagged by it"
  else
    not_ok "leave-one-out test $t: $(tail -1 "$tmp/train2.err") $(head -2 "$tmp/loo-self.out" "$tmp/loo-mut.out")"
  fi
  # what the alert names: for novelty, only labels no training run had
  # (each with its node); for distance, labels of the sketch the medoid
  # lacks, known ones among them (the control: novelty's choice differs)
  novel=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] == "alert":
        print(" ".join(str(x["novel"]).lower() for x in o["labels"]), all("node" in x for x in o["labels"]))
' "$tmp/loo-mut.out")
  case "$t:$novel" in
  novelty:*false*) not_ok "the novelty alert names a known label: novel? $novel" ;;
  novelty:true*True | distance:*false*True) ok "the $t alert names labels: novel? $novel" ;;
  *) not_ok "the $t alert's labels: novel? '$novel'" ;;
  esac
done

# the picture of an alert: where the nodes it named came from; the altered
# relation (reads made executable maps) is in it; without an alert, none
if "$sabpf" detect watch --model "$tmp/model" --dot "$tmp/alert.dot" "$tmp/mut-16.raw" >/dev/null &&
  dot -Tsvg "$tmp/alert.dot" >"$tmp/alert.svg" && grep -q '"mmap_exec"' "$tmp/alert.dot"; then
  ok "watch --dot: the alert's picture renders and shows the executable maps"
else
  not_ok "watch --dot on the altered copy: $(head -3 "$tmp/alert.dot")"
fi
if "$sabpf" detect watch --model "$tmp/model" --dot "$tmp/none.dot" "$golden" >/dev/null &&
  grep -q 'label="no alert"' "$tmp/none.dot" && ! grep -q -- '->' "$tmp/none.dot"; then
  ok "watch --dot without an alert: a graph saying so"
else
  not_ok "watch --dot on the training capture: $(head -3 "$tmp/none.dot")"
fi

# the pod in alerts: the altered capture with the identity `sabpf audit`
# keeps beside a raw file (FILE.identity.jsonl): alert and verdict carry
# the "identity" object of the JSON lines of the same capture, key for key
cp "$tmp/mut-16.raw" "$tmp/pod.raw"
cp "$tmp/mut-16.raw" "$tmp/pod41.raw"
identity_line() { # CGROUP: a containerd container of a Kubernetes pod
  printf '{"cgroup":%s,"runtime":"containerd","id":"%s","name":"web","image":"registry.example/web:1.2","pod_name":"web-0","pod_namespace":"prod","pod_uid":"0b9c3e52-1111-2222-3333-444455556666","containerd_namespace":"k8s.io"}\n' \
    "$1" "$(printf '%064d' 7)"
}
identity_line 40 >"$tmp/pod.raw.identity.jsonl"
identity_line 41 >"$tmp/pod41.raw.identity.jsonl"
# identities DIR.out JSONL: each alert's and verdict's identity (or
# "absent") and container_name, then the JSON lines' identity
identities() {
  python3 - "$@" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] in ("alert", "verdict"):
        print(o["type"], json.dumps(o.get("identity", "absent"), sort_keys=True), o.get("container_name"))
if len(sys.argv) > 2:
    ids = {json.dumps(json.loads(l).get("identity", "absent"), sort_keys=True) for l in open(sys.argv[2])}
    print("jsonl", *sorted(ids))
PY
}
"$sabpf" detect watch --model "$tmp/model" "$tmp/pod.raw" >"$tmp/pod.out" 2>&1
"$sabpf" convert -o "jsonl:$tmp/pod.jsonl" "$tmp/pod.raw"
identities "$tmp/pod.out" "$tmp/pod.jsonl" >"$tmp/pod.ids"
want=$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), sort_keys=True))' "$(identity_line 40 | sed 's/"cgroup":40,//')")
if [ "$(grep -c "^alert $want prod/web-0/web\$" "$tmp/pod.ids")" = 1 ] &&
  [ "$(grep -c "^verdict $want prod/web-0/web\$" "$tmp/pod.ids")" = 1 ] &&
  [ "$(grep '^jsonl' "$tmp/pod.ids")" = "jsonl $want" ]; then
  ok "alert and verdict name the pod: the identity of the JSON lines (pod_name, pod_namespace, ...), key for key"
else
  not_ok "identity in alerts: $(cat "$tmp/pod.ids")"
fi
# negative controls: no identity beside the capture, or one of another
# cgroup (41): no "identity" key, as in the JSON lines
"$sabpf" detect watch --model "$tmp/model" "$tmp/mut-16.raw" >"$tmp/noid.out" 2>&1
"$sabpf" detect watch --model "$tmp/model" "$tmp/pod41.raw" >"$tmp/id41.out" 2>&1
if [ "$(identities "$tmp/noid.out" | grep -c '"absent" None$')" = 2 ] &&
  [ "$(identities "$tmp/id41.out" | grep -c '"absent" None$')" = 2 ]; then
  ok "without an identity of its container (none, or another cgroup's) an alert has no identity key"
else
  not_ok "identity where there is none: $(identities "$tmp/noid.out") $(identities "$tmp/id41.out")"
fi
# a pod audited whole (container 40, no identity) whose tasks run in its
# container's cgroup 41 (their NODE records patched): the alert names that
# container and its pod
python3 - "$tmp/mut-16.raw" "$tmp/pod41.raw" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
off = 16 + struct.unpack_from("<I", data, 12)[0]
while off < len(data):
    typ, _, size = struct.unpack_from("<HHI", data, off)
    # NODE record of a task: ref.kind at 44, task cgroup_id at 120
    if typ == 1 and struct.unpack_from("<H", data, off + 44)[0] == 1:
        struct.pack_into("<Q", data, off + 120, 41)
    off += size
open(sys.argv[2], "wb").write(data)
PY
"$sabpf" detect watch --model "$tmp/model" "$tmp/pod41.raw" >"$tmp/task41.out" 2>&1
"$sabpf" convert -o "jsonl:$tmp/task41.jsonl" "$tmp/pod41.raw"
# (as in the JSON lines, the container's name stays its own: none)
if [ "$(identities "$tmp/task41.out" "$tmp/task41.jsonl" | grep -c "$want\( None\)\?\$")" = 3 ]; then
  ok "a pod audited whole: the alert names its tasks' container and pod, as the JSON lines do"
else
  not_ok "identity of the tasks' cgroup: $(identities "$tmp/task41.out")"
fi

# --dot from standard input (a live stream): the same picture as from the
# file, and graphviz renders it; the pictures of the two altered copies
# differ (so that the comparison can fail)
"$sabpf" detect watch --model "$tmp/model" --dot "$tmp/stdin16.dot" - <"$tmp/mut-16.raw" >/dev/null 2>&1
"$sabpf" detect watch --model "$tmp/model" --dot "$tmp/alert17.dot" "$tmp/mut-17.raw" >/dev/null 2>&1
if cmp -s "$tmp/stdin16.dot" "$tmp/alert.dot" && dot -Tsvg "$tmp/stdin16.dot" >"$tmp/stdin16.svg" &&
  ! cmp -s "$tmp/alert17.dot" "$tmp/alert.dot" && [ ! -e "$tmp/stdin16.dot.tmp" ]; then
  ok "watch --dot FILE - (standard input): the file's picture, byte for byte, and it renders"
else
  not_ok "watch --dot from standard input: $(diff "$tmp/stdin16.dot" "$tmp/alert.dot" | head -3)"
fi
# at the alert, FILE is the picture of what was read until then: the
# stream is held after the alert's record (cut_capture.py) until FILE
# appears; that picture is the file mode's of the capture cut there, and
# not the final one (negative control), which FILE is at the end
edges=$(field "$tmp/mut-16.out" alert edges)
python3 tests/detect/cut_capture.py "$tmp/mut-16.raw" 40 "$edges" "$tmp/head.raw" "$tmp/tail.bin" >/dev/null
"$sabpf" detect watch --model "$tmp/model" --dot "$tmp/head.dot" "$tmp/head.raw" >/dev/null 2>&1
rm -f "$tmp/live.dot"
{
  cat "$tmp/head.raw"
  for _ in $(seq 100); do [ -e "$tmp/live.dot" ] && break; sleep 0.1; done
  cp "$tmp/live.dot" "$tmp/at-alert.dot"
  cat "$tmp/tail.bin"
} | "$sabpf" detect watch --model "$tmp/model" --dot "$tmp/live.dot" - >"$tmp/live.out" 2>&1
if cmp -s "$tmp/at-alert.dot" "$tmp/head.dot" && ! cmp -s "$tmp/at-alert.dot" "$tmp/live.dot" &&
  cmp -s "$tmp/live.dot" "$tmp/alert.dot"; then
  ok "watch --dot live: at the alert (edge $edges), the picture of the capture cut there; at the end, the whole one"
else
  not_ok "watch --dot at the alert: $(diff "$tmp/at-alert.dot" "$tmp/head.dot" | head -3)"
fi

# a model of another format version is refused, naming both versions: a
# later one (9), and one of format 1 (before the leave-one-out tests: its
# head is shorter, so it is refused by its version, not as truncated)
python3 - "$tmp/model" "$tmp/model-v9" "$tmp/model-v1" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", b, 8, 9)
open(sys.argv[2], "wb").write(b)
struct.pack_into("<I", b, 8, 1)
open(sys.argv[3], "wb").write(b[:12 + 4 + 48])  # format 1's head: its parameters were 48 bytes
PY
for v in 9 1; do
  if ! "$sabpf" detect watch --model "$tmp/model-v$v" "$golden" >/dev/null 2>"$tmp/v$v.err" &&
    grep -q "format version $v, but this sabpf reads version 2: rebuild it" "$tmp/v$v.err"; then
    ok "a model of format version $v is refused: $(cat "$tmp/v$v.err")"
  else
    not_ok "model of version $v: $(cat "$tmp/v$v.err")"
  fi
done

# bad input: a training parameter given to watch, a bad number, no capture
expect_refusal() { # WANT_RC PATTERN ARGS...
  local want=$1 pat=$2 rc
  shift 2
  "$sabpf" "$@" >/dev/null 2>"$tmp/refuse.err"
  rc=$?
  if [ "$rc" = "$want" ] && grep -q -- "$pat" "$tmp/refuse.err"; then
    ok "refused (exit $rc): sabpf $*"
  else
    not_ok "sabpf $*: exit $rc, expected $want with '$pat': $(head -2 "$tmp/refuse.err")"
  fi
}
expect_refusal 2 "is a training parameter" detect watch --model "$tmp/model" --hops 2 "$golden"
expect_refusal 2 "not a whole number from 1 to 5" detect train -o "$tmp/m2" --hops 9 "$golden"
expect_refusal 2 "not a number from 0 to 100" detect train -o "$tmp/m2" --lambda x "$golden"
expect_refusal 1 "cannot open raw file" detect watch --model "$tmp/model" "$tmp/none.raw"
expect_refusal 1 "not a sabpf detector model" detect watch --model "$golden" "$golden"
expect_refusal 2 "follow reads a Kafka topic" detect watch --model "$tmp/model" --follow "$golden"
expect_refusal 2 "is for watch" detect train -o "$tmp/m2" --follow "$golden"
expect_refusal 2 "cannot be trained on" detect train -o "$tmp/m2" -
expect_refusal 2 "is for watch" detect train -o "$tmp/m2" --dot "$tmp/x.dot" "$golden"
expect_refusal 2 "'nove' is no test" detect watch --model "$tmp/model" --tests distance,nove "$golden"
expect_refusal 2 "is a training parameter" detect watch --model "$tmp/model" --half-life 2 "$golden"
expect_refusal 2 "not a number from 0 to 1e+06" detect train -o "$tmp/m2" --half-life -1 "$golden"
# a training graph of too many sketches (clustering compares every pair)
python3 bench/detect/tile_capture.py "$golden" "$tmp/tiled.raw" 12
expect_refusal 1 "more than the 4096 a graph may have" detect train -o "$tmp/m3" --batch 1 \
  --sketch-size 8 "$tmp/tiled.raw"
# negative control of the refusals: the same commands, valid, succeed
if "$sabpf" detect train -o "$tmp/m2" --hops 2 --lambda 0 "$golden" 2>/dev/null &&
  "$sabpf" detect train -o "$tmp/m3" --batch 8 --sketch-size 8 "$tmp/tiled.raw" 2>/dev/null &&
  "$sabpf" detect watch --model "$tmp/m2" --stds 3 --tests distance,novelty "$golden" >/dev/null &&
  "$sabpf" detect train -o "$tmp/m4" --half-life 0 --decay 500 "$golden" 2>/dev/null; then
  ok "the same options, valid, are accepted"
else
  not_ok "valid options refused"
fi

# Kafka as a source: topics of the agent's Kafka sink filled from the
# captures (sabpf convert -o kafka:...,format=raw) on librdkafka's mock
# cluster (build/tools/kafka-mock, as tests/native/scenarios/50-kafka.sh)
mock_bin=$(dirname "$sabpf")/tools/kafka-mock
B=
if [ -x "$mock_bin" ]; then
  # shellcheck source=tests/tools/kafka_mock.sh
  . tests/tools/kafka_mock.sh
  mock_start "$mock_bin" "$tmp" "$tmp/mock.err" g:2 g2:1 mut:2 jsonl:1 mixed:1 live:1
  trap 'mock_stop; rm -rf "$tmp"' EXIT
fi
produce() { # CAPTURE TOPIC [OPTIONS]: the capture's records into the topic
  "$sabpf" convert -o "kafka:$B/$2,format=raw,node=test-node,spool=$tmp/spool${3:-}" "$1" 2>>"$tmp/produce.err"
}
# model_bytes MODEL NAME...: the model with its graph names (length and
# bytes) replaced by 1, 2, ... in order: models that differ only by names
# are then equal
model_bytes() {
  python3 - "$@" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
for i, name in enumerate(sys.argv[2:]):
    n = name.encode()
    old = struct.pack("<I", len(n)) + n
    assert b.count(old) == 1, (name, b.count(old))
    b = b.replace(old, struct.pack("<I", 1) + str(i + 1).encode())
sys.stdout.buffer.write(b)
PY
}
if [ -z "$B" ]; then
  not_ok "the Kafka mock cluster did not start ($mock_bin; make all builds it): $(cat "$tmp/mock.err" 2>/dev/null)"
elif produce "$golden" g && produce "$golden" g2 && produce "$tmp/mut-16.raw" mut &&
  produce "$golden" jsonl ",format=jsonl" && produce "$golden" mixed ",node=node-a" &&
  produce "$golden" mixed ",node=node-b"; then
  # a model trained from topics is the model trained from the files, but
  # for the graphs' names (two sources: the leave-one-out pass reads each
  # topic again); a model of other records is not (negative control)
  "$sabpf" detect train -o "$tmp/model-k" --batch 50 --novelty-floor 0 "kafka:$B/g" "kafka:$B/g2" \
    2>"$tmp/train-k.err"
  model_bytes "$tmp/model2" "$golden#40" "$tmp/twin.raw#40" >"$tmp/model2.bytes"
  model_bytes "$tmp/model-k" "kafka:g@test-node#40" "kafka:g2@test-node#40" >"$tmp/model-k.bytes"
  "$sabpf" detect train -o "$tmp/model-km" --batch 50 --novelty-floor 0 "kafka:$B/g" "kafka:$B/mut" 2>/dev/null
  model_bytes "$tmp/model-km" "kafka:g@test-node#40" "kafka:mut@test-node#40" >"$tmp/model-km.bytes"
  if cmp -s "$tmp/model2.bytes" "$tmp/model-k.bytes" && ! cmp -s "$tmp/model2.bytes" "$tmp/model-km.bytes" &&
    grep -q "kafka:g@test-node#40: 364 edges, 8 sketches" "$tmp/train-k.err"; then
    ok "train kafka:BROKERS/TOPIC...: the model of the files byte for byte, but for its graphs' names (kafka:TOPIC@NODE#ID)"
  else
    not_ok "train from topics: $(cat "$tmp/train-k.err")"
  fi
  # watch of a topic: the alerts, verdict and picture of the file (not
  # those of the other altered copy: the comparison can fail)
  "$sabpf" detect watch --model "$tmp/model" --dot "$tmp/topic.dot" "kafka:$B/mut" >"$tmp/topic.out" 2>&1
  if cmp -s <(grep -v '"stats"' "$tmp/topic.out") <(grep -v '"stats"' "$tmp/mut-16.out") &&
    ! cmp -s <(grep -v '"stats"' "$tmp/topic.out") <(grep -v '"stats"' "$tmp/mut-17.out") &&
    grep -q '"type":"alert"' "$tmp/topic.out" && cmp -s "$tmp/topic.dot" "$tmp/alert.dot"; then
    ok "watch kafka:BROKERS/TOPIC: the file's alert, verdict and --dot picture"
  else
    not_ok "watch of a topic: $(diff <(grep -v '"stats"' "$tmp/topic.out") <(grep -v '"stats"' "$tmp/mut-16.out") | head -4)"
  fi
  # the other node of a topic of two (node=): the capture's verdict; the
  # same topic as a whole is refused (below)
  "$sabpf" detect watch --model "$tmp/model" "kafka:$B/mixed,node=node-b" >"$tmp/node-b.out" 2>&1
  if cmp -s <(grep -v '"stats"' "$tmp/node-b.out") <(grep -v '"stats"' "$tmp/self.out"); then
    ok "watch kafka:BROKERS/TOPIC,node=NAME: that node's records only"
  else
    not_ok "watch of one node of a topic: $(head -3 "$tmp/node-b.out")"
  fi
  # --follow: a topic empty at start, filled while watched: the alert comes
  # as the records do; SIGINT ends it with the verdicts (exit 0)
  "$sabpf" detect watch --model "$tmp/model" --follow "kafka:$B/live" >"$tmp/follow.out" 2>&1 &
  watch_pid=$!
  sleep 0.5
  produce "$tmp/mut-16.raw" live
  for _ in $(seq 100); do grep -q '"type":"alert"' "$tmp/follow.out" && break; sleep 0.1; done
  kill -INT $watch_pid
  wait $watch_pid
  rc=$?
  if [ "$rc" = 0 ] && cmp -s <(grep '"type":"alert"' "$tmp/follow.out") <(grep '"type":"alert"' "$tmp/mut-16.out") &&
    ! cmp -s <(grep '"type":"alert"' "$tmp/follow.out") <(grep '"type":"alert"' "$tmp/mut-17.out") &&
    [ "$(field "$tmp/follow.out" verdict abnormal)" = true ]; then
    ok "watch --follow kafka:...: the alert as the records come, the verdict at SIGINT (exit 0)"
  else
    not_ok "watch --follow: exit $rc: $(head -3 "$tmp/follow.out")"
  fi
  # refused: a topic of JSON lines, one of two nodes' records, a topic
  # with nothing (the mock makes a missing topic, empty, when asked), a
  # broker that does not answer, a bad spec
  expect_refusal 1 "topic 'jsonl' holds jsonl messages .*write it with -o kafka:BROKERS/TOPIC,format=raw" \
    detect watch --model "$tmp/model" "kafka:$B/jsonl"
  expect_refusal 1 "more than one node ('node-a', 'node-b', ...).*node=NAME" \
    detect watch --model "$tmp/model" "kafka:$B/mixed"
  expect_refusal 1 "topic 'nosuch' on $B holds no sabpf record" \
    detect train -o "$tmp/m5" "kafka:$B/nosuch"
  expect_refusal 1 "cannot read topic 'g' from 127.0.0.1:1: .*is a broker up there" \
    detect watch --model "$tmp/model" --timeout 1 "kafka:127.0.0.1:1/g"
  expect_refusal 2 "topic 'a/b' has '/'" detect watch --model "$tmp/model" "kafka:$B/a/b"
  expect_refusal 2 "not a number from 0.001 to 86400" detect watch --model "$tmp/model" --timeout 0 "kafka:$B/g"
else
  not_ok "could not fill the topics: $(tail -3 "$tmp/produce.err")"
fi

# lineage: `cat /tmp/a | tr o 0 > /tmp/b; mv /tmp/b /tmp/c` in the golden workload
lineage_files() { # DIRECTION SPEC: the file paths of the lineage, sorted, one line
  "$sabpf" lineage "$golden" "$1" "$2" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(sorted({n["text"] for n in d["nodes"] if n["kind"] == "file" and "text" in n})))'
}
got=$(lineage_files --backward /tmp/c)
if [ "$got" = "/bin/busybox /tmp/a /tmp/b /tmp/c" ]; then
  ok "lineage: /tmp/c comes from /tmp/a through cat, the pipe and tr, and from nothing later"
else
  not_ok "lineage --backward /tmp/c: files '$got'"
fi
got=$(lineage_files --forward /tmp/a)
case " $got " in
*" /tmp/c "*) ok "lineage: /tmp/a leads to /tmp/c" ;;
*) not_ok "lineage --forward /tmp/a: files '$got'" ;;
esac
# negative control: /tmp/a does not come from /tmp/c
got=$(lineage_files --backward /tmp/a)
case " $got " in
*" /tmp/c "* | *" /tmp/b "*) not_ok "lineage --backward /tmp/a reaches later files: '$got'" ;;
*" /tmp/a "*) ok "lineage: /tmp/a does not come from /tmp/b or /tmp/c ($got)" ;;
*) not_ok "lineage --backward /tmp/a: files '$got'" ;;
esac
# across a TCP connection: what nc -l wrote came from the other nc's argv,
# through the packet
if "$sabpf" lineage "$golden" --backward /tmp/tcp-in >"$tmp/tcp.txt" &&
  grep -q "argv .* nc 127.0.0.1 7000$" "$tmp/tcp.txt" && grep -q "packet .* tcp 127.0.0.1:" "$tmp/tcp.txt"; then
  ok "lineage: /tmp/tcp-in comes from 'nc 127.0.0.1 7000' through a packet"
else
  not_ok "lineage --backward /tmp/tcp-in: $(head -5 "$tmp/tcp.txt")"
fi
# the DOT picture renders with graphviz
if "$sabpf" lineage "$golden" --backward /tmp/c --dot "$tmp/l.dot" >/dev/null &&
  dot -Tsvg "$tmp/l.dot" >"$tmp/l.svg" 2>"$tmp/dot.err" && grep -q "/tmp/a" "$tmp/l.svg"; then
  ok "lineage --dot renders with graphviz"
else
  not_ok "lineage --dot: $(head -3 "$tmp/dot.err")"
fi
expect_refusal 1 "neither a node" lineage "$golden" --backward tmp/c
expect_refusal 1 "nothing in the capture is '/no/such'" lineage "$golden" --forward /no/such
expect_refusal 2 "give one of --backward and --forward" lineage "$golden" --backward /tmp/c --forward /tmp/a

echo "detect: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
