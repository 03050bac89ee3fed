#!/bin/bash
# How click-to-calls end, through real peers: Kamailio as the PBX, SIPp
# phones registered there, cvwd with [calls] ring_timeout = 10,
# callee_ring_timeout = 3, max_per_user = 20, driven through the API (alice,
# and for the load part bob and carol too). Every call but the load rings a
# phone of its own first ("phoneNumber", which alice's policy lets her
# choose), so each phone is one SIPp run whose trace shows what went over
# the wire. Each variant checks the final event (reason code, sipStatus when
# a SIP status decided it, the states in order), the SIP each phone got or
# sent, and that no dialog is left (cvw_sip_dialogs_open back to 0, GET
# /me/calls empty):
#   decline          phone 1021 rings, then 603: PhoneDeclined (603); callee
#                    never called
#   not-found        callee 1031 answers 404: CalleeNotFound (404); phone BYE'd
#   not-registered   callee 1039 unknown to the PBX, which answers 404 itself:
#                    CalleeNotFound (404)
#   unavailable      callee 1032 answers 480: CalleeUnavailable (480)
#   phone-unreachable  phone 1098 unknown to the PBX (404): PhoneUnreachable
#                    (404); callee never called
#   callee-declined  callee 1050 rings, then 603: CalleeDeclined (603);
#                    phone BYE'd
#   no-answer        callee 1033 rings (180, no SDP; cvw's ringback RTP keeps
#                    flowing): CANCEL ~3 s later (callee_ring_timeout),
#                    CalleeNoAnswer (no sipStatus); phone BYE'd
#   cancel-phone     DELETE while phone 1026 rings: CANCEL to it,
#                    CancelledByUser; callee never called
#   cancel-callee    DELETE while callee 1034 rings: CANCEL to the callee, BYE
#                    to phone 1027, CancelledByUser
#   phone-hangup     phone 1028 answers and hangs up (BYE) while callee 1035
#                    rings: cvw CANCELs the callee, PhoneHungUp
#   reinvite-488     phone 1029 refuses the re-INVITE (488): MediaUpdateFailed
#                    (488); both legs BYE'd
#   early-media      callee 1037 sends 183 with SDP, 2 s later 200: cvw's
#                    ringback RTP stops at the 183; connected (the phone
#                    re-INVITEd with the callee's media); DELETE
#   100rel           phone 1042's 180 requires 100rel (RSeq 1): cvw PRACKs it
#                    (RAck "1 <INVITE CSeq> INVITE", along the route set),
#                    connected; DELETE
#   blind-transfer   phone 1043, connected to callee 1044, sends REFER to
#                    1045: 202, 1045 called through the PBX as the user with
#                    the callee's media, NOTIFYs ending in 200, the callee
#                    re-INVITEd with 1045's media, the phone BYE'd; the call
#                    goes on as transferred (blind, to 1045); DELETE
#   attended-transfer  phone 1047 connected to callee 1048; a SIPp UAC sends
#                    cvwd an INVITE with Replaces naming the phone's dialog:
#                    the callee re-INVITEd with its offer, it is answered
#                    with the callee's media, the phone BYE'd; the call goes
#                    on as transferred (attended); DELETE
#   load             50 click-to-calls POSTed at once by alice, bob and carol
#                    (17/17/16, each under max_per_user) to SIPp phones and a
#                    SIPp callee that answer after 0.5 s: all 50 connected
#                    (100 dialogs open), DELETEd at once, all ended Completed
#                    by user, 50 complete calls on each SIPp side.
#   nothing left     within 40 s of the last call (64*T1 = 32 s) cvwd has no
#                    SIP transaction open (cvw_sip_transactions_open) and no
#                    dialog.
# Each of these calls must have a history record that says what its ended
# event said. The never-called callee 1003 must have no INVITE at the end; the PBX must
# refuse no in-dialog request (Record-Route followed, PRACK included); cvwd
# must stop cleanly on SIGTERM (exit 0, no sanitizer report). SKIPs when the
# cvwd binary has no click-to-call yet.
source "$(dirname "$0")/lib/harness.sh"
h_init click_to_call_outcomes 150
h_need kamailio sipp curl
h_cvwd_need

