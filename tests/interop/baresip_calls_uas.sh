#!/bin/bash
# A real phone calls cvw-sipua's UAS directly (no PBX, UDP):
#   1. baresip 1003 dials sip:cvw@127.0.0.1:PORT, the UAS answers, baresip
#      hangs up 1 s after the call is established (bsctl hangup). The UAS runs
#      with --max-calls 1: it must exit by itself, status 0, counting 1
#      attempted / 1 succeeded / 0 failed.
#   2. the same with --bye-after-ms 1000: this time the UAS hangs up and
#      baresip must see the call terminated.
source "$(dirname "$0")/lib/harness.sh"
h_init baresip_calls_uas 50
h_need baresip sox python3
h_sipua_need

h_phone_create 1003 auto direct
h_phone_start 1003
PHONE=$(h_phone_log 1003)

# 1. the phone hangs up
h_port UAS
h_sipua_start uas --listen "udp:127.0.0.1:$UAS" --stats "$(h_stats uas)" -- uas --max-calls 1
h_wait_port udp "$UAS" 5 || h_fail "cvw-sipua uas does not listen on udp 127.0.0.1:$UAS"
h_bsctl 1003 dial "sip:cvw@127.0.0.1:$UAS" || h_fail "bsctl dial failed"
h_wait_log "$PHONE" 'Call established' 5 1 || h_fail "phase 1: baresip did not establish the call"
sleep 1
h_bsctl 1003 hangup || h_fail "phase 1: bsctl hangup failed"
h_wait_exit uas 5
rc=$?
[ $rc != 124 ] || h_fail "phase 1: cvw-sipua uas did not exit after its only call (--max-calls 1)"
h_assert_eq "$rc" 0 "phase 1: cvw-sipua uas exit status"
h_check_sipua_counts uas 1 1 0

# 2. the UAS hangs up
h_port UAS2
h_sipua_start uasbye --listen "udp:127.0.0.1:$UAS2" --stats "$(h_stats uasbye)" -- \
  uas --max-calls 1 --bye-after-ms 1000
h_wait_port udp "$UAS2" 5 || h_fail "cvw-sipua uas does not listen on udp 127.0.0.1:$UAS2"
h_bsctl 1003 dial "sip:cvw@127.0.0.1:$UAS2" || h_fail "bsctl dial failed"
h_wait_log "$PHONE" 'Call established' 5 2 || h_fail "phase 2: baresip did not establish the call"
h_wait_log "$PHONE" 'Call with .* terminated' 5 2 || h_fail "phase 2: baresip did not get the UAS's BYE"
h_wait_exit uasbye 5
rc=$?
[ $rc != 124 ] || h_fail "phase 2: cvw-sipua uas did not exit after its only call (--max-calls 1)"
h_assert_eq "$rc" 0 "phase 2: cvw-sipua uas exit status"
h_check_sipua_counts uasbye 1 1 0
h_pass
