// simdjson On-Demand on iot-telemetry events: the floor under every per-event cost.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "connectors/demo/events.h"

namespace {

std::vector<simdjson::padded_string> make_events(size_t n) {
  std::vector<simdjson::padded_string> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i)
    v.emplace_back(stepstream::demo::iot_event(i));
  return v;
}

// Parse each event and touch the fields the iot-telemetry workflow reads.
void BM_IotParseOnDemand(benchmark::State& state) {
  auto events = make_events(1024);
  simdjson::ondemand::parser parser;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const auto& e = events[i++ & 1023];
    bytes += e.size();
    auto doc = parser.iterate(e);
    std::string_view id, device, type;
    double value = 0;
    int64_t seq = 0;
    if (doc["event_id"].get(id) || doc["device_id"].get(device) || doc["type"].get(type) ||
        doc["seq"].get(seq) || doc["value"].get(value)) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(id.data());
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_IotParseOnDemand);

}  // namespace
