#!/usr/bin/env bash
# Incoming calls under load (issue #5: a three-branch fork — client, PBX
# phone, notification — set up in <= 1 ms of cvwd time). Four SIPp
# processes on CPU 1, cvwd (release build) alone on CPU 0:
#   client  alice's UC client, registered to cvwd with digest
#           (register_uac.xml), then answering every call at once
#           (incoming_client_uas.xml: 180, 200, ACK ... BYE, 200);
#   phone   the PBX trunk, where alice's desk phone rings at the same time
#           (incoming_phone_uas.xml: 180, then the CANCEL cvwd sends when the
#           client answered, checked for Reason cause=200; 487, ACK);
#   caller  the trunk delivering calls for alice's UC number
#           (incoming_caller_uac.xml: INVITE, 200, ACK, hold, BYE).
# alice is signed in, so every call also goes to her event channel (the
# notification with accept/decline links). The administrator gives her a UC
# number of her own (+14255550201) and simultaneous ring to her desk phone.
#
#   bash bench/load/incoming.sh [RATE...]      (default: 200 400 800)
#
# For each rate: STEP_S (20) seconds of calls, each held HOLD_MS (100) ms;
# cvwd's CPU from the first INVITE until every call has ended, less what it
# burns idle, divided by the calls: the whole call (fork, answer, CANCEL of
# the phone, BYE both ways), which bounds the fork's set-up from above.
set -euo pipefail
source "$(dirname "$0")/common.sh"
need sipp curl taskset awk python3

RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(200 400 800)
STEP_S=${STEP_S:-20}
HOLD_MS=${HOLD_MS:-100}
CVWD=${CVWD:-$CVW_ROOT/build/release/src/cvwd/cvwd}
HERE=$CVW_ROOT/bench/load
[ -x "$CVWD" ] || { echo "incoming.sh: no cvwd at $CVWD (build it or set CVWD)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/cvw-incoming.XXXXXX)
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

CVWD_PORT=$(free_port)
HTTP_PORT=$(free_port)
PHONE_PORT=$(free_port)
CLIENT_PORT=$(free_port)
API="http://127.0.0.1:$HTTP_PORT"
write_cvwd_config "$WORK" "$CVWD_PORT" "$HTTP_PORT" <<CFG
[[trunk]]
name = "pbx"
address = "udp:127.0.0.1:$PHONE_PORT"
allowed_sources = ["127.0.0.1"]

[calls]
max_per_user = 100

[registrar]
digest_algorithms = ["MD5"]
CFG
run_cvwd_pinned "$WORK" "$API"
metric() { api_metric "$1"; }
login() { api_login "$@"; }
admin=$(login admin@example.com admin-password-1)
curl -fsS -o /dev/null -X PATCH "$API/api/v1/users/sip:alice@example.com" -H "Authorization: Bearer $admin" \
  -H 'Content-Type: application/json' \
  -d '{"lineUri":"tel:+14255550201;ext=201","simultaneousRing":{"enabled":true,"target":"+14255550101"}}'
login alice@example.com alice-password-1 >/dev/null  # her event channel gets every call

sipp_bg() {  # sipp_bg LABEL SCENARIO [ARGS...]: on CPU 1, in the background
  local label=$1 sf=$2
  shift 2
  taskset -c 1 sipp -sf "$HERE/$sf" -i 127.0.0.1 -nostdin -nd -trace_stat -stf "$WORK/$label.csv" -fd 1 \
    -trace_err -error_file "$WORK/$label.errors.log" "$@" >"$WORK/$label.log" 2>&1 &
  STARTED_PIDS+=("$!")
}
taskset -c 1 sipp -sf "$HERE/register_uac.xml" -i 127.0.0.1 -nostdin -p "$CLIENT_PORT" -m 1 -timeout 10s \
  "127.0.0.1:$CVWD_PORT" >"$WORK/register.log" 2>&1 || { echo "incoming.sh: the client could not register" >&2; exit 1; }
[ "$(metric cvw_registrar_bindings)" = 1 ] || { echo "incoming.sh: no binding after the REGISTER" >&2; exit 1; }
sipp_bg client incoming_client_uas.xml -p "$CLIENT_PORT" -mp "$(free_port)"
sipp_bg phone incoming_phone_uas.xml -p "$PHONE_PORT" -mp "$(free_port)"
sleep 0.5

snap() {  # started completed missed other_ends dialogs active
  curl -fsS "$API/metrics" | awk '
    $1 == "cvw_calls_started_total{direction=\"incoming\"}" { s = $2 }
    $1 == "cvw_calls_ended_total{reason=\"Completed\"}" { ok = $2 }
    $1 == "cvw_calls_ended_total{reason=\"Missed\"}" { miss = $2 }
    $1 ~ /^cvw_calls_ended_total\{/ { e += $2 }
    $1 == "cvw_sip_dialogs_open" { d = $2 }
    $1 == "cvw_calls_active" { a = $2 }
    END { printf "%d %d %d %d %d %d\n", s, ok, miss, e - ok - miss, d, a }'
}
wait_idle() {
  local end=$(($(date +%s) + $1)) m
  while :; do
    read -r -a m < <(snap)
    [ "${m[5]}" = 0 ] && [ "${m[4]}" = 0 ] && return 0
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.3
  done
}

echo "# incoming.sh ${RATES[*]}  (STEP_S=$STEP_S HOLD_MS=$HOLD_MS)"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(sipp -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1); cvwd $CVWD on CPU 0 (SIP udp:127.0.0.1:$CVWD_PORT), the SIPps on CPU 1; work dir $WORK"
echo "# caller: taskset -c 1 sipp -sf incoming_caller_uac.xml -s +14255550201 -r RATE -m RATE*$STEP_S -d $HOLD_MS 127.0.0.1:$CVWD_PORT"
i0=$(cpu_ticks "$CVW"); t0=$(now_us); sleep 2; i1=$(cpu_ticks "$CVW"); t1=$(now_us)
idle_per_s=$(awk -v c="$(ticks_to_us $((i1 - i0)))" -v w=$((t1 - t0)) 'BEGIN { printf "%.0f", c * 1e6 / w }')
echo "# cvwd idle: $idle_per_s us of CPU per second (taken out below)"
printf '%6s %7s %9s %7s %7s %7s %13s %9s %s\n' rate calls completed missed other failed cvwd_us/call cvwd_cpu% "phone_cancels(cause=200)"
for rate in "${RATES[@]}"; do
  calls=$((rate * STEP_S))
  read -r -a m0 < <(snap)
  p0=$(sipp_stat "$WORK/phone.csv" 'SuccessfulCall(C)')
  c0=$(cpu_ticks "$CVW"); t0=$(now_us)
  set +e
  taskset -c 1 sipp -sf "$HERE/incoming_caller_uac.xml" -s +14255550201 -i 127.0.0.1 -nostdin -nd \
    -p "$(free_port)" -mp "$(free_port)" -r "$rate" -m "$calls" -d "$HOLD_MS" -timeout "$((STEP_S * 3))s" \
    -trace_stat -stf "$WORK/caller_$rate.csv" -fd 1 -trace_err -error_file "$WORK/caller_$rate.errors.log" \
    ${TRACE:+-trace_msg -message_file "$WORK/caller_$rate.messages.log"} \
    "127.0.0.1:$CVWD_PORT" >"$WORK/caller_$rate.log" 2>&1
  set -e
  wait_idle 30 || echo "# calls still up 30 s after the load: $(snap)"
  c1=$(cpu_ticks "$CVW"); t1=$(now_us)
  read -r -a m1 < <(snap)
  started=$((m1[0] - m0[0]))
  wall=$((t1 - t0))
  cpu_us=$(ticks_to_us $((c1 - c0)))
  net=$(awk -v c="$cpu_us" -v i="$idle_per_s" -v w="$wall" 'BEGIN { printf "%.0f", c - i * w / 1e6 }')
  per=$(awk -v c="$net" -v n="$started" 'BEGIN { printf "%.0f", (n > 0 ? c / n : 0) }')
  failed=$(sipp_stat "$WORK/caller_$rate.csv" 'FailedCall(C)')
  sleep 1.5  # the phone's calls end after their 500 ms timewait, its statistics each second
  p1=$(sipp_stat "$WORK/phone.csv" 'SuccessfulCall(C)')
  printf '%6s %7s %9s %7s %7s %7s %13s %9s %s\n' "$rate" "$started" "$((m1[1] - m0[1]))" "$((m1[2] - m0[2]))" \
    "$((m1[3] - m0[3]))" "${failed:-?}" "$per" "$(pct "$cpu_us" "$wall")" "$((p1 - p0))"
done
