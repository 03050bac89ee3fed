#!/usr/bin/env bash
# The registrar under load (issue #5: >= 10,000 registrations/s on one core):
# SIPp (register_uac.xml) registers the demo user alice over and over, each
# time REGISTER -> 401 (a fresh nonce) -> REGISTER with MD5 digest -> 200, at a
# series of rates. cvwd runs on CPU 0, SIPp on CPU 1. For each step: the
# registrations completed, SIPp's failures, cvwd's CPU per registration (both
# requests of it: challenge and authenticated REGISTER), and the state of the
# nonce replay guard.
#
#   bash bench/load/register.sh [RATE...]     (default: 2000 4000 6000 8000 10000 12000)
#
# Environment: CVWD (default build/release/src/cvwd/cvwd), STEP_S (10),
# LIMIT (SIPp -l, 2000). MD5 only: SIPp 3.6 computes no SHA-256 digest.
# Stops raising the rate at the first step with a failure, when cvwd reaches
# 90 % of its core, or when the rate reached falls below 90 % of the asked.
set -euo pipefail
source "$(dirname "$0")/common.sh"
need sipp curl taskset awk python3

RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(2000 4000 6000 8000 10000 12000)
STEP_S=${STEP_S:-10}
LIMIT=${LIMIT:-2000}
CVWD=${CVWD:-$CVW_ROOT/build/release/src/cvwd/cvwd}
SCENARIO=$CVW_ROOT/bench/load/register_uac.xml
[ -x "$CVWD" ] || { echo "register.sh: no cvwd at $CVWD (build it or set CVWD)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/cvw-register.XXXXXX)
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

CVWD_PORT=$(free_port)
HTTP_PORT=$(free_port)
API="http://127.0.0.1:$HTTP_PORT"
write_cvwd_config "$WORK" "$CVWD_PORT" "$HTTP_PORT" <<CFG
[registrar]
digest_algorithms = ["MD5"]
CFG
run_cvwd_pinned "$WORK" "$API"
metric() { api_metric "$1"; }

echo "# register.sh ${RATES[*]}  (STEP_S=$STEP_S LIMIT=$LIMIT)"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1); cvwd $CVWD on CPU 0 (SIP udp:127.0.0.1:$CVWD_PORT), SIPp on CPU 1; work dir $WORK"
echo "# client: taskset -c 1 sipp -sf register_uac.xml -r RATE -m RATE*$STEP_S -l $LIMIT -nostdin -i 127.0.0.1 127.0.0.1:$CVWD_PORT"
printf '%6s %8s %8s %7s %7s %12s %8s %9s %9s %s\n' rate regs/s done failed retrans cvwd_us/reg cvwd_cpu% sipp_cpu% nonces busy
best=""
for rate in "${RATES[@]}"; do
  calls=$(( rate * STEP_S ))
  stat="$WORK/sipp_$rate.csv"
  r0=$(metric 'cvw_registrar_requests_total{outcome="registered"}')
  c0=$(cpu_ticks "$CVW"); t0=$(now_us)
  set +e
  { TIMEFORMAT='%3U %3S'; time taskset -c 1 sipp -sf "$SCENARIO" -r "$rate" -m "$calls" -l "$LIMIT" -nostdin \
      -timeout "$((STEP_S * 3))s" -i 127.0.0.1 -trace_stat -stf "$stat" -fd 1 \
      "127.0.0.1:$CVWD_PORT" >"$WORK/sipp_$rate.log" 2>&1; } 2>"$WORK/sipp_$rate.time"
  set -e
  t1=$(now_us); c1=$(cpu_ticks "$CVW") || { echo "cvwd died; see $WORK/cvwd.log" >&2; exit 1; }
  r1=$(metric 'cvw_registrar_requests_total{outcome="registered"}')
  wall=$(( t1 - t0 ))
  done_regs=$(( r1 - r0 ))
  failed=$(sipp_stat "$stat" 'FailedCall(C)'); retrans=$(sipp_stat "$stat" 'Retransmissions(C)')
  read -r su ss <"$WORK/sipp_$rate.time"
  sipp_us=$(awk -v u="$su" -v s="$ss" 'BEGIN { printf "%d", (u + s) * 1e6 }')
  cvw_us=$(ticks_to_us $(( c1 - c0 )))
  per=$(awk -v c="$cvw_us" -v n="$done_regs" 'BEGIN { printf "%.1f", (n > 0 ? c / n : 0) }')
  reached=$(awk -v n="$done_regs" -v w="$wall" 'BEGIN { printf "%d", (w > 0 ? n * 1e6 / w : 0) }')
  cvw_pct=$(pct "$cvw_us" "$wall"); sipp_pct=$(pct "$sipp_us" "$wall")
  busy=""
  awk -v p="$cvw_pct" 'BEGIN { exit !(p >= 90) }' && busy=cvwd
  awk -v p="$sipp_pct" 'BEGIN { exit !(p >= 90) }' && busy="${busy:+$busy+}sipp"
  printf '%6s %8s %8s %7s %7s %12s %8s %9s %9s %s\n' "$rate" "$reached" "$done_regs" "${failed:-?}" "${retrans:-?}" \
    "$per" "$cvw_pct" "$sipp_pct" "$(metric cvw_registrar_nonces_tracked)" "${busy:--}"
  if [ "${failed:-1}" != 0 ] || [ -n "$busy" ] || [ $(( reached * 10 )) -lt $(( rate * 9 )) ]; then
    echo "# stopping at $rate/s: failed=${failed:-?}, busy=${busy:--}, reached $reached/s"
    break
  fi
  best="$rate/s at $per us of cvwd CPU per registration"
done
echo "# highest step with 0 failures, below 90 % of a core and >= 90 % of its rate: ${best:-none}"
