#!/bin/bash
# Click-to-call (POST /api/v1/me/calls) through real peers: Kamailio as the
# PBX, SIPp phones registered there, cvwd in the middle with the PBX as its
# trunk, alice (--demo) signed in over the API and her event channel polled.
#   phone A  alice's own desk phone: SIPp c2c_answer.xml registered as her
#            callback number (GET /api/v1/me), rings 0.5 s and answers;
#   phone B1 extension 1002, c2c_answer_bye.xml: answers, hangs up 1.5 s later;
#   phone B2 extension 1003, c2c_answer.xml: answers, waits for the BYE.
#   1. POST {"to":"1002","operationId":"op-1"}: 201 + Location; A gets an
#      INVITE From / P-Asserted-Identity "Call Via Work" <the
#      callViaWorkCallerId> with cvw's own SDP offer ([media] range); B1 gets
#      an INVITE From alice (display name, SIP URI), P-Asserted-Identity her
#      line URI, offering A's media port; A is re-INVITEd with B1's media
#      port; events callingPhone, phoneRinging, callingCallee, calleeRinging,
#      connected, ended (Completed, by callee), each with operationId op-1;
#      B1's BYE reaches A.
#   2. POST {"to":"1003","operationId":"op-2"}, connected: GET /me/calls and
#      /me/calls/{id} show it connected; DELETE: 204, both legs get a BYE,
#      ended (Completed, by user).
# After each call cvw_sip_dialogs_open returns to 0 and GET /me/calls is
# empty; the PBX refuses no in-dialog request (cvwd follows Record-Route).
# cvwd must then stop cleanly on SIGTERM (exit 0, no sanitizer report).
# SKIPs when the cvwd binary has no click-to-call yet.
# With the argument "tcp" the same calls go over a TCP trunk: cvwd listens on
# UDP and TCP and reaches the PBX over TCP (which Record-Routes twice, TCP
# towards cvwd, UDP towards the phones); the phones' BYEs and answers come
# back to cvwd over TCP, and every leg is checked as above.
source "$(dirname "$0")/lib/harness.sh"
case ${1:-udp} in
  udp) name=click_to_call_connect ;;
  tcp) name=click_to_call_connect_tcp ;;
  *) echo "usage: $0 [udp|tcp]" >&2; exit 2 ;;
esac
H_CVWD_TRUNK_PROTOCOL=${1:-udp}
h_init "$name" 75
h_need kamailio sipp curl
h_cvwd_need

h_c2c_start "ring_timeout = 10"
CALLBACK=$(h_cvwd_json 'd["callbackNumber"]')
CALLER_ID=$(h_cvwd_json 'd["callViaWorkCallerId"]')
ALICE_NAME=$(h_cvwd_json 'd["displayName"]')
ALICE_URI=$(h_cvwd_json 'd["sipUri"]')
ALICE_LINE=$(h_cvwd_json 'd["lineUri"]')
if [ -z "$CALLBACK" ] || [ -z "$CALLER_ID" ] || [ -z "$ALICE_LINE" ]; then
  h_fail "demo user alice lacks a callback number, caller ID or line URI: $H_HTTP_BODY"
