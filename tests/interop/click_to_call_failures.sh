#!/bin/bash
# Click-to-call calls that do not connect, through real peers (Kamailio as
# the PBX, SIPp phones, cvwd with [calls] ring_timeout = 3), alice signed in
# over the API. Each call rings a phone of its own first ("phoneNumber",
# which alice's policy lets her choose), so every phone is one SIPp run:
#   1. phone 1011 busy (c2c_busy.xml, 486): ended PhoneBusy (sipStatus 486);
#      the callee is never called.
#   2. phone 1013 answers, callee 1002 busy (486): ended CalleeBusy
#      (sipStatus 486) after callingCallee; phone 1013 gets a BYE.
#   3. phone 1012 rings and nobody answers (c2c_ring_cancel.xml): ~3 s later
#      it gets a CANCEL, ended PhoneNoAnswer; the callee is never called.
#   4. "911" and "1-1-2": 403 EmergencyNumber before anything is dialled: no
#      INVITE leaves cvwd (cvw_sip_transactions_total{kind="client_invite"}
#      unchanged), alice's own desk phone (her callback number) stays
#      silent, no event.
# The never-called callee is extension 1003 (c2c_answer.xml): its trace must
# have no INVITE at the end. After each call cvw_sip_dialogs_open returns to
# 0 and GET /me/calls is empty; each call has a history record that says
# what its ended event said; at the end cvwd must stop cleanly on SIGTERM
# (exit 0, no sanitizer report). SKIPs when the cvwd binary has no
# click-to-call yet.
source "$(dirname "$0")/lib/harness.sh"
h_init click_to_call_failures 75
h_need kamailio sipp curl
h_cvwd_need

h_c2c_start "ring_timeout = 3
callee_ring_timeout = 5"
CALLBACK=$(h_cvwd_json 'd["callbackNumber"]')
[ -n "$CALLBACK" ] || h_fail "demo user alice has no callback number: $H_HTTP_BODY"
h_assert_eq "$(h_cvwd_json 'd["effectiveCallViaWorkPolicy"]["useAdminCallbackNumber"]')" false \
  "alice's policy must let her choose the phone rung first (the test rings a phone per call)"

source "$(dirname "$0")/lib/c2c_calls.sh"

phone busyA c2c_busy.xml 1011
phone noanswerA c2c_ring_cancel.xml 1012
phone answerA c2c_answer.xml 1013 -d 200
phone busyB c2c_busy.xml 1002
phone silentB c2c_answer.xml 1003
phone desk c2c_answer.xml "$CALLBACK"

# ---- 1. alice's phone is busy
start_call op-phone-busy 1003 1011
check_end op-phone-busy PhoneBusy 486 "callingPhone ended"
h_wait_exit busyA 5
h_assert_eq "$?" 0 "op-phone-busy: phone 1011 (486, then the PBX's ACK) exit status"

# ---- 2. the callee is busy
start_call op-callee-busy 1002 1013
h_cvwd_wait_call_state events op-callee-busy callingCallee 10
check_end op-callee-busy CalleeBusy 486 "callingPhone phoneRinging callingCallee ended"
h_wait_exit busyB 5
h_assert_eq "$?" 0 "op-callee-busy: callee 1002 (486, then the PBX's ACK) exit status"
h_wait_exit answerA 5
h_assert_eq "$?" 0 "op-callee-busy: phone 1013 exit status (answered, then got a BYE)"
h_assert_eq "$(h_cvwd_sipp_msg answerA 1 recv BYE 1 count)" 1 "op-callee-busy: BYEs phone 1013 got"
h_assert_eq "$(h_cvwd_sipp_msg answerA 1 recv INVITE 1 count)" 1 "op-callee-busy: INVITEs phone 1013 got (no re-INVITE)"

# ---- 3. alice does not pick up: CANCEL after ring_timeout = 3 s
start=$(h__now_ms)
start_call op-no-answer 1003 1012
h_cvwd_wait_call_state events op-no-answer ended 10
elapsed=$(($(h__now_ms) - start))
h_assert_ge "$elapsed" 2500 "op-no-answer: ms from POST to ended (ring_timeout = 3 s)"
h_assert_le "$elapsed" 6000 "op-no-answer: ms from POST to ended (ring_timeout = 3 s)"
check_end op-no-answer PhoneNoAnswer null "callingPhone phoneRinging ended"
h_wait_exit noanswerA 5
h_assert_eq "$?" 0 "op-no-answer: phone 1012 (180, CANCEL, 487, ACK) exit status"
h_assert_eq "$(h_cvwd_sipp_msg noanswerA 1 recv CANCEL 1 count)" 1 "op-no-answer: CANCELs phone 1012 got"

# ---- 4. emergency numbers are never dialled through cvw
invites=$(h_cvwd_metric 'cvw_sip_transactions_total{kind="client_invite"}')
[[ "$invites" =~ ^[0-9]+$ ]] || h_fail "no cvw_sip_transactions_total{kind=\"client_invite\"} in /metrics"
for to in 911 1-1-2; do
  h_cvwd_http POST /api/v1/me/calls "{\"to\":\"$to\",\"operationId\":\"op-emergency\"}"
  h_cvwd_expect_status 403 "POST /api/v1/me/calls to $to"
  h_assert_eq "$(h_cvwd_json 'd.get("subcode")')" EmergencyNumber "call to $to: subcode"
  [[ "$(h_cvwd_json 'd["message"]')" == *"Emergency calls cannot be placed through Call Via Work"* ]] ||
    h_fail "call to $to: message should say emergency calls cannot be placed through Call Via Work: $H_HTTP_BODY"
done
sleep 1
h_assert_eq "$(h_cvwd_metric 'cvw_sip_transactions_total{kind="client_invite"}')" "$invites" "INVITEs sent by cvwd for emergency numbers"
h_assert_eq "$(h_cvwd_call_events events op-emergency)" "" "events of the refused emergency calls"
h_assert_eq "$(h_cvwd_sipp_msg desk '*' recv INVITE 1 count)" 0 "INVITEs alice's desk phone ($CALLBACK) got for emergency numbers"
h_cvwd_wait_metric cvw_sip_dialogs_open 0 5 "after the emergency numbers: dialogs open"

# each call above has a history record that says what its ended event said
check_history 3

h_assert_eq "$(h_cvwd_sipp_msg silentB '*' recv INVITE 1 count)" 0 "INVITEs callee 1003 got (only calls that never reached the callee were made to it)"
h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX (Record-Route ignored)"
h_cvwd_stop
h_pass
