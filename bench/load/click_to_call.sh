#!/usr/bin/env bash
# Click-to-call under load (issue #4): cvwd places complete click-to-calls
# on 127.0.0.1, each one
#   POST /api/v1/me/calls (wrk, keep-alive, bearer token)
#   leg A  INVITE / 200 / ACK           to the caller's own PBX number
#   leg B  INVITE / 200 / ACK           to the number called
#   leg A  re-INVITE / 200 / ACK        (pointed at the callee's media)
#   leg B  BYE from the callee / 200, then leg A BYE from cvwd / 200
# with one SIPp instance (c2c_pbx_uas.xml) as the whole PBX: cvwd's only
# [[trunk]], it answers both legs. cvwd is pinned to CPU 0; SIPp and wrk
# share CPU 1. Figures only: nothing here passes or fails a target.
#
#   bash bench/load/click_to_call.sh [MODE...]     (default: cpu ladder memory)
#
# Modes (each starts its own cvwd and SIPp in a fresh temp dir):
#   cpu      CALLS (20000) calls at RATE (500/s), callee holding HOLD_MS (100)
#            ms: cvwd's CPU time (utime + stime of /proc/PID/stat) from the
#            first POST to DRAIN_S (34) s after the last call ended (so the
#            64*T1 transaction timers of the last calls are in), minus its
#            idle CPU, per call. Then the same number of POSTs of
#            {"to":"911"} at the same rate, refused 403 EmergencyNumber
#            before any call is planned: the HTTP + auth + JSON cost of a
#            request, to subtract.
#   ladder   rates LADDER ("500 750 1000 1100 ... 1500 1750 2000") for
#            STEP_S (10) s each, callee holding LADDER_HOLD_MS (50) ms, spread
#            over LADDER_USERS (10) users so that [calls] max_per_user (100)
#            is not what stops a step; per step: calls/s reached, failures,
#            CPU % of cvwd, SIPp, wrk and of each core. Stops after the first
#            step with >= 0.1 % failures or < 95 % of the rate asked.
#   memory   MEM_CALLS (5000) calls held MEM_HOLD_S (60) s, started at
#            MEM_RATE (500/s): cvwd's VmRSS before and with all of them up,
#            per call, and again 34 s later, when the set-up's transactions
#            (64*T1) have ended and every user's client has acknowledged its
#            events (heap in use, cvw_process_heap_bytes). Needs MEM_CALLS / 100 users ([calls] max_per_user is
#            at most 100): creates loadNNN users through the admin API.
#   latency  LAT_RATE (500/s) for LAT_S (10) s, captured by tcpdump on lo:
#            p50/p90/p99 of the time from leg A's 200 to leg B's INVITE and
#            from leg B's 200 to leg A's re-INVITE, on the wire
#            (c2c_latency.py). Needs tcpdump.
#
# Environment: CVWD (default build/release/src/cvwd/cvwd), the knobs above,
# CONN_MS (50: wrk paces the POSTs on a 1/rate schedule with rate * CONN_MS /
# 1000 connections, at least 4, each with one request in flight, so the rate
# holds until a response takes CONN_MS; c2c_post.lua), USERS (3:
# the demo's alice, bob, carol; more are created as for memory),
# BUSY_PCT (90), KEEP=1 (keep the work dir).
# Run it under the shared lock so that no build competes for the cores:
#   flock /tmp/cvw-build.lock bash bench/load/click_to_call.sh cpu
set -euo pipefail
source "$(dirname "$0")/common.sh"
need sipp wrk curl python3 taskset awk ss

MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(cpu ladder memory)
CVWD=${CVWD:-$CVW_ROOT/build/release/src/cvwd/cvwd}
SCENARIO=$CVW_ROOT/bench/load/c2c_pbx_uas.xml
LUA=$CVW_ROOT/bench/load/c2c_post.lua
LATENCY_PY=$CVW_ROOT/bench/load/c2c_latency.py
RATE=${RATE:-500}
CALLS=${CALLS:-20000}
HOLD_MS=${HOLD_MS:-100}
DRAIN_S=${DRAIN_S:-34}
IDLE_S=${IDLE_S:-5}
LADDER=${LADDER:-500 750 1000 1100 1200 1300 1400 1500 1750 2000}
STEP_S=${STEP_S:-10}
LADDER_HOLD_MS=${LADDER_HOLD_MS:-50}
LADDER_USERS=${LADDER_USERS:-10}
MEM_CALLS=${MEM_CALLS:-5000}
MEM_HOLD_S=${MEM_HOLD_S:-60}
MEM_RATE=${MEM_RATE:-500}
LAT_RATE=${LAT_RATE:-500}
LAT_S=${LAT_S:-10}
CONN_MS=${CONN_MS:-50}
USERS=${USERS:-3}
BUSY_PCT=${BUSY_PCT:-90}
MAX_PER_USER=100          # the most [calls] max_per_user allows
# cvw's RTP ports: one pair per call for its whole life, so the range bounds
# the calls up at once (10,000 pairs), below the kernel's ephemeral ports
# (where the SIP and HTTP ports below come from).
MEDIA_MIN=10000
MEDIA_MAX=29999
SIPP_LIMIT=18000          # SIPp's -l: open SIPp calls (two per click-to-call)

