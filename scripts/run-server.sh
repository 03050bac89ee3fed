#!/usr/bin/env bash
# Installs what cvwd needs, builds it (release) and runs it in the foreground
# with the sample configuration and demo users. Its data (the SQLite file and
# the self-signed TLS certificate made on first start) goes to var/ in the
# checkout. Stop it with Ctrl-C (SIGINT) or SIGTERM.
# Extra arguments go to cvwd (see: cvwd --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
cmake --preset release -DCVW_TESTS=OFF -DCVW_BENCH=OFF >/dev/null
cmake --build --preset release --target cvwd cvwctl -j "$(nproc)"
mkdir -p var
cd var
exec ../build/release/src/cvwd/cvwd --config ../examples/cvwd.toml --demo "$@"
