#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# workload.sh: one run of a benign workload of the detector's evaluation
# (bench/detect/eval.sh), meant to run inside an audited container
# (`sabpf run --backend trace -- bench/detect/workload.sh ...`), optionally
# with an attack injected at a random point of it.
#
#   workload.sh KIND SEED DIR PORT [ATTACK APORT]
#
# KIND: web (busybox httpd with a CGI, under curl load), db (redis-server
# under redis-benchmark, then sqlite3), build (a generated C project, make
# and gcc), batch (file processing: sort, gzip, sha256sum, awk), maint (a
# maintenance script: log rotation, clean-up, backup, disk usage). Sizes,
# counts and orders are random, so runs of one kind vary naturally. SEED
# seeds $RANDOM, but rnd runs in command substitutions, where bash draws
# $RANDOM anew: the seed does not make a run repeatable.
# DIR is the run's private work directory (the container's home), PORT a
# free loopback port for the workload's own server.
#
# With SOAK_SECONDS set (eval.py soak), the workload runs again and again
# for that long, each round in DIR/rN on port PORT+N.
#
# ATTACK (bench/detect/attacks.sh) runs between two steps of the workload;
# APORT is the port of the attacker's server outside the container
# (bench/detect/attacker.py). Right before the attack the file
# DIR/ATTACK_BEGIN is written: its first record is the first attack edge,
# from which eval.py measures detection latency. Everything stays on
# loopback and in DIR.
set -u
kind=$1 seed=$2 dir=$3 port=$4 attack=${5:-} aport=${6:-0}
here=$(cd "$(dirname "$0")" && pwd)
RANDOM=$seed
export HOME=$dir/home
mkdir -p "$HOME" "$dir/tmp"
export TMPDIR=$dir/tmp
rnd() { echo $(((RANDOM % ($2 - $1 + 1)) + $1)); } # rnd LO HI

# the attack happens after step number $at (of the workload's steps)
steps=4
at=$(rnd 1 $((steps - 1)))
step_done() {
  [ -n "$attack" ] && [ "$1" = "$at" ] || return 0
  echo "$attack" >"$dir/ATTACK_BEGIN"
  # shellcheck source=bench/detect/attacks.sh
  (. "$here/attacks.sh" && "attack_$attack" "$dir" "$aport" "$port") >/dev/null 2>&1
}

web() {
  local root=$dir/www n i f
  mkdir -p "$root/cgi-bin" "$root/static"
  for i in $(seq "$(rnd 5 20)"); do
    head -c "$(rnd 200 20000)" /dev/urandom | base64 >"$root/static/f$i.txt"
  done
  printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\ndate\nuptime\n' >"$root/cgi-bin/status"
  chmod +x "$root/cgi-bin/status"
  echo '<html>hello</html>' >"$root/index.html"
  busybox httpd -f -p "127.0.0.1:$port" -h "$root" &
  local srv=$!
  sleep 0.3
  step_done 1
  n=$(rnd 10 40)
  for i in $(seq "$n"); do
    f=f$(rnd 1 5).txt
    curl -s -o /dev/null "http://127.0.0.1:$port/static/$f"
  done
  step_done 2
  for i in $(seq "$(rnd 1 4)"); do curl -s -o /dev/null "http://127.0.0.1:$port/cgi-bin/status"; done
  curl -s -o /dev/null "http://127.0.0.1:$port/"
  step_done 3
  kill $srv
  wait $srv 2>/dev/null
}

db() {
  local d=$dir/redis tests
  mkdir -p "$d"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$d" \
    --daemonize no --loglevel warning --logfile "$d/redis.log" &
  local srv=$!
  sleep 0.5
  step_done 1
  tests=$(printf 'set\nget\nincr\nlpush\nrpop\nsadd\nhset\n' | shuf --random-source=<(yes "$seed") | head -n "$(rnd 2 4)" | paste -sd,)
  redis-benchmark -p "$port" -q -n "$(rnd 200 1500)" -c "$(rnd 1 4)" -t "$tests" >/dev/null
  step_done 2
  redis-cli -p "$port" info >"$d/info.txt"
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
  wait $srv 2>/dev/null
  local db=$d/app.db i
  sqlite3 "$db" 'create table t(id integer primary key, k text, v integer);'
  for i in $(seq "$(rnd 20 200)"); do echo "insert into t(k,v) values('k$i',$RANDOM);"; done |
    sqlite3 "$db"
  step_done 3
  sqlite3 "$db" 'select k, v from t order by v desc limit 5; select count(*), sum(v) from t;' >"$d/report.txt"
}