fi
# the PBX sees the number as the user part of the Request-URI
LINE_NUMBER=${ALICE_LINE#tel:}
LINE_NUMBER=${LINE_NUMBER%%;*}
h_log "alice: callback number $CALLBACK, caller ID $CALLER_ID, line $ALICE_LINE"

h_port PA
h_sipp_start phoneA c2c_answer.xml -p "$PA" -m 2 -d 500 -timeout 70
h_port PB1
h_sipp_start phoneB1 c2c_answer_bye.xml -p "$PB1" -m 1 -d 1500 -timeout 70
h_port PB2
h_sipp_start phoneB2 c2c_answer.xml -p "$PB2" -m 1 -d 300 -timeout 70
for p in "$PA" "$PB1" "$PB2"; do h_wait_port udp "$p" 5 || h_fail "SIPp did not bind $p"; done
h_sipp_register "$CALLBACK" "$PA"
h_sipp_register 1002 "$PB1"
h_sipp_register 1003 "$PB2"

# check_no_leftovers WHAT: no dialog left in cvwd, no call listed.
check_no_leftovers() {
  h_cvwd_wait_metric cvw_sip_dialogs_open 0 5 "$1: dialogs left open"
  h_cvwd_http GET /api/v1/me/calls
  h_cvwd_expect_status 200 "$1: GET /api/v1/me/calls"
  h_assert_eq "$(h_cvwd_json 'd["calls"]')" "[]" "$1: calls listed after the end"
}

# check_events OP ID WHAT: every event of OP carries the call's id and OP;
# the states are the whole ladder of a connected call.
check_events() {
  local op=$1 id=$2 what=$3 ids ops
  h_assert_eq "$(h_cvwd_call_events events "$op")" \
    "callingPhone phoneRinging callingCallee calleeRinging connected ended" "$what: call states in the events"
  ids=$(h_cvwd_call_events events "$op" 'e["data"]["call"]["id"]' | tr ' ' '\n' | sort -u)
  h_assert_eq "$ids" "$id" "$what: call id in every event"
  ops=$(h_cvwd_call_events events "$op" 'e["data"]["call"].get("operationId")' | tr ' ' '\n' | sort -u)
  h_assert_eq "$ops" "$op" "$what: operationId of the call in every event"
  h_assert_eq "$(h_cvwd_call_event events "$op" ended '"connectedAt" in e["data"]["call"] and "endedAt" in e["data"]["call"]')" \
    true "$what: connectedAt and endedAt in the ended call"
}

# check_leg_a CALL B_LABEL WHAT: what alice's phone got in its CALL-th call:
# the INVITE from "Call Via Work" with cvw's offer, then a re-INVITE with
# the callee's (B_LABEL) media, then a BYE.
check_leg_a() {
  local n=$1 b=$2 what=$3 from pai port
  from=$(h_cvwd_sipp_msg phoneA "$n" recv INVITE 1 hdr:From)
  [[ "$from" == *'"Call Via Work"'* && "$from" == *"$CALLER_ID"[@\;\>]* ]] ||
    h_fail "$what: phone A's INVITE From should be \"Call Via Work\" with $CALLER_ID, is: ${from:-none}"
  pai=$(h_cvwd_sipp_msg phoneA "$n" recv INVITE 1 hdr:P-Asserted-Identity)
  [[ "$pai" == *'"Call Via Work"'* && "$pai" == *"$CALLER_ID"[@\;\>]* ]] ||
    h_fail "$what: phone A's INVITE P-Asserted-Identity should be \"Call Via Work\" with $CALLER_ID, is: ${pai:-none}"
  [[ "$(h_cvwd_sipp_msg phoneA "$n" recv INVITE 1 hdr:To)" == *"$CALLBACK"* ]] ||
    h_fail "$what: phone A's INVITE To lacks the callback number $CALLBACK: $(h_cvwd_sipp_msg phoneA "$n" recv INVITE 1 hdr:To)"
  port=$(h_cvwd_sipp_msg phoneA "$n" recv INVITE 1 sdp:m)
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt "$H_C2C_MEDIA_MIN" ] || [ "$port" -gt "$H_C2C_MEDIA_MAX" ]; then
    h_fail "$what: phone A's INVITE should offer cvw's media in [$H_C2C_MEDIA_MIN, $H_C2C_MEDIA_MAX], offers m=audio '${port}'"
  fi
  h_assert_eq "$(h_cvwd_sipp_msg phoneA "$n" recv INVITE 1 sdp:c)" 127.0.0.1 "$what: c= of cvw's offer to phone A"
  h_assert_eq "$(h_cvwd_sipp_msg phoneA "$n" recv INVITE 1 count)" 2 "$what: INVITEs phone A got (initial + re-INVITE)"
  h_assert_eq "$(h_cvwd_sipp_msg phoneA "$n" recv INVITE 2 sdp:m)" "$(h_cvwd_sipp_msg "$b" 1 sent 200/INVITE 1 sdp:m)" \
    "$what: media port in phone A's re-INVITE (the callee's answer)"
  h_assert_eq "$(h_cvwd_sipp_msg phoneA "$n" recv INVITE 2 sdp:c)" "$(h_cvwd_sipp_msg "$b" 1 sent 200/INVITE 1 sdp:c)" \
    "$what: media address in phone A's re-INVITE"
  h_assert_eq "$(h_cvwd_sipp_msg phoneA "$n" recv BYE 1 count)" 1 "$what: BYEs phone A got"
}

