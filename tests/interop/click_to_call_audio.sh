#!/bin/bash
# The audio proof of click-to-call (issue #4): Kamailio as the PBX, two
# baresip phones registered there, cvwd in the middle, driven through the API
# as alice (--demo).
#   phone A  alice's own phone: baresip registered as her callback number
#            (GET /api/v1/me, +14255550101), answers at once, plays 600 Hz;
#   phone B  the callee "102", which alice's dial plan makes +14255550102:
#            baresip registered as that number, answers by hand 3 s after it
#            starts ringing (so A hears cvw's ringback first), plays 1000 Hz.
# Both record what they receive (sndfile) and trace their SIP (-s).
#   1. POST {"to":"102"}: events callingPhone .. connected; 3 s of
#      conversation; DELETE: 204, ended Completed (by user); both phones see
#      the call end; no dialog left in cvwd.
#   2. what the phones were shown: A's INVITE From and P-Asserted-Identity
#      "Call Via Work" with the CallViaWorkCallerId; B's From "Alice Anders"
#      <sip:alice@example.com>, P-Asserted-Identity her line number, and
#      baresip B's own "Incoming call from: Alice Anders"; A's re-INVITE
#      points it at B's media.
#   3. what A heard (Goertzel over 50 ms windows of its recording): first
#      the US ringback, 440 + 480 Hz together, one 2 s burst (cadence 2 s on,
#      then silence), then B's 1000 Hz and nothing of the ringback again; the
#      switch comes when B answered (the time between the callingCallee and
#      connected events, +- 0.8 s). What B heard: A's 600 Hz, no ringback.
# Every measured tone share, level and run length is printed, so that a
# failure says what was heard. SKIPs when the cvwd binary has no
# click-to-call yet.
#
# With the argument "anchored" ([calls] media = "anchored") the same call
# goes through cvw's RTP relay: what the phones hear must be the same, but
# phone A gets no re-INVITE, phone B is offered cvw's second endpoint (an
# address and port of cvw's media range, not phone A's), and cvw counts the
# packets it relayed.
MEDIA=${1:-direct}
case $MEDIA in
  direct) name=click_to_call_audio ;;
  anchored) name=click_to_call_audio_anchored ;;
  *) echo "usage: $0 [direct|anchored]" >&2; exit 2 ;;
esac
source "$(dirname "$0")/lib/harness.sh"
h_init "$name" 80
h_need kamailio baresip sox curl python3
h_cvwd_need

# ring_timeout/callee_ring_timeout well above what the test needs, so that a
# slow (sanitizer) build still connects
h_c2c_start "ring_timeout = 15
callee_ring_timeout = 20
media = \"$MEDIA\""
CALLBACK=$(h_cvwd_json 'd["callbackNumber"]')
CALLER_ID=$(h_cvwd_json 'd["callViaWorkCallerId"]')
ALICE_NAME=$(h_cvwd_json 'd["displayName"]')
ALICE_URI=$(h_cvwd_json 'd["sipUri"]')
ALICE_LINE=$(h_cvwd_json 'd["lineUri"]')
if [ -z "$CALLBACK" ] || [ -z "$CALLER_ID" ] || [ -z "$ALICE_LINE" ]; then
  h_fail "demo user alice lacks a callback number, caller ID or line URI: $H_CVWD_ME"
