#!/bin/bash
# Self-test of the harness's phones, no cvw code involved:
#   1. baresip 1002 (auto-answer) registers at Kamailio; SIPp uac_rr calls it
#      through the PBX (1 s) and SIPp uac_reinvite calls it with a re-INVITE.
#   2. SIPp uas_bye, registered as 1005, is called by baresip 1002 and hangs
#      up itself: its BYE must reach baresip through the record-routing PBX
#      (checks uas_bye.xml's route set and From/To swap).
#   3. baresip 1003 (no registration) dials a SIPp uas_rr directly and hangs
#      up with bsctl: the flow of baresip_calls_uas, with SIPp as the callee.
# If this fails, the test bed itself is broken: fix that before reading the
# results of the cvw tests.
source "$(dirname "$0")/lib/harness.sh"
h_init selftest_baresip 55
h_need kamailio sipp baresip

h_pbx_start
h_phone_create 1002 auto pbx
h_phone_start 1002
LOG1002=$(h_phone_log 1002)

# 1. SIPp -> PBX -> baresip
h_port UAC
h_sipp_run call1002 20 uac_rr.xml -s 1002 -p "$UAC" -m 1 -d 1000 "127.0.0.1:$H_PBX_PORT"
h_assert_eq "$?" 0 "SIPp uac_rr -> baresip 1002 exit status"
h_port UAC2
h_sipp_run reinv1002 20 uac_reinvite.xml -s 1002 -p "$UAC2" -m 1 -d 500 "127.0.0.1:$H_PBX_PORT"
h_assert_eq "$?" 0 "SIPp uac_reinvite -> baresip 1002 exit status"
h_assert_eq "$(h_pbx_answered_invites | awk '$2 >= 2' | wc -l)" 1 "calls with an answered re-INVITE"

# 2. baresip -> PBX -> SIPp uas_bye, which hangs up after 1 s
h_port BYEUAS
h_sipp_start uasbye uas_bye.xml -p "$BYEUAS" -m 1 -d 1000 -timeout 20
h_wait_port udp "$BYEUAS" 5 || h_fail "SIPp uas_bye did not bind $BYEUAS"
h_sipp_register 1005 "$BYEUAS"
closed_before=$(grep -c 'terminated' "$LOG1002")
h_bsctl 1002 dial sip:1005@pbx.test || h_fail "bsctl dial failed"
h_wait_exit uasbye 15
h_assert_eq "$?" 0 "SIPp uas_bye exit status (its BYE got a 200)"
h_assert_eq "$(h_sipp_stat uasbye 'SuccessfulCall(C)')" 1 "uas_bye successful calls"
h_wait_log "$LOG1002" 'terminated' 5 $((closed_before + 1)) || h_fail "baresip 1002 did not see the call end"
h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX"

# 3. baresip 1003 dials SIPp uas_rr directly, then hangs up
h_phone_create 1003 auto direct
h_phone_start 1003
LOG1003=$(h_phone_log 1003)
h_port DIRECT
h_sipp_start direct uas_rr.xml -p "$DIRECT" -m 1 -timeout 20
h_wait_port udp "$DIRECT" 5 || h_fail "SIPp uas_rr did not bind $DIRECT"
h_bsctl 1003 dial "sip:x@127.0.0.1:$DIRECT" || h_fail "bsctl dial failed"
h_wait_log "$LOG1003" 'Call established' 5 || h_fail "baresip 1003: call not established"
sleep 1
h_bsctl 1003 hangup || h_fail "bsctl hangup failed"
h_wait_exit direct 10
h_assert_eq "$?" 0 "SIPp uas_rr (called by baresip) exit status"
h_assert_eq "$(h_sipp_stat direct 'SuccessfulCall(C)')" 1 "uas_rr successful calls"
h_pass
