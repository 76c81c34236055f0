#!/usr/bin/env bash
# Installs what is missing, builds the release preset and runs the engine on the examples:
# validate, compile to a Program image, disassemble it, execute it; then the streaming demo
# (embedded broker, event feed, engine, live status line, /metrics on port 9464) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
bin=build/release/stepstream
out=build/release/examples
mkdir -p "$out"

echo "== stepstream validate examples/*.asl.json"
"$bin" validate examples/*.asl.json
echo "== stepstream compile examples/device-alerts.asl.json -o $out/device-alerts.ssb"
"$bin" compile examples/device-alerts.asl.json -o "$out/device-alerts.ssb"
echo "== stepstream disasm $out/device-alerts.ssb (first lines)"
"$bin" disasm "$out/device-alerts.ssb" | sed -n '/^code:/,$p' | head -20
for name in hello device-alerts; do
  echo "== stepstream exec examples/$name.asl.json --input-file examples/$name.input.json --virtual-time"
  "$bin" exec "examples/$name.asl.json" --input-file "examples/$name.input.json" --virtual-time
done
echo "== a batch: one execution per line"
printf '%s\n' '{"device":"pump-1","reading":130,"limits":{"warning":80,"critical":120,"cooldown":5}}' \
  '{"device":"fan-2","reading":90,"limits":{"warning":80,"critical":120,"cooldown":5}}' \
  '{"device":"pump-3","reading":"n/a","limits":{"warning":80,"critical":120,"cooldown":5}}' \
  > "$out/readings.jsonl"
"$bin" exec "$out/device-alerts.ssb" --inputs-file "$out/readings.jsonl" --virtual-time
port="${METRICS_PORT:-9464}"
echo "== stepstream run --metrics-port $port: the streaming demo (Ctrl-C to stop)"
echo "   (curl localhost:$port/metrics in another terminal; METRICS_PORT=0 picks a free port)"
exec "$bin" run --metrics-port "$port"
