# shellcheck shell=bash disable=SC2015
# (SC2015: "test && test || h_fail ..." is meant: h_fail exits.)
# Interop test harness: sourced by the test scripts in tests/interop/.
#
# A test script looks like this (see the scripts next to lib/ for real ones):
#
#   source "$(dirname "$0")/lib/harness.sh"
#   h_init sipp_uac_to_uas_udp 60      # name, own deadline in seconds
#   h_need sipp                        # SKIP (exit 77) if a tool is missing
#   h_sipua_need                       # SKIP if no cvw-sipua binary
#   h_port P                           # a free port from the test range
#   h_sipua_start uas --listen udp:127.0.0.1:$P -- uas
#   ...
#   h_assert_eq "$ok" 100 "successful calls"
#   h_pass
#
# What it gives a test:
#   * a work dir per run, ${CVW_INTEROP_TMP:-/tmp}/cvw-interop.XXXXXX: every
#     log, trace and config of the run lives there. Removed after a PASS or
#     SKIP, kept after a FAIL (or always with CVW_INTEROP_KEEP=1).
#   * free ports from a dedicated range (25060-25999 by default), never a
#     fixed well-known port, so tests do not clash with a running PBX, SIPp's
#     defaults, or a second run of the suite.
#   * processes started in the background with their own process group
#     (setsid), logs in the work dir, stopped by PID in reverse start order by
#     an EXIT trap whatever happens (failure, Ctrl-C, deadline): phones before
#     the PBX, so that they can unregister.
#   * its own deadline: a test that hangs is ended by SIGTERM from a watchdog
#     before ctest's TIMEOUT would SIGKILL it (which would leave no chance to
#     stop Kamailio or baresip).
#   * the last line of output is "PASS <name>", "FAIL <name>: <reason>" or
#     "SKIP <name>: <reason>"; exit status 0, 1 or 77 (ctest SKIP_RETURN_CODE).
#
# Environment:
#   CVW_SIPUA                 the cvw-sipua binary (ctest sets it); else the
#                             newest build/*/.../cvw-sipua of this checkout
#   CVW_INTEROP_TMP           parent of the work dirs (default /tmp)
#   CVW_INTEROP_KEEP=1        keep the work dir after a PASS too
#   CVW_INTEROP_PORT_OFFSET   shift the port range (25060+N .. 25999+N) and
#                             allocate from its start, deterministically;
#                             without it allocation starts at a random point
#                             of the range (two concurrent runs rarely meet)
#   CVW_INTEROP_SIPUA_LOG     --log-level for cvw-sipua (default info)
#   CVW_CVWD                  the cvwd binary (ctest sets it); else the newest
#                             build/*/src/cvwd/cvwd of this checkout
#   CVW_INTEROP_CVWD_LOG      cvwd's [log] level in the click-to-call tests
#                             (default debug)
#   CVW_INTEROP_VERBOSE=1     trace the harness's own steps
#
# Only 127.0.0.1 is ever used: every listener and every destination is
# 127.0.0.1, and the PBX refuses to relay anywhere else.
#
# Conventions: functions are h_*, internals h__*; helpers that "return" a
# value assign a variable named by the caller (no $(...) subshell, which
# would lose the harness state such as the next free port).

H_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
H_ROOT=$(dirname "$H_LIB")                 # tests/interop
H_REPO=$(cd "$H_ROOT/../.." && pwd)        # the checkout
H_NAME=""
H_WORK=""
H_RESULT=""                                # PASS | FAIL | SKIP, set by h_pass/h_fail/h_skip
H_REASON=""
H_LABELS=()                                # labels of started processes, in start order
declare -gA H_PID=() H_LOG=() H_RC=()
H_WATCHDOG=""
H_PORT_FIRST=$((25060 + ${CVW_INTEROP_PORT_OFFSET:-0}))
H_PORT_LAST=$((25999 + ${CVW_INTEROP_PORT_OFFSET:-0}))
H_PORT_NEXT=""
declare -gA H_PORT_TAKEN=()

# ---------------------------------------------------------------------------
# output and verdicts

h_log() { printf '[%s %s] %s\n' "$(date +%T.%3N)" "${H_NAME:-harness}" "$*"; }
h_debug() { [ "${CVW_INTEROP_VERBOSE:-0}" = 1 ] && h_log "$@"; return 0; }

# h_fail REASON: ends the test as FAIL (cleanup runs in the EXIT trap).
h_fail() {
  H_RESULT=FAIL
  H_REASON="$*"
  exit 1
}
h_pass() {
  H_RESULT=PASS
  exit 0
}
# h_skip REASON: the test cannot run here (a tool or the binary is missing).
# In CI (CI=true) that is a failure: scripts/install-deps.sh installs every
# tool, so a missing one means the install step is broken, and a skipped
# interop test there would hide it.
h_skip() {
  if [ "${CI:-}" = true ]; then
    h_fail "cannot run in CI: $*"
  fi
  H_RESULT=SKIP
  H_REASON="$*"
  exit 77
}

# h_assert_eq ACTUAL EXPECTED WHAT
h_assert_eq() {
  [ "$1" = "$2" ] || h_fail "$3: expected '$2', got '$1'"
  h_debug "ok: $3 = $1"
}
# h_assert_ge ACTUAL MIN WHAT / h_assert_le ACTUAL MAX WHAT (integers)
h_assert_ge() {
  [[ "$1" =~ ^-?[0-9]+$ ]] && [ "$1" -ge "$2" ] || h_fail "$3: expected >= $2, got '$1'"
}
h_assert_le() {
  [[ "$1" =~ ^-?[0-9]+$ ]] && [ "$1" -le "$2" ] || h_fail "$3: expected <= $2, got '$1'"
}
# h_assert_file_has FILE REGEX WHAT
h_assert_file_has() {
  grep -Eq -- "$2" "$1" 2>/dev/null || h_fail "$3: /$2/ not found in $(basename "$1")"
}

# ---------------------------------------------------------------------------
# set-up and clean-up

# h_init NAME [DEADLINE_S]: work dir, traps, watchdog. DEADLINE_S (default 60)
# must stay below the ctest TIMEOUT of the test.
h_init() {
  H_NAME=$1
  local deadline=${2:-60}
  local tmp=${CVW_INTEROP_TMP:-/tmp}
  mkdir -p "$tmp"
  H_WORK=$(mktemp -d "$tmp/cvw-interop.XXXXXX") || { echo "FAIL $H_NAME: cannot create a work dir in $tmp"; exit 1; }
  trap h__on_exit EXIT
  trap 'h__on_signal INT' INT
  trap 'h__on_signal TERM' TERM
  trap 'h__on_signal HUP' HUP
  # The watchdog has its own process group so that killing the group also
  # ends its sleep. It sends SIGTERM to this shell: the trap then stops
  # everything (traps run between commands; the harness only ever waits in
  # short polling steps, so it runs within ~0.1 s).
  setsid bash -c 'sleep "$1" && : >"$3" && kill -TERM "$2"' _ "$deadline" "$$" "$H_WORK/.deadline" \
    </dev/null >/dev/null 2>&1 &
  H_WATCHDOG=$!
  H_DEADLINE=$deadline
  if [ -n "${CVW_INTEROP_PORT_OFFSET:-}" ]; then
    H_PORT_NEXT=$H_PORT_FIRST
  else
    H_PORT_NEXT=$((H_PORT_FIRST + (RANDOM % ((H_PORT_LAST - H_PORT_FIRST) / 10)) * 10))
  fi
  h_log "work dir $H_WORK (deadline ${deadline} s)"
  # ss finds free ports, python3 reads traces and JSON
  h_need ss python3
}

# h_need TOOL...: SKIP unless every tool is on PATH.
h_need() {
  local t missing=()
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] || h_skip "missing tools: ${missing[*]}"
}

h__on_signal() {
  if [ -e "$H_WORK/.deadline" ]; then
    H_REASON="deadline of ${H_DEADLINE} s exceeded${H_REASON:+ ($H_REASON)}"
  else
    H_REASON="interrupted by SIG$1${H_REASON:+ ($H_REASON)}"
  fi
  H_RESULT=FAIL
  exit 1
}