[ -x "$CVWD" ] || { echo "click_to_call.sh: no cvwd at $CVWD (build it: cmake --build build/release --target cvwd, or set CVWD)" >&2; exit 2; }
for m in "${MODES[@]}"; do
  case $m in cpu | ladder | memory | latency) ;; *) echo "click_to_call.sh: unknown mode '$m' (cpu ladder memory latency)" >&2; exit 2 ;; esac
done

WORK=$(mktemp -d /tmp/cvw-c2c.XXXXXX)
trap 'cleanup; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
SUMMARY=()

# "busy total" jiffies of one core (cpuN line of /proc/stat).
core_jiffies() {
  awk -v c="cpu$1" '$1 == c { idle = $5 + $6; total = 0; for (i = 2; i <= NF; i++) total += $i; print total - idle, total; exit }' /proc/stat
}

# ---------------------------------------------------------------------------
# the stack: SIPp (the PBX) and cvwd

# start_sipp TAG HOLD_MS [SIPP ARGS...]: the PBX on $SIPP_PORT, on CPU 1.
start_sipp() {
  local tag=$1 hold=$2
  shift 2
  taskset -c 1 sipp -sf "$SCENARIO" -i 127.0.0.1 -p "$SIPP_PORT" -mp "$SIPP_MEDIA_PORT" -t u1 -nd \
    -d "$hold" -l "$SIPP_LIMIT" -buff_size 4194304 -recv_timeout $((hold + 30000)) -max_recv_loops 10000 -max_sched_loops 10000 \
    -nostdin -trace_stat -stf "$WORK/sipp_$tag.csv" -fd 1 -trace_err -error_file "$WORK/sipp_$tag.errors" "$@" \
    >"$WORK/sipp_$tag.log" 2>&1 &
  SIPP=$!
  STARTED_PIDS+=("$SIPP")
  SIPP_CSV=$WORK/sipp_$tag.csv
  for _ in $(seq 50); do
    ss -Hlun "sport = :$SIPP_PORT" 2>/dev/null | grep -q . && return 0
    kill -0 "$SIPP" 2>/dev/null || break
    sleep 0.1
  done
  echo "click_to_call.sh: SIPp did not start on udp:127.0.0.1:$SIPP_PORT; see $WORK/sipp_$tag.log" >&2
  exit 1
}

stop_sipp() {
  if kill "$SIPP" 2>/dev/null; then wait "$SIPP" 2>/dev/null || true; fi
}

# sipp_col NAME: a column (by its header name, e.g. SuccessfulCall(C)) of
# the last line of SIPp's -trace_stat file; 0 before the first line.
sipp_col() { sipp_stat "$SIPP_CSV" "$1"; }

# start_cvwd: cvwd --demo on CPU 0 with a config in $WORK, SIP on
# $CVWD_PORT, the API on $API; waits for /healthz.
start_cvwd() {
  write_cvwd_config "$WORK" "$CVWD_PORT" "$HTTP_PORT" <<EOF
[[trunk]]
name = "pbx"
address = "udp:127.0.0.1:$SIPP_PORT"
allowed_sources = ["127.0.0.1"]

[calls]
max_per_user = $MAX_PER_USER

[media]
address = "127.0.0.1"
port_min = $MEDIA_MIN
port_max = $MEDIA_MAX
EOF
  run_cvwd_pinned "$WORK" "$API"
}

# start_stack TAG HOLD_MS USERS [SIPP ARGS...]: fresh ports, SIPp, cvwd, and
# TOKENS (comma-separated bearer tokens of USERS users).
start_stack() {
  local tag=$1 hold=$2 users=$3
  shift 3
  SIPP_PORT=$(free_port)
  SIPP_MEDIA_PORT=$(free_port)
  CVWD_PORT=$(free_port)
  HTTP_PORT=$(free_port)
  API="http://127.0.0.1:$HTTP_PORT"
  start_sipp "$tag" "$hold" "$@"
  start_cvwd
  sign_in "$users"
}

