#!/usr/bin/env bash
# Server CPU per complete UAS call: SIPp's built-in "uac" scenario
# (INVITE / 200 / ACK / BYE / 200 over UDP, no hold; cvw answers at once, so
# it sends no 100) drives
# `cvw-sipua uas` on 127.0.0.1 at a series of rates. For each step the CPU
# time (utime + stime from /proc/PID/stat) of cvw-sipua is read before and
# after, and SIPp's own CPU time comes from its rusage, so the table shows
# what one call costs cvw and which process runs out of CPU first.
#
#   bash bench/load/uas_cpu.sh [RATE...]     (default: 500 1000 2000 4000 6000 8000 10000)
#
# Environment: CVW_SIPUA (default build/release/src/tools/sipua/cvw-sipua),
# STEP_S (seconds per step, 10), LIMIT (SIPp -l, 2000), DRAIN_S (34: idle time
# after the last step, long enough for Timer L/J (64*T1 = 32 s) of the last
# calls to fire, so the total includes destroying every transaction; 0 skips).
#
# Stops raising the rate at the first step with a call SIPp counts as failed,
# when either process reaches BUSY_PCT (90) % of a core, or when the rate
# reached falls below 90% of the rate asked. Figures, not a pass/fail test:
# exits 0 unless something could not be started. Bounded: each SIPp step ends
# by itself (-m, -timeout); the whole run takes about steps * STEP_S + DRAIN_S.
set -euo pipefail
source "$(dirname "$0")/common.sh"
need sipp awk

RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(500 1000 2000 4000 6000 8000 10000)
STEP_S=${STEP_S:-10}
LIMIT=${LIMIT:-2000}
DRAIN_S=${DRAIN_S:-34}
BUSY_PCT=${BUSY_PCT:-90}
[ -x "$CVW_SIPUA" ] || { echo "uas_cpu.sh: no cvw-sipua at $CVW_SIPUA (build it or set CVW_SIPUA)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/cvw-uas-cpu.XXXXXX)
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

echo "# uas_cpu.sh ${RATES[*]}  (STEP_S=$STEP_S LIMIT=$LIMIT DRAIN_S=$DRAIN_S)"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1), logs in $WORK"
start_on_free_port "$WORK/cvw-sipua.log" "$CVW_SIPUA" --listen udp:127.0.0.1:PORT uas
CVW=$STARTED_PID
echo "# server: $CVW_SIPUA --listen udp:127.0.0.1:$PORT uas"
echo "# client: sipp -sn uac -d 0 -r RATE -m RATE*$STEP_S -l $LIMIT -nostdin -timeout $((STEP_S * 3))s -i 127.0.0.1 -trace_stat -fd 1 127.0.0.1:$PORT"
echo
# failed: SIPp's failed calls; cvw_fail: calls cvw-sipua itself counted as
# failed (a BYE that came before the ACK, i.e. the ACK was lost);
# retrans: SIPp's retransmissions; drops: datagrams the kernel dropped on
# cvw's socket because its receive buffer was full; cvw_us/call: cvw's CPU
# during the step over the calls of the step (sys%: the part in the kernel, from
# the kernel's tick-sampled utime/stime split: rough on short steps);
# host_busy%: the whole machine's CPU in use (all cores = 100%), others' work
# included; busy: cvw or sipp at >= BUSY_PCT of a core (stops the ladder),
# host at >= 95% (shown only: then every figure is squeezed by other work).
printf '%6s %8s %7s %6s %8s %7s %5s %11s %5s %8s %9s %10s %11s %s\n' \
  "rate" "calls/s" "calls" "failed" "cvw_fail" "retrans" "drops" "cvw_us/call" "sys%" "cvw_cpu%" "sipp_cpu%" "host_busy%" "cvw_rss_MiB" "busy"

