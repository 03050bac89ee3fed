#!/bin/bash
# Incoming calls forked to a user's devices (issue #5), with real peers:
# Kamailio as the PBX, cvwd --demo, and three baresip phones:
#   phone   bob's PBX desk phone, registered at the PBX as +14255550102
#           (answers by hand, plays 600 Hz);
#   client  bob's UC client, sip:bob@example.com registered to cvwd
#           (answers by hand);
#   caller  carol's phone on the PBX side: no registration, it dials bob's
#           UC number at cvwd directly from 127.0.0.1, the trunk's address
#           (plays 1000 Hz).
# The administrator gives bob a UC number of his own (LineURI +14255550202)
# and simultaneous ring to his desk phone. Every call is placed by the caller
# to sip:+14255550202@cvwd, so both the client and the desk phone ring:
#   1. answered on the client: the desk phone gets CANCEL with
#      Reason: SIP;cause=200;text="Call completed elsewhere"; the caller
#      hangs up: Completed by caller.
#   2. answered on the desk phone: the client gets that CANCEL; bob hangs up
#      the phone: Completed by phone.
#   3. accepted in the client through the API (POST .../accept): both stop
#      ringing as completed elsewhere, the desk phone is called back and
#      answered; the caller hears the phone's 600 Hz and the phone the
#      caller's 1000 Hz (recordings analysed); states ringing, callingPhone,
#      phoneRinging, connected; answeredOn callback.
#   4. declined through the API: both devices get CANCEL with
#      Reason: SIP;cause=603, the caller gets 603; DeclinedByUser.
#   5. nobody answers within bob's ring time (6 s): both devices get
#      CANCEL, the caller 480; Missed by server.
#   6. the caller gives up while everything rings: both devices get CANCEL;
#      Missed by caller.
# Then bob's call history lists the six calls, the missed ones with their
# caller, and bob changes his own call settings (PATCH /api/v1/me/call-settings):
#   7. forwarding on no answer to "102" (his dial plan: his desk phone), with
#      simultaneous ring off: the client rings 6 s, then the desk phone is
#      called as the target and answers: ringing, forwarding, connected;
#      answeredOn forwarded.
#   8. forwarding immediately: only the desk phone rings.
# Then bob turns forwarding off, and alice calls him by click-to-call:
#   9. POST /api/v1/me/calls {"to":"sip:bob@example.com"} as alice: her desk
#      phone (baresip at the PBX, auto-answer) rings first and answers; cvw
#      then calls sip:bob@example.com through its own listener, where the call
#      rings as any call to bob: his client (showing alice's work identity)
#      and his event channel; bob answers on the client; alice's call is
#      connected; her phone hangs up: bob's call ends Completed by the caller.
# Each device's and the caller's SIP (baresip -s) is read back as what it
# received.
source "$(dirname "$0")/lib/harness.sh"
h_init incoming_call 115
h_need kamailio baresip sox curl python3
h_cvwd_need

PHONE=+14255550102
UC_NUMBER=+14255550202
h_pbx_start
# baresip 1.0.0 needs MD5 alone (see registrar_baresip.sh)
h_cvwd_start "[calls]
ring_timeout = 10