# cvw's RTP: a port pair per call up at once (the load part: 50)
h_c2c_start_span 120 "ring_timeout = 10
callee_ring_timeout = 3
max_per_user = 20"
ALICE_TOKEN=$H_CVWD_TOKEN
h_assert_eq "$(h_cvwd_json 'd["effectiveCallViaWorkPolicy"]["useAdminCallbackNumber"]')" false \
  "alice's policy must let her choose the phone rung first (the test rings a phone per call)"

source "$(dirname "$0")/lib/c2c_calls.sh"

# transfer_of OP: "KIND TO" of the call's transfer in its last connected event
transfer_of() {
  h_cvwd_call_event events "$1" connected \
    'e["data"]["call"].get("transfer", {}).get("kind", "") + " " + e["data"]["call"].get("transfer", {}).get("to", "")'
}

# the callee of the calls that must never reach a callee
phone silentB c2c_answer.xml 1003

# ---- decline: the phone rings, then the user declines (603)
phone declineA c2c_decline.xml 1021 -d 300
start_call op-decline 1003 1021
check_end op-decline PhoneDeclined 603 "$LADDER_PHONE"
sipp_done declineA op-decline
h_assert_eq "$(count declineA sent 603)" 1 "op-decline: 603s phone 1021 sent"

# ---- not-found: the callee answers 404
phone notfoundA c2c_answer.xml 1022 -d 200
phone notfoundB c2c_not_found.xml 1031
start_call op-not-found 1031 1022
check_end op-not-found CalleeNotFound 404 "$LADDER_CALLEE"
sipp_done notfoundB op-not-found
sipp_done notfoundA op-not-found
h_assert_eq "$(count notfoundB sent 404)" 1 "op-not-found: 404s callee 1031 sent"
h_assert_eq "$(count notfoundA recv BYE)" 1 "op-not-found: BYEs phone 1022 got"
h_assert_eq "$(count notfoundA recv INVITE)" 1 "op-not-found: INVITEs phone 1022 got (no re-INVITE)"

# ---- not-registered: nobody has 1039 at the PBX, which answers 404 itself
phone unknownA c2c_answer.xml 1023 -d 200
h_pbx_registered 1039 && h_fail "op-not-registered: 1039 should not be registered at the PBX"
start_call op-not-registered 1039 1023
check_end op-not-registered CalleeNotFound 404 "$LADDER_CALLEE"
sipp_done unknownA op-not-registered
h_assert_eq "$(count unknownA recv BYE)" 1 "op-not-registered: BYEs phone 1023 got"

# ---- phone-unreachable: nobody has 1098 at the PBX, which answers 404 to
# the phone's own leg: the callee is never called
h_pbx_registered 1098 && h_fail "op-phone-unreachable: 1098 should not be registered at the PBX"
start_call op-phone-unreachable 1003 1098
check_end op-phone-unreachable PhoneUnreachable 404 "callingPhone ended"

# ---- callee-declined: the callee rings, then declines (603)
phone calleedeclineA c2c_answer.xml 1049 -d 200
phone calleedeclineB c2c_decline.xml 1050 -d 300
start_call op-callee-declined 1050 1049
check_end op-callee-declined CalleeDeclined 603 "$LADDER_RINGING"
sipp_done calleedeclineB op-callee-declined
sipp_done calleedeclineA op-callee-declined
h_assert_eq "$(count calleedeclineB sent 603)" 1 "op-callee-declined: 603s callee 1050 sent"
h_assert_eq "$(count calleedeclineA recv BYE)" 1 "op-callee-declined: BYEs phone 1049 got"

