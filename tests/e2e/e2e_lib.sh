# Shared by the cvwd end-to-end scripts (sourced): a temporary folder, a free
# port on 127.0.0.1, and one cvwd started there and waited for.
#
#   e2e_init NAME       work=$(temporary folder), pid="", port=(free), an EXIT
#                       trap that kills cvwd and removes the folder, fail()
#   e2e_start STORAGE   starts "$CVWD --demo" on $port with STORAGE (and the
#                       arguments in the array E2E_ARGS, if set); sets pid;
#                       returns once /healthz answers (its event loop runs)
: "${CVWD:?set CVWD to the cvwd binary}"

e2e_init() {
  E2E_NAME=$1
  work=$(mktemp -d "${TMPDIR:-/tmp}/cvwd-$E2E_NAME.XXXXXX")
  pid=""
  trap e2e_cleanup EXIT
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
}

e2e_cleanup() {
  [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$work"
}

fail() {
  echo "FAIL $E2E_NAME: $*"
  tail -n 20 "$work/cvwd.log"
  exit 1
}

e2e_start() {
  "$CVWD" --demo --plain-http --storage "$1" --listen udp:127.0.0.1:0 --http-listen "127.0.0.1:$port" \
    --log-level info ${E2E_ARGS[@]+"${E2E_ARGS[@]}"} >>"$work/cvwd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "cvwd exited at startup"
    sleep 0.1
  done
  fail "cvwd did not answer /healthz"
}
