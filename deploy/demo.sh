#!/usr/bin/env bash
# Installs what is missing, builds the release preset and runs the engine's main job.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
bin=build/release/stepstream
"$bin" --version
"$bin" --help
