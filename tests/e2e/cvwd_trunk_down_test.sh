#!/usr/bin/env bash
# A click-to-call whose PBX trunk is down (nothing listens at its address)
# ends at once: the user's event channel has the call ended PhoneUnreachable
# with sipStatus 503 (RFC 3261 §8.1.3.1: a transport error is a 503) within
# a few seconds, not after Timer B's 32 s of waiting. Over TCP the
# connection is refused; over UDP the INVITE is answered by an ICMP "port
# unreachable", which cvwd reads (sip/transport/udp_errors.hpp).
# Loopback only.
#   cvwd_trunk_down_test.sh [tcp|udp]   (default tcp)
set -euo pipefail
source "$(dirname "$0")/e2e_lib.sh"
proto=${1:-tcp}
e2e_init "trunk_down_$proto"

closed=$(python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' "$proto")
cat >"$work/cvwd.toml" <<TOML
[[trunk]]
name = "pbx"
address = "$proto:127.0.0.1:$closed"
allowed_sources = ["127.0.0.1"]
TOML
E2E_ARGS=(--config "$work/cvwd.toml" --listen "$proto:127.0.0.1:0")
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
if [[ $proto == tcp ]]; then
  grep -qF "TCP connect to tcp:127.0.0.1:$closed failed" "$work/cvwd.log" ||
    fail "no log line for the refused connection"
else
  grep -qF "udp:127.0.0.1:$closed unreachable (Connection refused), reported by ICMP" "$work/cvwd.log" ||
    fail "no log line for the ICMP error"
  (( elapsed_ms < 3000 )) || fail "ended after $elapsed_ms ms: the ICMP error was not what ended it"
  icmp=$(curl -fsS "http://127.0.0.1:$port/metrics" | awk '$1 == "cvw_sip_icmp_errors_total" {print $2}')
  [[ ${icmp:-0} -ge 1 ]] || fail "cvw_sip_icmp_errors_total is '${icmp:-}', expected at least 1"
fi
echo "trunk_down ($proto): the call ended $ended ${elapsed_ms} ms after the POST"
echo "PASS trunk_down ($proto)"