# check_leg_b LABEL EXT WHAT: the callee's INVITE shows alice and offers
# phone A's media (its answer in call CALL_A).
check_leg_b() {
  local b=$1 ext=$2 call_a=$3 what=$4 from pai
  from=$(h_cvwd_sipp_msg "$b" 1 recv INVITE 1 hdr:From)
  [[ "$from" == *"\"$ALICE_NAME\""* && "$from" == *"<$ALICE_URI>"* ]] ||
    h_fail "$what: callee's INVITE From should be \"$ALICE_NAME\" <$ALICE_URI>, is: ${from:-none}"
  pai=$(h_cvwd_sipp_msg "$b" 1 recv INVITE 1 hdr:P-Asserted-Identity)
  [[ "$pai" == *"$LINE_NUMBER"* ]] ||
    h_fail "$what: callee's INVITE P-Asserted-Identity should carry alice's line $ALICE_LINE, is: ${pai:-none}"
  [[ "$(h_cvwd_sipp_msg "$b" 1 recv INVITE 1 hdr:To)" == *"$ext"* ]] ||
    h_fail "$what: callee's INVITE To lacks $ext: $(h_cvwd_sipp_msg "$b" 1 recv INVITE 1 hdr:To)"
  h_assert_eq "$(h_cvwd_sipp_msg "$b" 1 recv INVITE 1 sdp:m)" "$(h_cvwd_sipp_msg phoneA "$call_a" sent 200/INVITE 1 sdp:m)" \
    "$what: media port offered to the callee (phone A's answer)"
  h_assert_eq "$(h_cvwd_sipp_msg "$b" 1 recv INVITE 1 sdp:c)" "$(h_cvwd_sipp_msg phoneA "$call_a" sent 200/INVITE 1 sdp:c)" \
    "$what: media address offered to the callee"
  h_assert_eq "$(h_cvwd_sipp_msg "$b" 1 recv INVITE 1 count)" 1 "$what: INVITEs the callee got"
}

# ---- 1. the callee hangs up
h_cvwd_http POST /api/v1/me/calls '{"to":"1002","operationId":"op-1"}'
h_cvwd_expect_status 201 "call 1: POST /api/v1/me/calls"
ID1=$(h_cvwd_json 'd["id"]')
[[ "$ID1" =~ ^c-[0-9a-z]+$ ]] || h_fail "call 1: id should be c- and [0-9a-z] characters, is '$ID1'"
h_assert_eq "$(h_cvwd_json 'd["state"]')" callingPhone "call 1: state in the 201"
h_assert_eq "$(h_cvwd_json '[d["to"], d["phoneNumber"], d["operationId"]]')" "[\"1002\", \"$CALLBACK\", \"op-1\"]" \
  "call 1: to, phoneNumber, operationId in the 201"
h_assert_eq "$(h_cvwd_json '"1002@" in d["target"]["uri"]')" true "call 1: target.uri names 1002 ($(h_cvwd_json 'd["target"]'))"
location=$(tr -d '\r' <"$H_HTTP_HEADERS" | awk -F': ' 'tolower($1) == "location" { print $2 }')
h_assert_eq "$location" "/api/v1/me/calls/$ID1" "call 1: Location header"
h_cvwd_wait_call_state events op-1 connected 10
h_cvwd_wait_call_state events op-1 ended 10
h_assert_eq "$(h_cvwd_call_event events op-1 ended 'e["data"]["call"]["reason"]["code"]')" Completed "call 1: reason code"
h_assert_eq "$(h_cvwd_call_event events op-1 ended 'e["data"]["call"]["reason"].get("by")')" callee "call 1: reason by"
check_events op-1 "$ID1" "call 1"
h_wait_exit phoneB1 10
h_assert_eq "$?" 0 "call 1: callee 1002 (c2c_answer_bye) exit status: its BYE got a 200"
check_leg_b phoneB1 1002 1 "call 1"
# phone A ends its call 1 on the BYE cvwd sends it
h_wait_log "$H_WORK/phoneA.messages.log" '^BYE ' 5 || h_fail "call 1: phone A got no BYE"
check_leg_a 1 phoneB1 "call 1"
check_no_leftovers "call 1"

