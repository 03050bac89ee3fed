#!/bin/bash
# cvw-sipua's UAC reaches the PBX over TCP, the PBX reaches SIPp (uas_rr.xml,
# 1001) over UDP. Changing transport, Kamailio record-routes twice (one
# Record-Route per side, RFC 5658 style "double record-routing"): the route
# set has two entries and only the right order (RFC 3261 §12.1.2: a UAC
# reverses the Record-Route of the 2xx) gets ACK and BYE through.
# 5 calls, 0.5 s each, BYE from our side; all must succeed on both sides and
# the PBX must not refuse any in-dialog request.
source "$(dirname "$0")/lib/harness.sh"
h_init via_kamailio_tcp_to_sipp 45
h_need kamailio sipp
h_sipua_need

h_pbx_start
h_port S1001
h_sipp_start uas1001 uas_rr.xml -p "$S1001" -m 5 -timeout 30
h_wait_port udp "$S1001" 5 || h_fail "SIPp uas_rr did not bind $S1001"
h_sipp_register 1001 "$S1001"

h_port U
h_sipua_run calls 20 --listen "tcp:127.0.0.1:$U" --stats "$(h_stats calls)" -- \
  uac --to sip:1001@pbx.test --proxy "tcp:127.0.0.1:$H_PBX_PORT" --calls 5 --rate 5 --hold-ms 500
h_assert_eq "$?" 0 "cvw-sipua uac (TCP to the PBX) exit status"
h_check_sipua_counts calls 5 5 0
h_assert_eq "$(h_pbx_not_routed_count)" 0 "in-dialog requests refused by the PBX (route set wrong)"
h_wait_exit uas1001 10
h_assert_eq "$?" 0 "SIPp uas_rr exit status"
h_assert_eq "$(h_sipp_stat uas1001 'SuccessfulCall(C)')" 5 "SIPp uas_rr successful calls"
h_pass