# ---- unavailable: the callee answers 480
phone unavailableA c2c_answer.xml 1024 -d 200
phone unavailableB c2c_unavailable.xml 1032
start_call op-unavailable 1032 1024
check_end op-unavailable CalleeUnavailable 480 "$LADDER_CALLEE"
sipp_done unavailableB op-unavailable
sipp_done unavailableA op-unavailable
h_assert_eq "$(count unavailableB sent 480)" 1 "op-unavailable: 480s callee 1032 sent"
h_assert_eq "$(count unavailableA recv BYE)" 1 "op-unavailable: BYEs phone 1024 got"

# ---- no-answer: the callee rings until callee_ring_timeout = 3 s
phone noanswerA c2c_answer.xml 1025 -d 200
phone noanswerB c2c_ring_cancel.xml 1033
start_call op-no-answer 1033 1025
h_cvwd_wait_call_state events op-no-answer calleeRinging 10
start=$(h__now_ms)
# the callee's 180 has no SDP: the ringback goes on (the control of the
# early-media variant, where it must stop)
ring_rtp_1=$(h_cvwd_metric "$RTP_OUT")
sleep 0.5
ring_rtp_2=$(h_cvwd_metric "$RTP_OUT")
[[ "$ring_rtp_1" =~ ^[0-9]+$ ]] || h_fail "no $RTP_OUT in /metrics"
h_assert_ge "$((ring_rtp_2 - ring_rtp_1))" 10 "op-no-answer: RTP packets (ringback) cvw sent in 0.5 s while the callee rang (180)"
check_end op-no-answer CalleeNoAnswer null "$LADDER_RINGING"
elapsed=$(($(h__now_ms) - start))
h_assert_ge "$elapsed" 2000 "op-no-answer: ms from calleeRinging seen to ended (callee_ring_timeout = 3 s)"
h_assert_le "$elapsed" 6000 "op-no-answer: ms from calleeRinging seen to ended (callee_ring_timeout = 3 s)"
sipp_done noanswerB op-no-answer
sipp_done noanswerA op-no-answer
h_assert_eq "$(count noanswerB recv CANCEL)" 1 "op-no-answer: CANCELs callee 1033 got"
h_assert_eq "$(count noanswerA recv BYE)" 1 "op-no-answer: BYEs phone 1025 got"

# ---- cancel-phone: the user hangs up (DELETE) while the phone rings
phone cancelphoneA c2c_ring_cancel.xml 1026
start_call op-cancel-phone 1003 1026
h_cvwd_wait_call_state events op-cancel-phone phoneRinging 10
hang_up op-cancel-phone
check_end op-cancel-phone CancelledByUser null "$LADDER_PHONE"
sipp_done cancelphoneA op-cancel-phone
h_assert_eq "$(count cancelphoneA recv CANCEL)" 1 "op-cancel-phone: CANCELs phone 1026 got"

# ---- cancel-callee: the user hangs up (DELETE) while the callee rings
phone cancelcalleeA c2c_answer.xml 1027 -d 200
phone cancelcalleeB c2c_ring_cancel.xml 1034
start_call op-cancel-callee 1034 1027
h_cvwd_wait_call_state events op-cancel-callee calleeRinging 10
hang_up op-cancel-callee
check_end op-cancel-callee CancelledByUser null "$LADDER_RINGING"
sipp_done cancelcalleeB op-cancel-callee
sipp_done cancelcalleeA op-cancel-callee
h_assert_eq "$(count cancelcalleeB recv CANCEL)" 1 "op-cancel-callee: CANCELs callee 1034 got"
h_assert_eq "$(count cancelcalleeA recv BYE)" 1 "op-cancel-callee: BYEs phone 1027 got"

# ---- phone-hangup: the user hangs up the phone while the callee rings
phone hangupA c2c_answer_bye.xml 1028 -d 1000
phone hangupB c2c_ring_cancel.xml 1035
start_call op-phone-hangup 1035 1028
check_end op-phone-hangup PhoneHungUp null "$LADDER_RINGING"
sipp_done hangupA op-phone-hangup
sipp_done hangupB op-phone-hangup
h_assert_eq "$(count hangupA sent BYE)" 1 "op-phone-hangup: BYEs phone 1028 sent (answered 200: c2c_answer_bye)"
h_assert_eq "$(count hangupB recv CANCEL)" 1 "op-phone-hangup: CANCELs callee 1035 got"