# ---- 2. the user hangs up through the API
h_cvwd_http POST /api/v1/me/calls '{"to":"1003","operationId":"op-2"}'
h_cvwd_expect_status 201 "call 2: POST /api/v1/me/calls"
ID2=$(h_cvwd_json 'd["id"]')
[ "$ID2" != "$ID1" ] || h_fail "call 2 got the id of call 1 ($ID1)"
h_cvwd_wait_call_state events op-2 connected 10
h_cvwd_http GET /api/v1/me/calls
h_cvwd_expect_status 200 "call 2: GET /api/v1/me/calls"
h_assert_eq "$(h_cvwd_json '[[c["id"], c["state"]] for c in d["calls"]]')" "[[\"$ID2\", \"connected\"]]" "call 2: calls listed while connected"
h_cvwd_http GET "/api/v1/me/calls/$ID2"
h_cvwd_expect_status 200 "call 2: GET /api/v1/me/calls/$ID2"
h_assert_eq "$(h_cvwd_json '[d["state"], "connectedAt" in d, d["operationId"]]')" '["connected", true, "op-2"]' \
  "call 2: the call while connected"
sleep 0.5
h_cvwd_http DELETE "/api/v1/me/calls/$ID2"
h_cvwd_expect_status 204 "call 2: DELETE /api/v1/me/calls/$ID2"
h_cvwd_wait_call_state events op-2 ended 10
h_assert_eq "$(h_cvwd_call_event events op-2 ended 'e["data"]["call"]["reason"]["code"]')" Completed "call 2: reason code"
h_assert_eq "$(h_cvwd_call_event events op-2 ended 'e["data"]["call"]["reason"].get("by")')" user "call 2: reason by"
check_events op-2 "$ID2" "call 2"
h_wait_exit phoneB2 10
h_assert_eq "$?" 0 "call 2: callee 1003 (c2c_answer) exit status: got and answered the BYE"
h_assert_eq "$(h_cvwd_sipp_msg phoneB2 1 recv BYE 1 count)" 1 "call 2: BYEs the callee got"
check_leg_b phoneB2 1003 2 "call 2"
h_wait_exit phoneA 10
h_assert_eq "$?" 0 "phone A (c2c_answer, 2 calls) exit status"
h_assert_eq "$(h_sipp_stat phoneA 'SuccessfulCall(C)')" 2 "phone A: successful calls"
check_leg_a 2 phoneB2 "call 2"
check_no_leftovers "call 2"
h_cvwd_http GET "/api/v1/me/calls/$ID2"
[ "$H_HTTP_STATUS" = 404 ] || [ "$(h_cvwd_json 'd["state"]')" = ended ] ||
  h_fail "call 2: GET /api/v1/me/calls/$ID2 after the end should be 404 or the ended call, is $H_HTTP_STATUS $H_HTTP_BODY"

# ---- the history keeps both, newest first, with how each ended
h_cvwd_http GET "/api/v1/me/call-history?limit=10"
h_cvwd_expect_status 200 "GET /api/v1/me/call-history"
h_assert_eq "$(h_cvwd_json '[[c["id"], c["state"], c["reason"]["code"], c["reason"]["by"], c.get("operationId")] for c in d["calls"]]')" \
  "[[\"$ID2\", \"ended\", \"Completed\", \"user\", \"op-2\"], [\"$ID1\", \"ended\", \"Completed\", \"callee\", \"op-1\"]]" \
  "call history"
h_cvwd_http GET "/api/v1/me/call-history?limit=0"
h_cvwd_expect_status 400 "GET /api/v1/me/call-history?limit=0"

if [ "$H_CVWD_TRUNK_PROTOCOL" = tcp ]; then
  # the PBX Record-Routes twice (TCP on cvwd's side, UDP on the phones'), and
  # the SIP went over TCP connections
  rr=$(h_cvwd_sipp_msg phoneA 1 recv INVITE 1 hdr:Record-Route)
  [[ "$rr" == *transport=tcp* ]] || h_fail "tcp: phone A's INVITE should show the PBX's TCP side in Record-Route, has '$rr'"
  h_assert_ge "$(h_cvwd_metric 'cvw_sip_connections_total{event="opened"}')" 1 "tcp: SIP TCP connections cvwd opened or accepted"
  h_log "tcp: Record-Route $rr; cvwd's TCP connections $(h_cvwd_metric 'cvw_sip_connections_total{event="opened"}')"
fi

h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX (Record-Route ignored)"
h_cvwd_stop
h_pass
