#!/bin/bash
# Our UAS sends reliable provisional responses (RFC 3262) to a caller that
# requires them. SIPp (uac_100rel.xml) calls cvw-sipua's UAS over UDP with
# Require: 100rel: cvw-sipua rings (180) and answers 300 ms later. Every 180
# must carry Require: 100rel and an RSeq; SIPp PRACKs it (RAck), the PRACK
# gets 200, the INVITE gets its 200, ACK, BYE. 20 calls at 10/s: SIPp must
# count 20 successful and 0 failed, cvw-sipua 20 succeeded, 0 failed.
source "$(dirname "$0")/lib/harness.sh"
h_init uas_100rel 60
h_need sipp python3
h_sipua_need

h_port UAS
h_sipua_start uas --listen "udp:127.0.0.1:$UAS" --stats "$(h_stats uas)" -- uas --ring-ms 300 --max-calls 20
h_wait_port udp "$UAS" 5 || h_fail "cvw-sipua uas does not listen on udp 127.0.0.1:$UAS"

h_port UAC
h_sipp_run uac 40 uac_100rel.xml -t u1 -s cvw -p "$UAC" -m 20 -r 10 -d 200 "127.0.0.1:$UAS"
h_sipp_calls_ok uac $? 20 "every 180 reliable, its PRACK and the INVITE answered 200"

h_wait_exit uas 10
rc=$?
[ $rc != 124 ] || h_fail "cvw-sipua uas did not exit after --max-calls 20 calls ended"
h_assert_eq "$rc" 0 "cvw-sipua uas exit status"
h_check_sipua_counts uas 20 20 0
h_pass
