#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# timeout: 300
# 58-soak.sh: the whole pipeline of one node under a mixed workload, with
# its failures (docs/operations.md, "A node's pipeline, end to end"): three
# containers (cgroups) write, rename, read and execute throughout while one
# agent (`audit --backend trace --pin DIR`, three --cgroup, -o kafka:...,
# --metrics) streams to librdkafka's mock cluster
# (build/tools/kafka-mock); on the way
#   1. the broker goes away and comes back (the disk spool takes the
#      records, nothing is lost);
#   2. the agent is restarted (SIGTERM, a gap with no agent, the next one
#      takes over the pinned kernel side with --unpin to end it all);
#   3. the broker goes away until the spool is full (records are lost,
#      counted, told by LOST records of cause spool).
# At the end every record the kernel numbered is accounted for, exactly:
# tests/native/soak_check.py compares the kernel's per-CPU sequence
# counters and loss table (bpftool), both agents' --stats and Kafka
# summaries, the metrics page, `sabpf consume`'s per node/run/CPU
# completeness and kcat's per-container message counts. Negative controls:
# the checker fails on the same data with one message taken out, and with
# one loss count faked.
#   SOAK_SECONDS (default 40): the workload's length between the events
#   (the outages and the restart add their own time); SOAK_PACE (default
#   0.3): each container's pause between iterations, in seconds.
#   bench/soak.sh runs it longer and keeps the figures
#   ($OUT/soak-figures.json).

fails=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fails=$((fails + 1))
}
mkdir -p "$OUT"
T=${SOAK_SECONDS:-40}
PACE=${SOAK_PACE:-0.3}
repo=$(cd "$(dirname "$0")/../../.." && pwd)
tools=$(dirname "$SABPF")/tools
PATH=${SABPF_TOOLS:-/var/cache/sabpf-tools}/bin:$PATH
for t in kcat bpftool curl; do
  command -v $t >/dev/null || {
    not_ok "$t is not installed (scripts/install-deps.sh installs it)"
    exit 1
  }
done
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
w=$(mktemp -d /tmp/sabpf-soak.XXXXXX)
pins=/sys/fs/bpf/sabpf-test-soak-$$
pods=""
for n in files exec mixed; do
  mkdir -p "$cg/sabpf-native-soak-$n.$$"
  pods="$pods $cg/sabpf-native-soak-$n.$$"
done
t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
log() { echo "# $(elapsed) s: $*"; }

# the mock cluster: commands to the FIFO $w/ctl (fd 3), answers in $w/mock.out
. "$(dirname "$SABPF")/../tests/tools/kafka_mock.sh"
mock_start "$tools/kafka-mock" "$w" "$OUT/soak-mock.err" soak:4
mockctl() {
  echo "$1" >&3
  i=0
  while [ "$(grep -c "^ok $1\$" "$w/mock.out")" -lt "$2" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  [ "$(grep -c "^ok $1\$" "$w/mock.out")" -ge "$2" ]
}
agent="" loads=""
cleanup() {
  touch "$w/stop"
  [ -n "$agent" ] && kill -TERM "$agent" 2>/dev/null && wait "$agent"
  for j in $loads; do wait "$j"; done
  mock_stop
  rm -rf "$pins"
  for p in $pods; do rmdir "$p" 2>/dev/null; done
  rm -rf "$w"
}
if [ -z "$B" ]; then
  not_ok "the mock cluster did not start: $(cat "$OUT/soak-mock.err")"
  cleanup
  exit 1
fi

# one spool for both agents: 256 KiB, which the second outage fills (the
# first must not: the broker comes back as soon as the spool holds records;
# a larger spool lets the topic outgrow the mock's 5 MiB per partition); the
# producer tries the broker again every 0.5 s at most (librdkafka: 10 s)
KAFKA="kafka:$B/soak,format=raw,spool=$w/spool,spool.size=256K,queue.buffering.max.messages=200,flush.timeout=20,reconnect.backoff.ms=100,reconnect.backoff.max.ms=500"
start_agent() { # NAME [OPTIONS]
  name=$1
  shift
  set -- "$@"
  for p in $pods; do set -- "$@" --cgroup "$p"; done
  "$SABPF" audit --backend trace --pin "$pins" -o "$KAFKA" --metrics 127.0.0.1:0 \
    --stats "$OUT/soak-$name.stats.json" "$@" >"$OUT/soak-$name.stdout" 2>"$OUT/soak-$name.stderr" &
  agent=$!
  # (cat: the file may not be there yet, and grep -c prints a number)
  i=0
  while [ "$(cat "$OUT/soak-$name.stderr" 2>/dev/null | grep -c '^sabpf: auditing')" -lt 3 ] &&
    [ $i -lt 1200 ] && kill -0 "$agent" 2>/dev/null; do
    sleep 0.05
    i=$((i + 1))
  done
  url=$(sed -n 's|^sabpf: metrics at \(http://[0-9.:]*\)/metrics$|\1|p' "$OUT/soak-$name.stderr")
  if [ "$(grep -c '^sabpf: auditing' "$OUT/soak-$name.stderr")" = 3 ] && [ -n "$url" ]; then
    ok "agent $name audits the 3 containers, metrics at $url"
  else
    not_ok "agent $name did not start: $(tail -3 "$OUT/soak-$name.stderr")"
    cleanup
    exit 1
  fi
}
metric() { # NAME{LABELS} from a fresh scrape (empty if absent)
  curl -s "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
waitmetric() { # NAME AWK-TEST SECONDS: until the value passes the test
  i=0
  while [ $i -lt $(($3 * 10)) ]; do
    v=$(metric "$1")
    [ -n "$v" ] && awk -v v="$v" "BEGIN { exit !($2) }" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# workload CGROUP KIND: a bash moved into the cgroup, looping until
# $w/stop; each iteration writes and reads files (files), runs a program
# (exec), or writes, lists, links and removes (mixed: a program every 5th
# iteration); it pauses with bash's own read -t, not a sleep program. The
# pace keeps each container's records within what one partition of the
# mock cluster holds (5 MiB, about 12000 records).
workload() {
  d=$w/$2
  mkdir -p "$d"
  mkfifo "$d.pause"
  for j in 0 1 2 3 4; do echo 0 >"$d/f$j"; done
  bash -c 'echo $$ >"$0/cgroup.procs" || exit 1; d=$1/$2; i=0; exec 5<>"$d.pause"
    while [ ! -e "$1/stop" ]; do
    i=$((i + 1))
    case $2 in
    files) echo $i >"$d/f$((i % 5))"; read -r x <"$d/f$(((i + 1) % 5))" 2>/dev/null
           [ $((i % 10)) = 0 ] && mv "$d/f1" "$d/g1" ;;
    exec)  /bin/true ;;
    *)     echo $i >"$d/m$((i % 4))"
           [ $((i % 5)) = 0 ] && { ls "$d" >/dev/null; ln -sf m0 "$d/l"; rm -f "$d/l"; } ;;
    esac
    read -r -t "$3" x <&5; done' "$1" "$w" "$2" "$PACE" &
  loads="$loads $!"
}