stop_stack() {
  cleanup
  if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$WORK/cvwd.log" 2>/dev/null; then
    echo "# cvwd's log has a sanitizer report: see $WORK/cvwd.log (KEEP=1 keeps it)"
  fi
}

login() { api_login "$@"; }

# sign_in N: tokens of alice, bob, carol and, beyond 3, of loadNNN users
# created through the admin API (phone +1425555NNNN, dial plan Office, so
# that they call like the demo users).
sign_in() {
  local n=$1 u i admin status
  TOKENS=""
  for u in alice bob carol; do
    TOKENS+="${TOKENS:+,}$(login "$u@example.com" "$u-password-1")"
  done
  [ "$n" -gt 3 ] || return 0
  admin=$(login admin@example.com admin-password-1)
  for ((i = 1; i <= n - 3; i++)); do
    u=$(printf 'load%03d' "$i")
    status=$(curl -sS -o "$WORK/create_user.json" -w '%{http_code}' -X POST "$API/api/v1/users" \
      -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      -d "{\"sipUri\":\"sip:$u@example.com\",\"password\":\"$u-password-1\",\"displayName\":\"Load $i\",
           \"lineUri\":\"tel:+1425555$(printf '%04d' $((1000 + i)));ext=$((1000 + i))\",
           \"cvwPhoneNumber\":\"+1425555$(printf '%04d' $((1000 + i)))\",\"enterpriseVoice\":true,\"dialPlan\":\"Office\"}")
    [ "$status" = 201 ] || { echo "click_to_call.sh: creating $u: HTTP $status $(cat "$WORK/create_user.json")" >&2; exit 1; }
    TOKENS+=",$(login "$u@example.com" "$u-password-1")"
  done
}

# snap: "started connected completed ended refused dialogs_open active"
# from GET /metrics.
snap() {
  curl -fsS "$API/metrics" | awk '
    $1 == "cvw_calls_started_total{direction=\"outgoing\"}" { s = $2 }
    $1 == "cvw_calls_connected_total" { c = $2 }
    $1 == "cvw_calls_ended_total{reason=\"Completed\"}" { ok = $2 }
    $1 ~ /^cvw_calls_ended_total\{/ { e += $2 }
    $1 == "cvw_calls_refused_total" { r = $2 }
    $1 == "cvw_sip_dialogs_open" { d = $2 }
    $1 == "cvw_calls_active" { a = $2 }
    END { printf "%d %d %d %d %d %d %d\n", s, c, ok, e, r, d, a }'
}

# end reasons other than Completed with a count, on one line
odd_reasons() {
  curl -fsS "$API/metrics" | awk '$1 ~ /^cvw_calls_ended_total\{/ && $1 !~ /Completed/ && $2 > 0 { sub(/^cvw_calls_ended_total/, "", $1); printf "%s%s=%s", sep, $1, $2; sep = " " }'
}

# wait_idle TIMEOUT_S: until no call is active and no dialog open; 1 if not.
wait_idle() {
  local end=$(($(date +%s) + $1)) m
  while :; do
    read -r -a m < <(snap)
    [ "${m[6]}" = 0 ] && [ "${m[5]}" = 0 ] && return 0
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.5
  done
}

# run_wrk TAG RATE SECONDS [TO]: POSTs at RATE/s for SECONDS, on CPU 1.
# Sets WRK_LINE (the c2c: line), WRK_US (wrk's own CPU time), WRK_CONNS.
run_wrk() {
  local tag=$1 rate=$2 seconds=$3 to=${4:-} times
  WRK_CONNS=$(((rate * CONN_MS + 999) / 1000))
  [ "$WRK_CONNS" -ge 4 ] || WRK_CONNS=4
  set +e
  { TIMEFORMAT='%3U %3S'; time C2C_TOKENS="$TOKENS" C2C_TO="$to" C2C_RATE="$rate" \
      taskset -c 1 wrk -t1 -c"$WRK_CONNS" -d"${seconds}s" --timeout 5s -s "$LUA" "$API" \
      >"$WORK/wrk_$tag.log" 2>&1; } 2>"$WORK/wrk_$tag.time"
  set -e
  WRK_LINE=$(grep -h '^c2c:' "$WORK/wrk_$tag.log" || echo "c2c: (no summary; see $WORK/wrk_$tag.log)")
  read -r times <"$WORK/wrk_$tag.time" || times="0 0"
  WRK_US=$(awk -v t="$times" 'BEGIN { split(t, a, " "); printf "%d", (a[1] + a[2]) * 1e6 }')
}

wrk_field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$WRK_LINE"; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" 'BEGIN { printf f, (b != 0 ? a / b : 0) }'; }

