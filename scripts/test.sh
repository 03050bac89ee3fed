#!/usr/bin/env bash
# Installs everything, builds (warnings as errors) and runs every test:
# unit tests, interop tests against Kamailio/SIPp/baresip on loopback, and a
# bounded libFuzzer run of each parser under ASan. Exits non-zero on any failure.
#   CVW_FUZZ_SECONDS=60  seconds per fuzz target (0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test

echo "== build (preset ci)"
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$(nproc)"

echo "== tests"
status=0
ctest --preset ci -j "$(nproc)" || status=1

echo "== build and unit tests with clang 14, ASan + UBSan"
cmake --preset clang-asan >/dev/null
if cmake --build --preset clang-asan -j "$(nproc)"; then
  ctest --preset clang-asan -j "$(nproc)" || status=1
else
  status=1
fi

fuzz_seconds=${CVW_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzz (${fuzz_seconds}s per target, clang + ASan + libFuzzer)"
  bash tests/fuzz/run.sh "$fuzz_seconds" || status=1
fi
exit $status