# ---- agent A, the workload, outage 1 ----
log "agent A"
start_agent A
A=$agent
set -- $pods
workload "$1" files
workload "$2" exec
workload "$3" mixed
sleep "$(awk -v t="$T" 'BEGIN { print t * 0.2 }')"
log "outage 1: broker down"
mockctl "down 1" 1 || not_ok "could not take the broker down"
waitmetric 'sabpf_kafka_spool_records{topic="soak"}' 'v > 0' 30 &&
  ok "outage 1: the spool takes records (sabpf_kafka_spool_records $(metric 'sabpf_kafka_spool_records{topic="soak"}'))" ||
  not_ok "outage 1: nothing in the spool"
mockctl "up 1" 1 || not_ok "could not bring the broker back"
log "outage 1: broker back"
waitmetric 'sabpf_kafka_spool_records{topic="soak"}' 'v == 0' 60 &&
  ok "outage 1: the spool is sent once the broker is back (0 records waiting at $(elapsed) s)" ||
  not_ok "outage 1: the spool still holds $(metric 'sabpf_kafka_spool_records{topic="soak"}') records"
[ "$(metric 'sabpf_kafka_records_lost_total{topic="soak",cause="spool"}')" = 0 ] &&
  ok "outage 1: nothing lost" || not_ok "outage 1: records lost"

# ---- the restart ----
sleep "$(awk -v t="$T" 'BEGIN { print t * 0.3 }')"
log "restart: agent A stopped"
kill -TERM "$A"
wait "$A"
rc=$?
agent=""
[ "$rc" = 0 ] && ok "agent A stops cleanly" || not_ok "agent A exited $rc: $(tail -3 "$OUT/soak-A.stderr")"
sleep 1.5
log "restart: agent B"
start_agent B --unpin
grep -q '^sabpf: took over the pinned kernel side' "$OUT/soak-B.stderr" 2>/dev/null ||
  sleep 1
grep -q '^sabpf: took over the pinned kernel side' "$OUT/soak-B.stderr" &&
  ok "agent B took over: $(sed -n 's/^sabpf: took over the pinned kernel side: //p' "$OUT/soak-B.stderr")" ||
  not_ok "agent B did not take over: $(tail -3 "$OUT/soak-B.stderr")"

# ---- outage 2: until the spool is full ----
sleep "$(awk -v t="$T" 'BEGIN { print t * 0.2 }')"
log "outage 2: broker down"
mockctl "down 1" 2 || not_ok "could not take the broker down"
i=0
while ! grep -q "spool .* is full" "$OUT/soak-B.stderr" && [ $i -lt 1200 ]; do
  sleep 0.1
  i=$((i + 1))
