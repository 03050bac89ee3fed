#!/bin/bash
# What happens to a click-to-call's phone leg after it is answered, through
# real peers: Kamailio as the PBX (transaction-stateful: FR_TIMER = 5 s),
# SIPp phones and callees registered there, cvwd driven through the API as
# alice with direct media (cvwd re-INVITEs the phone with the callee's media
# once the callee answers). Each variant checks the SIP each phone got or
# sent, the call's events and, at the end, that no dialog is left:
#   reinvite-timeout  phone 1051 never answers the re-INVITE: the PBX
#                    answers cvwd 408 after its fr_timer (5 s);
#                    MediaUpdateFailed (408), the phone and callee 1052 BYE'd
#   glare            phone 1053 sends a re-INVITE of its own before it
#                    answers cvwd's (RFC 3261 §14): cvwd answers it 491, gets
#                    491 for its own and, as owner of the Call-ID, sends it
#                    again 2.1 to 4 s later (§14.1); connected once; DELETE
#   phone-refresh    phone 1055 is the RFC 4028 refresher and refreshes 1 s
#                    after connect with a re-INVITE of its unchanged SDP:
#                    cvwd answers 200 with the callee's media and the timer
#                    headers (Require: timer, refresher=uac), its SDP
#                    unchanged since its re-INVITE (same o= version); callee 1056
#                    sees nothing of it; DELETE
#   phone-hold       phone 1061 holds the connected call (a re-INVITE with
#                    a=sendonly), then resumes it (a=sendrecv): cvwd answers
#                    each at once on the callee's behalf (recvonly, then
#                    sendrecv) and passes each on to callee 1062 in a
#                    re-INVITE of its own (sendonly at the phone's media,
#                    then sendrecv): direct media; DELETE
#   session-timer    phones 1057 (Allow: UPDATE) and 1059 (no UPDATE) answer
#                    with Session-Expires: 90;refresher=uac (cvwd refreshes):
#                    45 s later cvwd refreshes them, with UPDATE and with a
#                    re-INVITE of the same SDP (same o= version); callees
#                    1058 and 1060 see nothing of it; neither call ends; DELETE
# Each call must have a history record that says what its ended event said;
# cvwd must stop cleanly on SIGTERM (exit 0, no sanitizer report). SKIPs
# when the cvwd binary has no click-to-call yet.
source "$(dirname "$0")/lib/harness.sh"
h_init click_to_call_reinvites 110
h_need kamailio sipp curl
h_cvwd_need

h_c2c_start_span 20 "ring_timeout = 10
callee_ring_timeout = 10"
h_assert_eq "$(h_cvwd_json 'd["effectiveCallViaWorkPolicy"]["useAdminCallbackNumber"]')" false \
  "alice's policy must let her choose the phone rung first (the test rings a phone per call)"
source "$(dirname "$0")/lib/c2c_calls.sh"

# ms_between LABEL1 DIR1 KIND1 N1 LABEL2 DIR2 KIND2 N2: time from the
# first message to the second (SIPp's own timestamps), in ms
ms_between() {
  python3 -c 'import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))' \
    "$(h_cvwd_sipp_msg "$1" 1 "$2" "$3" "$4" time)" "$(h_cvwd_sipp_msg "$5" 1 "$6" "$7" "$8" time)"
}

# ---- reinvite-timeout: the phone never answers the re-INVITE
phone silentA c2c_reinvite_silent.xml 1051 -d 200
phone silentB c2c_answer.xml 1052 -d 200
start_call op-reinvite-timeout 1052 1051
check_end op-reinvite-timeout MediaUpdateFailed 408 "$LADDER_RINGING"
sipp_done silentA op-reinvite-timeout
sipp_done silentB op-reinvite-timeout
waited=$(ms_between silentA recv INVITE 2 silentA recv BYE 1)
h_assert_ge "$waited" 4500 "op-reinvite-timeout: ms from the re-INVITE to the phone's BYE (the PBX's fr_timer: 5 s)"
h_assert_le "$waited" 8000 "op-reinvite-timeout: ms from the re-INVITE to the phone's BYE (the PBX's fr_timer: 5 s)"
h_log "op-reinvite-timeout: the phone got cvwd's BYE $waited ms after the re-INVITE"
h_assert_eq "$(count silentA recv BYE)" 1 "op-reinvite-timeout: BYEs phone 1051 got"
h_assert_eq "$(count silentB recv BYE)" 1 "op-reinvite-timeout: BYEs callee 1052 got"

