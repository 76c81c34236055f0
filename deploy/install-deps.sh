#!/usr/bin/env bash
# Installs, from Debian's packages, whatever stepstream needs to build, test and benchmark.
# Idempotent: when everything is present it only runs dpkg-query and exits in well under a second.
set -euo pipefail

# Build and test dependencies. Each is named in CMakeLists.txt's error message when it is missing.
packages=(
  build-essential cmake ninja-build pkg-config git
  librdkafka-dev libsimdjson-dev libconcurrentqueue-dev prometheus-cpp-dev libyaml-cpp-dev
  libbenchmark-dev libgtest-dev libgmock-dev
  clang-tidy clang-format
  prometheus  # promtool and the server the metrics tests check the exposition with
  kcat  # the kafka tests' outside client
  clang-14 libclang-rt-14-dev  # the fuzz preset: clang++-14 and libFuzzer (libclang_rt.fuzzer)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if ((EUID != 0)); then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
