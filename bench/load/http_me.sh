#!/usr/bin/env bash
# GET /api/v1/me with keep-alive, measured with wrk: cvwd pinned to one core
# (CPU 0), wrk to the other. Prints wrk's figures for plain HTTP and HTTPS.
#   bash bench/load/http_me.sh            (uses build/release)
#   CVWD=path/to/cvwd DURATION=10 CONNECTIONS=50 bash bench/load/http_me.sh
# Target (issue #3): >= 30,000 requests/s on one core.
set -euo pipefail
source "$(dirname "$0")/common.sh"
need wrk curl python3 taskset
CVWD=${CVWD:-$CVW_ROOT/build/release/src/cvwd/cvwd}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
PORT=${PORT:-18480}
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT

run() {  # run SCHEME EXTRA_CVWD_FLAGS...
  local scheme=$1; shift
  (cd "$work" && exec taskset -c 0 "$CVWD" --demo --storage "sqlite:$work/bench-$scheme.db" \
      --listen "udp:127.0.0.1:0" --http-listen "127.0.0.1:$PORT" --log-level warn "$@" \
      >"$work/cvwd-$scheme.log" 2>&1) &
  STARTED_PIDS+=($!)
  local curl=(curl -s --cacert "$work/cvw-tls-cert.pem")
  for _ in $(seq 100); do "${curl[@]}" -o /dev/null "$scheme://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
  local token
  token=$("${curl[@]}" -X POST "$scheme://127.0.0.1:$PORT/api/v1/login" \
      -d '{"username":"alice@example.com","password":"alice-password-1"}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  echo "== GET /api/v1/me over $scheme: $CONNECTIONS connections, ${DURATION}s, cvwd on CPU 0"
  taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $token" \
      "$scheme://127.0.0.1:$PORT/api/v1/me"
  cleanup
}

run http --plain-http
run https
