# Helpers shared by the load scripts in bench/load/ (sourced, not run).
# Everything stays on 127.0.0.1; every process started here is stopped by its
# own pid when the script exits.

CVW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CVW_SIPUA=${CVW_SIPUA:-$CVW_ROOT/build/release/src/tools/sipua/cvw-sipua}
CLK_TCK=$(getconf CLK_TCK)
STARTED_PIDS=()

need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$(basename "$0"): needs $tool" >&2; exit 2; }
  done
}

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
}

# utime + stime of a live process, in clock ticks (fields 14 and 15 of
# /proc/PID/stat, counted after the ")" that ends the command name).
cpu_ticks() {
  local stat
  stat=$(<"/proc/$1/stat") || return 1
  stat=${stat##*) }
  set -- $stat
  echo $(( ${12} + ${13} ))
}

# stime alone (kernel time: system calls, page faults).
sys_ticks() {
  local stat
  stat=$(<"/proc/$1/stat") || return 1
  stat=${stat##*) }
  set -- $stat
  echo "${13}"
}

ticks_to_us() { echo $(( $1 * 1000000 / CLK_TCK )); }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

now_us() { local t; t=$(date +%s%N); echo $(( t / 1000 )); }

# Percent of one core: cpu_us over wall_us, one decimal.
pct() { awk -v c="$1" -v w="$2" 'BEGIN { printf "%.1f", (w > 0 ? 100 * c / w : 0) }'; }

# Starts "$@" with PORT replaced by a free UDP port, retrying on another port
# when the bind fails. Sets STARTED_PID and PORT.
start_on_free_port() {
  local log=$1; shift
  local try args a
  for try in 1 2 3 4 5 6 7 8; do
    PORT=$(( 20000 + (RANDOM % 20000) ))
    args=()
    for a in "$@"; do args+=("${a//PORT/$PORT}"); done
    "${args[@]}" >"$log" 2>&1 &
    STARTED_PID=$!
    sleep 0.3
    if kill -0 "$STARTED_PID" 2>/dev/null; then
      STARTED_PIDS+=("$STARTED_PID")
      return 0
    fi
    wait "$STARTED_PID" 2>/dev/null
  done
  echo "$(basename "$0"): could not start $1 on a free port; last output:" >&2
  cat "$log" >&2
  return 1
}

# A counter of the last line of a SIPp -trace_stat CSV by its header name,
# e.g. FailedCall(C) (cumulative) or SuccessfulCall(P) (this period); 0 when
# the file or the column is missing.
sipp_stat() {
  [ -s "$1" ] || { echo 0; return; }
  awk -F';' -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i } END { print (col ? $col : 0) + 0 }' \
    <(head -n 1 "$1"; tail -n 1 "$1")
}

# Datagrams the kernel dropped on the UDP socket bound to 127.0.0.1:$1 because
# its receive buffer was full (last column of /proc/net/udp); 0 when absent.
udp_drops() {
  local hex
  hex=$(printf '0100007F:%04X' "$1")
  awk -v a="$hex" '$2 == a { d = $NF } END { print d + 0 }' /proc/net/udp
}

# "busy total" jiffies of the whole host (first line of /proc/stat), to tell
# how much CPU was left for anyone during a step.
host_jiffies() {
  awk '/^cpu / { idle = $5 + $6; total = 0; for (i = 2; i <= NF; i++) total += $i; print total - idle, total; exit }' /proc/stat
}

# A port free for both UDP and TCP on 127.0.0.1 (the kernel's choice).
free_port() {
  python3 -c 'import socket, sys
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    sys.exit(0)
sys.exit("no port free for both UDP and TCP")'
}

# write_cvwd_config WORK SIP_PORT HTTP_PORT: writes WORK/cvwd.toml with what
# every load run shares (warnings only; SIP on udp:127.0.0.1:SIP_PORT for
# example.com; SQLite in WORK; the API in plain HTTP on HTTP_PORT), then the
# calling script's own sections, read from stdin.
write_cvwd_config() {
  local work=$1 sip_port=$2 http_port=$3
  {
    echo "# written by bench/load/$(basename "$0")"
    cat <<CFG
[log]
level = "warn"

[sip]
listen = ["udp:127.0.0.1:$sip_port"]
domains = ["example.com"]

[storage]
url = "sqlite://$work/cvw.db"

[http]
listen = "127.0.0.1:$http_port"
tls = false

CFG
    cat
  } >"$work/cvwd.toml"
}

# run_cvwd_pinned WORK API: starts $CVWD --config WORK/cvwd.toml --demo in WORK
# on CPU 0 (the load generators take CPU 1), log WORK/cvwd.log; sets CVW and
# waits up to 30 s for API/healthz, or exits with the end of the log.
run_cvwd_pinned() {
  local work=$1 api=$2
  (cd "$work" && exec taskset -c 0 "$CVWD" --config "$work/cvwd.toml" --demo >"$work/cvwd.log" 2>&1) &
  CVW=$!
  STARTED_PIDS+=("$CVW")
  for _ in $(seq 300); do
    curl -fs -o /dev/null "$api/healthz" 2>/dev/null && return 0
    kill -0 "$CVW" 2>/dev/null || break
    sleep 0.1
  done
  echo "$(basename "$0"): cvwd did not come up on $api; its log:" >&2
  tail -n 20 "$work/cvwd.log" >&2
  exit 1
}

# api_login USER PASSWORD: POST $API/api/v1/login; prints the access token.
api_login() {
  curl -fsS -X POST "$API/api/v1/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["accessToken"])'
}

# api_metric SERIES: one sample of $API/metrics, as written there.
# awk reads to the end: leaving early would fail curl's write (exit 23)
# under pipefail once the page outgrows the pipe's buffer.
api_metric() { curl -fs "$API/metrics" | awk -v s="$1" '$1 == s && !seen { print $2; seen = 1 }'; }
