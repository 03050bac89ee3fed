#!/usr/bin/env bash
# The event channel at scale (issue #3): N idle WebSocket event channels held
# by the server (its memory), then one event fanned out to K of them (the
# delivery latency). Runs bench/ws_channels, which forks its own client
# process and pins the server to CPU 0 and the clients to CPU 1; this script
# finds a release build and passes its arguments on.
#   flock /tmp/cvw-build.lock bash bench/load/ws_channels.sh [--channels=N] [--fanout=K] [--rounds=R] [--no-pin] [--no-floor]
#   WS_CHANNELS=path/to/ws_channels bash bench/load/ws_channels.sh
# Targets (issue #3): 50,000 channels in < 2 GiB; fan-out to 10,000 with p99 < 20 ms.
set -euo pipefail
source "$(dirname "$0")/common.sh"
WS_CHANNELS=${WS_CHANNELS:-$CVW_ROOT/build/release/bench/ws_channels}
if [ ! -x "$WS_CHANNELS" ]; then
  echo "$(basename "$0"): no $WS_CHANNELS; build it first:" >&2
  echo "  cmake --preset release && cmake --build build/release --target ws_channels" >&2
  exit 2
fi
echo "== $(basename "$WS_CHANNELS") $*  (RLIMIT_NOFILE soft/hard: $(ulimit -Sn)/$(ulimit -Hn))"
exec "$WS_CHANNELS" "$@"
