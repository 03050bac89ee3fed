#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a
# bounded time, seeded from the fixtures (and the RFC 4475 messages when
# ../shared is beside the checkout). Fails on any crash, leak or sanitizer report.
# Usage: bash tests/fuzz/run.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target fuzz_sip fuzz_sdp
work=$(mktemp -d /tmp/cvw-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sip" "$work/sdp"
cp tests/fixtures/sip/*.sip "$work/sip/"
cp tests/fixtures/sdp/* "$work/sdp/" 2>/dev/null || true
[ -d ../shared/fixtures/rfc4475 ] && cp ../shared/fixtures/rfc4475/*.dat "$work/sip/"
status=0
for t in sip sdp; do
  echo "fuzz_$t: ${seconds}s"
  if ! build/fuzz/tests/fuzz/fuzz_$t -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" \
      "$work/$t" > "$work/fuzz_$t.log" 2>&1; then
    echo "fuzz_$t FAILED:"; tail -40 "$work/fuzz_$t.log"; status=1
    mkdir -p build/fuzz-artifacts && cp "$work"/crash-* "$work"/leak-* build/fuzz-artifacts/ 2>/dev/null || true
  else
    grep -E 'stat::number_of_executed_units|Done' "$work/fuzz_$t.log" | tr '\n' ' '; echo
  fi
done
exit $status