done
grep -q "spool .* is full" "$OUT/soak-B.stderr" && ok "outage 2: the spool is full ($(elapsed) s)" ||
  not_ok "outage 2: the spool never filled"
sleep 1
mockctl "up 1" 2 || not_ok "could not bring the broker back"
log "outage 2: broker back"
waitmetric 'sabpf_kafka_spool_records{topic="soak"}' 'v == 0' 60 &&
  ok "outage 2: the spool is sent once the broker is back (0 records waiting at $(elapsed) s)" ||
  not_ok "outage 2: the spool still holds $(metric 'sabpf_kafka_spool_records{topic="soak"}') records"

# ---- the end: stop the workload, let it settle, take the counts ----
sleep "$(awk -v t="$T" 'BEGIN { print t * 0.3 }')"
log "end of the workload"
touch "$w/stop"
for j in $loads; do wait "$j"; done
loads=""
prev=-1 cur=-2 i=0
while [ "$cur" != "$prev" ] && [ $i -lt 40 ]; do
  sleep 0.5
  prev=$cur
  cur=$(metric sabpf_records_total)
  i=$((i + 1))
done
curl -s "$url/metrics" >"$OUT/soak-B.prom"
if promtool check metrics <"$OUT/soak-B.prom" >"$OUT/soak-promtool.log" 2>&1; then
  ok "promtool check metrics passes on agent B's page (with the Kafka and per-container series)"
else
  not_ok "promtool: $(cat "$OUT/soak-promtool.log")"
fi
# the kernel's own counters, read from the pinned maps before B detaches
bpftool -j map dump pinned "$pins/maps/cpu_states" >"$OUT/soak-cpu_states.json" 2>"$OUT/soak-bpftool.err" &&
  bpftool -j map dump pinned "$pins/maps/lost_by_container" >"$OUT/soak-lost_by_container.json" 2>>"$OUT/soak-bpftool.err" ||
  not_ok "bpftool: $(cat "$OUT/soak-bpftool.err")"
log "agent B stopped"
kill -TERM "$agent"
wait "$agent"
rc=$?
agent=""
[ "$rc" = 0 ] && ok "agent B stops cleanly" || not_ok "agent B exited $rc: $(tail -3 "$OUT/soak-B.stderr")"
[ ! -e "$pins" ] && ok "--unpin removed $pins" || not_ok "$pins is still there"

kcat -b "$B" -C -t soak -e -q -f '%p %h\n' >"$OUT/soak.kcat" 2>"$OUT/soak-kcat.err"
"$SABPF" consume --stats "$OUT/soak-consume.json" "$B/soak" >"$OUT/soak-consume.out" 2>&1
rc=$?
[ "$rc" = 0 ] && ok "sabpf consume: complete (exit 0)" ||
  not_ok "sabpf consume exit $rc: $(tail -3 "$OUT/soak-consume.out")"
for p in $pods; do echo "$(stat -c %i "$p") $p"; done >"$OUT/soak-containers.txt"
log "checks"

check() { # NAME [KCAT] [B-STATS]: runs the checker; its exit status
  /usr/bin/python3 "$repo/tests/native/soak_check.py" --out "$OUT" --seconds "$T" \
    ${2:+--kcat "$2"} ${3:+--stats-b "$3"} --figures "$OUT/soak-figures-$1.json" >"$OUT/soak-check-$1.log" 2>&1
}
if check real; then
  mv "$OUT/soak-figures-real.json" "$OUT/soak-figures.json"
  ok "every record accounted for: $(tail -1 "$OUT/soak-check-real.log")"
else
  not_ok "accounting: $(grep -v '^ok' "$OUT/soak-check-real.log" | head -5)"
fi
awk '/sabpf.type=edge/ && !done && ++n == 7 { done = 1; next } { print }' "$OUT/soak.kcat" >"$OUT/soak-drop1.kcat"
[ "$(wc -l <"$OUT/soak-drop1.kcat")" -eq $(($(wc -l <"$OUT/soak.kcat") - 1)) ] &&
  ! check drop1 "$OUT/soak-drop1.kcat" &&
  ok "negative control: one message taken out of kcat's view fails the check ($(grep -m1 '^not ok' "$OUT/soak-check-drop1.log"))" ||
  not_ok "negative control: the check passed without one message"
/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
d["containers"][0]["lost"]["spool"] += 1
d["lost"] += 1
json.dump(d, open(sys.argv[2], "w"))' "$OUT/soak-B.stats.json" "$OUT/soak-fake-B.stats.json"
! check fakelost "" "$OUT/soak-fake-B.stats.json" &&
  ok "negative control: one faked lost count fails the check ($(grep -m1 '^not ok' "$OUT/soak-check-fakelost.log"))" ||
  not_ok "negative control: the check passed with a faked lost count"

cleanup
[ "$fails" -eq 0 ]