# ---- glare: the phone's re-INVITE crosses cvwd's
phone glareA c2c_glare.xml 1053
phone glareB c2c_answer.xml 1054 -d 200
start_call op-glare 1054 1053
h_cvwd_wait_call_state events op-glare connected 10
h_assert_eq "$(h_cvwd_sipp_msg glareA 1 recv 491/INVITE 1 count)" 1 "op-glare: 491s cvwd sent to the phone's re-INVITE"
h_assert_eq "$(h_cvwd_sipp_msg glareA 1 sent 491/INVITE 1 count)" 1 "op-glare: 491s the phone sent to cvwd's re-INVITE"
h_assert_eq "$(count glareA recv INVITE)" 3 "op-glare: INVITEs phone 1053 got (the first, the re-INVITE, its retry)"
retry=$(ms_between glareA sent 491/INVITE 1 glareA recv INVITE 3)
h_assert_ge "$retry" 2000 "op-glare: ms from the phone's 491 to cvwd's retry (owner of the Call-ID: 2.1 to 4 s)"
h_assert_le "$retry" 4500 "op-glare: ms from the phone's 491 to cvwd's retry (owner of the Call-ID: 2.1 to 4 s)"
h_log "op-glare: cvwd sent its re-INVITE again $retry ms after the phone's 491"
h_assert_eq "$(h_cvwd_sipp_msg glareA 1 recv INVITE 3 sdp:m)" "$(msg glareB sent 200/INVITE sdp:m)" \
  "op-glare: media port in cvwd's retried re-INVITE (the callee's)"
h_assert_eq "$(h_cvwd_sipp_msg glareA 1 recv INVITE 3 sdp:o)" "$(h_cvwd_sipp_msg glareA 1 recv INVITE 2 sdp:o)" \
  "op-glare: o= of the retried offer (the same offer: the same version)"
hang_up op-glare
check_end op-glare Completed null "$LADDER_FULL"
sipp_done glareA op-glare
sipp_done glareB op-glare
h_assert_eq "$(count glareB recv INVITE)" 1 "op-glare: INVITEs callee 1054 got (the glare stays on the phone's leg)"

# ---- phone-refresh: the phone refreshes the session itself
phone prefreshA c2c_phone_refresh.xml 1055 -key refresher uas -key allow "INVITE, ACK, BYE, CANCEL" -d 1000
phone prefreshB c2c_answer.xml 1056 -d 200
start_call op-phone-refresh 1056 1055
h_cvwd_wait_call_state events op-phone-refresh connected 10
wait_msg prefreshA recv 200/INVITE 1 5 || h_fail "op-phone-refresh: no 200 to the phone's refresh within 5 s"
h_assert_eq "$(msg prefreshA recv 200/INVITE sdp:m)" "$(msg prefreshB sent 200/INVITE sdp:m)" \
  "op-phone-refresh: media port cvwd answered the refresh with (still the callee's)"
h_assert_eq "$(msg prefreshA recv 200/INVITE sdp:o)" "$(h_cvwd_sipp_msg prefreshA 1 recv INVITE 2 sdp:o)" \
  "op-phone-refresh: o= of cvwd's answer (what cvwd describes has not changed since its re-INVITE: the same version)"
h_assert_eq "$(msg prefreshA recv 200/INVITE hdr:Session-Expires)" "90;refresher=uac" \
  "op-phone-refresh: Session-Expires of cvwd's 200 (the phone still refreshes)"