# ---- reinvite-488: the phone refuses to be pointed at the callee
phone refuseA c2c_refuse_reinvite.xml 1029 -d 200
phone refuseB c2c_answer.xml 1036 -d 200
start_call op-reinvite-488 1036 1029
check_end op-reinvite-488 MediaUpdateFailed 488 "$LADDER_RINGING"
sipp_done refuseA op-reinvite-488
sipp_done refuseB op-reinvite-488
h_assert_eq "$(h_cvwd_sipp_msg refuseA 1 sent 488/INVITE 1 count)" 1 "op-reinvite-488: 488s phone 1029 sent to the re-INVITE"
h_assert_eq "$(count refuseA recv BYE)" 1 "op-reinvite-488: BYEs phone 1029 got"
h_assert_eq "$(count refuseB recv BYE)" 1 "op-reinvite-488: BYEs callee 1036 got"

# ---- early-media: 183 with SDP, then 200
phone earlyA c2c_answer.xml 1041 -d 200
phone earlyB c2c_early_media.xml 1037 -d 2000
start_call op-early-media 1037 1041
h_cvwd_wait_call_state events op-early-media calleeRinging 10
early_rtp_1=$(h_cvwd_metric "$RTP_OUT")
sleep 0.6
early_rtp_2=$(h_cvwd_metric "$RTP_OUT")
h_assert_eq "$(h_cvwd_call_events events op-early-media)" "callingPhone phoneRinging callingCallee calleeRinging" \
  "op-early-media: states while the RTP counter was read (still in early media)"
h_assert_eq "$early_rtp_2" "$early_rtp_1" "op-early-media: RTP packets cvw sent in 0.6 s of early media (ringback stopped at the 183)"
h_cvwd_wait_call_state events op-early-media connected 10
hang_up op-early-media
check_end op-early-media Completed null "$LADDER_FULL"
h_assert_eq "$(h_cvwd_call_event events op-early-media ended 'e["data"]["call"]["reason"].get("by")')" user "op-early-media: reason by"
sipp_done earlyA op-early-media
sipp_done earlyB op-early-media
h_assert_eq "$(msg earlyB recv INVITE sdp:m)" "$(msg earlyA sent 200/INVITE sdp:m)" \
  "op-early-media: media port offered to the callee (the phone's answer, where its 183's early media goes)"
h_assert_eq "$(count earlyB sent 183)" 1 "op-early-media: 183s the callee sent"
h_assert_eq "$(h_cvwd_sipp_msg earlyA 1 recv INVITE 2 sdp:m)" "$(msg earlyB sent 200/INVITE sdp:m)" \
  "op-early-media: media port in the phone's re-INVITE (the callee's answer)"
h_assert_eq "$(count earlyB recv BYE)" 1 "op-early-media: BYEs callee 1037 got"

# ---- 100rel: the phone's 180 is reliable; cvw must PRACK it
phone prackA c2c_answer_100rel.xml 1042 -d 500
phone prackB c2c_answer.xml 1038 -d 200
start_call op-100rel 1038 1042
h_cvwd_wait_call_state events op-100rel connected 10
hang_up op-100rel
check_end op-100rel Completed null "$LADDER_FULL"
sipp_done prackA op-100rel
sipp_done prackB op-100rel
[[ "$(msg prackA recv INVITE hdr:Supported)" == *100rel* ]] ||
  h_fail "op-100rel: cvw's INVITE should say Supported: 100rel, says '$(msg prackA recv INVITE hdr:Supported)'"
