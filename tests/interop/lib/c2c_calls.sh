# Click-to-call calls driven through the API against SIPp phones, for the
# tests that check how such calls go (click_to_call_failures.sh,
# click_to_call_outcomes.sh, click_to_call_reinvites.sh). Sourced after harness.sh and h_c2c_start_span:
# the calls are alice's (H_CVWD_TOKEN), her events in "events".

# phone LABEL SCENARIO EXTENSION [SIPP OPTIONS...]: a SIPp phone for one call,
# registered at the PBX
phone() {
  local label=$1 sf=$2 ext=$3 port
  shift 3
  h_port port
  h_sipp_start "$label" "$sf" -p "$port" -m 1 -timeout 70 "$@"
  h_wait_port udp "$port" 5 || h_fail "SIPp $label did not bind $port"
  h_sipp_register "$ext" "$port"
}

# start_call OP TO PHONE: POST /api/v1/me/calls as alice; 201 with the phone we chose
start_call() {
  local op=$1 to=$2 phone=$3
  h_cvwd_http POST /api/v1/me/calls "{\"to\":\"$to\",\"phoneNumber\":\"$phone\",\"operationId\":\"$op\"}"
  h_cvwd_expect_status 201 "$op: POST /api/v1/me/calls"
  h_assert_eq "$(h_cvwd_json '[d["state"], d["phoneNumber"], d["operationId"]]')" "[\"callingPhone\", \"$phone\", \"$op\"]" \
    "$op: state, phoneNumber, operationId in the 201"
  CALL_ID=$(h_cvwd_json 'd["id"]')
}

# hang_up OP: DELETE /api/v1/me/calls/{id} of the call start_call made last
hang_up() {
  h_cvwd_http DELETE "/api/v1/me/calls/$CALL_ID"
  h_cvwd_expect_status 204 "$1: DELETE /api/v1/me/calls/$CALL_ID"
}

# check_end OP CODE SIP_STATUS STATES: the final event (SIP_STATUS "null":
# no sipStatus, no SIP status decided it) and the whole ladder; no dialog
# and no call left
check_end() {
  local op=$1 code=$2 status=$3 states=$4 connected=false
  h_cvwd_wait_call_state events "$op" ended 10
  h_assert_eq "$(h_cvwd_call_event events "$op" ended 'e["data"]["call"]["reason"]["code"]')" "$code" \
    "$op: reason code ($(h_cvwd_call_event events "$op" ended 'e["data"]["call"]["reason"]'))"
  h_assert_eq "$(h_cvwd_call_event events "$op" ended 'e["data"]["call"]["reason"].get("sipStatus")')" "$status" "$op: reason sipStatus"
  h_assert_eq "$(h_cvwd_call_events events "$op")" "$states" "$op: call states in the events"
  [[ "$states" == *connected* ]] && connected=true
  h_assert_eq "$(h_cvwd_call_event events "$op" ended '"connectedAt" in e["data"]["call"]')" "$connected" "$op: connectedAt in the ended call"
  h_cvwd_wait_metric cvw_sip_dialogs_open 0 5 "$op: dialogs left open"
  h_cvwd_http GET /api/v1/me/calls
  h_cvwd_expect_status 200 "$op: GET /api/v1/me/calls"
  h_assert_eq "$(h_cvwd_json 'd["calls"]')" "[]" "$op: calls listed after the end"
  h_log "$op: ended $code${status:+ (sipStatus $status)} as expected"
}

# sipp_done LABEL WHAT: SIPp run LABEL (one call) ended with exit status 0:
# its scenario went through as written
sipp_done() {
  h_wait_exit "$1" 10
  h_assert_eq "$?" 0 "$2: SIPp $1 exit status (its scenario completed)"
}

# msg LABEL DIR KIND FIELD: FIELD of the first such message of SIPp run LABEL
msg() { h_cvwd_sipp_msg "$1" 1 "$2" "$3" 1 "$4"; }
count() { h_cvwd_sipp_msg "$1" 1 "$2" "$3" 1 count; }

# wait_msg LABEL DIR KIND N SECONDS: until SIPp run LABEL has N such messages
# (false when SECONDS pass first)
wait_msg() {
  local end
  end=$(h__deadline "$5")
  while [ "$(h_cvwd_sipp_msg "$1" 1 "$2" "$3" 1 count)" -lt "$4" ]; do
    h__before "$end" || return 1
    sleep 0.2
  done
}

# check_history MIN: at least MIN calls ended (events), and a history record
# for each that says what its ended event said (reason code, sipStatus, by,
# message; the transfer; connected or not)
check_history() {
  h_cvwd_http GET "/api/v1/me/call-history?limit=100"
  h_cvwd_expect_status 200 "GET /api/v1/me/call-history"
  local history_check
  history_check=$(python3 -c 'import json, sys
history = {c.get("operationId"): c for c in json.loads(sys.argv[1])["calls"]}
ended = {}
for line in open(sys.argv[2]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("type") == "call" and e["data"]["call"]["state"] == "ended":
        ended[e.get("operationId")] = e["data"]["call"]
wrong = []
for op, call in sorted(ended.items()):
    record = history.get(op)
    if record is None:
        wrong.append(op + ": no record")
        continue
    for key in ("id", "state", "to", "phoneNumber", "reason", "transfer"):
        if record.get(key) != call.get(key):
            wrong.append("%s: %s %r, the event said %r" % (op, key, record.get(key), call.get(key)))
    if ("connectedAt" in record) != ("connectedAt" in call):
        wrong.append(op + ": connectedAt in one of record and event only")
print("%d %s" % (len(ended), "; ".join(wrong)))' "$H_HTTP_BODY" "$H_WORK/events.jsonl")
  h_assert_ge "${history_check%% *}" "$1" "calls ended so far (each needs a history record)"
  h_assert_eq "${history_check#* }" "" "history records against the calls' ended events"
}

RTP_OUT='cvw_media_rtp_packets_total{direction="out"}'
LADDER_PHONE="callingPhone phoneRinging ended"
LADDER_CALLEE="callingPhone phoneRinging callingCallee ended"
LADDER_RINGING="callingPhone phoneRinging callingCallee calleeRinging ended"
LADDER_FULL="callingPhone phoneRinging callingCallee calleeRinging connected ended"