h__on_exit() {
  local rc=$? i label leaked=()
  trap - EXIT INT TERM HUP
  # reverse start order: phones and UAs before the PBX they registered with
  for ((i = ${#H_LABELS[@]} - 1; i >= 0; i--)); do
    label=${H_LABELS[i]}
    h__running "$label" && h_stop "$label" >/dev/null
    # anything of its process group still there (a child of an exited
    # process included) is a leak: kill it, and say so
    if h__group_alive "${H_PID[$label]}"; then
      kill -KILL -- "-${H_PID[$label]}" 2>/dev/null
      leaked+=("$label")
    fi
  done
  [ -n "$H_WATCHDOG" ] && kill -- "-$H_WATCHDOG" 2>/dev/null
  if [ -z "$H_RESULT" ]; then
    H_RESULT=FAIL
    H_REASON="test script ended without a verdict (exit status $rc)"
  fi
  if [ ${#leaked[@]} -gt 0 ] && [ "$H_RESULT" != FAIL ]; then
    H_RESULT=FAIL
    H_REASON="processes did not stop: ${leaked[*]}"
  fi
  if [ "$H_RESULT" = FAIL ]; then
    h__diagnostics
  elif [ "${CVW_INTEROP_KEEP:-0}" != 1 ] && [ -n "$H_WORK" ]; then
    rm -rf "$H_WORK"
  fi
  case $H_RESULT in
    PASS) echo "PASS $H_NAME"; exit 0 ;;
    SKIP) echo "SKIP $H_NAME: $H_REASON"; exit 77 ;;
    *) echo "FAIL $H_NAME: $H_REASON"; exit 1 ;;
  esac
}

# On failure: where the files are and the end of every process log.
h__diagnostics() {
  local label
  echo "---- diagnostics (work dir kept: $H_WORK)"
  for label in "${H_LABELS[@]}"; do
    echo "---- $label: pid ${H_PID[$label]}, exit status ${H_RC[$label]:-?}, log ${H_LOG[$label]}"
    tail -n "${CVW_INTEROP_TAIL:-12}" "${H_LOG[$label]}" 2>/dev/null | sed 's/^/    /'
  done
  echo "----"
}

# ---------------------------------------------------------------------------
# ports

# h__ports_in_use: every local port of any TCP/UDP socket (listening,
# connected or TIME-WAIT), one per line.
h__ports_in_use() {
  ss -Htuan 2>/dev/null | awk '{ n = split($5, a, ":"); print a[n] }' | sort -un
}

# h_port VAR [SPAN]: sets VAR to a port P of the test range such that
# P..P+SPAN-1 are all unused (TCP and UDP) and not handed out before in this
# run. SPAN > 1 for programs that open neighbours (baresip: SIP port + 1 for
# TLS; SIPp's -mp: audio and video ports 2 apart).
h_port() {
  # locals are __-prefixed: printf -v must reach the caller's variable, which
  # a local of the same name here would shadow
  local __var=$1 __span=${2:-1} __used __p __q __ok __tries=0
  __used=" $(h__ports_in_use | tr '\n' ' ') "
  __p=$H_PORT_NEXT
  while :; do
    if [ $((__p + __span - 1)) -gt "$H_PORT_LAST" ]; then __p=$H_PORT_FIRST; fi
    __ok=1
    for ((__q = __p; __q < __p + __span; __q++)); do
      if [[ "$__used" == *" $__q "* ]] || [ -n "${H_PORT_TAKEN[$__q]:-}" ]; then __ok=0; break; fi
    done
    if [ $__ok = 1 ]; then break; fi
    __p=$((__q + 1))
    __tries=$((__tries + 1))
    [ $__tries -lt 1000 ] || h_fail "no $__span free port(s) in $H_PORT_FIRST-$H_PORT_LAST"
  done
  for ((__q = __p; __q < __p + __span; __q++)); do H_PORT_TAKEN[$__q]=1; done
  H_PORT_NEXT=$((__p + __span))
  printf -v "$__var" '%s' "$__p"
  h_debug "port $__var=$__p (span $__span)"
}

# h_wait_port udp|tcp PORT [TIMEOUT_S]: until something listens on 127.0.0.1:PORT.
h_wait_port() {
  local proto=$1 port=$2 timeout=${3:-5} flag end
  [ "$proto" = udp ] && flag=-Hlun || flag=-Hltn
  end=$(h__deadline "$timeout")
  while ! ss $flag "sport = :$port" 2>/dev/null | grep -q .; do
    h__before "$end" || return 1
    sleep 0.05
  done
}

# ---------------------------------------------------------------------------
# processes

h__now_ms() { date +%s%3N; }
h__deadline() { echo $(($(h__now_ms) + $(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }'))); }
h__before() { [ "$(h__now_ms)" -lt "$1" ]; }

# h__alive PID: the process exists and is not a zombie.
h__alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null)
  [ "$state" != Z ]
}
# h__group_alive PGID: some process of the group still exists.
h__group_alive() { kill -0 -- "-$1" 2>/dev/null; }
h__running() { [ -n "${H_PID[$1]:-}" ] && [ -z "${H_RC[$1]:-}" ]; }

# h_start LABEL [--cwd DIR] -- CMD [ARGS...]: starts CMD in the background
# in a process group of its own (setsid; the shell's background children are
# never group leaders, so setsid does not fork and $! is CMD's PID). stdout
# and stderr go to $H_WORK/LABEL.log, stdin is /dev/null.
h_start() {
  local label=$1 cwd=$H_WORK
  shift
  if [ "$1" = --cwd ]; then cwd=$2; shift 2; fi
  [ "$1" = -- ] && shift
  [ -z "${H_PID[$label]:-}" ] || h_fail "harness: label '$label' used twice"
  local log="$H_WORK/$label.log"
  (cd "$cwd" && exec setsid "$@") </dev/null >"$log" 2>&1 &
  H_PID[$label]=$!
  H_LOG[$label]=$log
  H_LABELS+=("$label")
  h_debug "started $label (pid $!): $*"
}

# h_wait_exit LABEL [TIMEOUT_S]: waits for LABEL to end; returns its exit
# status (also kept in H_RC[LABEL]), or 124 if it is still running.
h_wait_exit() {
  local label=$1 timeout=${2:-30} pid=${H_PID[$1]:-} end rc
  [ -n "$pid" ] || h_fail "harness: no process '$label'"
  if [ -n "${H_RC[$label]:-}" ]; then return "${H_RC[$label]}"; fi
  end=$(h__deadline "$timeout")
  while h__alive "$pid"; do
    h__before "$end" || return 124
    sleep 0.1
  done
  wait "$pid" 2>/dev/null
  rc=$?
  H_RC[$label]=$rc
  return $rc
}

# h_stop LABEL: SIGTERM; a second SIGTERM after 2 s (baresip: the first one
# only starts unregistering, which can take ~32 s if the registrar is gone);
# SIGKILL to the whole process group after 3 s more. Returns the exit status.
h_stop() {
  local label=$1 pid=${H_PID[$1]:-} rc
  [ -n "$pid" ] || h_fail "harness: no process '$label'"
  if [ -n "${H_RC[$label]:-}" ]; then
    h__group_alive "$pid" && kill -KILL -- "-$pid" 2>/dev/null
    return "${H_RC[$label]}"
  fi
  kill -TERM "$pid" 2>/dev/null
  if h_wait_exit "$label" 2; then rc=0; else rc=$?; fi
  if [ $rc = 124 ]; then
    h_debug "$label: second SIGTERM"
    kill -TERM "$pid" 2>/dev/null
    if h_wait_exit "$label" 3; then rc=0; else rc=$?; fi
  fi
  if [ $rc = 124 ]; then
    h_log "$label (pid $pid) ignored SIGTERM: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null
    h_wait_exit "$label" 2
    rc=$?
  fi
  # children (Kamailio's workers) end with their parent; give them a moment
  local end
  end=$(h__deadline 2)
  while h__group_alive "$pid" && h__before "$end"; do sleep 0.05; done
  h__group_alive "$pid" && kill -KILL -- "-$pid" 2>/dev/null
  h_debug "stopped $label: exit status $rc"
  return $rc
}

# h_run LABEL TIMEOUT_S [--cwd DIR] -- CMD...: runs CMD to its end (as h_start
# + h_wait_exit, so that the deadline trap can interrupt it) and returns its
# exit status; stopped with status 124 if it overruns TIMEOUT_S.
h_run() {
  local label=$1 timeout=$2
  shift 2
  h_start "$label" "$@"
  h_wait_or_stop "$label" "$timeout"
}

# h_wait_or_stop LABEL TIMEOUT: waits for LABEL to exit; stops it when it
# overruns (status 124). Returns its exit status.
h_wait_or_stop() {
  local label=$1 timeout=$2 rc
  if h_wait_exit "$label" "$timeout"; then return 0; else rc=$?; fi
  if [ $rc = 124 ]; then
    h_log "$label overran ${timeout} s: stopping it"
    h_stop "$label"
    H_RC[$label]=124
  fi
  return $rc
}

# h_wait_log FILE REGEX [TIMEOUT_S] [COUNT]: until FILE has COUNT (default 1)
# lines matching REGEX (grep -E).
h_wait_log() {
  local file=$1 re=$2 timeout=${3:-10} count=${4:-1} end
  end=$(h__deadline "$timeout")
  while [ "$(grep -Ec -- "$re" "$file" 2>/dev/null || true)" -lt "$count" ]; do
    h__before "$end" || return 1
    sleep 0.1
  done
}

# h_json_get FILE KEY: prints the value of a top-level key of a JSON file
# (nothing if the file or key is missing).
h_json_get() {
  python3 -c 'import json,sys
try:
    v = json.load(open(sys.argv[1])).get(sys.argv[2])
except Exception:
    v = None
print("" if v is None else v)' "$1" "$2"
}

# ---------------------------------------------------------------------------
# Kamailio, the PBX

H_PBX_PORT=""
H_PBX_CTL=""

# h_pbx_start [KAMAILIO OPTIONS...]: starts tests/interop/pbx/kamailio.cfg on
# a free port (H_PBX_PORT, UDP + TCP) and waits until it answers OPTIONS.
# Options go to kamailio, e.g. -A FR_TIMER=40000 or -A WITH_AUTH.
h_pbx_start() {
  h_need kamailio kamcmd sipsak
  h_port H_PBX_PORT
  local run="$H_WORK/pbx" end
  mkdir -p "$run"
  H_PBX_CTL="unix:$run/kamailio_ctl"
  # a unix socket path must fit in sun_path (108 bytes)
  [ ${#H_PBX_CTL} -lt 100 ] || h_fail "harness: work dir path too long for Kamailio's control socket ($H_PBX_CTL)"
  # -DD: stay in the foreground (no daemon) so that the PID is ours;
  # -E: log to stderr; -Y: runtime dir for its fifo/sockets, not /run.
  h_start pbx -- kamailio -f "$H_ROOT/pbx/kamailio.cfg" -DD -E -n 2 -Y "$run" -P "$run/kamailio.pid" \
    -A "CTL_SOCK=\"$H_PBX_CTL\"" -A "PBX_PORT=$H_PBX_PORT" "$@"
  end=$(h__deadline 10)
  until timeout 2 sipsak -s "sip:127.0.0.1:$H_PBX_PORT" >/dev/null 2>&1; do
    h__alive "${H_PID[pbx]}" || h_fail "Kamailio exited at start (see ${H_LOG[pbx]})"
    h__before "$end" || h_fail "Kamailio did not answer OPTIONS on 127.0.0.1:$H_PBX_PORT within 10 s"
    sleep 0.05
  done
  h_wait_port tcp "$H_PBX_PORT" 5 || h_fail "Kamailio does not listen on TCP $H_PBX_PORT"
  h_log "PBX (Kamailio) up on 127.0.0.1:$H_PBX_PORT udp+tcp"
}

# h_pbx_registered EXT: true if EXT has a contact in the location table.
# kamcmd needs "s:" for a numeric user, or it sends an integer and finds nothing.
h_pbx_registered() {
  kamcmd -s "$H_PBX_CTL" ul.lookup location "s:$1" 2>/dev/null | grep -q Address
}
# h_pbx_wait_registered EXT [TIMEOUT_S]
h_pbx_wait_registered() {
  local end
  end=$(h__deadline "${2:-5}")
  until h_pbx_registered "$1"; do
    h__before "$end" || h_fail "extension $1 did not register at the PBX within ${2:-5} s"
    sleep 0.05
  done
}

# h_pbx_answered_invites: for every call that went through the PBX, prints
# "CALL-ID NUMBER_OF_INVITES_ANSWERED_2XX" (initial INVITE and re-INVITEs,
# counted by distinct CSeq in the PBX's reply log). A call with 2 or more
# had a successful re-INVITE.
h_pbx_answered_invites() {
  # log lines look like: {2 1 INVITE 1-123@127.0.0.1} INFO: <script>: reply 200 OK for INVITE from ...
  grep -E 'reply 2[0-9][0-9] .* for INVITE from' "${H_LOG[pbx]}" |
    sed -E 's/^.*\{2 ([0-9]+) INVITE ([^}]*)\}.*$/\2 \1/' | sort -u |
    awk '{ n[$1]++ } END { for (c in n) print c, n[c] }'
}

# h_pbx_not_routed_count: in-dialog requests the PBX refused because they
# ignored the Record-Route set (404 "Not here").
h_pbx_not_routed_count() {
  grep -c 'in-dialog .* without Route' "${H_LOG[pbx]}" || true
}

# ---------------------------------------------------------------------------
# SIPp

# h__sipp_args LABEL: the options every SIPp run gets. Besides the SIP port
# (-p, given by the test) SIPp binds a media port pair (-mp: audio, video at
# +2) and a UDP control port (-cp, bound to 0.0.0.0 by SIPp, no traffic):
# all taken from the test range instead of the defaults 6000/8888, which may
# be in use. Every file goes to the work dir: screen, error log, statistics
# CSV (-trace_stat) and the message trace (-trace_msg, read by
# sipp_trace.py). -timeout_error: SIPp's -timeout alone only stops new calls
# and then waits for a stuck call forever; with it SIPp ends at once (255).
h__sipp_args() {
  local label=$1 cp mp
  h_port cp
  h_port mp 4
  H_SIPP_ARGS=(-i 127.0.0.1 -nostdin -cp "$cp" -mp "$mp" -timeout_error
    -trace_err -error_file "$H_WORK/$label.errors.log"
    -trace_stat -stf "$H_WORK/$label.stat.csv" -fd 1
    -trace_screen -screen_file "$H_WORK/$label.screen.log"
    -trace_msg -message_file "$H_WORK/$label.messages.log")
}

# h_sipp_start LABEL SCENARIO [SIPP OPTIONS...]: SIPp with
# tests/interop/sipp/SCENARIO in the background. The test gives -p, -m,
# -timeout, the remote address etc.
h_sipp_start() {
  h_need sipp
  local label=$1 sf=$2
  shift 2
  h__sipp_args "$label"
  h_start "$label" -- sipp -sf "$H_ROOT/sipp/$sf" "${H_SIPP_ARGS[@]}" "$@"
}

# h_sipp_run LABEL TIMEOUT_S SCENARIO [SIPP OPTIONS...]: SIPp to its end;
# returns SIPp's exit status: 0 all calls succeeded, 1 some failed, 97 ended
# by an internal command, 99 normal end without a call, 255 fatal error or
# global timeout, 254 could not bind. -timeout TIMEOUT_S is added (SIPp's own
# global limit); the harness stops it 5 s later anyway (status 124).
h_sipp_run() {
  h_need sipp
  local label=$1 timeout=$2 sf=$3
  shift 3
  h__sipp_args "$label"
  h_run "$label" $((timeout + 5)) -- sipp -sf "$H_ROOT/sipp/$sf" "${H_SIPP_ARGS[@]}" -timeout "$timeout" "$@"
}

# h_sipp_stat LABEL FIELD: a cumulative counter from SIPp's statistics CSV,
# e.g. SuccessfulCall(C), FailedCall(C), OutgoingCall(C), IncomingCall(C),
# Retransmissions(C). Prints nothing if there is no such file or field.
h_sipp_stat() {
  local csv="$H_WORK/$1.stat.csv"
  [ -f "$csv" ] || return 0
  awk -F';' -v f="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == f) col = i; next }
    col && NF >= col { v = $col } END { if (col) print v + 0 }' "$csv"
}

# h_sipp_calls_ok LABEL RC CALLS WHAT: a SIPp run LABEL that exited RC must
# have exited 0 (SIPp's "every call succeeded") with CALLS successful and 0
# failed calls in its statistics; WHAT says what success means in the log.
h_sipp_calls_ok() {
  local label=$1 rc=$2 calls=$3 what=$4
  local ok failed
  ok=$(h_sipp_stat "$label" 'SuccessfulCall(C)')
  failed=$(h_sipp_stat "$label" 'FailedCall(C)')
  h_log "SIPp $label: exit $rc, $ok successful, $failed failed, $(h_sipp_stat "$label" 'Retransmissions(C)') retransmissions"
  h_assert_eq "$rc" 0 "SIPp $label exit status (0 = $what)"
  h_assert_eq "$ok" "$calls" "SIPp $label successful calls"
  h_assert_eq "$failed" 0 "SIPp $label failed calls"
}

# h_sipp_trace LABEL: the message trace of a SIPp run as TSV (sipp_trace.py).
h_sipp_trace() {
  python3 "$H_LIB/sipp_trace.py" "$H_WORK/$1.messages.log"
}

# h_sipp_ladder LABEL STEP...: how many calls of SIPp run LABEL went
# through every STEP ("DIR CSEQ_METHOD START_LINE_PREFIX", see sipp_trace.py).
h_sipp_ladder() {
  local label=$1
  shift
  python3 "$H_LIB/sipp_trace.py" "$H_WORK/$label.messages.log" --ladder "$@"
}

# h_sipp_check_uas LABEL N: the SIPp UAS run LABEL (uas_rr.xml, ended) took N
# complete calls: its trace shows N times 200 to the INVITE, ACK, BYE, 200 to
# the BYE, and SIPp counts no failure except, over TCP, at most one
# "FailedTcpClosed": SIPp 3.6.1's UAS counts the call it is still finishing
# as failed when the caller closes its connection right after the last 200
# (seen with SIPp calling SIPp too). The trace is the real verdict then.
h_sipp_check_uas() {
  local label=$1 n=$2 rc=${H_RC[$1]:-} complete ok failed closed
  complete=$(h_sipp_ladder "$label" "sent INVITE SIP/2.0 200" "recv ACK ACK" "recv BYE BYE" "sent BYE SIP/2.0 200")
  ok=$(h_sipp_stat "$label" 'SuccessfulCall(C)')
  failed=$(h_sipp_stat "$label" 'FailedCall(C)')
  closed=$(h_sipp_stat "$label" 'FailedTcpClosed(C)')
  h_log "SIPp $label: exit ${rc:-?}, $ok successful, $failed failed ($closed TCP closed), $complete complete calls in the trace"
  h_assert_eq "$complete" "$n" "SIPp $label: calls with INVITE/200, ACK, BYE/200 in its trace"
  h_assert_eq "$((failed - closed))" 0 "SIPp $label: failed calls (other than at TCP close)"
  h_assert_le "$closed" 1 "SIPp $label: calls failed because the caller closed the TCP connection"
  if [ "$closed" = 0 ]; then
    h_assert_eq "$rc" 0 "SIPp $label exit status (0 = every call succeeded)"
    h_assert_eq "$ok" "$n" "SIPp $label: successful calls"
  fi
}

# h_sipp_register EXT CONTACT_PORT [TRANSPORT]: third-party REGISTER of
# 127.0.0.1:CONTACT_PORT as extension EXT at the PBX (SIPp's UAS scenarios
# cannot register themselves). TRANSPORT u1 (default) or t1 (contact over TCP).
h_sipp_register() {
  local ext=$1 cport=$2 t=${3:-u1} p rc
  h_port p
  h_sipp_run "reg$ext" 10 register.xml -t "$t" -s "$ext" -key contact_port "$cport" -key expires 3600 \
    -p "$p" -m 1 "127.0.0.1:$H_PBX_PORT"
  rc=$?
  [ $rc = 0 ] || h_fail "REGISTER of $ext (contact port $cport) failed: sipp exit status $rc"
  h_pbx_wait_registered "$ext" 5
}

# ---------------------------------------------------------------------------
# baresip phones

declare -gA H_PHONE_DIR=() H_PHONE_SIP=() H_PHONE_CTRL=() H_PHONE_WHERE=()
H_WAV=""

# h_phone_create EXT [auto|manual] [pbx|direct|cvwd] [EXTRA_ACCOUNT_PARAMS]:
# writes the config of a headless baresip phone (baresip/make-phone.sh) on
# free ports. "pbx": registers at the PBX (start it first); "direct": no
# registration, dials URIs itself; "cvwd": a UC client, sip:EXT@example.com
# registering to cvwd's registrar (start cvwd first; give the password as
# EXTRA ";auth_pass=...").
h_phone_create() {
  h_need baresip sox python3
  local ext=$1 mode=${2:-auto} where=${3:-pbx} extra=${4:-} sip ctrl rtp pbx=none
  h_port sip 2       # baresip 1.0.0 also opens SIP port + 1 for TLS
  h_port ctrl
  h_port rtp 10
  if [ "$where" = pbx ]; then
    [ -n "$H_PBX_PORT" ] || h_fail "harness: h_phone_create $ext pbx before h_pbx_start"
    pbx="127.0.0.1:$H_PBX_PORT"
  elif [ "$where" = cvwd ]; then
    [ -n "$H_CVWD_SIP_PORT" ] || h_fail "harness: h_phone_create $ext cvwd before h_cvwd_start"
    pbx="127.0.0.1:$H_CVWD_SIP_PORT"
  fi
  if [ -z "$H_WAV" ]; then
    # what the phones play: 440 Hz, S16LE mono 8 kHz as G.711 needs
    H_WAV="$H_WORK/tone440_8k.wav"
    sox -n -r 8000 -c 1 -b 16 -e signed-integer "$H_WAV" synth 30 sine 440 vol 0.5 ||
      h_fail "sox could not write $H_WAV"
  fi
  H_PHONE_DIR[$ext]=$(sh "$H_ROOT/baresip/make-phone.sh" "$H_WORK/phones/$ext" "$ext" "$sip" "$ctrl" "$rtp" \
    "$H_WAV" "$mode" "$pbx" "$extra" "$([ "$where" = cvwd ] && echo example.com || echo pbx.test)") ||
    h_fail "make-phone.sh $ext failed"
  H_PHONE_WHERE[$ext]=$where
  H_PHONE_SIP[$ext]=$sip
  H_PHONE_CTRL[$ext]=$ctrl
}

# h_phone_start EXT: starts the phone (label baresip-EXT); waits for its
# control port and, for a "pbx" phone, for its registration.
h_phone_start() {
  local ext=$1
  h_start "baresip-$ext" -- baresip -f "${H_PHONE_DIR[$ext]}"
  h_wait_port tcp "${H_PHONE_CTRL[$ext]}" 5 || h_fail "baresip $ext: no control port after 5 s"
  if [ "${H_PHONE_WHERE[$ext]}" = pbx ]; then
    h_pbx_wait_registered "$ext" 5
  fi
  h_log "baresip $ext up (SIP 127.0.0.1:${H_PHONE_SIP[$ext]}, ctrl ${H_PHONE_CTRL[$ext]})"
}

# h_bsctl EXT COMMAND [PARAMS...]: one ctrl_tcp command (dial, hangup,
# accept, listcalls, ...); output is appended to the phone's bsctl.log.
h_bsctl() {
  local ext=$1
  shift
  python3 "$H_ROOT/baresip/bsctl.py" "${H_PHONE_CTRL[$ext]}" "$@" >>"$H_WORK/baresip-$ext.bsctl.log" 2>&1
}

# h_phone_log EXT: the phone's log file (baresip's stdout).
h_phone_log() { echo "${H_LOG[baresip-$1]}"; }

# ---------------------------------------------------------------------------
# cvw-sipua, the program under test

H_SIPUA=""

# h_sipua_need: finds the binary (CVW_SIPUA, else the newest build of this
# checkout) or SKIPs.
h_sipua_need() {
  if [ -n "${CVW_SIPUA:-}" ]; then
    H_SIPUA=$CVW_SIPUA
  else
    H_SIPUA=$(ls -t "$H_REPO"/build/*/tests/interop/cvw-sipua "$H_REPO"/build/*/src/tools/sipua/cvw-sipua 2>/dev/null | head -n 1)
    [ -n "$H_SIPUA" ] || H_SIPUA=$(find "$H_REPO/build" -name cvw-sipua -type f -perm -u+x 2>/dev/null | head -n 1)
  fi
  [ -n "$H_SIPUA" ] && [ -x "$H_SIPUA" ] || h_skip "cvw-sipua not found (build it, or set CVW_SIPUA)"
  h_log "cvw-sipua: $H_SIPUA"
}

# h_sipua_start LABEL [GLOBAL OPTIONS...] -- uas|uac [OPTIONS...]: cvw-sipua
# in the background. Global options (--listen, --stats) come before the
# subcommand; --log-level is added. Its stats file is $H_WORK/LABEL.json
# when the test passes --stats "$(h_stats LABEL)".
h_sipua_start() {
  local label=$1
  shift
  local globals=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do globals+=("$1"); shift; done
  [ "$1" = -- ] && shift
  h_start "$label" -- "$H_SIPUA" "${globals[@]}" --log-level "${CVW_INTEROP_SIPUA_LOG:-info}" "$@"
}

# h_sipua_run LABEL TIMEOUT_S [GLOBAL OPTIONS...] -- uac [OPTIONS...]:
# cvw-sipua to its end; returns its exit status.
h_sipua_run() {
  local label=$1 timeout=$2
  shift 2
  h_sipua_start "$label" "$@"
  h_wait_or_stop "$label" "$timeout"
}

# h_stats LABEL: path of the --stats JSON file for LABEL.
h_stats() { echo "$H_WORK/$1.json"; }

# h_sipua_summary LABEL KEY: KEY (attempted, succeeded, failed) from the
# "calls: attempted=N succeeded=N failed=N" line of LABEL's output.
h_sipua_summary() {
  grep -Eo "calls: attempted=[0-9]+ succeeded=[0-9]+ failed=[0-9]+" "${H_LOG[$1]}" | tail -n 1 |
    grep -Eo "$2=[0-9]+" | cut -d= -f2
}

# h_check_sipua_counts LABEL ATTEMPTED SUCCEEDED FAILED: the summary line and
# the --stats JSON of LABEL agree with the expected counts.
h_check_sipua_counts() {
  local label=$1 key want got i=2
  for key in attempted succeeded failed; do
    want=${!i}
    i=$((i + 1))
    got=$(h_sipua_summary "$label" "$key")
    h_assert_eq "${got:-none}" "$want" "$label summary line: $key"
    if [ -f "$(h_stats "$label")" ]; then
      got=$(h_json_get "$(h_stats "$label")" "$key")
      h_assert_eq "${got:-none}" "$want" "$label --stats JSON: $key"
    fi
  done
}

# ---------------------------------------------------------------------------
# cvwd, the server (click-to-call tests)
#
# cvwd runs from a configuration file written into the work dir: SIP on a
# free UDP port, plain HTTP on a free port, SQLite in the work dir, the PBX
# (h_pbx_start first) as its [[trunk]], and --demo users
# (sip:alice@example.com / alice-password-1, ...). The API is driven with
# curl (never through a proxy: --noproxy '*'), every exchange logged to
# $H_WORK/http.log; a background poller copies the user's event channel into
# a JSON-lines file that the assertions read.
#
# Environment: CVW_CVWD (the cvwd binary; else the newest
# build/*/src/cvwd/cvwd of this checkout), CVW_INTEROP_CVWD_LOG ([log] level,
# default debug: a failing run keeps cvwd's view of every call).

H_CVWD=""
H_CVWD_URL=""          # http://127.0.0.1:PORT of the API
H_CVWD_SIP_PORT=""     # cvwd's SIP port (UDP, 127.0.0.1)
H_CVWD_TOKEN=""        # bearer token of h_cvwd_login; sent by h_cvwd_http when set
H_HTTP_STATUS=""       # of the last h_cvwd_http ("000": no answer)
H_HTTP_BODY=""         # its response body
H_HTTP_HEADERS=""      # file with its response headers

# h_cvwd_need: finds the binary (CVW_CVWD, else the newest build of this
# checkout) or SKIPs.
h_cvwd_need() {
  if [ -n "${CVW_CVWD:-}" ]; then
    H_CVWD=$CVW_CVWD
  else
    H_CVWD=$(ls -t "$H_REPO"/build/*/src/cvwd/cvwd 2>/dev/null | head -n 1)
  fi
  [ -n "$H_CVWD" ] && [ -x "$H_CVWD" ] || h_skip "cvwd not found (build it, or set CVW_CVWD)"
  h_need curl python3
  h_log "cvwd: $H_CVWD"
}

# h_cvwd_start [EXTRA_TOML]: writes $H_WORK/cvwd/cvwd.toml (EXTRA_TOML, whole
# tables such as "[calls] ...", is appended), starts `cvwd --demo` (label
# cvwd) and waits until GET /healthz answers 200. SKIPs when cvwd refuses
# [calls] or [media] as unknown keys: a build from before click-to-call.
# H_CVWD_TRUNK_PROTOCOL=tcp: cvwd also listens on TCP (the same port) and
# reaches the PBX over TCP; the PBX still talks UDP to the phones.
h_cvwd_start() {
  local extra=${1:-} dir="$H_WORK/cvwd" http trunk="" end listen
  local protocol=${H_CVWD_TRUNK_PROTOCOL:-udp}
  [ -n "$H_CVWD" ] || h_fail "harness: h_cvwd_start before h_cvwd_need"
  # a restart (h_cvwd_restart) keeps the SIP port the phones know
  [ "${H__CVWD_RESTART:-0}" = 1 ] || h_port H_CVWD_SIP_PORT
  h_port http
  H_CVWD_URL="http://127.0.0.1:$http"
  mkdir -p "$dir"
  if [ -n "$H_PBX_PORT" ]; then
    trunk="[[trunk]]
name = \"pbx\"
address = \"$protocol:127.0.0.1:$H_PBX_PORT\"
allowed_sources = [\"127.0.0.1\"]"
  fi
  listen="\"udp:127.0.0.1:$H_CVWD_SIP_PORT\""
  [ "$protocol" = tcp ] && listen="$listen, \"tcp:127.0.0.1:$H_CVWD_SIP_PORT\""
  cat >"$dir/cvwd.toml" <<EOF
# written by tests/interop/lib/harness.sh (h_cvwd_start) for $H_NAME
[log]
level = "${CVW_INTEROP_CVWD_LOG:-debug}"

[sip]
listen = [$listen]
domains = ["example.com"]

$trunk

[storage]
url = "sqlite://$dir/cvw.db"

[http]
listen = "127.0.0.1:$http"
tls = false

$extra
EOF
  h_start cvwd -- "$H_CVWD" --config "$dir/cvwd.toml" --demo
  # --demo hashes four passwords first (Argon2; slow in a sanitizer build)
  end=$(h__deadline 30)
  until curl -fsS --noproxy '*' --max-time 2 -o /dev/null "$H_CVWD_URL/healthz" 2>/dev/null; do
    if ! h__alive "${H_PID[cvwd]}"; then
      h_wait_exit cvwd 1
      if grep -Eq "unknown key '(calls|media)" "${H_LOG[cvwd]}"; then
        h_skip "this cvwd has no click-to-call: its configuration knows no [calls]/[media] ($H_CVWD)"
      fi
      h_fail "cvwd exited at start (status ${H_RC[cvwd]:-?}, see ${H_LOG[cvwd]})"
    fi
    h__before "$end" || h_fail "cvwd: no 200 from $H_CVWD_URL/healthz within 30 s"
    sleep 0.1
  done
  h_wait_port udp "$H_CVWD_SIP_PORT" 5 || h_fail "cvwd does not listen on UDP $H_CVWD_SIP_PORT"
  [ "$protocol" = tcp ] && { h_wait_port tcp "$H_CVWD_SIP_PORT" 5 || h_fail "cvwd does not listen on TCP $H_CVWD_SIP_PORT"; }
  h_log "cvwd up: API $H_CVWD_URL, SIP $listen, trunk ${H_PBX_PORT:+$protocol:127.0.0.1:$H_PBX_PORT}"
}

# h_cvwd_http METHOD PATH [JSON_BODY]: one API request (bearer token of
# h_cvwd_login when set). Sets H_HTTP_STATUS, H_HTTP_BODY, H_HTTP_HEADERS.
h_cvwd_http() {
  local method=$1 path=$2 body=${3-} dir="$H_WORK/http" args
  mkdir -p "$dir"
  H_HTTP_HEADERS="$dir/headers"
  args=(-sS --noproxy '*' --max-time 15 -X "$method" -o "$dir/body" -D "$H_HTTP_HEADERS" -w '%{http_code}')
  [ -n "$H_CVWD_TOKEN" ] && args+=(-H "Authorization: Bearer $H_CVWD_TOKEN")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  : >"$dir/body"
  H_HTTP_STATUS=$(curl "${args[@]}" "$H_CVWD_URL$path" 2>"$dir/stderr") || H_HTTP_STATUS=000
  H_HTTP_BODY=$(cat "$dir/body")
  printf '[%s] %s %s %s\n  -> %s %s\n' "$(date +%T.%3N)" "$method" "$path" "$body" "$H_HTTP_STATUS" \
    "$(head -c 2000 "$dir/body")" >>"$H_WORK/http.log"
}

# h_cvwd_expect_status WANT WHAT: the last h_cvwd_http answered WANT.
h_cvwd_expect_status() {
  [ "$H_HTTP_STATUS" = "$1" ] || h_fail "$2: expected HTTP $1, got $H_HTTP_STATUS $(printf '%s' "$H_HTTP_BODY" | head -c 400)"
}

# h_cvwd_json EXPR [JSON]: a Python expression over d, the JSON (default: the
# last response body). Strings print as they are, anything else as JSON;
# "<Error: ...>" when the JSON or the expression fails (assertions then
# show it).
h_cvwd_json() {
  printf '%s' "${2-$H_HTTP_BODY}" | python3 -c 'import json, sys
try:
    d = json.load(sys.stdin)
    v = eval(sys.argv[1])
except Exception as e:
    print("<%s: %s>" % (type(e).__name__, e))
    sys.exit(0)
print(v if isinstance(v, str) else json.dumps(v))' "$1"
}

# h_cvwd_login USER PASSWORD: POST /api/v1/login; sets H_CVWD_TOKEN.
h_cvwd_login() {
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' "$1" "$2")
  H_CVWD_TOKEN=""
  h_cvwd_http POST /api/v1/login "$body"
  h_cvwd_expect_status 200 "login as $1"
  H_CVWD_TOKEN=$(h_cvwd_json 'd["accessToken"]')
  [[ "$H_CVWD_TOKEN" != "<"* ]] && [ -n "$H_CVWD_TOKEN" ] || h_fail "login as $1: no accessToken in $H_HTTP_BODY"
  h_log "signed in to cvwd as $1"
}

# h_cvwd_events_start LABEL: a background long-poller (label LABEL) of the
# event channel of the signed-in session; every event becomes one JSON line
# of $H_WORK/LABEL.jsonl, in order. Start it right after h_cvwd_login: the
# channel keeps what comes before the first poll anyway.
H__CVWD_POLLER='import json, os, sys, time, urllib.error, urllib.request
base, out = sys.argv[1], sys.argv[2]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
headers = {"Authorization": "Bearer " + os.environ["CVW_EVENTS_TOKEN"]}
ack = 0
with open(out, "a") as f:
    while True:
        request = urllib.request.Request("%s/api/v1/events?ack=%d&timeout=5" % (base, ack), headers=headers)
        try:
            with opener.open(request, timeout=20) as r:
                batch = json.load(r)
        except urllib.error.HTTPError as e:
            print("poll ack=%d: HTTP %d %s" % (ack, e.code, e.read()[:300]), flush=True)
            if e.code in (401, 403):
                sys.exit(1)
            time.sleep(0.5)
            continue
        except Exception as e:
            print("poll ack=%d: %s" % (ack, e), flush=True)
            time.sleep(0.5)
            continue
        for event in batch.get("events", []):
            f.write(json.dumps(event, separators=(",", ":")) + "\n")
            ack = max(ack, int(event["seq"]))
        f.flush()'
h_cvwd_events_start() {
  local label=$1
  [ -n "$H_CVWD_TOKEN" ] || h_fail "harness: h_cvwd_events_start before h_cvwd_login"
  : >"$H_WORK/$label.jsonl"
  h_start "$label" -- env CVW_EVENTS_TOKEN="$H_CVWD_TOKEN" python3 -u -c "$H__CVWD_POLLER" \
    "$H_CVWD_URL" "$H_WORK/$label.jsonl"
}

# h_cvwd_call_events LABEL OPERATION_ID [EXPR]: for every "call" event of
# poller LABEL with that top-level operationId, in order, EXPR (Python over
# e, the event; default the call's state), space-separated on one line.
h_cvwd_call_events() {
  python3 -c 'import json, sys
out = []
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("type") != "call" or e.get("operationId") != sys.argv[2]:
        continue
    try:
        v = eval(sys.argv[3])
    except Exception as x:
        v = "<%s: %s>" % (type(x).__name__, x)
    out.append(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
print(" ".join(out))' "$H_WORK/$1.jsonl" "$2" "${3:-e[\"data\"][\"call\"][\"state\"]}"
}

# h_cvwd_call_event LABEL OPERATION_ID STATE EXPR: EXPR (Python over e) for the
# last "call" event of that operation in STATE; empty when there is none.
h_cvwd_call_event() {
  python3 -c 'import json, sys
found = None
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("type") == "call" and e.get("operationId") == sys.argv[2] \
            and e.get("data", {}).get("call", {}).get("state") == sys.argv[3]:
        found = e
if found is not None:
    e = found
    try:
        v = eval(sys.argv[4])
    except Exception as x:
        v = "<%s: %s>" % (type(x).__name__, x)
    print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))' "$H_WORK/$1.jsonl" "$2" "$3" "$4"
}

# h_cvwd_wait_call_state LABEL OPERATION_ID STATE [TIMEOUT_S]: until poller
# LABEL has a "call" event of that operation in STATE; fails after TIMEOUT_S
# (default 10) naming the states seen.
h_cvwd_wait_call_state() {
  local label=$1 op=$2 state=$3 timeout=${4:-10} end
  end=$(h__deadline "$timeout")
  until [ -n "$(h_cvwd_call_event "$label" "$op" "$state" 'e["seq"]')" ]; do
    h__before "$end" || h_fail "call $op: no event with state $state within ${timeout} s (states seen: $(h_cvwd_call_events "$label" "$op"))"
    sleep 0.2
  done
}

# h_cvwd_incoming LABEL N [EXPR]: for every "call" event of the Nth incoming
# call (1-based, in order of first appearance) seen by poller LABEL, EXPR
# (Python over e, the event; default the call's state), space-separated.
# Incoming calls carry no operationId: they are told apart by call id.
H__CVWD_INCOMING='import json, sys
ids, out = [], []
events = []
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    call = e.get("data", {}).get("call", {})
    if e.get("type") != "call" or call.get("direction") != "incoming":
        continue
    if call["id"] not in ids:
        ids.append(call["id"])
    events.append(e)
n = int(sys.argv[2])
if n <= len(ids):
    for e in events:
        if e["data"]["call"]["id"] != ids[n - 1]:
            continue
        try:
            v = eval(sys.argv[3])
        except Exception as x:
            v = "<%s: %s>" % (type(x).__name__, x)
        out.append(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
print(" ".join(out))'
h_cvwd_incoming() {
  python3 -c "$H__CVWD_INCOMING" "$H_WORK/$1.jsonl" "$2" "${3:-e[\"data\"][\"call\"][\"state\"]}"
}

# h_cvwd_wait_incoming LABEL N STATE [TIMEOUT_S]: until the Nth incoming call
# of poller LABEL has an event in STATE; fails after TIMEOUT_S (default 10)
# naming the states seen.
h_cvwd_wait_incoming() {
  local label=$1 n=$2 state=$3 timeout=${4:-10} end
  end=$(h__deadline "$timeout")
  until [[ " $(h_cvwd_incoming "$label" "$n") " == *" $state "* ]]; do
    h__before "$end" || h_fail "incoming call $n: no event with state $state within ${timeout} s (states seen: $(h_cvwd_incoming "$label" "$n"))"
    sleep 0.2
  done
}

# h_cvwd_metric SERIES: the value of one sample of GET /metrics, SERIES as
# written there: cvw_sip_dialogs_open, cvw_sip_transactions_total{kind="client_invite"}.
# Empty when there is no such sample.
h_cvwd_metric() {
  curl -sS --noproxy '*' --max-time 5 "$H_CVWD_URL/metrics" 2>/dev/null |
    awk -v s="$1" '$1 == s { print $2; exit }'
}

# h_cvwd_wait_metric SERIES VALUE [TIMEOUT_S] WHAT: until SERIES is VALUE;
# fails after TIMEOUT_S (default 5) with the last value seen.
h_cvwd_wait_metric() {
  local series=$1 want=$2 timeout=${3:-5} what=${4:-$1} end got
  end=$(h__deadline "$timeout")
  while got=$(h_cvwd_metric "$series"); [ "$got" != "$want" ]; do
    h__before "$end" || h_fail "$what: $series is '${got:-missing}' after ${timeout} s, expected $want"
    sleep 0.2
  done
}

# h_cvwd_sipp_msg LABEL CALL DIR KIND N FIELD: one field of a SIP message in
# the -trace_msg file of SIPp run LABEL. Retransmissions are skipped (a
# message counts once per Call-ID, CSeq and start line).
#   CALL   1-based, the Nth Call-ID of the trace (in order of appearance); * any
#   DIR    recv | sent
#   KIND   a request method (INVITE, ACK, BYE, CANCEL) or a status code,
#          optionally with the CSeq method: 200, 200/INVITE, 486
#   N      1-based among the matching messages of CALL (INVITE 1 = the initial
#          INVITE, INVITE 2 = the first re-INVITE)
#   FIELD  count (how many match; N ignored) | start | hdr:NAME (every value,
#          " | "-separated; compact forms understood) | sdp:c (address of the
#          first c= line) | sdp:m (port of m=audio) | sdp:o | sdp:dir (the
#          first direction attribute, sendrecv when there is none) | body | time
#          (when SIPp logged it, seconds since the epoch)
# Prints nothing when there is no such message.
H__CVWD_SIPP_MSG='import re, sys
path, call, direction, kind, n, field = sys.argv[1:7]
STAMP = re.compile(r"^-{20,} (\d{4}-\d\d-\d\d[ \t]\d\d:\d\d:\d\d\.\d+)")
KIND = re.compile(r"^(\w+) message (received|sent)")
COMPACT = {"f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "v": "via", "k": "supported", "s": "subject"}
blocks, current = [], None
for raw in open(path, encoding="latin-1"):
    line = raw.rstrip("\r\n")
    if STAMP.match(line):
        current = []
        blocks.append((STAMP.match(line).group(1), current))
    elif current is not None:
        current.append(line)
messages, seen, call_ids = [], set(), []
for stamp, lines in blocks:
    if not lines or not KIND.match(lines[0]):
        continue
    d = "recv" if KIND.match(lines[0]).group(2) == "received" else "sent"
    rest = lines[1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    if not rest:
        continue
    start, headers, i = rest[0].strip(), [], 1
    while i < len(rest) and rest[i].strip():
        name, sep, value = rest[i].partition(":")
        if sep:
            name = name.strip().lower()
            headers.append((COMPACT.get(name, name), value.strip()))
        i += 1
    body = "\n".join(rest[i + 1:]).strip("\n")
    h = lambda k: [v for (nm, v) in headers if nm == k]
    cid = (h("call-id") or [""])[0]
    cseq = (h("cseq") or [""])[0]
    if cid and cid not in call_ids:
        call_ids.append(cid)
    key = (d, cid, cseq, start)
    if key in seen:
        continue
    seen.add(key)
    messages.append((d, cid, cseq, start, headers, body, stamp))
want_call = None if call == "*" else (call_ids[int(call) - 1] if int(call) <= len(call_ids) else "-none-")
status, _, method = kind.partition("/")
hits = []
for (d, cid, cseq, start, headers, body, stamp) in messages:
    if d != direction or (want_call is not None and cid != want_call):
        continue
    if status.isdigit():
        parts = start.split()
        if not (start.startswith("SIP/2.0 ") and len(parts) > 1 and parts[1] == status):
            continue
        if method and (cseq.split() + ["", ""])[1] != method:
            continue
    elif start.split()[0] != kind:
        continue
    hits.append((start, headers, body, stamp))
if field == "count":
    print(len(hits))
    sys.exit(0)
if int(n) > len(hits):
    sys.exit(0)
start, headers, body, stamp = hits[int(n) - 1]
if field == "time":
    import datetime
    print("%.6f" % datetime.datetime.strptime(stamp.replace("\t", " "), "%Y-%m-%d %H:%M:%S.%f").timestamp())
elif field == "start":
    print(start)
elif field.startswith("hdr:"):
    name = field[4:].lower()
    print(" | ".join(v for (nm, v) in headers if nm == COMPACT.get(name, name)))
elif field == "body":
    print(body)
elif field.startswith("sdp:"):
    t = field[4:]
    for line in body.splitlines():
        line = line.strip()
        if t == "c" and line.startswith("c="):
            print(line.split()[-1])
            break
        if t == "m" and line.startswith("m=audio "):
            print(line.split()[1])
            break
        if t == "o" and line.startswith("o="):
            print(line[2:])
            break
    else:
        if t == "dir":
            found = [l.strip()[2:] for l in body.splitlines()
                     if l.strip() in ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive")]
            print(found[0] if found else "sendrecv")'
h_cvwd_sipp_msg() {
  [ -f "$H_WORK/$1.messages.log" ] || { [ "$6" = count ] && echo 0; return 0; }
  python3 -c "$H__CVWD_SIPP_MSG" "$H_WORK/$1.messages.log" "$2" "$3" "$4" "$5" "$6"
}

# h_cvwd_restart [EXTRA_TOML]: h_cvwd_stop, then h_cvwd_start again on the
# same SIP port and database (the API port changes; sign in again). The
# first run's log is kept as cvwd.1.log.
h_cvwd_restart() {
  h_cvwd_stop
  mv "${H_LOG[cvwd]}" "$H_WORK/cvwd.1.log"
  unset 'H_PID[cvwd]' 'H_RC[cvwd]'
  H__CVWD_RESTART=1 h_cvwd_start "${1:-}"
  H_CVWD_TOKEN=""
}

# h_cvwd_stop: SIGTERM to cvwd at the end of a test; it must exit 0 and its
# log must hold no sanitizer report (a Debug build with CVW_SANITIZE=ON
# reports memory errors, leaks and undefined behaviour there, and a report
# found while real peers drove it is worth a failure).
h_cvwd_stop() {
  local rc
  if h_stop cvwd; then rc=0; else rc=$?; fi
  h_assert_eq "$rc" 0 "cvwd exit status after SIGTERM"
  if grep -Eq 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "${H_LOG[cvwd]}"; then
    h_fail "cvwd's log has a sanitizer report: $(grep -Em1 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "${H_LOG[cvwd]}")"
  fi
}

# h_c2c_start CALLS_TOML: the click-to-call test bed. Starts the PBX and cvwd
# with the [calls] keys CALLS_TOML and cvw's RTP ports from the test range,
# signs alice in, starts the event poller "events", and SKIPs when this cvwd
# has no calls API. Reads GET /api/v1/me into H_CVWD_ME (the body); cvw's RTP
# range is H_C2C_MEDIA_MIN..H_C2C_MEDIA_MAX.
h_c2c_start() {
  h_c2c_start_span 20 "$1"
}

# ---------------------------------------------------------------------------
# click-to-call audio and outcomes (click_to_call_audio.sh,
# click_to_call_outcomes.sh)

# h_phone_start_with EXT [BARESIP OPTIONS...]: as h_phone_start, with extra
# options on baresip's command line, e.g. -s (SIP trace: every message the
# phone sends and receives goes to its log, which h_phone_sip_trace reads).
h_phone_start_with() {
  local ext=$1
  shift
  h_start "baresip-$ext" -- baresip -f "${H_PHONE_DIR[$ext]}" "$@"
  h_wait_port tcp "${H_PHONE_CTRL[$ext]}" 5 || h_fail "baresip $ext: no control port after 5 s"
  if [ "${H_PHONE_WHERE[$ext]}" = pbx ]; then
    h_pbx_wait_registered "$ext" 5
  fi
  h_log "baresip $ext up (SIP 127.0.0.1:${H_PHONE_SIP[$ext]}, ctrl ${H_PHONE_CTRL[$ext]}, options: $*)"
}

# h_phone_sip_trace EXT LABEL: the SIP messages in the log of baresip phone
# EXT (started with -s, see h_phone_start_with), rewritten as a SIPp
# -trace_msg file $H_WORK/LABEL.messages.log, so that h_cvwd_sipp_msg LABEL
# ... reads what the phone received ("recv") and sent ("sent"). baresip
# prints each message after a "UDP FROM -> TO" line and ends it with a
# colour reset; its call statistics (carriage returns, no newline) may run
# into the line before the next message, never into one.
H__PHONE_TRACE='import re, sys
log, out, port = sys.argv[1], sys.argv[2], sys.argv[3]
ADDR = re.compile(r"(?:^|\s)(UDP|TCP|TLS) (\S+):(\d+) -> (\S+):(\d+)\s*$")
ESC = re.compile(r"\x1b\[[0-9;]*m")
lines = open(log, encoding="latin-1").read().split("\n")
with open(out, "w") as f:
    i, n = 0, 0
    while i < len(lines):
        m = ADDR.search(ESC.sub("", lines[i]))
        i += 1
        if not m:
            continue
        direction = "received" if m.group(5) == port else "sent"
        msg = []
        while i < len(lines) and "\x1b[" not in lines[i] and not ADDR.search(lines[i]):
            msg.append(lines[i].rstrip("\r"))
            i += 1
        if not msg or not (msg[0].startswith("SIP/2.0 ") or msg[0].endswith(" SIP/2.0")):
            continue
        n += 1
        f.write("----------------------------------------------- 2000-01-01 00:00:%02d.%06d\n" % (n // 1000000 % 60, n % 1000000))
        f.write("%s message %s [%d] bytes :\n\n" % (m.group(1), direction, sum(len(x) + 2 for x in msg)))
        f.write("\n".join(msg).rstrip("\n") + "\n\n")'
h_phone_sip_trace() {
  local ext=$1 label=$2
  python3 -c "$H__PHONE_TRACE" "$(h_phone_log "$ext")" "$H_WORK/$label.messages.log" "${H_PHONE_SIP[$ext]}" ||
    h_fail "harness: cannot read the SIP trace of baresip $ext"
}

# h_phone_recording EXT: the WAV file of what phone EXT received in its last
# call (baresip's sndfile module names it in the log: "dumping decode audio
# to FILE"). Empty when the phone recorded nothing.
h_phone_recording() {
  grep -Eo 'dumping decode audio to .*\.wav' "$(h_phone_log "$1")" | tail -n 1 | sed 's/^dumping decode audio to //'
}

# h_audio_tones WAV NAME=F1[+F2...] ...: which of the named tones a WAV (S16LE
# mono, as baresip records G.711) holds, window by window (50 ms: at 8 kHz
# every multiple of 20 Hz is an exact Goertzel bin, so 440 and 480 Hz fall
# in separate bins). A window is NAME when its frequencies hold >= 80 % of
# its energy and each of them >= 60 % of its fair share (both tones of a
# dual-tone ringback present); "silence" when its RMS is below 50 (of
# 32767); "other" else. Prints one line per name, plus silence and other:
#   NAME total_s=T first_s=S last_s=E longest_s=L share=F rms=R
# (seconds of the recording; share and rms averaged over the NAME windows;
# first_s/last_s are -1 when there is none), then "timeline ..." with one
# character per 100 ms: the first letter of the name (upper case), "." for
# silence, "?" for other. Pure Python (no numpy).
H__AUDIO_TONES='import math, struct, sys, wave
path, specs = sys.argv[1], sys.argv[2:]
tones = []
for s in specs:
    name, _, fs_ = s.partition("=")
    tones.append((name, [float(x) for x in fs_.split("+")]))
w = wave.open(path)
if w.getsampwidth() != 2 or w.getnchannels() != 1:
    sys.exit("%s: expected 16-bit mono, got %d bytes x %d channels" % (path, w.getsampwidth(), w.getnchannels()))
rate, count = w.getframerate(), w.getnframes()
x = struct.unpack("<%dh" % count, w.readframes(count))
N = int(rate * 0.05)
def power(frame, f):
    c = 2 * math.cos(2 * math.pi * f / rate)
    s1 = s2 = 0.0
    for v in frame:
        s1, s2 = v + c * s1 - s2, s1
    return s1 * s1 + s2 * s2 - c * s1 * s2
classes, stats = [], {}
for name in [t[0] for t in tones] + ["silence", "other"]:
    stats[name] = {"n": 0, "first": -1, "last": -1, "run": 0, "longest": 0, "share": 0.0, "rms": 0.0}
previous = None
for start in range(0, count - N + 1, N):
    frame = x[start:start + N]
    energy = float(sum(v * v for v in frame))
    rms = math.sqrt(energy / N)
    label, share = "other", 0.0
    if rms < 50:
        label = "silence"
    else:
        for name, freqs in tones:
            shares = [2 * power(frame, f) / (N * energy) for f in freqs]
            if sum(shares) >= 0.8 and min(shares) >= 0.6 * 0.8 / len(freqs):
                label, share = name, sum(shares)
                break
    s = stats[label]
    t = start / rate
    s["n"] += 1
    if s["first"] < 0:
        s["first"] = t
    s["last"] = t + N / rate
    s["run"] = s["run"] + 1 if previous == label else 1
    s["longest"] = max(s["longest"], s["run"])
    s["share"] += share
    s["rms"] += rms
    previous = label
    classes.append(label)
for name, s in stats.items():
    n = max(s["n"], 1)
    print("%s total_s=%.2f first_s=%.2f last_s=%.2f longest_s=%.2f share=%.3f rms=%.0f" % (
        name, s["n"] * N / rate, s["first"], s["last"], s["longest"] * N / rate, s["share"] / n, s["rms"] / n))
line = ""
for i in range(0, len(classes), 2):
    c = classes[i]
    line += "." if c == "silence" else "?" if c == "other" else c[0].upper()
print("timeline " + line)'
h_audio_tones() {
  python3 -c "$H__AUDIO_TONES" "$@"
}

# h_audio_value TONES_OUTPUT NAME KEY: one value (total_s, first_s, ...) of
# NAME from the output of h_audio_tones.
h_audio_value() {
  printf '%s\n' "$1" | awk -v n="$2" -v k="$3" '$1 == n { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }'
}

# h_centis SECONDS: seconds (as h_audio_value prints them) in whole
# centiseconds, rounded: what h_assert_ge compares.
h_centis() { awk -v s="$1" 'BEGIN { printf "%d", s * 100 + (s < 0 ? -0.5 : 0.5) }'; }

# h_tone FILE HZ [SECONDS]: a sine at HZ, S16LE mono 8 kHz (what G.711 phones
# play), SECONDS long (default 60), for a phone to send.
h_tone() {
  sox -n -r 8000 -c 1 -b 16 -e signed-integer "$1" synth "${3:-60}" sine "$2" vol 0.5 || h_fail "sox could not write $1"
}

# h_heard_each_other WHAT WAV_A NAME_A HZ_A WAV_B NAME_B HZ_B: the two
# recordings of a call prove the audio went both ways: A heard B's tone for
# at least 2 s and none of its own, and B likewise.
h_heard_each_other() {
  local what=$1 wav_a=$2 a=$3 hz_a=$4 wav_b=$5 b=$6 hz_b=$7 heard_a heard_b
  [ -s "$wav_a" ] && [ -s "$wav_b" ] || h_fail "$what: no recording ($a '$wav_a', $b '$wav_b')"
  heard_a=$(h_audio_tones "$wav_a" "$a=$hz_a" "$b=$hz_b") || h_fail "cannot analyse $wav_a: $heard_a"
  heard_b=$(h_audio_tones "$wav_b" "$a=$hz_a" "$b=$hz_b") || h_fail "cannot analyse $wav_b: $heard_b"
  h_log "$what: $a heard: $(printf '%s' "$heard_a" | tr '\n' ';')"
  h_log "$what: $b heard: $(printf '%s' "$heard_b" | tr '\n' ';')"
  h_assert_ge "$(h_centis "$(h_audio_value "$heard_a" "$b" total_s)")" 200 "$what: centiseconds of $b's $hz_b Hz $a heard"
  h_assert_eq "$(h_audio_value "$heard_a" "$a" total_s)" 0.00 "$what: seconds of its own tone $a heard"
  h_assert_ge "$(h_centis "$(h_audio_value "$heard_b" "$a" total_s)")" 200 "$what: centiseconds of $a's $hz_a Hz $b heard"
  h_assert_eq "$(h_audio_value "$heard_b" "$b" total_s)" 0.00 "$what: seconds of its own tone $b heard"
}

# h_count FILE PATTERN: lines of FILE matching PATTERN (grep), 0 when none.
h_count() { grep -c -- "$2" "$1" || true; }

# h_wait_count FILE PATTERN N WHAT [TIMEOUT_S]: until FILE has N lines
# matching PATTERN (a phone's log: "Incoming call from"...); fails after
# TIMEOUT_S (default 10) naming WHAT and how many there were.
h_wait_count() {
  local file=$1 pattern=$2 n=$3 what=$4 timeout=${5:-10} end
  end=$(h__deadline "$timeout")
  until [ "$(h_count "$file" "$pattern")" -ge "$n" ]; do
    h__before "$end" || h_fail "$what: $(h_count "$file" "$pattern") of $n after $timeout s"
    sleep 0.1
  done
}

# h_c2c_start_span SPAN CALLS_TOML: as h_c2c_start, with SPAN ports (even)
# for cvw's RTP instead of 20: cvw holds one even/odd pair per call that is
# up, so many simultaneous calls need a wider range.
h_c2c_start_span() {
  local span=$1 c2c_media
  h_pbx_start
  # one more than SPAN, so that an even start still leaves SPAN ports
  h_port c2c_media $((span + 1))
  H_C2C_MEDIA_MIN=$(((c2c_media + 1) / 2 * 2))
  H_C2C_MEDIA_MAX=$((H_C2C_MEDIA_MIN + span - 1))
  h_cvwd_start "[calls]
$2

[media]
address = \"127.0.0.1\"
port_min = $H_C2C_MEDIA_MIN
port_max = $H_C2C_MEDIA_MAX"
  h_cvwd_login sip:alice@example.com alice-password-1
  h_cvwd_events_start events
  h_cvwd_http POST /api/v1/me/calls '{}'
  [ "$H_HTTP_STATUS" != 404 ] || h_skip "this cvwd has no POST /api/v1/me/calls (404)"
  h_cvwd_expect_status 400 "POST /api/v1/me/calls without \"to\""
  h_cvwd_http GET /api/v1/me
  h_cvwd_expect_status 200 "GET /api/v1/me"
  H_CVWD_ME=$H_HTTP_BODY
}
