#!/usr/bin/env bash
# Installs what is missing, builds the dev preset (Debug, ASan+UBSan, -Werror, clang-tidy)
# and runs every test. Extra arguments go to ctest (e.g. -L unit, -R Choice).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
cmake --preset dev
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev -j "$(nproc)" "$@"
