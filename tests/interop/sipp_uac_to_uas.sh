#!/bin/bash
# Body of sipp_uac_to_uas_udp.sh / sipp_uac_to_uas_tcp.sh (run those; this
# takes the transport as its argument).
#
# SIPp calls cvw-sipua's UAS directly, no proxy:
#   1. uac_rr.xml: 100 calls at 20/s, 1 s each. SIPp exits 0 only if every
#      call succeeded (INVITE answered 2xx, BYE answered 2xx); its statistics
#      CSV must count 100 successful, 0 failed.
#   2. uac_reinvite.xml: 5 calls, each with a re-INVITE carrying a new offer
#      1 s after the answer; the 200 must carry an SDP answer.
# cvw-sipua runs with --max-calls 105: it must exit by itself, status 0, and
# count 105 attempted / 105 succeeded / 0 failed (summary line and --stats).
T=${1:?usage: sipp_uac_to_uas.sh udp|tcp}
source "$(dirname "$0")/lib/harness.sh"
h_init "sipp_uac_to_uas_$T" 60
h_need sipp python3
h_sipua_need
case $T in
  udp) SIPP_T=u1 ;;
  tcp) SIPP_T=t1 ;;   # one TCP connection for all calls
  *) h_fail "unknown transport $T" ;;
esac

h_port UAS
h_sipua_start uas --listen "$T:127.0.0.1:$UAS" --stats "$(h_stats uas)" -- uas --max-calls 105
h_wait_port "$T" "$UAS" 5 || h_fail "cvw-sipua uas does not listen on $T 127.0.0.1:$UAS"

h_port UAC
h_sipp_run uac 30 uac_rr.xml -t "$SIPP_T" -s cvw -p "$UAC" -m 100 -r 20 -d 1000 "127.0.0.1:$UAS"
h_sipp_calls_ok uac $? 100 "every uac_rr call succeeded"

h_port UAC2
h_sipp_run reinvite 20 uac_reinvite.xml -t "$SIPP_T" -s cvw -p "$UAC2" -m 5 -r 5 -d 200 "127.0.0.1:$UAS"
rc=$?
h_assert_eq "$rc" 0 "SIPp uac_reinvite exit status (re-INVITE answered with SDP, BYE answered)"
h_assert_eq "$(h_sipp_stat reinvite 'SuccessfulCall(C)')" 5 "SIPp successful calls with re-INVITE"

h_wait_exit uas 10
rc=$?
[ $rc != 124 ] || h_fail "cvw-sipua uas did not exit after --max-calls 105 calls ended"
h_assert_eq "$rc" 0 "cvw-sipua uas exit status"
h_check_sipua_counts uas 105 105 0
h_pass