fi
LINE_NUMBER=${ALICE_LINE#tel:}
LINE_NUMBER=${LINE_NUMBER%%;*}
# "102" through the demo dial plan (Office: 3-digit extensions -> +14255550NNN);
# the 201 below must confirm it
CALLEE=+14255550102
h_log "alice: callback number $CALLBACK, caller ID $CALLER_ID, line $ALICE_LINE; callee $CALLEE"

# the phones: each plays its own tone (h_phone_create plays H_WAV)
H_WAV="$H_WORK/tone600_8k.wav"
h_tone "$H_WAV" 600 40
h_phone_create "$CALLBACK" auto pbx
H_WAV="$H_WORK/tone1000_8k.wav"
h_tone "$H_WAV" 1000 40
h_phone_create "$CALLEE" manual pbx
h_phone_start_with "$CALLBACK" -s
h_phone_start_with "$CALLEE" -s
LOG_A=$(h_phone_log "$CALLBACK")
LOG_B=$(h_phone_log "$CALLEE")

# ---- 1. the call
h_cvwd_http POST /api/v1/me/calls '{"to":"102","operationId":"op-audio"}'
h_cvwd_expect_status 201 "POST /api/v1/me/calls"
ID=$(h_cvwd_json 'd["id"]')
h_assert_eq "$(h_cvwd_json '[d["phoneNumber"], d["target"]["kind"], d["target"].get("number")]')" \
  "[\"$CALLBACK\", \"number\", \"$CALLEE\"]" "phoneNumber, target kind and number in the 201"

h_wait_log "$LOG_A" 'Call established' 10 || h_fail "phone A (baresip $CALLBACK) did not answer cvw's INVITE"
h_wait_log "$LOG_B" 'Incoming call from' 10 || h_fail "phone B (baresip $CALLEE) was not rung"
# the callee "picks up" 3 s after it started ringing: A hears ringback meanwhile
sleep 3
h_bsctl "$CALLEE" accept || h_fail "bsctl accept on phone B failed (see baresip-$CALLEE.bsctl.log)"
h_cvwd_wait_call_state events op-audio connected 10
h_wait_log "$LOG_B" 'Call established' 5 || h_fail "phone B: call not established after accept"
# the conversation: both tones flow directly between the phones
sleep 3
h_cvwd_http DELETE "/api/v1/me/calls/$ID"
h_cvwd_expect_status 204 "DELETE /api/v1/me/calls/$ID"
h_cvwd_wait_call_state events op-audio ended 10
# Phone A answers at once (auto-answer): its 180 and 200 leave together and
# the PBX's two worker processes may pass them on in either order; a 180
# after the 200 is rightly ignored, so phoneRinging may be missing.
states=$(h_cvwd_call_events events op-audio)
[[ "$states" == *phoneRinging* ]] || h_log "phone A's 180 came after its 200 (the PBX reordered them): no phoneRinging"
h_assert_eq "${states/phoneRinging /}" \
  "callingPhone callingCallee calleeRinging connected ended" "call states in the events (phoneRinging aside)"
h_assert_eq "$(h_cvwd_call_event events op-audio ended '"%s by %s" % (e["data"]["call"]["reason"]["code"], e["data"]["call"]["reason"].get("by"))')" \
  "Completed by user" "reason of the end"
h_wait_log "$LOG_A" 'Call with .* terminated' 5 || h_fail "phone A did not see the call end"
h_wait_log "$LOG_B" 'Call with .* terminated' 5 || h_fail "phone B did not see the call end"
h_cvwd_wait_metric cvw_sip_dialogs_open 0 5 "dialogs left open after the call"
# the phones close their recordings with the call; stopping them (they
# unregister first) makes sure every file is complete
h_stop "baresip-$CALLEE" >/dev/null
h_stop "baresip-$CALLBACK" >/dev/null

# ---- 2. what the phones were shown
h_phone_sip_trace "$CALLBACK" phoneA
h_phone_sip_trace "$CALLEE" phoneB
from=$(h_cvwd_sipp_msg phoneA '*' recv INVITE 1 hdr:From)
pai=$(h_cvwd_sipp_msg phoneA '*' recv INVITE 1 hdr:P-Asserted-Identity)
h_log "phone A got: From: $from"
h_log "phone A got: P-Asserted-Identity: $pai"
[[ "$from" == *'"Call Via Work"'* && "$from" == *"$CALLER_ID"[@\;\>]* ]] ||
  h_fail "phone A's INVITE From should be \"Call Via Work\" with $CALLER_ID, is: ${from:-none}"
[[ "$pai" == *'"Call Via Work"'* && "$pai" == *"$CALLER_ID"[@\;\>]* ]] ||
  h_fail "phone A's INVITE P-Asserted-Identity should be \"Call Via Work\" with $CALLER_ID, is: ${pai:-none}"
h_assert_file_has "$LOG_A" "Call established: sip:\\$CALLER_ID@" "phone A's display of the caller"
if [ "$MEDIA" = direct ]; then
  h_assert_eq "$(h_cvwd_sipp_msg phoneA '*' recv INVITE 1 count)" 2 "INVITEs phone A got (initial + re-INVITE)"
  h_assert_eq "$(h_cvwd_sipp_msg phoneA '*' recv INVITE 2 sdp:m)" "$(h_cvwd_sipp_msg phoneB '*' sent 200/INVITE 1 sdp:m)" \
    "media port in phone A's re-INVITE (phone B's answer)"
  h_assert_eq "$(h_cvwd_sipp_msg phoneB '*' recv INVITE 1 sdp:m)" "$(h_cvwd_sipp_msg phoneA '*' sent 200/INVITE 1 sdp:m)" \
    "media port offered to phone B (phone A's answer)"
else
  h_assert_eq "$(h_cvwd_sipp_msg phoneA '*' recv INVITE 1 count)" 1 "INVITEs phone A got (no re-INVITE: the relay joins the phones)"
  a_port=$(h_cvwd_sipp_msg phoneA '*' recv INVITE 1 sdp:m)
  b_port=$(h_cvwd_sipp_msg phoneB '*' recv INVITE 1 sdp:m)
  h_log "cvw's media range $H_C2C_MEDIA_MIN-$H_C2C_MEDIA_MAX; phone A was offered port $a_port, phone B port $b_port"
  for port in "$a_port" "$b_port"; do
    h_assert_ge "${port:-0}" "$H_C2C_MEDIA_MIN" "an offered RTP port is in cvw's media range"
    h_assert_le "${port:-0}" "$H_C2C_MEDIA_MAX" "an offered RTP port is in cvw's media range"
  done
  [ "$a_port" != "$b_port" ] || h_fail "phones A and B were offered the same RTP port ($a_port)"
  h_assert_eq "$(h_cvwd_sipp_msg phoneB '*' recv INVITE 1 sdp:c)" 127.0.0.1 "media address offered to phone B"
  # 3 s of conversation both ways at 50 packets/s: about 300 relayed
  h_assert_ge "$(h_cvwd_metric cvw_media_relayed_packets_total)" 250 "RTP/RTCP packets cvw relayed"
  h_assert_eq "$(h_cvwd_metric 'cvw_media_relay_dropped_packets_total{reason="malformed"}')" 0 \
    "relayed packets refused as malformed"
fi
from=$(h_cvwd_sipp_msg phoneB '*' recv INVITE 1 hdr:From)
pai=$(h_cvwd_sipp_msg phoneB '*' recv INVITE 1 hdr:P-Asserted-Identity)
h_log "phone B got: From: $from"
h_log "phone B got: P-Asserted-Identity: $pai"
[[ "$from" == *"\"$ALICE_NAME\" <$ALICE_URI>"* ]] ||
  h_fail "phone B's INVITE From should be \"$ALICE_NAME\" <$ALICE_URI>, is: ${from:-none}"
[[ "$pai" == *"$LINE_NUMBER"[@\;\>]* ]] ||
  h_fail "phone B's INVITE P-Asserted-Identity should carry alice's line $LINE_NUMBER, is: ${pai:-none}"
h_assert_file_has "$LOG_B" "Incoming call from: $ALICE_NAME $ALICE_URI" "phone B's display of the caller"
h_assert_eq "$(h_cvwd_sipp_msg phoneA '*' recv BYE 1 count)" 1 "BYEs phone A got"
h_assert_eq "$(h_cvwd_sipp_msg phoneB '*' recv BYE 1 count)" 1 "BYEs phone B got"

# ---- 3. what the phones heard
REC_A=$(h_phone_recording "$CALLBACK")
REC_B=$(h_phone_recording "$CALLEE")
[ -s "$REC_A" ] || h_fail "phone A recorded nothing (no 'dumping decode audio' in its log, or an empty file: '$REC_A')"
[ -s "$REC_B" ] || h_fail "phone B recorded nothing (no 'dumping decode audio' in its log, or an empty file: '$REC_B')"
TONES=(ringback=440+480 callee=1000 phone=600)
heard_a=$(h_audio_tones "$REC_A" "${TONES[@]}") || h_fail "cannot analyse $REC_A: $heard_a"
heard_b=$(h_audio_tones "$REC_B" "${TONES[@]}") || h_fail "cannot analyse $REC_B: $heard_b"
h_log "phone A heard ($(basename "$REC_A")):"
printf '%s\n' "$heard_a" | sed 's/^/    /'
h_log "phone B heard ($(basename "$REC_B")):"
printf '%s\n' "$heard_b" | sed 's/^/    /'
a() { h_audio_value "$heard_a" "$1" "$2"; }
b() { h_audio_value "$heard_b" "$1" "$2"; }
# seconds as centiseconds, for integer comparisons

# A: ringback first (the first thing it hears), one full burst of 2 s. The
# burst is measured from its first to its last ringback window, so that a
# lost packet inside it (a window of "other") does not cut it short.
h_assert_ge "$(h_centis "$(a ringback total_s)")" 150 "phone A: centiseconds of ringback (440+480 Hz)"
h_assert_le "$(h_centis "$(a ringback first_s)")" 30 "phone A: centisecond of the recording where the ringback starts"
burst=$(($(h_centis "$(a ringback last_s)") - $(h_centis "$(a ringback first_s)")))
h_assert_ge "$burst" 170 "phone A: centiseconds from the first to the last ringback window (US cadence: 2 s on)"
h_assert_le "$burst" 230 "phone A: centiseconds from the first to the last ringback window (US cadence: 2 s on, then off)"
# then B's tone, and never the ringback again
h_assert_ge "$(h_centis "$(a callee total_s)")" 200 "phone A: centiseconds of the callee's 1000 Hz"
h_assert_ge "$(h_centis "$(a callee first_s)")" "$(h_centis "$(a ringback last_s)")" \
  "phone A: the callee's tone starts (centisecond) after the last ringback"
h_assert_ge "$(($(h_centis "$(a callee first_s)") - $(h_centis "$(a ringback last_s)")))" 30 \
  "phone A: centiseconds of silence between the ringback burst and the callee's tone (cadence: off after 2 s)"
h_assert_le "$(h_centis "$(a other total_s)")" 50 "phone A: centiseconds that are neither silence nor a known tone"
h_assert_eq "$(a phone total_s)" 0.00 "phone A: seconds of its own tone coming back"
# the switch happened when B answered: the time from callingCallee (ringback
# starts) to connected, +- 0.8 s
t_callee=$(h_cvwd_call_event events op-audio callingCallee 'e["time"]')
t_connected=$(h_cvwd_call_event events op-audio connected 'e["time"]')
ringing_cs=$(python3 -c 'import datetime, sys
t = [datetime.datetime.fromisoformat(s.replace("Z", "+00:00")) for s in sys.argv[1:3]]
print(round((t[1] - t[0]).total_seconds() * 100))' "$t_callee" "$t_connected") ||
  h_fail "cannot read the times of the callingCallee ($t_callee) and connected ($t_connected) events"
h_log "callee rang for $ringing_cs cs (events); the callee's tone starts at $(a callee first_s) s of A's recording"
h_assert_ge "$(h_centis "$(a callee first_s)")" $((ringing_cs - 80)) "phone A: centisecond where the callee's tone starts (events say ${ringing_cs} cs)"
h_assert_le "$(h_centis "$(a callee first_s)")" $((ringing_cs + 80)) "phone A: centisecond where the callee's tone starts (events say ${ringing_cs} cs)"

# B: A's tone, nothing of cvw's ringback, not its own tone back
h_assert_ge "$(h_centis "$(b phone total_s)")" 200 "phone B: centiseconds of phone A's 600 Hz"
h_assert_eq "$(b ringback total_s)" 0.00 "phone B: seconds of ringback"
h_assert_eq "$(b callee total_s)" 0.00 "phone B: seconds of its own tone coming back"
h_assert_le "$(h_centis "$(b other total_s)")" 50 "phone B: centiseconds that are neither silence nor a known tone"

h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX (Record-Route ignored)"
h_cvwd_stop
h_pass