total_calls=0
total_failed=0
first_busy=""
run_c0=$(cpu_ticks "$CVW")
run_t0=$(now_us)
for rate in "${RATES[@]}"; do
  calls=$(( rate * STEP_S ))
  stat="$WORK/uac_$rate.csv"
  c0=$(cpu_ticks "$CVW"); k0=$(sys_ticks "$CVW"); read -r h0 ht0 < <(host_jiffies); t0=$(now_us)
  f0=$(grep -c ' failed: ' "$WORK/cvw-sipua.log" || true); d0=$(udp_drops "$PORT")
  set +e
  { TIMEFORMAT='%3U %3S'; time sipp -sn uac -d 0 -r "$rate" -m "$calls" -l "$LIMIT" -nostdin \
      -timeout "$((STEP_S * 3))s" -i 127.0.0.1 -trace_stat -stf "$stat" -fd 1 \
      "127.0.0.1:$PORT" >"$WORK/sipp_$rate.log" 2>&1; } 2>"$WORK/sipp_$rate.time"
  set -e
  t1=$(now_us); c1=$(cpu_ticks "$CVW") || { echo "cvw-sipua died; see $WORK/cvw-sipua.log" >&2; exit 1; }
  k1=$(sys_ticks "$CVW"); read -r h1 ht1 < <(host_jiffies)
  wall=$(( t1 - t0 ))
  cvw_failed=$(( $(grep -c ' failed: ' "$WORK/cvw-sipua.log" || true) - f0 ))
  drops=$(( $(udp_drops "$PORT") - d0 ))
  read -r su ss <"$WORK/sipp_$rate.time"
  sipp_us=$(awk -v u="$su" -v s="$ss" 'BEGIN { printf "%d", (u + s) * 1e6 }')
  cvw_us=$(ticks_to_us $(( c1 - c0 )))
  ok=$(sipp_stat "$stat" 'SuccessfulCall(C)'); failed=$(sipp_stat "$stat" 'FailedCall(C)'); retrans=$(sipp_stat "$stat" 'Retransmissions(C)')
  ok=${ok:-0}; failed=${failed:-0}; retrans=${retrans:-0}
  done_calls=$(( ok + failed ))
  total_calls=$(( total_calls + ok )); total_failed=$(( total_failed + failed ))
  cvw_pct=$(pct "$cvw_us" "$wall"); sipp_pct=$(pct "$sipp_us" "$wall")
  busy=""
  awk -v p="$cvw_pct" -v b="$BUSY_PCT" 'BEGIN { exit !(p >= b) }' && busy="cvw"
  awk -v p="$sipp_pct" -v b="$BUSY_PCT" 'BEGIN { exit !(p >= b) }' && busy="${busy:+$busy+}sipp"
  [ -z "$first_busy" ] && [ -n "$busy" ] && first_busy="$busy at $rate calls/s"
  # A saturated host (others' builds count too) is flagged, not a reason to stop.
  host_pct=$(pct $(( h1 - h0 )) $(( ht1 - ht0 )))
  awk -v p="$host_pct" 'BEGIN { exit !(p >= 95) }' && busy="${busy:+$busy+}host"
  rate_now=$(awk -v n="$ok" -v w="$wall" 'BEGIN { printf "%.0f", n * 1e6 / w }')
  printf '%6s %8s %7s %6s %8s %7s %5s %11s %5s %8s %9s %10s %11s %s\n' "$rate" "$rate_now" \
    "$ok" "$failed" "$cvw_failed" "$retrans" "$drops" \
    "$(awk -v c="$cvw_us" -v n="$done_calls" 'BEGIN { printf "%.1f", (n > 0 ? c / n : 0) }')" \
    "$(awk -v k=$(( k1 - k0 )) -v c=$(( c1 - c0 )) 'BEGIN { printf "%.0f", (c > 0 ? 100 * k / c : 0) }')" \
    "$cvw_pct" "$sipp_pct" "$host_pct" "$(awk -v k="$(rss_kib "$CVW")" 'BEGIN { printf "%.1f", k / 1024 }')" "${busy:--}"
  # A call cvw-sipua counts as failed while SIPp completes it (lost ACK) is
  # shown, not a reason to stop: SIPp's verdict is the one the target names.
  if [ "$failed" -gt 0 ] || [ "$ok" -lt "$calls" ]; then
    echo "# stopping: $ok of $calls calls succeeded at $rate calls/s; SIPp counted $failed failed, cvw $cvw_failed (see $WORK)"
    break
  fi
  [ "${busy%host}" != "" ] && { echo "# stopping: out of CPU: $busy"; break; }
  if [ "$rate_now" -lt $(( rate * 9 / 10 )) ]; then
    echo "# stopping: $rate_now calls/s of $rate asked"
    break
  fi
done

if [ "$DRAIN_S" -gt 0 ]; then
  c0=$(cpu_ticks "$CVW"); sleep "$DRAIN_S"; c1=$(cpu_ticks "$CVW")
  echo "# drain: ${DRAIN_S} s idle after the last step (Timer L/J expiry of the last ~32 s of calls): cvw $(ticks_to_us $(( c1 - c0 ))) us of CPU"
fi
run_c1=$(cpu_ticks "$CVW"); run_t1=$(now_us)
run_us=$(ticks_to_us $(( run_c1 - run_c0 )))
echo "# all-in: $total_calls calls, $total_failed failed; cvw CPU $run_us us over the steps and the drain" \
  "= $(awk -v c="$run_us" -v n="$total_calls" 'BEGIN { printf "%.1f", (n > 0 ? c / n : 0) }') us/call; wall $(( (run_t1 - run_t0) / 1000000 )) s"
echo "# first process at >= ${BUSY_PCT}% of a core: ${first_busy:-none}"
kill "$CVW" 2>/dev/null; wait "$CVW" 2>/dev/null || true
STARTED_PIDS=()
echo "# cvw-sipua says: $(grep -h '^calls:' "$WORK/cvw-sipua.log" || echo '?')"
