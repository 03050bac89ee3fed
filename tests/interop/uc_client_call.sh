#!/bin/bash
# Calls placed by UC softphones (issue #5): baresip clients registered to
# cvwd --demo call another user's UC identity. No PBX here, so no trunk: no
# address is trusted, and every INVITE must prove which user sent it.
#   alice   sip:alice@example.com's client (answers by hand, plays 1000 Hz)
#   bob     sip:bob@example.com's client (plays 600 Hz)
#   carol   sip:carol@example.com's client, with a wrong password
#   1. bob dials sip:alice@example.com: cvwd answers 407 with a digest
#      challenge (realm example.com, MD5 for baresip 1.x), bob's client
#      retries with Proxy-Authorization; alice's client rings showing bob's
#      work identity (From "Bob Berg" <sip:bob@example.com>,
#      P-Asserted-Identity his LineURI), alice's event channel gets the call
#      ringing; alice answers on her client, each hears the other (recordings
#      analysed); bob hangs up: Completed by caller, answered on the client,
#      and alice's history lists the call from bob.
#   2. bob dials sip:nobody@example.com: 404 (authenticated, nobody to ring);
#      then sip:carol@example.com, who has nothing that can ring (no client
#      registered, no PBX): 480, and carol's history shows the missed call
#      from bob.
#   3. carol's client, with a wrong password, dials alice: 403 after the
#      challenge, counted as a failed authentication; alice's client does
#      not ring.
# Each phone's SIP (baresip -s) is read back as what it sent and received.
source "$(dirname "$0")/lib/harness.sh"
h_init uc_client_call 60
h_need baresip sox curl python3
h_cvwd_need

# baresip 1.0.0 needs MD5 alone (see registrar_baresip.sh)
h_cvwd_start "[registrar]
digest_algorithms = [\"MD5\"]"
h_cvwd_login alice@example.com alice-password-1
h_cvwd_http GET /api/v1/me/calls
[ "$H_HTTP_STATUS" = 200 ] || h_skip "this cvwd has no calls API"
h_cvwd_events_start events

H_WAV="$H_WORK/tone1000_8k.wav"
h_tone "$H_WAV" 1000
h_phone_create alice manual cvwd ";auth_pass=alice-password-1"
H_WAV="$H_WORK/tone600_8k.wav"
h_tone "$H_WAV" 600
h_phone_create bob manual cvwd ";auth_pass=bob-password-1"
h_phone_create carol manual cvwd ";auth_pass=not-carols-password"
h_phone_start_with alice -s
h_phone_start_with bob -s
h_cvwd_wait_metric cvw_registrar_bindings 2 10 "alice's and bob's clients registered"
LOG_ALICE=$(h_phone_log alice)
LOG_BOB=$(h_phone_log bob)


# ---- 1. bob calls alice from his client
h_bsctl bob dial sip:alice@example.com || h_fail "call 1: bsctl dial failed"
h_wait_count "$LOG_ALICE" 'Incoming call from' 1 "call 1: alice's client rings"
h_cvwd_wait_incoming events 1 ringing 5
h_bsctl alice accept || h_fail "bsctl accept on alice's client failed"
h_cvwd_wait_incoming events 1 connected 5
h_wait_count "$LOG_BOB" 'Call established' 1 "call 1: bob is answered"
sleep 3
h_bsctl bob hangup
h_cvwd_wait_incoming events 1 ended 10
h_assert_eq "$(h_cvwd_incoming events 1 \
  'e["data"]["call"]["reason"]["code"] + " " + e["data"]["call"]["reason"].get("by", "-") + " " + e["data"]["call"].get("answeredOn", "-")' |
  awk '{ print $(NF-2), $(NF-1), $NF }')" "Completed caller client" "call 1: how it ended"
h_cvwd_wait_metric cvw_sip_dialogs_open 0 10 "call 1: dialogs left open"
h_phone_sip_trace bob bob
h_phone_sip_trace alice alice
challenge=$(h_cvwd_sipp_msg bob '*' recv 407 1 hdr:Proxy-Authenticate)
h_log "bob's client was challenged: $challenge"
[[ "$challenge" == *'realm="example.com"'* && "$challenge" == *'algorithm=MD5'* ]] ||
  h_fail "the 407 should challenge in realm example.com with MD5, is: ${challenge:-none}"
