#!/bin/bash
# Self-test of the harness, no cvw code involved: SIPp calls SIPp through the
# record-routing Kamailio, as the tests of cvw-sipua will.
#   1. SIPp uas_rr registered as 1001 (third-party REGISTER), SIPp uac_rr
#      places 20 calls at 10/s: 20 successful on both sides, and no
#      in-dialog request refused by the PBX for ignoring Record-Route.
#   2. SIPp uac_reinvite calls 1001: the re-INVITE is answered (the PBX log
#      shows two answered INVITEs for the call).
#   3. SIPp uac_rr reaches the PBX over TCP (5 calls): Kamailio changes
#      transport and record-routes twice; SIPp's route sets still work.
# (uas_bye.xml is checked in selftest_baresip: SIPp's UAC scenarios cannot
# take a BYE.)
# If this fails, the test bed itself is broken: fix that before reading the
# results of the cvw tests.
source "$(dirname "$0")/lib/harness.sh"
h_init selftest_sipp_via_kamailio 50
h_need kamailio sipp

h_pbx_start

h_port UAS
h_sipp_start uas uas_rr.xml -p "$UAS" -m 26 -timeout 40
h_wait_port udp "$UAS" 5 || h_fail "SIPp UAS did not bind $UAS"
h_sipp_register 1001 "$UAS"

# 1. 20 calls, 0.3 s each
h_port UAC
h_sipp_run uac 30 uac_rr.xml -s 1001 -p "$UAC" -m 20 -r 10 -d 300 "127.0.0.1:$H_PBX_PORT"
rc=$?
h_assert_eq "$rc" 0 "SIPp UAC exit status (0 = all calls succeeded)"
h_assert_eq "$(h_sipp_stat uac 'SuccessfulCall(C)')" 20 "UAC successful calls"
h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX"

# 2. one call with a re-INVITE
h_port UAC2
h_sipp_run reinv 20 uac_reinvite.xml -s 1001 -p "$UAC2" -m 1 -d 300 "127.0.0.1:$H_PBX_PORT"
rc=$?
h_assert_eq "$rc" 0 "SIPp uac_reinvite exit status"
reinvited=$(h_pbx_answered_invites | awk '$2 >= 2' | wc -l)
h_assert_eq "$reinvited" 1 "calls with an answered re-INVITE seen by the PBX"

# 3. TCP to the PBX, UDP from it: two Record-Route entries
h_port UAC3
h_sipp_run tcp 20 uac_rr.xml -t t1 -s 1001 -p "$UAC3" -m 5 -r 10 -d 300 "127.0.0.1:$H_PBX_PORT"
h_assert_eq "$?" 0 "SIPp UAC over TCP exit status"
h_assert_file_has "$H_WORK/tcp.messages.log" 'Record-Route: .*transport=tcp' "double Record-Route (TCP side)"
h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX"

h_wait_exit uas 10
rc=$?
h_assert_eq "$rc" 0 "SIPp UAS exit status"
h_assert_eq "$(h_sipp_stat uas 'SuccessfulCall(C)')" 26 "UAS successful calls"
h_pass