[registrar]
digest_algorithms = [\"MD5\"]"
h_cvwd_login admin@example.com admin-password-1
h_cvwd_http PATCH /api/v1/users/sip:bob@example.com \
  "{\"lineUri\":\"tel:$UC_NUMBER;ext=202\",\"simultaneousRing\":{\"enabled\":true,\"target\":\"$PHONE\"}}"
h_cvwd_expect_status 200 "the administrator gives bob a UC number and simultaneous ring"
h_cvwd_login bob@example.com bob-password-1
# bob's own call settings: his devices ring 6 s
h_cvwd_http PATCH /api/v1/me/call-settings '{"ringSeconds":6}'
h_cvwd_expect_status 200 "bob sets his ring time"
h_cvwd_http GET /api/v1/me/calls
[ "$H_HTTP_STATUS" = 200 ] || h_skip "this cvwd has no calls API"
h_cvwd_events_start events

H_WAV="$H_WORK/tone600_8k.wav"
h_tone "$H_WAV" 600 90
h_phone_create "$PHONE" manual pbx
h_phone_create bob manual cvwd ";auth_pass=bob-password-1"
H_WAV="$H_WORK/tone1000_8k.wav"
h_tone "$H_WAV" 1000 90
h_phone_create carol manual direct
h_phone_start_with "$PHONE" -s
h_phone_start_with bob -s
h_phone_start_with carol -s
h_cvwd_wait_metric cvw_registrar_bindings 1 10 "bob's client registered"
LOG_PHONE=$(h_phone_log "$PHONE")
LOG_CLIENT=$(h_phone_log bob)
LOG_CALLER=$(h_phone_log carol)
TARGET="sip:$UC_NUMBER@127.0.0.1:$H_CVWD_SIP_PORT"
ELSEWHERE='SIP;cause=200;text="Call completed elsewhere"'

# ring N: the caller dials; both devices ring; the Nth incoming call rings
ring() {
  local n=$1
  h_bsctl carol dial "$TARGET" || h_fail "call $n: bsctl dial failed"
  h_wait_count "$LOG_PHONE" 'Incoming call from' "$n" "call $n: the desk phone rings"
  h_wait_count "$LOG_CLIENT" 'Incoming call from' "$n" "call $n: the client rings"
  h_cvwd_wait_incoming events "$n" ringing 5
}
# ended N WANT: the Nth call ended with WANT ("code by answeredOn")
ended() {
  h_cvwd_wait_incoming events "$1" ended 10
  h_assert_eq "$(h_cvwd_incoming events "$1" \
    'e["data"]["call"]["reason"]["code"] + " " + e["data"]["call"]["reason"].get("by", "-") + " " + e["data"]["call"].get("answeredOn", "-")' |
    awk '{ print $(NF-2), $(NF-1), $NF }')" "$2" "call $1: how it ended"
  h_cvwd_wait_metric cvw_sip_dialogs_open 0 10 "call $1: dialogs left open"
  h_cvwd_wait_metric cvw_calls_active 0 5 "call $1: calls left in progress"
}
# cancels LABEL N: the CANCELs device LABEL received, with their Reason
cancel_reasons() { h_cvwd_sipp_msg "$1" '*' recv CANCEL "$2" hdr:Reason; }
traces() {
  h_phone_sip_trace "$PHONE" phone
  h_phone_sip_trace bob client
  h_phone_sip_trace carol caller
}

# ---- 1. answered on the client
ring 1
h_bsctl bob accept || h_fail "bsctl accept on the client failed"
h_cvwd_wait_incoming events 1 connected 5
h_wait_count "$LOG_CALLER" 'Call established' 1 "call 1: the caller is answered"
sleep 1
h_bsctl carol hangup
ended 1 "Completed caller client"
traces
h_assert_eq "$(cancel_reasons phone 1)" "$ELSEWHERE" "call 1: Reason of the CANCEL the desk phone got"
h_assert_eq "$(h_cvwd_sipp_msg client '*' recv CANCEL 1 count)" 0 "call 1: CANCELs the client got"
from=$(h_cvwd_sipp_msg phone '*' recv INVITE 1 hdr:From)
[[ "$from" == *'sip:carol@127.0.0.1'* ]] || h_fail "call 1: the desk phone should show the caller, From is: ${from:-none}"

# ---- 2. answered on the desk phone
ring 2
h_bsctl "$PHONE" accept || h_fail "bsctl accept on the desk phone failed"
h_cvwd_wait_incoming events 2 connected 5
h_wait_count "$LOG_CALLER" 'Call established' 2 "call 2: the caller is answered"
sleep 1
h_bsctl "$PHONE" hangup
ended 2 "Completed phone phone"
traces
h_assert_eq "$(cancel_reasons client 1)" "$ELSEWHERE" "call 2: Reason of the CANCEL the client got"