build() {
  local p=$dir/proj n i
  mkdir -p "$p"
  n=$(rnd 2 5)
  : >"$p/main.c"
  for i in $(seq "$n"); do
    printf 'int f%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * %d; return s; }\n' \
      "$i" "$(rnd 1 9)" >"$p/f$i.c"
    echo "int f$i(int x);" >>"$p/main.c"
  done
  { echo '#include <stdio.h>'
    echo 'int main(void) { int s = 0;'
    for i in $(seq "$n"); do echo "s += f$i($(rnd 10 100));"; done
    echo 'printf("%d\n", s); return 0; }'; } >>"$p/main.c"
  { echo "OBJS = main.o $(for i in $(seq "$n"); do printf 'f%d.o ' "$i"; done)"
    printf 'app: $(OBJS)\n\tgcc -o $@ $(OBJS)\n%%.o: %%.c\n\tgcc -O1 -c $<\n'
    printf 'clean:\n\trm -f app *.o\n'; } >"$p/Makefile"
  step_done 1
  make -s -C "$p" >/dev/null
  step_done 2
  "$p/app" >"$p/out.txt"
  touch "$p/f1.c"
  make -s -C "$p" >/dev/null
  step_done 3
  [ "$(rnd 0 1)" = 1 ] && make -s -C "$p" clean
}

batch() {
  local in=$dir/in out=$dir/out i
  mkdir -p "$in" "$out"
  for i in $(seq "$(rnd 4 15)"); do
    seq "$(rnd 100 3000)" | shuf --random-source=<(yes "$seed$i") | awk '{print $1, $1 % 7, "row" $1}' >"$in/part$i.csv"
  done
  step_done 1
  for f in "$in"/*.csv; do
    sort -k2,2n -k1,1n "$f" >"$out/$(basename "$f" .csv).sorted"
  done
  step_done 2
  awk '{s[$2] += $1} END {for (k in s) print k, s[k]}' "$out"/*.sorted >"$out/summary.txt"
  sha256sum "$out"/*.sorted >"$out/SHA256SUMS"
  step_done 3
  gzip -f "$out"/*.sorted
  ls -l "$out" >"$out/listing.txt"
}

maint() {
  local logs=$dir/var/log bak=$dir/backup i
  mkdir -p "$logs" "$bak" "$dir/etc"
  for i in $(seq "$(rnd 3 8)"); do
    seq "$(rnd 50 500)" | sed "s/^/$(date +%s) app$i: event /" >"$logs/app$i.log"
  done
  echo "retention=$(rnd 1 9)" >"$dir/etc/maint.conf"
  step_done 1
  . "$dir/etc/maint.conf"
  for f in "$logs"/*.log; do mv "$f" "$f.1" && gzip -f "$f.1"; done
  find "$logs" -name '*.gz' -size +1k -print >"$dir/rotated.txt"
  step_done 2
  tar czf "$bak/etc-$(date +%s).tgz" -C "$dir" etc 2>/dev/null
  du -sh "$dir" >"$dir/du.txt"
  df -h "$dir" >"$dir/df.txt"
  ls -l "$logs" >/dev/null
  step_done 3
  [ "$(rnd 0 1)" = 1 ] && find "$logs" -name 'app1*' -delete
  ps >/dev/null 2>&1
}

case $kind in
  web | db | build | batch | maint) ;;
  *)
    echo "workload.sh: unknown kind '$kind' (web, db, build, batch or maint)" >&2
    exit 2
    ;;
esac
if [ -n "${SOAK_SECONDS:-}" ]; then
  # a long benign run (eval.py soak): the same workload again and again,
  # by this same shell, each round in its own directory and port, for
  # SOAK_SECONDS; the number of rounds goes to DIR/rounds
  base=$dir port0=$port n=0
  end=$((SECONDS + SOAK_SECONDS))
  while [ "$SECONDS" -lt "$end" ]; do
    n=$((n + 1))
    dir=$base/r$n port=$((port0 + n))
    "$kind"
  done
  echo "$n" >"$base/rounds"
else
  "$kind"
fi
exit 0
