#!/bin/bash
# Self-test of the click-to-call phones (no cvw code): the SIPp scenarios
# that click_to_call_connect.sh and click_to_call_failures.sh register at
# the PBX as the user's phone and the callee are called here by SIPp in
# cvwd's place, through the record-routing Kamailio:
#   1. c2c_answer.xml (1001) by uac_reinvite.xml: rings, answers, takes a
#      re-INVITE with new media (the connect step of leg A), then our BYE;
#   2. c2c_answer_bye.xml (1002): answers and hangs up itself, its BYE along
#      the route set;
#   3. c2c_busy.xml (1011): 486, ACK;
#   4. c2c_ring_cancel.xml (1012): 180, our CANCEL, 200 + 487, ACK.
# Every phone must end with one successful call, the PBX must refuse no
# in-dialog request, and h_cvwd_sipp_msg (the trace reader of the click-to-
# call tests) must read the ladders back: if this fails, the test bed is
# broken, not cvwd.
source "$(dirname "$0")/lib/harness.sh"
h_init click_to_call_selftest 60
h_need kamailio sipp

h_pbx_start
declare -A SCENARIO=([1001]=c2c_answer.xml [1002]=c2c_answer_bye.xml [1011]=c2c_busy.xml [1012]=c2c_ring_cancel.xml)
declare -A EXTRA=([1001]="-d 300" [1002]="-d 800" [1011]="" [1012]="")
for ext in 1001 1002 1011 1012; do
  h_port port
  # shellcheck disable=SC2086 # EXTRA holds separate options
  h_sipp_start "phone$ext" "${SCENARIO[$ext]}" -p "$port" -m 1 -timeout 40 ${EXTRA[$ext]}
  h_wait_port udp "$port" 5 || h_fail "SIPp ${SCENARIO[$ext]} did not bind $port"
  h_sipp_register "$ext" "$port"
done
PBX="127.0.0.1:$H_PBX_PORT"

# 1. answer, re-INVITE, BYE from the caller
h_port p
h_sipp_run caller1001 20 uac_reinvite.xml -s 1001 -p "$p" -m 1 -d 500 "$PBX"
h_assert_eq "$?" 0 "caller of c2c_answer (re-INVITE, our BYE): SIPp exit status"
# 2. the callee hangs up
h_port p
h_sipp_run caller1002 20 c2c_selftest_uac_bye.xml -s 1002 -p "$p" -m 1 "$PBX"
h_assert_eq "$?" 0 "caller of c2c_answer_bye (its BYE): SIPp exit status"
# 3. busy
h_port p
h_sipp_run caller1011 20 c2c_selftest_uac_busy.xml -s 1011 -p "$p" -m 1 "$PBX"
h_assert_eq "$?" 0 "caller of c2c_busy (486): SIPp exit status"
# 4. ringing, then CANCEL
h_port p
h_sipp_run caller1012 20 c2c_selftest_uac_cancel.xml -s 1012 -p "$p" -m 1 -d 1000 "$PBX"
h_assert_eq "$?" 0 "caller of c2c_ring_cancel (CANCEL): SIPp exit status"

for ext in 1001 1002 1011 1012; do
  h_wait_exit "phone$ext" 10
  h_assert_eq "$?" 0 "phone $ext (${SCENARIO[$ext]}): SIPp exit status"
  h_assert_eq "$(h_sipp_stat "phone$ext" 'SuccessfulCall(C)')" 1 "phone $ext: successful calls"
done
h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX (Record-Route ignored)"

# the trace reader: the re-INVITE's offer carries the caller's new port
# (uac_reinvite.xml moves its media to media_port + 2)
first=$(h_cvwd_sipp_msg phone1001 1 recv INVITE 1 sdp:m)
second=$(h_cvwd_sipp_msg phone1001 1 recv INVITE 2 sdp:m)
h_assert_eq "$(h_cvwd_sipp_msg phone1001 1 recv INVITE 1 count)" 2 "phone 1001: INVITEs received (initial + re-INVITE)"
h_assert_eq "$second" "$((first + 2))" "phone 1001: media port of the re-INVITE's offer"
h_assert_eq "$(h_cvwd_sipp_msg phone1001 1 recv INVITE 1 hdr:To)" "<sip:1001@127.0.0.1:$H_PBX_PORT>" "phone 1001: To of the initial INVITE"
h_assert_eq "$(h_cvwd_sipp_msg phone1001 1 sent 200/INVITE 2 sdp:c)" 127.0.0.1 "phone 1001: c= of its second answer"
h_assert_eq "$(h_cvwd_sipp_msg phone1002 1 recv INVITE 1 hdr:f)" "\"Alice Anders\" <sip:alice@example.com>;tag=$(h_cvwd_sipp_msg caller1002 1 sent INVITE 1 hdr:From | sed 's/.*tag=//')" "phone 1002: From (compact name f)"
h_assert_eq "$(h_cvwd_sipp_msg phone1002 1 sent BYE 1 count)" 1 "phone 1002: BYEs sent"
h_assert_eq "$(h_cvwd_sipp_msg phone1011 1 sent 486 1 start)" "SIP/2.0 486 Busy Here" "phone 1011: its answer"
h_assert_eq "$(h_cvwd_sipp_msg phone1011 1 recv ACK 1 count)" 1 "phone 1011: ACKs of the 486"
h_assert_eq "$(h_cvwd_sipp_msg phone1012 1 recv CANCEL 1 count)" 1 "phone 1012: CANCELs received"
h_assert_eq "$(h_cvwd_sipp_msg phone1012 1 sent 487/INVITE 1 count)" 1 "phone 1012: 487 to the INVITE"
# the 487 carries the INVITE's Via set (the PBX's CANCEL has only the PBX's
# Via): the caller must get it with its own Via on top
vias_in=$(h_cvwd_sipp_msg phone1012 1 recv INVITE 1 hdr:Via | grep -o 'branch=' | wc -l)
vias_out=$(h_cvwd_sipp_msg phone1012 1 sent 487 1 hdr:Via | grep -o 'branch=' | wc -l)
h_assert_eq "$vias_out" "$vias_in" "phone 1012: Via entries of its 487 (those of the INVITE)"
[[ "$(h_cvwd_sipp_msg caller1012 1 recv 487 1 hdr:Via)" == *"127.0.0.1:$p;"* ]] ||
  h_fail "caller of c2c_ring_cancel: its Via is missing from the 487 it got: '$(h_cvwd_sipp_msg caller1012 1 recv 487 1 hdr:Via)'"
h_assert_eq "$(h_cvwd_sipp_msg phone1012 1 sent 200/INVITE 1 count)" 0 "phone 1012: 200 to the INVITE"
h_assert_eq "$(h_cvwd_sipp_msg phone1012 2 recv INVITE 1 count)" 0 "phone 1012: INVITEs of a second call"
h_pass