credentials=$(h_cvwd_sipp_msg bob '*' sent INVITE 2 hdr:Proxy-Authorization)
[[ "$credentials" == *'username="bob"'* ]] ||
  h_fail "bob's second INVITE should carry his digest credentials, is: ${credentials:-none}"
from=$(h_cvwd_sipp_msg alice '*' recv INVITE 1 hdr:From)
[[ "$from" == '"Bob Berg" <sip:bob@example.com>'* ]] || h_fail "alice's client should see bob's work identity, From is: ${from:-none}"
asserted=$(h_cvwd_sipp_msg alice '*' recv INVITE 1 hdr:P-Asserted-Identity)
h_assert_eq "$asserted" '"Bob Berg" <tel:+14255550102;ext=102>' "call 1: P-Asserted-Identity alice's client got"
h_assert_eq "$(h_cvwd_metric 'cvw_sip_calls_admitted_total{outcome="rung"}')" 1 "calls rung"
h_assert_ge "$(h_cvwd_metric 'cvw_sip_calls_admitted_total{outcome="challenged"}')" 1 "INVITEs challenged"
h_heard_each_other "call 1" "$(h_phone_recording alice)" alice 1000 "$(h_phone_recording bob)" bob 600
h_cvwd_http GET "/api/v1/me/call-history?limit=5"
h_cvwd_expect_status 200 "alice's call history"
h_assert_eq "$(h_cvwd_json '" ".join("%s:%s:%s" % (c["direction"], c["reason"]["code"], c.get("answeredOn", "-")) for c in d["calls"])')" \
  "incoming:Completed:client" "alice's call history"
h_assert_eq "$(h_cvwd_json 'd["calls"][0]["from"]')" '"Bob Berg" <sip:bob@example.com>' "who called alice, in her history"

# ---- 2. nobody by that name
refused_before=$(h_cvwd_metric 'cvw_sip_calls_admitted_total{outcome="refused"}')
h_bsctl bob dial sip:nobody@example.com || h_fail "call 2: bsctl dial failed"
h_cvwd_wait_metric 'cvw_sip_calls_admitted_total{outcome="refused"}' $((refused_before + 1)) 10 "call 2 refused"
sleep 0.5
h_phone_sip_trace bob bob
h_assert_eq "$(h_cvwd_sipp_msg bob '*' recv 404 1 count)" 1 "call 2: 404s bob's client got"
h_bsctl bob dial sip:carol@example.com || h_fail "call 2b: bsctl dial failed"
h_cvwd_wait_metric 'cvw_sip_calls_admitted_total{outcome="refused"}' $((refused_before + 2)) 10 "call 2b refused"
sleep 0.5
h_phone_sip_trace bob bob
h_assert_eq "$(h_cvwd_sipp_msg bob '*' recv 480 1 count)" 1 "call 2b: 480s bob's client got"
h_cvwd_login carol@example.com carol-password-1
h_cvwd_http GET "/api/v1/me/call-history?limit=5"
h_cvwd_expect_status 200 "carol's call history"
h_assert_eq "$(h_cvwd_json '" ".join("%s:%s:%s" % (c["direction"], c["reason"]["code"], c["from"]) for c in d["calls"])')" \
  'incoming:UserUnreachable:"Bob Berg" <sip:bob@example.com>' "carol's missed call, in her history"

# ---- 3. a client with a wrong password
h_phone_start_with carol -s
failed_before=$(h_cvwd_metric 'cvw_sip_calls_admitted_total{outcome="auth_failed"}')
h_bsctl carol dial sip:alice@example.com || h_fail "call 3: bsctl dial failed"
h_cvwd_wait_metric 'cvw_sip_calls_admitted_total{outcome="auth_failed"}' $((failed_before + 1)) 10 \
  "call 3: carol's wrong password counted as a failed authentication"
sleep 0.5
h_phone_sip_trace carol carol
h_assert_ge "$(h_cvwd_sipp_msg carol '*' recv 403 1 count)" 1 "call 3: 403s carol's client got"
h_assert_eq "$(h_count "$LOG_ALICE" 'Incoming call from')" 1 "call 3: alice's client was not rung"
h_assert_file_has "${H_LOG[cvwd]}" "INVITE for sip:carol@example.com .*authentication failed" "cvwd's log line"

h_stop baresip-carol >/dev/null
h_stop baresip-bob >/dev/null
h_stop baresip-alice >/dev/null
h_cvwd_stop
h_pass