[[ "$(msg prefreshA recv 200/INVITE hdr:Require)" == *timer* ]] ||
  h_fail "op-phone-refresh: cvwd's 200 should say Require: timer, says '$(msg prefreshA recv 200/INVITE hdr:Require)'"
h_assert_eq "$(h_cvwd_call_events events op-phone-refresh)" "callingPhone phoneRinging callingCallee calleeRinging connected" \
  "op-phone-refresh: call states after the refresh (nothing new)"
hang_up op-phone-refresh
check_end op-phone-refresh Completed null "$LADDER_FULL"
sipp_done prefreshA op-phone-refresh
sipp_done prefreshB op-phone-refresh
h_assert_eq "$(count prefreshB recv INVITE)" 1 "op-phone-refresh: INVITEs callee 1056 got (the refresh stays on the phone's leg)"

# ---- phone-hold: the phone holds and resumes; the callee is told of each
phone holdA c2c_phone_hold.xml 1061 -d 1000
phone holdB c2c_answer.xml 1062 -d 200
start_call op-phone-hold 1062 1061
h_cvwd_wait_call_state events op-phone-hold connected 10
wait_msg holdB recv INVITE 3 8 || h_fail "op-phone-hold: the callee did not get the hold and the resume (INVITEs: $(count holdB recv INVITE))"
h_assert_eq "$(h_cvwd_sipp_msg holdA 1 recv 200/INVITE 1 sdp:dir)" recvonly \
  "op-phone-hold: direction cvwd answered the phone's hold with, on the callee's behalf"
h_assert_eq "$(h_cvwd_sipp_msg holdA 1 recv 200/INVITE 1 sdp:m)" "$(msg holdB sent 200/INVITE sdp:m)" \
  "op-phone-hold: media port of that answer (the callee's)"
h_assert_eq "$(h_cvwd_sipp_msg holdA 1 recv 200/INVITE 2 sdp:dir)" sendrecv \
  "op-phone-hold: direction cvwd answered the phone's resume with"
h_assert_eq "$(h_cvwd_sipp_msg holdB 1 recv INVITE 2 sdp:dir)" sendonly "op-phone-hold: direction of the callee's re-INVITE (the phone's hold)"
h_assert_eq "$(h_cvwd_sipp_msg holdB 1 recv INVITE 2 sdp:m)" "$(h_cvwd_sipp_msg holdA 1 sent 200/INVITE 2 sdp:m)" \
  "op-phone-hold: media port of the callee's re-INVITE (the phone's)"
h_assert_eq "$(h_cvwd_sipp_msg holdB 1 recv INVITE 3 sdp:dir)" sendrecv "op-phone-hold: direction of the callee's next re-INVITE (the resume)"
v_hold=$(h_cvwd_sipp_msg holdB 1 recv INVITE 2 sdp:o | awk '{print $3}')
v_resume=$(h_cvwd_sipp_msg holdB 1 recv INVITE 3 sdp:o | awk '{print $3}')
h_assert_eq "$v_resume" "$((v_hold + 1))" "op-phone-hold: o= version of the resume towards the callee (one above the hold's)"
h_assert_eq "$(count holdA recv INVITE)" 2 "op-phone-hold: INVITEs phone 1061 got (the callee's answers changed nothing to pass back)"
h_assert_eq "$(h_cvwd_call_events events op-phone-hold)" "callingPhone phoneRinging callingCallee calleeRinging connected" \
  "op-phone-hold: call states after the hold (nothing new)"
hang_up op-phone-hold
check_end op-phone-hold Completed null "$LADDER_FULL"
sipp_done holdA op-phone-hold
sipp_done holdB op-phone-hold

