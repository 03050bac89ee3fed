#!/usr/bin/env bash
# A click-to-call whose PBX trunk is TCP and down (nothing listens at its
# address: the connection is refused) ends at once: the user's event channel
# has the call ended PhoneUnreachable with sipStatus 503 (RFC 3261 §8.1.3.1:
# a transport error is a 503) within a few seconds, not after Timer B's 32 s
# of waiting for an INVITE that never left. Loopback only.
set -euo pipefail
source "$(dirname "$0")/e2e_lib.sh"
e2e_init trunk_down

closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cat >"$work/cvwd.toml" <<TOML
[[trunk]]
name = "pbx"
address = "tcp:127.0.0.1:$closed"
allowed_sources = ["127.0.0.1"]
TOML
E2E_ARGS=(--config "$work/cvwd.toml" --listen tcp:127.0.0.1:0)
e2e_start "sqlite://$work/cvw.db"
api="http://127.0.0.1:$port/api/v1"

token=$(curl -fsS "$api/login" -d '{"username":"alice@example.com","password":"alice-password-1"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["accessToken"])')
auth=(-H "Authorization: Bearer $token")
# The channel first, so that it holds every event of the call.
curl -fsS "${auth[@]}" "$api/events?ack=0&timeout=1" >/dev/null || fail "opening the event channel"

started=$(date +%s%N)
status=$(curl -sS -o "$work/post.json" -w '%{http_code}' "${auth[@]}" "$api/me/calls" \
  -d '{"to":"102","operationId":"op-trunk-down"}')
[[ $status == 201 ]] || fail "POST /me/calls: HTTP $status $(cat "$work/post.json")"

ended=""
for _ in $(seq 1 50); do
  curl -fsS "${auth[@]}" "$api/events?ack=0&timeout=1" >"$work/events.json" || fail "polling events"
  ended=$(python3 - "$work/events.json" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1])).get("events", []):
    call = e.get("data", {}).get("call", {})
    if e.get("operationId") == "op-trunk-down" and call.get("state") == "ended":
        r = call["reason"]
        print(r["code"], r.get("sipStatus", ""))
PY
)
  [[ -n $ended ]] && break
  sleep 0.1
done
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
[[ -n $ended ]] || fail "no ended event within 5 s: $(cat "$work/events.json")"
[[ $ended == "PhoneUnreachable 503" ]] || fail "ended as '$ended', expected 'PhoneUnreachable 503'"
grep -qF "TCP connect to tcp:127.0.0.1:$closed failed" "$work/cvwd.log" ||
  fail "no log line for the refused connection"
echo "trunk_down: the call ended $ended ${elapsed_ms} ms after the POST"
echo "PASS trunk_down"