header() {
  echo
  echo "== $1"
  echo "# cvwd $CVWD (SIP udp:127.0.0.1:$CVWD_PORT, API $API) on CPU 0; SIPp $(sipp -v 2>&1 | grep -o 'v[0-9][^ -]*' | head -1) -sf c2c_pbx_uas.xml on udp:127.0.0.1:$SIPP_PORT and wrk on CPU 1"
  echo "# load average $(cut -d' ' -f1-3 /proc/loadavg); work dir $WORK"
}

# ---------------------------------------------------------------------------
# cpu: CPU per complete click-to-call, and per refused POST

mode_cpu() {
  local seconds=$(((CALLS + RATE - 1) / RATE))
  start_stack cpu "$HOLD_MS" "$USERS"
  header "cpu: $CALLS click-to-calls at $RATE/s (callee holds $HOLD_MS ms), then $CALLS POSTs of \"911\""
  local i0 i1 c0 c1 cl k0 k1 t0 t1 t1b s0 s1 sp0 sp1 wall idle_per_s cpu_us net_us load_wall
  # idle CPU (the media tick, timers) per second, to take out of the run
  i0=$(cpu_ticks "$CVW"); t0=$(now_us); sleep "$IDLE_S"; i1=$(cpu_ticks "$CVW"); t1=$(now_us)
  idle_per_s=$(awk -v c="$(ticks_to_us $((i1 - i0)))" -v w=$((t1 - t0)) 'BEGIN { printf "%.0f", c * 1e6 / w }')

  local m0 m1 f0 f1
  read -r -a m0 < <(snap)
  f0=$(sipp_col 'FailedCall(C)'); s0=$(sipp_col 'SuccessfulCall(C)')
  local d0 e0
  d0=$(udp_drops "$SIPP_PORT"); e0=$(udp_drops "$CVWD_PORT")
  c0=$(cpu_ticks "$CVW"); k0=$(sys_ticks "$CVW"); t0=$(now_us)
  sp0=$(cpu_ticks "$SIPP")
  run_wrk cpu "$RATE" "$seconds"
  t1=$(now_us); cl=$(cpu_ticks "$CVW"); sp1=$(cpu_ticks "$SIPP")
  wait_idle $((HOLD_MS / 1000 + 30)) || echo "# calls still active 30 s after the load: $(snap)"
  sleep "$DRAIN_S"
  c1=$(cpu_ticks "$CVW"); k1=$(sys_ticks "$CVW"); t1b=$(now_us)
  read -r -a m1 < <(snap)
  sleep 1.2
  f1=$(sipp_col 'FailedCall(C)'); s1=$(sipp_col 'SuccessfulCall(C)')
  local started=$((m1[0] - m0[0])) connected=$((m1[1] - m0[1])) completed=$((m1[2] - m0[2]))
  local refused=$((m1[4] - m0[4]))
  wall=$((t1b - t0))
  cpu_us=$(ticks_to_us $((c1 - c0)))
  net_us=$(awk -v c="$cpu_us" -v i="$idle_per_s" -v w="$wall" 'BEGIN { printf "%.0f", c - i * w / 1e6 }')
  load_wall=$((t1 - t0))
  echo "wrk: $WRK_CONNS connections paced at $RATE/s: $WRK_LINE"
  local non201; non201=$(wrk_field status_other)
  echo "cvwd metrics: started=$started connected=$connected completed=$completed refused_409=$refused other_ends: $(odd_reasons); dialogs_open=${m1[5]} active=${m1[6]}"
  echo "SIPp legs: successful=$((s1 - s0)) failed=$((f1 - f0)) (2 per call), SIPp CPU $(div "$(ticks_to_us $((sp1 - sp0)))" "$started" '%.0f') us per call while the POSTs ran (a yardstick: it moves with the machine, not with cvwd); datagrams dropped on full sockets: SIPp $(($(udp_drops "$SIPP_PORT") - d0)), cvwd $(($(udp_drops "$CVWD_PORT") - e0))"
  echo "load phase: $(awk -v n="$started" -v w="$load_wall" 'BEGIN { printf "%.0f", n * 1e6 / w }') calls/s over $((load_wall / 1000)) ms;" \
    "cvwd $(pct "$(ticks_to_us $((cl - c0)))" "$load_wall") % of CPU 0, SIPp $(pct "$(ticks_to_us $((sp1 - sp0)))" "$load_wall") %, wrk $(pct "$WRK_US" "$load_wall") % (of one core)"
  echo "cvwd CPU from the first POST to ${DRAIN_S} s after the last call ended ($((wall / 1000)) ms): ${cpu_us} us" \
    "(sys $(div $((k1 - k0)) $((c1 - c0)) '%.2f' | awk '{ printf "%.0f", $1 * 100 }') %), idle ${idle_per_s} us/s => ${net_us} us for $started calls"
  local per_call per_call_raw
  per_call=$(div "$net_us" "$started")
  per_call_raw=$(div "$cpu_us" "$started")
  echo "cvwd CPU per click-to-call: $per_call us (raw, idle included: $per_call_raw us);" \
    "$(div "$(ticks_to_us $((cl - c0)))" "$started") us of it while the POSTs ran, the rest as the calls and their transactions ended"

  # the same POSTs, refused cheaply: HTTP + auth + JSON + the emergency check
  read -r -a m0 < <(snap)
  local h0 h1 ht0 ht1 h_us h_net
  h0=$(cpu_ticks "$CVW"); ht0=$(now_us)
  run_wrk refused "$RATE" "$seconds" 911
  sleep 1
  h1=$(cpu_ticks "$CVW"); ht1=$(now_us)
  read -r -a m1 < <(snap)
  local wrk911=$WRK_LINE
  local n911; n911=$(wrk_field responses)
  local c403; c403=$(sed -n 's/.*(\(.*\)).*errors.*/\1/p' <<<"$WRK_LINE" | tr ' ' '\n' | sed -n 's/^403=//p')
  c403=${c403:-0}
  h_us=$(ticks_to_us $((h1 - h0)))
  h_net=$(awk -v c="$h_us" -v i="$idle_per_s" -v w=$((ht1 - ht0)) 'BEGIN { printf "%.0f", c - i * w / 1e6 }')
  echo "refused POSTs: $wrk911"
  echo "  calls started by them: $((m1[0] - m0[0])) (must be 0)"
  local per_post; per_post=$(div "$h_net" "$n911")
  echo "cvwd CPU per refused POST (403 EmergencyNumber): $per_post us (raw $(div "$h_us" "$n911") us; wrk counted the responses, the in-flight ones at the end are not)"
  local sip_part; sip_part=$(awk -v a="$per_call" -v b="$per_post" 'BEGIN { printf "%.1f", a - b }')
  echo "=> per click-to-call: $per_call us = ~$per_post us HTTP request/response + ~$sip_part us planning, both SIP legs, events, timers"
  SUMMARY+=("cpu: $started calls at $RATE/s (callee holds $HOLD_MS ms): cvwd $per_call us CPU per click-to-call (idle taken out; raw $per_call_raw);" \
    "        HTTP part (a 403 POST) $per_post us, the rest $sip_part us; ended Completed $completed of $started, failed SIPp legs $((f1 - f0)), non-201 ${non201:-?}")
  stop_stack
}

