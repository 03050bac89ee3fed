#!/bin/bash
# cvw-sipua's UAC calls SIPp phones through Kamailio, UDP. The PBX
# record-routes and (without WITH_LENIENT) answers 404 to an in-dialog request
# that ignores the route set, so every phase also checks that ACK, BYE and
# re-INVITE followed Record-Route.
#   1. 20 calls at 10/s to 1001 (SIPp uas_rr.xml, registered by a third-party
#      REGISTER), 0.5 s each, BYE from our side.
#   2. 1 call to 1005 (SIPp uas_bye.xml): SIPp hangs up after 1 s, through
#      the PBX; cvw-sipua runs with --expect-bye.
#   3. 1 call to 1001 with a re-INVITE 0.5 s after the answer: the PBX log
#      must show 2 answered INVITEs in that call.
# cvw-sipua must exit 0 and count every call succeeded; SIPp's UASs must
# exit 0 with 21 and 1 successful calls.
source "$(dirname "$0")/lib/harness.sh"
h_init via_kamailio_to_sipp 60
h_need kamailio sipp
h_sipua_need

h_pbx_start
PROXY="udp:127.0.0.1:$H_PBX_PORT"

h_port S1001
h_sipp_start uas1001 uas_rr.xml -p "$S1001" -m 21 -timeout 45
h_port S1005
h_sipp_start uas1005 uas_bye.xml -p "$S1005" -m 1 -d 1000 -timeout 45
h_wait_port udp "$S1001" 5 || h_fail "SIPp uas_rr did not bind $S1001"
h_wait_port udp "$S1005" 5 || h_fail "SIPp uas_bye did not bind $S1005"
h_sipp_register 1001 "$S1001"
h_sipp_register 1005 "$S1005"

# 1. 20 calls, BYE from us
h_port U1
h_sipua_run calls 30 --listen "udp:127.0.0.1:$U1" --stats "$(h_stats calls)" -- \
  uac --to sip:1001@pbx.test --proxy "$PROXY" --calls 20 --rate 10 --hold-ms 500
h_assert_eq "$?" 0 "phase 1 (20 calls via the PBX): cvw-sipua uac exit status"
h_check_sipua_counts calls 20 20 0
h_assert_eq "$(h_pbx_not_routed_count)" 0 "phase 1: in-dialog requests refused by the PBX (Record-Route ignored)"

# 2. SIPp hangs up
h_port U2
h_sipua_run farbye 20 --listen "udp:127.0.0.1:$U2" --stats "$(h_stats farbye)" -- \
  uac --to sip:1005@pbx.test --proxy "$PROXY" --calls 1 --expect-bye
h_assert_eq "$?" 0 "phase 2 (BYE from SIPp): cvw-sipua uac exit status"
h_check_sipua_counts farbye 1 1 0
h_wait_exit uas1005 10
h_assert_eq "$?" 0 "phase 2: SIPp uas_bye exit status (its BYE must get a 200)"
h_assert_eq "$(h_sipp_stat uas1005 'SuccessfulCall(C)')" 1 "phase 2: SIPp uas_bye successful calls"

# 3. re-INVITE
h_port U3
h_sipua_run reinvite 20 --listen "udp:127.0.0.1:$U3" --stats "$(h_stats reinvite)" -- \
  uac --to sip:1001@pbx.test --proxy "$PROXY" --calls 1 --hold-ms 1500 --reinvite-after-ms 500
h_assert_eq "$?" 0 "phase 3 (re-INVITE): cvw-sipua uac exit status"
h_check_sipua_counts reinvite 1 1 0
h_assert_eq "$(h_pbx_answered_invites | awk '$2 >= 2' | wc -l)" 1 "phase 3: calls with an answered re-INVITE in the PBX log"

h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX (Record-Route ignored)"
h_wait_exit uas1001 10
h_assert_eq "$?" 0 "SIPp uas_rr (1001) exit status"
h_assert_eq "$(h_sipp_stat uas1001 'SuccessfulCall(C)')" 21 "SIPp uas_rr (1001) successful calls"
h_pass
