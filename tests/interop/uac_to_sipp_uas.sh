#!/bin/bash
# Body of uac_to_sipp_uas_udp.sh / uac_to_sipp_uas_tcp.sh (run those; this
# takes the transport as its argument).
#
# cvw-sipua's UAC calls SIPp's uas_rr.xml directly, no proxy: 100 calls at
# 20/s, 1 s each, our side sends the BYE. cvw-sipua must exit 0 and count
# 100/100/0; SIPp (-m 100) must exit by itself (over UDP 4 s after the last
# BYE: uas_rr's linger) with 100 complete calls in its trace and none failed
# (see h_sipp_check_uas for SIPp's miscount at a TCP close).
# Over TCP the request URI carries ;transport=tcp (RFC 3263 §4.1: that is
# what selects TCP for a URI without a proxy).
T=${1:?usage: uac_to_sipp_uas.sh udp|tcp}
source "$(dirname "$0")/lib/harness.sh"
h_init "uac_to_sipp_uas_$T" 60
h_need sipp
h_sipua_need
case $T in
  udp) SIPP_T=u1 URI_PARAMS="" ;;
  tcp) SIPP_T=t1 URI_PARAMS=";transport=tcp" ;;
  *) h_fail "unknown transport $T" ;;
esac

h_port SIPP
h_sipp_start uas uas_rr.xml -t "$SIPP_T" -p "$SIPP" -m 100 -timeout 45
h_wait_port "$T" "$SIPP" 5 || h_fail "SIPp does not listen on $T 127.0.0.1:$SIPP"

h_port UAC
h_sipua_run uac 30 --listen "$T:127.0.0.1:$UAC" --stats "$(h_stats uac)" -- \
  uac --to "sip:1001@127.0.0.1:$SIPP$URI_PARAMS" --calls 100 --rate 20 --hold-ms 1000
rc=$?
h_log "cvw-sipua uac: exit $rc, $(grep -E '^calls:' "${H_LOG[uac]}" | tail -n 1)"
h_assert_eq "$rc" 0 "cvw-sipua uac exit status"
h_check_sipua_counts uac 100 100 0

h_wait_exit uas 10
[ $? != 124 ] || h_fail "SIPp uas_rr still running 10 s after the last call"
h_sipp_check_uas uas 100
h_pass