mode_ladder() {
  start_stack ladder "$LADDER_HOLD_MS" "$LADDER_USERS"
  header "ladder: rates $LADDER, ${STEP_S} s each, callee holds $LADDER_HOLD_MS ms, $LADDER_USERS users x $MAX_PER_USER calls"
  # failed: non-201 + wrk errors + calls started that did not end Completed;
  # fail%: of attempts (started + refused); cvwd/sipp/wrk: % of one core
  # during the load; cpu0/cpu1: the whole core busy (others' work included);
  # us/call: cvwd's CPU during the load and until its calls ended, per call
  # (without the 32 s transaction timers, so below the cpu mode's figure);
  # drops: datagrams the kernel dropped on SIPp's / cvwd's full socket.
  printf '%6s %7s %4s %7s %6s %6s %6s %8s %6s %6s %6s %6s %6s %8s %9s %7s %s\n' \
    rate calls/s conn started 201 non201 failed fail% cvwd% sipp% wrk% cpu0% cpu1% us/call post_p99ms drops busy
  local rate best="" first_busy="" stop=""
  for rate in $LADDER; do
    local m0 m1 f0 f1 c0 c1 cl s0 s1 t0 t1 a0 a1 b0 b1 at0 at1 bt0 bt1
    read -r -a m0 < <(snap)
    f0=$(sipp_col 'FailedCall(C)')
    local d0 e0 d1 e1
    d0=$(udp_drops "$SIPP_PORT"); e0=$(udp_drops "$CVWD_PORT")
    c0=$(cpu_ticks "$CVW"); s0=$(cpu_ticks "$SIPP"); t0=$(now_us)
    read -r a0 at0 < <(core_jiffies 0); read -r b0 bt0 < <(core_jiffies 1)
    run_wrk "ladder_$rate" "$rate" "$STEP_S"
    t1=$(now_us); cl=$(cpu_ticks "$CVW"); s1=$(cpu_ticks "$SIPP")
    read -r a1 at1 < <(core_jiffies 0); read -r b1 bt1 < <(core_jiffies 1)
    wait_idle $((LADDER_HOLD_MS / 1000 + 40)) || true
    c1=$(cpu_ticks "$CVW")
    read -r -a m1 < <(snap)
    sleep 1.2
    f1=$(sipp_col 'FailedCall(C)')
    d1=$(udp_drops "$SIPP_PORT"); e1=$(udp_drops "$CVWD_PORT")
    local wall=$((t1 - t0))
    local started=$((m1[0] - m0[0])) completed=$((m1[2] - m0[2])) refused=$((m1[4] - m0[4]))
    local ok201 other errors
    ok201=$(wrk_field status_201); other=$(wrk_field status_other); errors=$(wrk_field errors)
    ok201=${ok201:-0}; other=${other:-0}; errors=${errors:-0}
    local failed=$((other + errors + started - completed))
    local attempts=$((started + other + errors))
    local fail_pct; fail_pct=$(awk -v f="$failed" -v n="$attempts" 'BEGIN { printf "%.3f", (n > 0 ? 100 * f / n : 100) }')
    local reached; reached=$(awk -v n="$started" -v w="$wall" 'BEGIN { printf "%.0f", n * 1e6 / w }')
    local cvw_pct sipp_pct wrk_pct cpu0 cpu1 busy=""
    cvw_pct=$(pct "$(ticks_to_us $((cl - c0)))" "$wall"); sipp_pct=$(pct "$(ticks_to_us $((s1 - s0)))" "$wall")
    wrk_pct=$(pct "$WRK_US" "$wall")
    cpu0=$(pct $((a1 - a0)) $((at1 - at0))); cpu1=$(pct $((b1 - b0)) $((bt1 - bt0)))
    awk -v p="$cvw_pct" -v b="$BUSY_PCT" 'BEGIN { exit !(p >= b) }' && busy="cvwd"
    awk -v p="$sipp_pct" -v b="$BUSY_PCT" 'BEGIN { exit !(p >= b) }' && busy="${busy:+$busy+}sipp"
    awk -v p="$wrk_pct" -v b="$BUSY_PCT" 'BEGIN { exit !(p >= b) }' && busy="${busy:+$busy+}wrk"
    awk -v p="$cpu1" -v b="$BUSY_PCT" 'BEGIN { exit !(p >= b) }' && busy="${busy:+$busy+}cpu1"
    [ -z "$first_busy" ] && [ -n "$busy" ] && first_busy="$busy at $rate/s"
    local p99; p99=$(awk -v u="$(wrk_field latency_p99_us)" 'BEGIN { printf "%.1f", u / 1000 }')
    printf '%6s %7s %4s %7s %6s %6s %6s %8s %6s %6s %6s %6s %6s %8s %9s %7s %s\n' "$rate" "$reached" "$WRK_CONNS" \
      "$started" "$ok201" "$other" "$failed" "$fail_pct" "$cvw_pct" "$sipp_pct" "$wrk_pct" "$cpu0" "$cpu1" \
      "$(div "$(ticks_to_us $((c1 - c0)))" "$started")" "$p99" "$((d1 - d0))/$((e1 - e0))" "${busy:--}"
    [ $((f1 - f0)) -gt 0 ] || [ $((m1[6])) -gt 0 ] &&
      echo "#   SIPp failed legs $((f1 - f0)); still active $((m1[6])); 409 TooManyCalls $refused; $WRK_LINE"
    if awk -v f="$fail_pct" 'BEGIN { exit !(f >= 0.1) }'; then
      stop="$fail_pct % failed at $rate/s (ends: $(odd_reasons); $WRK_LINE)"
    elif [ "$reached" -lt $((rate * 95 / 100)) ]; then
      stop="reached $reached of $rate calls/s"
    else
      best="$rate/s (reached $reached/s, $fail_pct % failed)"
    fi
    if [ -n "$stop" ]; then echo "# stopping: $stop"; break; fi
    wait_idle 40 >/dev/null || true
  done
  echo "# highest step with < 0.1 % failures and >= 95 % of its rate: ${best:-none}"
  echo "# first at >= ${BUSY_PCT} % of a core: ${first_busy:-none}"
  SUMMARY+=("ladder: highest sustained rate ${best:-none}; first saturated: ${first_busy:-none}${stop:+; then $stop}")
  stop_stack
}

