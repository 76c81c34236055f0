#!/usr/bin/env bash
# Installs, from Debian's packages, whatever stepstream needs to build, test and benchmark, and the
# kafka tests' kafkajs client from the npm registry (pinned by tests/kafka/js/package-lock.json).
# Idempotent: when everything is present it only runs dpkg-query and cmp and exits in well under a
# second.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# Build and test dependencies. Each is named in CMakeLists.txt's error message when it is missing.
packages=(
  build-essential cmake ninja-build pkg-config git
  librdkafka-dev libmimalloc-dev libsimdjson-dev libconcurrentqueue-dev prometheus-cpp-dev libyaml-cpp-dev
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
# node and npm, for the kafka tests' kafkajs client, by command rather than by package: a machine
# may have them from elsewhere (nodesource's nodejs bundles npm and conflicts with Debian's npm).
if ! command -v node >/dev/null; then missing+=(nodejs); fi
if ! command -v npm >/dev/null; then missing+=(npm); fi

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=()
  if ((EUID != 0)); then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# kafkajs, exactly as package-lock.json pins it. The copy of the lock file left in node_modules
# says what is installed there, so an up-to-date tree needs no npm (nor a network).
js="$root/tests/kafka/js"
if ! cmp -s "$js/package-lock.json" "$js/node_modules/.stepstream-installed-lock.json"; then
  echo "install-deps: npm ci in tests/kafka/js" >&2
  (cd "$js" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
  cp "$js/package-lock.json" "$js/node_modules/.stepstream-installed-lock.json"
fi
