#!/bin/bash
# A caller that never ACKs: cvw-sipua's UAS must retransmit its 200 OK and
# then give up (RFC 3261 §13.3.1.4):
#   "the 2xx response is passed to the transport with an interval that
#    starts at T1 seconds and doubles for each retransmission until it
#    reaches T2 seconds ... If the server retransmits the 2xx response for
#    64*T1 seconds without receiving an ACK, the dialog is confirmed, but the
#    session SHOULD be terminated. This is accomplished with a BYE"
# With T1 = 0.5 s, T2 = 4 s: retransmissions 0.5, 1, 2, 4, 4, 4 ... s apart,
# the last one at 31.5 s after the first 200, none after 32 s.
#
# SIPp (uac_no_ack.xml, UDP) is the caller; its -trace_msg file has the
# arrival time of every 200 (SIPp's scenario cannot count identical
# retransmissions: it swallows them). Checked:
#   * 9-10 retransmissions; interval i within ±20% of min(0.5*2^(i-1), 4) s
#   * the last one at most 34 s after the first 200, then silence for >= 4.8 s
#     (1.2 * T2) until the end of the observation (37-40 s)
#   * a BYE, if one comes, at 32 s (31-33.5 s), and no 2xx after it; with the
#     BYE answered, the call is over and --max-calls 1 must make the UAS exit.
#     No BYE at all is reported as a warning (a SHOULD), or fails with
#     CVW_INTEROP_REQUIRE_BYE=1.
# Runs ~40 s.
source "$(dirname "$0")/lib/harness.sh"
h_init uas_2xx_retransmit 75
h_need sipp python3
h_sipua_need

h_port UAS
h_sipua_start uas --listen "udp:127.0.0.1:$UAS" --stats "$(h_stats uas)" -- uas --max-calls 1
h_wait_port udp "$UAS" 5 || h_fail "cvw-sipua uas does not listen on udp 127.0.0.1:$UAS"

h_port UAC
# -default_behaviors none: otherwise SIPp ACKs and BYEs the call itself
h_sipp_run noack 50 uac_no_ack.xml -s cvw -p "$UAC" -m 1 -default_behaviors none "127.0.0.1:$UAS"
rc=$?
observed_until=$(date +%s.%N)
h_sipp_trace noack >"$H_WORK/noack.tsv"
h_assert_eq "$rc" 0 "SIPp uac_no_ack exit status (non-zero: an unexpected message, see noack.errors.log)"

# verdict from the trace: prints "ok ..." or "fail <reason>" lines, and
# "bye yes|no"
python3 - "$H_WORK/noack.tsv" "$observed_until" >"$H_WORK/verdict.txt" <<'PY'
import sys

T1, T2, TOL = 0.5, 4.0, 0.20
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])]
end = float(sys.argv[2])
oks = [float(r[0]) for r in rows
       if r[1] == 'recv' and r[4] == 'INVITE' and r[6].startswith('SIP/2.0 2')]
byes = [float(r[0]) for r in rows if r[1] == 'recv' and r[6].startswith('BYE ')]
if not oks:
    print('fail no 2xx to the INVITE at all')
    sys.exit()
t0 = oks[0]
times = [t - t0 for t in oks]
print('info 2xx at +' + ' +'.join(f'{t:.3f}' for t in times) + ' s')
retrans = times[1:]
fails = []
if not 9 <= len(retrans) <= 10:
    fails.append(f'{len(retrans)} retransmissions, expected 10 (9-10) in 64*T1 = 32 s')
prev, bad = 0.0, []
for i, t in enumerate(retrans, 1):
    want = min(T1 * 2 ** (i - 1), T2)
    got = t - prev
    if abs(got - want) > TOL * want:
        bad.append(f'interval {i} is {got:.3f} s, expected {want:.1f} s +-{TOL:.0%}')
    prev = t
fails += bad[:3] + ([f'... {len(bad) - 3} more intervals wrong'] if len(bad) > 3 else [])
if retrans and retrans[-1] > 34.0:
    fails.append(f'last retransmission at +{retrans[-1]:.3f} s, after 64*T1 = 32 s')
last = times[-1]
if end - t0 - last < 1.2 * T2:
    fails.append(f'observed only {end - t0 - last:.1f} s after the last 2xx (trace ended early?)')
if byes:
    b = byes[0] - t0
    print(f'info BYE at +{b:.3f} s')
    # Timer H/L fires at 64*T1 = 32 s, between two retransmission ticks
    # (31.5 s and 35.5 s): a BYE near 35.5 s means "give up" is only checked
    # when the next retransmission would be due
    if not 31.0 <= b <= 33.5:
        fails.append(f'BYE at +{b:.3f} s, expected at 64*T1 = 32 s (31-33.5 s)')
    late = [t for t in times if t > b + 0.1]
    if late:
        fails.append(f'2xx still retransmitted after the BYE: +{late[0]:.3f} s')
    print('bye yes')
else:
    print('info no BYE within the observation window')
    print('bye no')
for f in fails:
    print('fail ' + f)
PY
sed -n 's/^info /  /p' "$H_WORK/verdict.txt"
reasons=$(sed -n 's/^fail //p' "$H_WORK/verdict.txt" | paste -sd ';' -)
[ -z "$reasons" ] || h_fail "$reasons"

if grep -q '^bye yes' "$H_WORK/verdict.txt"; then
  # the BYE was answered: the call is over, --max-calls 1 ends the UAS
  h_wait_exit uas 5
  rc=$?
  [ $rc != 124 ] || h_fail "cvw-sipua uas still running after its BYE was answered (--max-calls 1)"
  h_assert_eq "$rc" 0 "cvw-sipua uas exit status"
else
  [ "${CVW_INTEROP_REQUIRE_BYE:-0}" != 1 ] ||
    h_fail "no BYE after the 2xx retransmissions ended (RFC 3261 §13.3.1.4 SHOULD)"
  h_log "WARNING: no BYE after 64*T1 without ACK (RFC 3261 §13.3.1.4: the session SHOULD be terminated with a BYE)"
  h_stop uas
fi
h_log "cvw-sipua uas: $(grep -E '^calls:' "${H_LOG[uas]}" | tail -n 1)"
h_pass