h_assert_eq "$(count prackA recv PRACK)" 1 "op-100rel: PRACKs phone 1042 got (one per RSeq)"
invite_cseq=$(msg prackA recv INVITE hdr:CSeq)
h_assert_eq "$(msg prackA recv PRACK hdr:RAck)" "1 ${invite_cseq%% *} INVITE" "op-100rel: RAck of the PRACK (RSeq 1, the INVITE's CSeq)"
[[ "$(msg prackA recv PRACK hdr:To)" == *"tag=$(msg prackA sent 180 hdr:To | sed 's/.*tag=//')"* ]] ||
  h_fail "op-100rel: the PRACK should be in the early dialog of the 180 (To tag), To is '$(msg prackA recv PRACK hdr:To)'"
h_assert_eq "$(count prackA recv BYE)" 1 "op-100rel: BYEs phone 1042 got"

# ---- blind-transfer: once connected, the phone REFERs the call to 1045
# (RFC 3515): cvwd calls 1045 through the PBX as the user, with the callee's
# media, NOTIFYs the phone of its progress (sipfrag), re-points the callee at
# 1045 and releases the phone; the call goes on, reported as transferred
phone referA c2c_phone_refer.xml 1043 -key refer_to 1045 -d 1000
phone referB c2c_answer.xml 1044 -d 200
phone referC c2c_answer.xml 1045 -d 200
start_call op-blind-transfer 1044 1043
h_cvwd_wait_call_state events op-blind-transfer connected 10
sipp_done referA op-blind-transfer  # the phone's scenario ends with cvwd's BYE
h_assert_eq "$(msg referA recv 202/REFER start | cut -d' ' -f2)" 202 "op-blind-transfer: cvwd's answer to the REFER"
notifies=$(count referA recv NOTIFY)
h_assert_ge "$notifies" 1 "op-blind-transfer: NOTIFYs phone 1043 got"
# the final NOTIFY (Subscription-State: terminated) says the target
# answered; the PBX may have passed it on after another one, or the BYE
final=""
for ((i = 1; i <= notifies; i++)); do
  if [[ "$(h_cvwd_sipp_msg referA 1 recv NOTIFY "$i" hdr:Subscription-State)" == terminated* ]]; then
    final=$(h_cvwd_sipp_msg referA 1 recv NOTIFY "$i" body | tr -d '\r' | head -1)
  fi
done
h_assert_eq "$final" "SIP/2.0 200 OK" "op-blind-transfer: the final NOTIFY's sipfrag (the target answered)"
[[ "$(msg referA recv NOTIFY hdr:Content-Type)" == message/sipfrag* ]] ||
  h_fail "op-blind-transfer: NOTIFY body type is '$(msg referA recv NOTIFY hdr:Content-Type)'"
h_assert_eq "$(count referA recv BYE)" 1 "op-blind-transfer: BYEs phone 1043 got (released once the target answered)"
# the target is called as the user, with the callee's media
[[ "$(msg referC recv INVITE hdr:From)" == *"<sip:alice@example.com>"* ]] ||
  h_fail "op-blind-transfer: the target's INVITE should come from the user, From is '$(msg referC recv INVITE hdr:From)'"
h_assert_eq "$(msg referC recv INVITE sdp:m)" "$(msg referB sent 200/INVITE sdp:m)" \
  "op-blind-transfer: media port offered to the target (the callee's)"
# the callee is re-pointed at the target: the phone's re-INVITE, then the target's
h_assert_eq "$(h_cvwd_sipp_msg referB 1 recv INVITE 2 sdp:m)" "$(msg referC sent 200/INVITE sdp:m)" \
  "op-blind-transfer: media port in the callee's re-INVITE (the target's answer)"
transfer=$(transfer_of op-blind-transfer)
[[ "$transfer" == "blind sip:1045@"* ]] || h_fail "op-blind-transfer: the call's transfer in the last connected event is '$transfer'"
hang_up op-blind-transfer
check_end op-blind-transfer Completed null "callingPhone phoneRinging callingCallee calleeRinging connected connected ended"
sipp_done referB op-blind-transfer
sipp_done referC op-blind-transfer
h_assert_eq "$(count referB recv BYE)" 1 "op-blind-transfer: BYEs callee 1044 got"
h_assert_eq "$(count referC recv BYE)" 1 "op-blind-transfer: BYEs target 1045 got"