# ---- 3. accepted in the client: the desk phone is called back
ring 3
ID=$(h_cvwd_incoming events 3 'e["data"]["call"]["id"]' | awk '{ print $1 }')
accept=$(h_cvwd_incoming events 3 'e["data"]["call"]["actions"]["accept"]' | awk '{ print $1 }')
h_assert_eq "$accept" "/api/v1/me/calls/$ID/accept" "call 3: the notification's accept link"
h_cvwd_http POST "$accept"
h_cvwd_expect_status 200 "call 3: POST accept"
h_wait_count "$LOG_PHONE" 'Incoming call from' 4 "call 3: the desk phone is called back"
sleep 1
h_bsctl "$PHONE" accept || h_fail "bsctl accept on the called-back desk phone failed"
h_cvwd_wait_incoming events 3 connected 5
h_wait_count "$LOG_CALLER" 'Call established' 3 "call 3: the caller is answered"
sleep 3
h_bsctl carol hangup
ended 3 "Completed caller callback"
h_assert_eq "$(h_cvwd_incoming events 3 | tr ' ' '\n' | uniq | tr '\n' ' ')" \
  "ringing callingPhone phoneRinging connected ended " "call 3: states"
traces
h_assert_eq "$(cancel_reasons client 2)" "$ELSEWHERE" "call 3: Reason of the CANCEL the client got"
h_assert_eq "$(cancel_reasons phone 2)" "$ELSEWHERE" "call 3: Reason of the CANCEL the desk phone got"
h_heard_each_other "call 3" "$(h_phone_recording carol)" caller 1000 "$(h_phone_recording "$PHONE")" phone 600

# ---- 4. declined in the client
ring 4
ID=$(h_cvwd_incoming events 4 'e["data"]["call"]["id"]' | awk '{ print $1 }')
h_cvwd_http POST "/api/v1/me/calls/$ID/decline"
h_cvwd_expect_status 200 "call 4: POST decline"
ended 4 "DeclinedByUser user -"
traces
[[ "$(cancel_reasons client 3)" == 'SIP;cause=603'* ]] || h_fail "call 4: the client's CANCEL should carry cause=603, is: $(cancel_reasons client 3)"
[[ "$(cancel_reasons phone 3)" == 'SIP;cause=603'* ]] || h_fail "call 4: the desk phone's CANCEL should carry cause=603, is: $(cancel_reasons phone 3)"
h_assert_eq "$(h_cvwd_sipp_msg caller '*' recv 603 1 count)" 1 "call 4: 603s the caller got"
h_cvwd_http POST "/api/v1/me/calls/$ID/accept"
[ "$H_HTTP_STATUS" = 404 ] || [ "$H_HTTP_STATUS" = 409 ] || h_fail "call 4: accept after the end should be refused, got $H_HTTP_STATUS"

# ---- 5. nobody answers within the ring time
ring 5
ended 5 "Missed server -"
traces
h_assert_eq "$(h_cvwd_sipp_msg caller '*' recv 480 1 count)" 1 "call 5: 480s the caller got"
h_assert_eq "$(h_cvwd_sipp_msg client '*' recv CANCEL 1 count)" 4 "call 5: CANCELs the client got so far"

# ---- 6. the caller gives up while everything rings
ring 6
h_bsctl carol hangup
ended 6 "Missed caller -"
traces
h_assert_eq "$(h_cvwd_sipp_msg client '*' recv CANCEL 1 count)" 5 "call 6: CANCELs the client got so far"
h_assert_eq "$(h_cvwd_sipp_msg phone '*' recv CANCEL 1 count)" 5 "call 6: CANCELs the desk phone got so far"

h_assert_eq "$(h_cvwd_metric 'cvw_calls_started_total{direction="incoming"}')" 6 "incoming calls counted"
# ---- the history: bob's six calls, newest first, the missed ones with their caller
h_cvwd_http GET "/api/v1/me/call-history?limit=10"
h_cvwd_expect_status 200 "GET /api/v1/me/call-history"
h_assert_eq "$(h_cvwd_json '" ".join("%s:%s:%s" % (c["direction"], c["reason"]["code"], c.get("answeredOn", "-")) for c in d["calls"])')" \
  "incoming:Missed:- incoming:Missed:- incoming:DeclinedByUser:- incoming:Completed:callback incoming:Completed:phone incoming:Completed:client" \
  "bob's call history"
