#!/usr/bin/env bash
# cvwd and stop signals: SIGTERM drains and exits 0; a second SIGTERM while it
# drains means "now" and still exits 0; and signals that keep coming while it
# tears down (a supervisor's repeated SIGTERM) never cut the teardown short:
# the exit status stays 0. Everything is on 127.0.0.1 in a temporary folder.
#
#   CVWD=build/x/src/cvwd/cvwd tests/e2e/cvwd_signals_test.sh
set -euo pipefail
# shellcheck source=tests/e2e/e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"
e2e_init signals
start() { e2e_start "sqlite:$work/cvw.db"; }

# stopped LABEL: waits for cvwd (at most 10 s) and checks it exited 0.
stopped() {
  local rc=0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "$1: cvwd still running 10 s after the signal"
  wait "$pid" || rc=$?
  pid=""
  [[ $rc == 0 ]] || fail "$1: exit status $rc, expected 0"
}

# 1. One SIGTERM.
start
kill -TERM "$pid"
stopped "one SIGTERM"
grep -q "signal 15: stopping" "$work/cvwd.log" || fail "no 'stopping' line in the log"

# 2. SIGTERM, then another one 100 ms later, with a client connection open.
start
exec 4<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&4  # never finished
kill -TERM "$pid"
sleep 0.1
kill -TERM "$pid" 2>/dev/null || true  # it may be gone already
stopped "two SIGTERMs"
exec 4>&-

# 3. SIGTERM after SIGTERM from the first one until cvwd has exited: the last
# ones reach it while it tears down.
start
(while kill -TERM "$pid" 2>/dev/null; do :; done) &
stopped "repeated SIGTERM"
echo "PASS cvwd_signals: one, two and repeated SIGTERMs all end in exit status 0"