# ---- attended-transfer: once connected, a new party INVITEs cvwd with
# Replaces naming cvwd's dialog with the phone (RFC 3891; as the phone's PBX
# would after a consultation call): the callee is re-INVITEd with the new
# party's offer, the new party answered with the callee's media, the phone
# BYE'd; the call goes on, reported as transferred (attended, to the new party)
phone replA c2c_answer.xml 1047 -d 200
phone replB c2c_answer.xml 1048 -d 200
start_call op-attended-transfer 1048 1047
h_cvwd_wait_call_state events op-attended-transfer connected 10
replaces="$(msg replA recv INVITE hdr:Call-ID);to-tag=$(msg replA recv INVITE hdr:From | sed 's/.*;tag=//')"
replaces="$replaces;from-tag=$(msg replA sent 200/INVITE hdr:To | sed 's/.*;tag=//')"
h_port repl_port
h_sipp_start replC c2c_replaces_uac.xml -p "$repl_port" -m 1 -timeout 30 -key replaces "$replaces" \
  "127.0.0.1:$H_CVWD_SIP_PORT"
sipp_done replA op-attended-transfer  # the phone's scenario ends with cvwd's BYE
h_assert_eq "$(count replA recv BYE)" 1 "op-attended-transfer: BYEs phone 1047 got (its dialog was replaced)"
h_assert_eq "$(h_cvwd_sipp_msg replB 1 recv INVITE 2 sdp:m)" "$(msg replC sent INVITE sdp:m)" \
  "op-attended-transfer: media port in the callee's re-INVITE (the new party's offer)"
h_assert_eq "$(msg replC recv 200/INVITE sdp:m)" "$(msg replB sent 200/INVITE sdp:m)" \
  "op-attended-transfer: media port cvwd answered the new party with (the callee's)"
h_assert_eq "$(transfer_of op-attended-transfer)" 'attended "Carol" <sip:1046@127.0.0.1>' \
  "op-attended-transfer: the call's transfer in the last connected event"
hang_up op-attended-transfer
check_end op-attended-transfer Completed null "callingPhone phoneRinging callingCallee calleeRinging connected connected ended"
sipp_done replB op-attended-transfer
sipp_done replC op-attended-transfer
h_assert_eq "$(count replB recv BYE)" 1 "op-attended-transfer: BYEs callee 1048 got"
h_assert_eq "$(count replC recv BYE)" 1 "op-attended-transfer: BYEs the new party got"

# ---- the history: a record for every call above, saying what its ended
# event said (reason code, sipStatus, by, message; the transfer; connected or not)
check_history 13

h_assert_eq "$(h_cvwd_sipp_msg silentB '*' recv INVITE 1 count)" 0 \
  "INVITEs callee 1003 got (only calls that never reached the callee were made to it)"

# ---- load: 50 click-to-calls at once, by alice, bob and carol
h_cvwd_login sip:bob@example.com bob-password-1
BOB_TOKEN=$H_CVWD_TOKEN
h_cvwd_events_start events-bob
h_cvwd_http GET /api/v1/me
BOB_PHONE=$(h_cvwd_json 'd["callbackNumber"]')
h_cvwd_login sip:carol@example.com carol-password-1
CAROL_TOKEN=$H_CVWD_TOKEN
h_cvwd_events_start events-carol
h_cvwd_http GET /api/v1/me
CAROL_PHONE=$(h_cvwd_json 'd["callbackNumber"]')
H_CVWD_TOKEN=$ALICE_TOKEN
ALICE_PHONE=$(h_cvwd_json 'd["callbackNumber"]' "$H_CVWD_ME")
h_log "load: phones $ALICE_PHONE (alice), $BOB_PHONE (bob), $CAROL_PHONE (carol); callee 1004"
h_port LOADP
h_sipp_start loadPhones c2c_answer.xml -p "$LOADP" -m 50 -d 500 -timeout 60
h_port LOADC
h_sipp_start loadCallees c2c_answer.xml -p "$LOADC" -m 50 -d 500 -timeout 60
h_wait_port udp "$LOADP" 5 || h_fail "SIPp loadPhones did not bind $LOADP"
h_wait_port udp "$LOADC" 5 || h_fail "SIPp loadCallees did not bind $LOADC"
for n in "$ALICE_PHONE" "$BOB_PHONE" "$CAROL_PHONE"; do h_sipp_register "$n" "$LOADP"; done
h_sipp_register 1004 "$LOADC"

