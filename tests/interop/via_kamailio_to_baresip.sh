#!/bin/bash
# cvw-sipua's UAC calls a real phone, baresip 1002 (auto-answer), through
# the record-routing Kamailio, UDP:
#   1. a 2 s call, BYE from our side;
#   2. a call the phone hangs up (bsctl hangup 1 s after it is established),
#      cvw-sipua runs with --expect-bye;
#   3. a call with a re-INVITE 0.7 s after the answer (baresip logs "got
#      re-INVITE"; the PBX log must show it answered 2xx).
# cvw-sipua must exit 0 and count each call succeeded; the phone must see
# every call established and terminated; the PBX must refuse no in-dialog
# request. The phone is stopped before the PBX so that it can unregister (a
# baresip that cannot unregister takes ~32 s to stop).
source "$(dirname "$0")/lib/harness.sh"
h_init via_kamailio_to_baresip 60
h_need kamailio baresip sox python3
h_sipua_need

h_pbx_start
PROXY="udp:127.0.0.1:$H_PBX_PORT"
h_phone_create 1002 auto pbx
h_phone_start 1002
PHONE=$(h_phone_log 1002)

# 1. we hang up after 2 s
h_port U1
h_sipua_run call 20 --listen "udp:127.0.0.1:$U1" --stats "$(h_stats call)" -- \
  uac --to sip:1002@pbx.test --proxy "$PROXY" --calls 1 --hold-ms 2000
h_assert_eq "$?" 0 "phase 1 (2 s call, our BYE): cvw-sipua uac exit status"
h_check_sipua_counts call 1 1 0
h_wait_log "$PHONE" 'Call established' 1 1 || h_fail "phase 1: baresip did not establish the call"
h_wait_log "$PHONE" 'Call with .* terminated' 3 1 || h_fail "phase 1: baresip did not see our BYE"

# 2. the phone hangs up
h_port U2
h_sipua_start hangup --listen "udp:127.0.0.1:$U2" --stats "$(h_stats hangup)" -- \
  uac --to sip:1002@pbx.test --proxy "$PROXY" --calls 1 --expect-bye
h_wait_log "$PHONE" 'Call established' 10 2 || h_fail "phase 2: baresip did not establish the call"
sleep 1
h_bsctl 1002 hangup || h_fail "phase 2: bsctl hangup failed"
h_wait_exit hangup 10
rc=$?
[ $rc != 124 ] || h_fail "phase 2: cvw-sipua uac still running 10 s after baresip hung up"
h_assert_eq "$rc" 0 "phase 2 (baresip hangs up, --expect-bye): cvw-sipua uac exit status"
h_check_sipua_counts hangup 1 1 0

# 3. re-INVITE
h_port U3
h_sipua_run reinvite 20 --listen "udp:127.0.0.1:$U3" --stats "$(h_stats reinvite)" -- \
  uac --to sip:1002@pbx.test --proxy "$PROXY" --calls 1 --hold-ms 2000 --reinvite-after-ms 700
h_assert_eq "$?" 0 "phase 3 (re-INVITE): cvw-sipua uac exit status"
h_check_sipua_counts reinvite 1 1 0
h_assert_file_has "$PHONE" 'got re-INVITE' "phase 3: baresip log"
h_assert_eq "$(h_pbx_answered_invites | awk '$2 >= 2' | wc -l)" 1 "phase 3: calls with an answered re-INVITE in the PBX log"
h_wait_log "$PHONE" 'Call with .* terminated' 3 3 || h_fail "phase 3: baresip did not see the call end"

h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX (Record-Route ignored)"
h_pass