# ---- session-timer: cvwd refreshes, with UPDATE where the phone allows it
phone updateA c2c_session_timer.xml 1057 -key refresher uac -key allow "INVITE, ACK, BYE, CANCEL, UPDATE" -d 200 -timeout 90
phone updateB c2c_answer.xml 1058 -d 200 -timeout 90
phone rerefreshA c2c_session_timer.xml 1059 -key refresher uac -key allow "INVITE, ACK, BYE, CANCEL" -d 200 -timeout 90
phone rerefreshB c2c_answer.xml 1060 -d 200 -timeout 90
start_call op-refresh-update 1058 1057
UPDATE_CALL=$CALL_ID
start_call op-refresh-reinvite 1060 1059
h_cvwd_wait_call_state events op-refresh-update connected 10
h_cvwd_wait_call_state events op-refresh-reinvite connected 10
[[ "$(msg updateA recv INVITE hdr:Session-Expires)" =~ ^[0-9]+ ]] ||
  h_fail "session-timer: cvwd's INVITE should carry a Session-Expires, has '$(msg updateA recv INVITE hdr:Session-Expires)'"
[[ "$(msg updateA recv INVITE hdr:Supported)" == *timer* ]] ||
  h_fail "session-timer: cvwd's INVITE should say Supported: timer, says '$(msg updateA recv INVITE hdr:Supported)'"
h_log "session-timer: both calls connected; waiting for cvwd's refreshes (45 s)"
wait_msg updateA recv UPDATE 1 55 || h_fail "op-refresh-update: no UPDATE from cvwd within 55 s"
wait_msg rerefreshA recv INVITE 3 10 || h_fail "op-refresh-reinvite: no refresh re-INVITE from cvwd"
for label in updateA rerefreshA; do
  kind=UPDATE n=1
  [ "$label" = rerefreshA ] && kind=INVITE n=3
  after=$(ms_between "$label" sent 200/INVITE 2 "$label" recv "$kind" "$n")
  h_assert_ge "$after" 43000 "$label: ms from the last 200 to cvwd's refresh (half of 90 s)"
  h_assert_le "$after" 47000 "$label: ms from the last 200 to cvwd's refresh (half of 90 s)"
  h_log "$label: cvwd's refresh ($kind) came $after ms after the phone's last 200"
  h_assert_eq "$(h_cvwd_sipp_msg "$label" 1 recv "$kind" "$n" hdr:Session-Expires)" "90;refresher=uac" \
    "$label: Session-Expires of cvwd's refresh"
done
h_assert_eq "$(count updateA recv INVITE)" 2 "op-refresh-update: INVITEs phone 1057 got (the UPDATE refreshed)"
h_assert_eq "$(h_cvwd_sipp_msg rerefreshA 1 recv INVITE 3 sdp:o)" "$(h_cvwd_sipp_msg rerefreshA 1 recv INVITE 2 sdp:o)" \
  "op-refresh-reinvite: o= of the refresh (the same SDP: the same version)"
h_assert_eq "$(count rerefreshA recv UPDATE)" 0 "op-refresh-reinvite: UPDATEs to phone 1059 (its Allow has none)"
for op in op-refresh-update op-refresh-reinvite; do
  h_assert_eq "$(h_cvwd_call_events events "$op")" "callingPhone phoneRinging callingCallee calleeRinging connected" \
    "$op: call states after the refresh (nothing new)"
done
hang_up op-refresh-reinvite
CALL_ID=$UPDATE_CALL
hang_up op-refresh-update
check_end op-refresh-update Completed null "$LADDER_FULL"
check_end op-refresh-reinvite Completed null "$LADDER_FULL"
for label in updateA updateB rerefreshA rerefreshB; do sipp_done "$label" session-timer; done
h_assert_eq "$(count updateB recv INVITE)" 1 "op-refresh-update: INVITEs callee 1058 got"
h_assert_eq "$(count rerefreshB recv INVITE)" 1 "op-refresh-reinvite: INVITEs callee 1060 got"

check_history 5
h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX (Record-Route ignored)"
h_cvwd_stop
h_pass