# LOAD_DRIVER post|delete: 50 requests from 10 threads; prints one line per
# call "OP USER STATUS ID" (post) or "OP USER STATUS" (delete)
LOAD_DRIVER='import json, os, sys, threading, urllib.error, urllib.request
mode, base, ids_file = sys.argv[1], sys.argv[2], sys.argv[3]
tokens = {u: os.environ["TOKEN_" + u] for u in ("alice", "bob", "carol")}
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
if mode == "post":
    jobs = [("load-%02d" % i, ("alice", "bob", "carol")[i % 3], None) for i in range(50)]
else:
    jobs = [tuple(l.split()[0:2]) + (l.split()[3],) for l in open(ids_file) if l.strip()]
out, lock = [], threading.Lock()
def run(job):
    op, user, call_id = job
    if mode == "post":
        body = json.dumps({"to": "1004", "operationId": op}).encode()
        req = urllib.request.Request(base + "/api/v1/me/calls", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    else:
        req = urllib.request.Request(base + "/api/v1/me/calls/" + call_id, method="DELETE")
    req.add_header("Authorization", "Bearer " + tokens[user])
    try:
        with opener.open(req, timeout=15) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    except Exception as e:
        status, text = 0, str(e)
    if mode == "post":
        try:
            call_id = json.loads(text)["id"]
        except Exception:
            call_id = "-"
    with lock:
        out.append("%s %s %d %s" % (op, user, status, call_id if mode == "post" else text[:200].replace("\n", " ")))
def worker():
    while True:
        with lock:
            if not jobs:
                return
            job = jobs.pop(0)
        run(job)
threads = [threading.Thread(target=worker) for _ in range(10)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\n".join(sorted(out)))'
# LOAD_STATES: every load-* call of the three event channels: "N_CONNECTED
# N_ENDED" on the first line, then one line per call whose events are not
# yet (or not exactly) WANT, the full ladder ending Completed by user
LOAD_STATES='import json, sys
want = sys.argv[1]
calls = {}
for path in sys.argv[2:]:
    for line in open(path):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        op = e.get("operationId") or ""
        if e.get("type") != "call" or not op.startswith("load-"):
            continue
        c = e["data"]["call"]
        word = c["state"]
        if word == "ended":
            word += ":%s:%s" % (c.get("reason", {}).get("code"), c.get("reason", {}).get("by"))
        calls.setdefault(op, []).append(word)
connected = sum(1 for s in calls.values() if "connected" in s)
ended = sum(1 for s in calls.values() if s and s[-1].startswith("ended"))
print(connected, ended)
for op in sorted(calls):
    if " ".join(calls[op]) != want:
        print(op, " ".join(calls[op]))'
LOAD_WANT="callingPhone phoneRinging callingCallee calleeRinging connected ended:Completed:user"
load_states() {
  python3 -c "$LOAD_STATES" "$LOAD_WANT" "$H_WORK/events.jsonl" "$H_WORK/events-bob.jsonl" "$H_WORK/events-carol.jsonl"
}
# wait_load INDEX COUNT WHAT: until field INDEX (1 connected, 2 ended) of load_states is COUNT
wait_load() {
  local end got
  end=$(h__deadline 30)
  while got=$(load_states | head -n 1 | cut -d' ' -f"$1"); [ "$got" != "$2" ]; do
    h__before "$end" || h_fail "load: $got of 50 calls $3 after 30 s; calls not as expected: $(load_states | tail -n +2 | head -n 10 | tr '\n' ';')"
    sleep 0.5
  done
}

start=$(h__now_ms)
TOKEN_alice=$ALICE_TOKEN TOKEN_bob=$BOB_TOKEN TOKEN_carol=$CAROL_TOKEN \
  python3 -c "$LOAD_DRIVER" post "$H_CVWD_URL" - >"$H_WORK/load.post" || h_fail "load: the POST driver failed"
h_log "load: 50 POSTs in $(($(h__now_ms) - start)) ms"
h_assert_eq "$(awk '$3 == 201' "$H_WORK/load.post" | wc -l)" 50 \
  "load: POSTs answered 201 (others: $(awk '$3 != 201' "$H_WORK/load.post" | head -n 3 | tr '\n' ';'))"
h_assert_eq "$(awk '{ print $2 }' "$H_WORK/load.post" | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" \
  "alice=17 bob=17 carol=16 " "load: calls per user"
wait_load 1 50 connected
h_log "load: 50 calls connected $(($(h__now_ms) - start)) ms after the first POST"
h_assert_eq "$(h_cvwd_metric cvw_sip_dialogs_open)" 100 "load: dialogs open with 50 calls connected (2 legs each)"
TOKEN_alice=$ALICE_TOKEN TOKEN_bob=$BOB_TOKEN TOKEN_carol=$CAROL_TOKEN \
  python3 -c "$LOAD_DRIVER" delete "$H_CVWD_URL" "$H_WORK/load.post" >"$H_WORK/load.delete" || h_fail "load: the DELETE driver failed"
h_assert_eq "$(awk '$3 == 204' "$H_WORK/load.delete" | wc -l)" 50 \
  "load: DELETEs answered 204 (others: $(awk '$3 != 204' "$H_WORK/load.delete" | head -n 3 | tr '\n' ';'))"
wait_load 2 50 ended
h_assert_eq "$(load_states | tail -n +2 | head -n 5 | tr '\n' ';')" "" \
  "load: calls whose events are not '$LOAD_WANT'"
h_cvwd_wait_metric cvw_sip_dialogs_open 0 10 "load: dialogs left open"
for who in alice bob carol; do
  case $who in alice) H_CVWD_TOKEN=$ALICE_TOKEN ;; bob) H_CVWD_TOKEN=$BOB_TOKEN ;; carol) H_CVWD_TOKEN=$CAROL_TOKEN ;; esac
  h_cvwd_http GET /api/v1/me/calls
  h_cvwd_expect_status 200 "load: GET /api/v1/me/calls as $who"
  h_assert_eq "$(h_cvwd_json 'd["calls"]')" "[]" "load: $who's calls listed after the end"