# ack_all_events: each signed-in session's client takes its queued events
# and acknowledges them (a second poll with the ack of the first's next
# link), all sessions at once; about 2 s.
ack_all_events() {
  local token pids=()
  IFS=',' read -r -a tokens <<<"$TOKENS"
  for token in "${tokens[@]}"; do
    (
      next=$(curl -fsS -H "Authorization: Bearer $token" "$API/api/v1/events?ack=0&timeout=1" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["_links"]["next"])') || exit 0
      curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$API$next&timeout=1" || true
    ) &
    pids+=($!)
  done
  wait "${pids[@]}" 2>/dev/null || true
}

mode_memory() {
  local users=$(((MEM_CALLS + MAX_PER_USER - 1) / MAX_PER_USER))
  [ "$users" -ge 3 ] || users=3
  local seconds=$(((MEM_CALLS + MEM_RATE - 1) / MEM_RATE))
  # warm-up with short calls first (first-use allocations), then the PBX
  # restarted with calls that last
  start_stack memory_warmup 20 "$users"
  header "memory: $MEM_CALLS calls held ${MEM_HOLD_S} s by the callee, started at $MEM_RATE/s by $users users"
  run_wrk mem_warmup "$MEM_RATE" 2
  wait_idle 30 || true
  ack_all_events  # the warm-up's events go before the baseline
  stop_sipp
  start_sipp memory $((MEM_HOLD_S * 1000))
  sleep 1
  local r0 r1 r2 m0 m1 m2
  read -r -a m0 < <(snap)
  r0=$(rss_kib "$CVW")
  local h0; h0=$(api_metric cvw_process_heap_bytes)
  local t0; t0=$(now_us)
  run_wrk memory "$MEM_RATE" "$seconds"
  # every call placed is connected (both legs up) when connected == started
  local end=$(($(date +%s) + 30))
  while :; do
    read -r -a m1 < <(snap)
    [ $((m1[1] - m0[1])) -ge $((m1[0] - m0[0])) ] && break
    [ "$(date +%s)" -lt "$end" ] || break
    sleep 0.5
  done
  sleep 1
  read -r -a m1 < <(snap)
  r1=$(rss_kib "$CVW")
  local h1; h1=$(api_metric cvw_process_heap_bytes)
  local up=$((m1[6]))
  local elapsed=$((($(now_us) - t0) / 1000000))
  echo "wrk: $WRK_LINE"
  echo "calls up (cvw_calls_active): $up, connected $((m1[1] - m0[1])) of $((m1[0] - m0[0])) started, dialogs_open ${m1[5]}, 409 TooManyCalls $((m1[4] - m0[4])); ${elapsed} s after the first POST (hold ${MEM_HOLD_S} s)"
  # what the queued events of one user weigh (nobody acknowledges them here)
  local ev
  ev=$(curl -fsS -H "Authorization: Bearer ${TOKENS%%,*}" "$API/api/v1/events?ack=0&timeout=1" |
    python3 -c 'import json, sys
d = json.load(sys.stdin)
ev = d.get("events", [])
print(len(ev), sum(len(json.dumps(e, separators=(",", ":"))) for e in ev))' 2>/dev/null || echo "0 0")
  local per_call; per_call=$(awk -v a="$r0" -v b="$r1" -v n="$up" 'BEGIN { printf "%.2f", (n > 0 ? (b - a) / n : 0) }')
  echo "cvwd VmRSS: $r0 KiB before, $r1 KiB with $up calls up: +$((r1 - r0)) KiB = $per_call KiB per established call"
  echo "  heap in use (cvw_process_heap_bytes): +$(((h1 - h0) / 1024)) KiB = $(awk -v a="$h0" -v b="$h1" -v n="$up" 'BEGIN { printf "%.2f", (n > 0 ? (b - a) / 1024 / n : 0) }') KiB per call"
  echo "  (includes each call's queued events, not acknowledged by any client here: alice's channel holds $(cut -d' ' -f1 <<<"$ev") events, $(cut -d' ' -f2 <<<"$ev") bytes of JSON)"
  echo "  fds of cvwd now: $(find /proc/"$CVW"/fd -mindepth 1 -maxdepth 1 | wc -l) (an RTP + RTCP socket per call, kernel memory not in RSS)"
  # The set-up's INVITE transactions (Accepted, Timer M) and the UAC
  # sessions' INVITEs wait 64*T1 = 32 s after the last answer: measured
  # again once they are gone, the calls are what a long call costs. Every
  # user's client acknowledges its events first, as a client does, so that
  # figure is the calls' own.
  local settled=""
  if [ $((elapsed + 36)) -lt "$MEM_HOLD_S" ]; then
    ack_all_events
    sleep 33
    local r3 m3
    read -r -a m3 < <(snap)
    r3=$(rss_kib "$CVW")
    local h3; h3=$(api_metric cvw_process_heap_bytes)
    settled=$(awk -v a="$h0" -v b="$h3" -v n="${m3[6]}" 'BEGIN { printf "%.2f", (n > 0 ? (b - a) / 1024 / n : 0) }')
    # RSS stays where it was: malloc keeps what was freed for the next calls.
    echo "34 s later (set-up transactions gone; transactions open $(api_metric cvw_sip_transactions_open); every event acknowledged), ${m3[6]} calls up: heap in use +$(((h3 - h0) / 1024)) KiB = $settled KiB per established call (VmRSS $r3 KiB)"
  fi
  wait_idle $((MEM_HOLD_S + 40)) || echo "# calls still up $((MEM_HOLD_S + 40)) s later: $(snap)"
  read -r -a m2 < <(snap)
  r2=$(rss_kib "$CVW")
  echo "after they all ended: VmRSS $r2 KiB; ended Completed $((m2[2] - m0[2])) of $((m2[0] - m0[0])); other ends: $(odd_reasons)"
  # Given back? Once the BYEs' transactions (64*T1) are gone and the
  # clients have taken the last events, the heap is where it started.
  ack_all_events
  sleep 33
  local h4; h4=$(api_metric cvw_process_heap_bytes)
  echo "34 s later (transactions open $(api_metric cvw_sip_transactions_open)): heap in use $(((h4 - h0) / 1024)) KiB above the start, $(awk -v a="$h0" -v b="$h4" -v n="$up" 'BEGIN { printf "%.0f", (n > 0 ? (b - a) / n : 0) }') bytes per call that was up"
  SUMMARY+=("memory: $per_call KiB VmRSS per established call ($up calls up, +$((r1 - r0)) KiB; queued events included)${settled:+; heap $settled KiB per call once the set-up transactions are gone and the events acknowledged}")
  stop_stack
}

mode_latency() {
  need tcpdump
  start_stack latency "$HOLD_MS" "$USERS"
  # The capture runs on CPU 1 with SIPp and wrk, never on cvwd's core; the
  # kernel stamps each loopback packet once, as it is sent.
  taskset -c 1 tcpdump -i lo -n -s 0 -B 32768 -w "$WORK/latency.pcap" "udp port $SIPP_PORT" 2>"$WORK/tcpdump.log" &
  local dump=$!
  STARTED_PIDS+=("$dump")
  for _ in $(seq 50); do
    grep -q "listening on" "$WORK/tcpdump.log" 2>/dev/null && break
    sleep 0.1
  done
  header "latency: $LAT_RATE/s for ${LAT_S} s, tcpdump on lo"
  run_wrk latency "$LAT_RATE" "$LAT_S"
  echo "wrk: $WRK_LINE"
  wait_idle 30 || true
  echo "cvwd: $(snap | awk '{ printf "started=%s connected=%s completed=%s", $1, $2, $3 }'); other ends: $(odd_reasons)"
  kill -INT "$dump" 2>/dev/null || true
  wait "$dump" 2>/dev/null || true
  echo "tcpdump: $(grep -E "captured|dropped by kernel" "$WORK/tcpdump.log" | tr '\n' ';')"
  stop_sipp
  local out
  out=$(python3 "$LATENCY_PY" "$WORK/latency.pcap" "$SIPP_PORT")
  echo "$out"
  SUMMARY+=("latency at $LAT_RATE/s (on the wire, tcpdump stamps): $(tr '\n' ';' <<<"$out")")
  stop_stack
}

echo "# click_to_call.sh ${MODES[*]}"
echo "# $(nproc) cores, $(uname -r), wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
for m in "${MODES[@]}"; do "mode_$m"; done

echo
echo "== summary of: $(printf '%q ' env CVWD="$CVWD" RATE="$RATE" CALLS="$CALLS" HOLD_MS="$HOLD_MS" LADDER="$LADDER" \
  STEP_S="$STEP_S" LADDER_USERS="$LADDER_USERS" MEM_CALLS="$MEM_CALLS" MEM_HOLD_S="$MEM_HOLD_S" LAT_RATE="$LAT_RATE" \
  bash bench/load/click_to_call.sh "${MODES[@]}")"
for line in "${SUMMARY[@]}"; do echo "$line"; done