from=$(h_cvwd_json 'd["calls"][0]["from"]')
[[ "$from" == *'sip:carol@127.0.0.1'* ]] || h_fail "the missed call should name the caller, from is: $from"
# ---- 7. forwarding on no answer: bob forwards to "102" (his dial plan makes
# it his desk phone's +14255550102) and turns simultaneous ring off
h_cvwd_http PATCH /api/v1/me/call-settings '{"simultaneousRing":{"enabled":false},"forwarding":{"when":"noAnswer","target":"102"}}'
h_cvwd_expect_status 200 "bob forwards on no answer"
h_assert_eq "$(h_cvwd_json 'd["forwarding"]["target"]')" "$PHONE" "the forwarding target, through bob's dial plan"
h_bsctl carol dial "$TARGET" || h_fail "call 7: bsctl dial failed"
h_wait_count "$LOG_CLIENT" 'Incoming call from' 7 "call 7: the client rings"
h_cvwd_wait_incoming events 7 forwarding 10
h_wait_count "$LOG_PHONE" 'Incoming call from' 8 "call 7: the desk phone is rung as the forwarding target"
h_bsctl "$PHONE" accept || h_fail "bsctl accept on the desk phone (call 7) failed"
h_cvwd_wait_incoming events 7 connected 5
sleep 1
h_bsctl carol hangup
ended 7 "Completed caller forwarded"
h_assert_eq "$(h_cvwd_incoming events 7 | tr ' ' '\n' | uniq | tr '\n' ' ')" "ringing forwarding connected ended " \
  "call 7: states"

# ---- 8. forwarding immediately: only the desk phone rings
h_cvwd_http PATCH /api/v1/me/call-settings '{"forwarding":{"when":"immediately"}}'
h_cvwd_expect_status 200 "bob forwards every call"
h_bsctl carol dial "$TARGET" || h_fail "call 8: bsctl dial failed"
h_wait_count "$LOG_PHONE" 'Incoming call from' 9 "call 8: the desk phone rings"
h_bsctl "$PHONE" accept || h_fail "bsctl accept on the desk phone (call 8) failed"
h_cvwd_wait_incoming events 8 connected 5
sleep 1
h_bsctl carol hangup
ended 8 "Completed caller forwarded"
h_assert_eq "$(h_count "$LOG_CLIENT" 'Incoming call from')" 7 "call 8: the client was not rung"

# ---- 9. alice click-to-calls bob's UC identity
h_cvwd_http PATCH /api/v1/me/call-settings '{"forwarding":{"when":"never"}}'
h_cvwd_expect_status 200 "bob stops forwarding"
ALICE_PHONE=+14255550101
h_phone_create "$ALICE_PHONE" auto pbx
h_phone_start_with "$ALICE_PHONE" -s
h_cvwd_login alice@example.com alice-password-1
h_cvwd_http POST /api/v1/me/calls '{"to":"sip:bob@example.com","operationId":"op-uc"}'
h_cvwd_expect_status 201 "call 9: alice's click-to-call to sip:bob@example.com"
ALICE_CALL=$(h_cvwd_json 'd["id"]')
h_wait_count "$LOG_CLIENT" 'Incoming call from' 8 "call 9: bob's client rings"
h_cvwd_wait_incoming events 9 ringing 5
h_bsctl bob accept || h_fail "bsctl accept on bob's client (call 9) failed"
h_cvwd_wait_incoming events 9 connected 5
end=$(h__deadline 5)
until h_cvwd_http GET "/api/v1/me/calls/$ALICE_CALL" && [ "$(h_cvwd_json 'd["state"]')" = connected ]; do
  h__before "$end" || h_fail "call 9: alice's call is $(h_cvwd_json 'd["state"]'), not connected, 5 s after bob answered"
  sleep 0.2
done
sleep 1
h_bsctl "$ALICE_PHONE" hangup
ended 9 "Completed caller client"
h_phone_sip_trace bob client
from=$(h_cvwd_sipp_msg client '*' recv INVITE 8 hdr:From)
[[ "$from" == '"Alice Anders" <sip:alice@example.com>'* ]] ||
  h_fail "call 9: bob's client should see alice's work identity, From is: ${from:-none}"
h_cvwd_http GET "/api/v1/me/call-history?limit=1"
h_assert_eq "$(h_cvwd_json '"%s:%s:%s" % (d["calls"][0]["direction"], d["calls"][0]["reason"]["code"], d["calls"][0]["to"])')" \
  "outgoing:Completed:sip:bob@example.com" "call 9 in alice's history"

h_stop "baresip-$ALICE_PHONE" >/dev/null
h_stop baresip-carol >/dev/null
h_stop baresip-bob >/dev/null
h_stop "baresip-$PHONE" >/dev/null
h_cvwd_stop
h_pass