done
H_CVWD_TOKEN=$ALICE_TOKEN
for side in loadPhones loadCallees; do
  h_wait_exit "$side" 15
  h_assert_eq "$?" 0 "load: SIPp $side exit status"
  h_assert_eq "$(h_sipp_stat "$side" 'SuccessfulCall(C)')" 50 "load: SIPp $side successful calls"
done
h_assert_eq "$(h_cvwd_sipp_msg loadPhones '*' recv INVITE 1 count)" 100 "load: INVITEs the phones got (50 initial + 50 re-INVITEs)"
h_assert_eq "$(h_cvwd_sipp_msg loadCallees '*' recv BYE 1 count)" 50 "load: BYEs the callee got"
h_log "load: done $(($(h__now_ms) - start)) ms after the first POST"

# ---- nothing left behind: every transaction of every call above ends
# within 64*T1 (32 s, Timer J/K/M over UDP) of the last call's last message
h_cvwd_wait_metric cvw_sip_transactions_open 0 40 "transactions left open after every call ended"
h_log "no transaction left open $(($(h__now_ms) - start)) ms after the load's first POST"
h_assert_eq "$(h_cvwd_metric cvw_sip_dialogs_open)" 0 "dialogs left open at the end"

h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX (Record-Route ignored)"
h_cvwd_stop
h_pass
