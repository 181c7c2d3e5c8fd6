# shellcheck shell=sh disable=SC2034 # sourced: sets mock and B for its caller
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# kafka_mock.sh: librdkafka's mock cluster for the tests and the Kafka
# benchmark (build/tools/kafka-mock, tests/native/kafka_mock.c), sourced by
# POSIX sh and bash scripts alike.
#
#   mock_start BINARY DIR ERRFILE TOPIC:PARTITIONS...
#
# starts BINARY with a --topic per TOPIC, its commands read from the FIFO
# DIR/ctl (opened as fd 3: `echo CMD >&3`), its answers written to
# DIR/mock.out and its stderr to ERRFILE; sets mock (its pid) and B (the
# bootstrap address, empty when it did not start within 10 s).
# mock_stop ends it.
mock_start() {
  _mock_bin=$1 _mock_dir=$2 _mock_err=$3
  shift 3
  for _mock_t in "$@"; do
    shift
    set -- "$@" --topic "$_mock_t"
  done
  mkfifo "$_mock_dir/ctl"
  "$_mock_bin" "$@" <"$_mock_dir/ctl" >"$_mock_dir/mock.out" 2>"$_mock_err" &
  mock=$!
  exec 3>"$_mock_dir/ctl"
  _mock_i=0
  while ! grep -q '^bootstrap ' "$_mock_dir/mock.out" 2>/dev/null && [ $_mock_i -lt 100 ]; do
    sleep 0.1
    _mock_i=$((_mock_i + 1))
  done
  B=$(awk '/^bootstrap /{print $2}' "$_mock_dir/mock.out")
}

mock_stop() {
  echo quit >&3
  exec 3>&-
  wait "$mock" 2>/dev/null
}
