#!/usr/bin/env bash
# Client CPU per complete UAC call, the other way round from uas_cpu.sh:
# `cvw-sipua uac` places calls (INVITE / 200 / ACK / BYE / 200 over UDP, no
# hold) to SIPp's built-in "uas" scenario on 127.0.0.1. Each step is one
# cvw-sipua run; its CPU time is its rusage (utime + stime, process start and
# exit included), SIPp's is read from /proc/PID/stat before and after.
#
#   bash bench/load/uac_cpu.sh [RATE:CONCURRENT...]
#       (default: 250:1000 500:1000 1000:1000 0:10 0:50 0:200)
#
# RATE is cvw-sipua's --rate; 0 means "no pacing": a closed loop keeping
# CONCURRENT calls in progress, which finds the highest rate. cvw-sipua paces
# with a timer of 1000/RATE whole milliseconds, so RATE above 1000 means the
# same as 1000, and with RATE > 0 it must never reach CONCURRENT (it would
# stall): keep CONCURRENT large there.
#
# Environment: CVW_SIPUA, STEP_S (seconds per paced step, 10), CALLS (calls in
# an unpaced step, 20000), BUSY_PCT (90). Figures, not a pass/fail test.
set -euo pipefail
source "$(dirname "$0")/common.sh"
need sipp awk

STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(250:1000 500:1000 1000:1000 0:10 0:50 0:200)
STEP_S=${STEP_S:-10}
CALLS=${CALLS:-20000}
BUSY_PCT=${BUSY_PCT:-90}
[ -x "$CVW_SIPUA" ] || { echo "uac_cpu.sh: no cvw-sipua at $CVW_SIPUA (build it or set CVW_SIPUA)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/cvw-uac-cpu.XXXXXX)
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

echo "# uac_cpu.sh ${STEPS[*]}  (STEP_S=$STEP_S CALLS=$CALLS)"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1), logs in $WORK"
start_on_free_port "$WORK/sipp.log" sipp -sn uas -i 127.0.0.1 -p PORT -nostdin -trace_stat -stf "$WORK/uas.csv" -fd 1
SIPP=$STARTED_PID
SIPP_PORT=$PORT
echo "# server: sipp -sn uas -i 127.0.0.1 -p $SIPP_PORT -nostdin -trace_stat -fd 1"
echo "# client: $CVW_SIPUA --listen udp:127.0.0.1:PORT uac --to sip:service@127.0.0.1:$SIPP_PORT --hold-ms 0 --calls N --rate RATE --concurrent CONCURRENT"
echo
# cvw_us/call: cvw-sipua's whole CPU time (start and exit included) over its
# calls; host_busy%: the whole machine's CPU in use (all cores = 100%), others'
# work included; busy: cvw or sipp at >= BUSY_PCT of a core, host at >= 95%.
printf '%6s %5s %7s %8s %6s %11s %8s %9s %10s %s\n' \
  "rate" "conc" "calls" "calls/s" "failed" "cvw_us/call" "cvw_cpu%" "sipp_cpu%" "host_busy%" "busy"

first_busy=""
for step in "${STEPS[@]}"; do
  rate=${step%%:*}; conc=${step##*:}
  if [ "$rate" -gt 0 ]; then calls=$(( rate * STEP_S )); else calls=$CALLS; fi
  # cvw-sipua's own port: the SIPp port + 2, else a random one.
  port=$(( SIPP_PORT + 2 ))
  s0=$(cpu_ticks "$SIPP"); read -r h0 ht0 < <(host_jiffies); t0=$(now_us)
  set +e
  { TIMEFORMAT='%3U %3S'; time "$CVW_SIPUA" --listen "udp:127.0.0.1:$port" uac \
      --to "sip:service@127.0.0.1:$SIPP_PORT" --hold-ms 0 --calls "$calls" --rate "$rate" \
      --concurrent "$conc" --timeout-s $(( STEP_S * 3 + 30 )) >"$WORK/uac_$step.log" 2>&1; } 2>"$WORK/uac_$step.time"
  rc=$?
  set -e
  t1=$(now_us); s1=$(cpu_ticks "$SIPP") || { echo "SIPp died; see $WORK/sipp.log" >&2; exit 1; }
  read -r h1 ht1 < <(host_jiffies); host_pct=$(pct $(( h1 - h0 )) $(( ht1 - ht0 )))
  wall=$(( t1 - t0 ))
  read -r cu cs <"$WORK/uac_$step.time"
  cvw_us=$(awk -v u="$cu" -v s="$cs" 'BEGIN { printf "%d", (u + s) * 1e6 }')
  sipp_us=$(ticks_to_us $(( s1 - s0 )))
  line=$(grep -h '^calls:' "$WORK/uac_$step.log" || true)
  ok=$(sed -n 's/.*succeeded=\([0-9]*\).*/\1/p' <<<"$line"); ok=${ok:-0}
  failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$line"); failed=${failed:-$calls}
  cvw_pct=$(pct "$cvw_us" "$wall"); sipp_pct=$(pct "$sipp_us" "$wall")
  busy=""
  awk -v p="$cvw_pct" -v b="$BUSY_PCT" 'BEGIN { exit !(p >= b) }' && busy="cvw"
  awk -v p="$sipp_pct" -v b="$BUSY_PCT" 'BEGIN { exit !(p >= b) }' && busy="${busy:+$busy+}sipp"
  [ -z "$first_busy" ] && [ -n "$busy" ] && first_busy="$busy at step $step"
  awk -v p="$host_pct" 'BEGIN { exit !(p >= 95) }' && busy="${busy:+$busy+}host"
  printf '%6s %5s %7s %8s %6s %11s %8s %9s %10s %s\n' "$rate" "$conc" "$ok" \
    "$(awk -v n="$ok" -v w="$wall" 'BEGIN { printf "%.0f", n * 1e6 / w }')" "$failed" \
    "$(awk -v c="$cvw_us" -v n="$(( ok + failed ))" 'BEGIN { printf "%.1f", (n > 0 ? c / n : 0) }')" \
    "$cvw_pct" "$sipp_pct" "$host_pct" "${busy:--}"
  if [ "$rc" -ne 0 ] || [ "$failed" -gt 0 ]; then
    echo "# stopping: cvw-sipua exit $rc, $failed failed (see $WORK/uac_$step.log)"
    break
  fi
done
echo "# first process at >= ${BUSY_PCT}% of a core: ${first_busy:-none}"
kill "$SIPP" 2>/dev/null; wait "$SIPP" 2>/dev/null || true
STARTED_PIDS=()
# (SIPp's built-in uas never counts a call as "successful": report created.)
created=$(sipp_stat "$WORK/uas.csv" 'IncomingCall(C)'); failed=$(sipp_stat "$WORK/uas.csv" 'FailedCall(C)')
echo "# SIPp uas says: ${created:-?} calls received, ${failed:-?} failed"
