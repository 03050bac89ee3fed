#!/usr/bin/env bash
# cvwd and stop signals: SIGTERM drains and exits 0; a second SIGTERM while it
# drains means "now" and still exits 0; and signals that keep coming while it
# tears down (a supervisor's repeated SIGTERM) never cut the teardown short:
# the exit status stays 0. Everything is on 127.0.0.1 in a temporary folder.
#
#   CVWD=build/x/src/cvwd/cvwd tests/e2e/cvwd_signals_test.sh
set -euo pipefail
: "${CVWD:?set CVWD to the cvwd binary}"

work=$(mktemp -d "${TMPDIR:-/tmp}/cvwd-signals.XXXXXX")
pid=""
cleanup() {
  [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL cvwd_signals: $*"
  tail -n 20 "$work/cvwd.log"
  exit 1
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
start() {
  "$CVWD" --demo --plain-http --storage "sqlite:$work/cvw.db" --listen udp:127.0.0.1:0 --http-listen "127.0.0.1:$port" \
    --log-level info >>"$work/cvwd.log" 2>&1 &
  pid=$!
  # Up once /healthz answers: its event loop runs, so its signal handling is
  # in place (a signal before that takes the default action, as in any
  # program during its start).
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "cvwd exited at startup"
    sleep 0.1
  done
  fail "cvwd did not listen"
}
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
