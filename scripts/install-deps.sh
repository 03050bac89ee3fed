#!/usr/bin/env bash
# Installs the Debian 12 packages cvw needs to build, test and run.
# Idempotent: installs only what is missing, and runs apt-get update only then.
# Usage: bash scripts/install-deps.sh [build|test]   (default: test = everything)
set -euo pipefail

BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev   # Asio (event loop, sockets, timers), Container (small_vector)
  libspdlog-dev libfmt-dev  # logging
  libcli11-dev       # command lines of cvwd / cvwctl / tools
  libssl-dev         # TLS (next), hashing
  libsqlite3-dev     # storage (embedded default)
  libpq-dev          # storage (PostgreSQL, selected by the storage URL)
  libargon2-dev      # password hashes (argon2id)
  libboost-json1.81-dev # JSON bodies of the HTTPS API
  libtomlplusplus-dev # configuration file (TOML)
  libspandsp-dev     # ringback tone generation and G.711 (click-to-call media)
)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev   # unit tests
  libbenchmark-dev            # micro benchmarks under bench/
  clang-14 libclang-rt-14-dev # libFuzzer + sanitizers for tests/fuzz
  kamailio                    # the PBX in interop tests
  sip-tester                  # SIPp
  baresip-core                # a real phone (no GUI dependencies)
  linphone-cli                # a UC client with SHA-256 digest (baresip 1.0 knows only MD5)
  sipsak sox python3 procps iproute2
  postgresql                  # the PostgreSQL backend's tests start their own server
  wrk                         # HTTP load benchmarks under bench/
  tcpdump                     # bench/load/click_to_call.sh latency: message times on the wire
)

want=("${BUILD_PACKAGES[@]}")
[ "${1:-test}" = test ] && want+=("${TEST_PACKAGES[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
# The kamailio package enables a system service; tests run their own instance.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet kamailio 2>/dev/null; then
  $SUDO systemctl stop kamailio || true
fi
