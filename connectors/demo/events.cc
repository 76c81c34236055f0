// Event shapes follow ../shared/bench/README.md exactly; values come from a fixed-seed generator
// so that every run of a benchmark sees the same bytes.
#include "connectors/demo/events.h"

#include <cstdio>

namespace stepstream::demo {

namespace {

// splitmix64: a tiny, well-mixed generator; the event number is the seed.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr const char* kTypes[] = {"created", "updated", "heartbeat", "alarm", "closed"};
constexpr const char* kStates[] = {"active", "idle", "degraded", "offline"};

}  // namespace

std::string iot_event(uint64_t i) {
  uint64_t r = mix(i);
  char note[96];
  size_t note_len = 40 + (r >> 40) % 50;
  for (size_t k = 0; k < note_len; ++k) {
    uint64_t c = mix(r + k);
    note[k] = (k % 6 == 5) ? ' ' : static_cast<char>('a' + c % 26);
  }
  note[note_len] = 0;
  char buf[512];
  int n = std::snprintf(
      buf, sizeof buf,
      "{\"event_id\":\"%016llx\",\"device_id\":\"dev-%05llu\",\"type\":\"%s\",\"ts\":%llu,"
      "\"seq\":%llu,\"state\":\"%s\",\"value\":%llu.%03llu,\"tags\":{\"site\":\"s-%02llu\","
      "\"zone\":\"z%llu\"},\"note\":\"%s\"}",
      static_cast<unsigned long long>(r), static_cast<unsigned long long>(r % 100000),
      kTypes[i % 5], static_cast<unsigned long long>(1767225600000ULL + i * 10),
      static_cast<unsigned long long>(i), kStates[(r >> 8) % 4],
      static_cast<unsigned long long>((r >> 16) % 1000),
      static_cast<unsigned long long>((r >> 26) % 1000),
      static_cast<unsigned long long>((r >> 36) % 100),
      static_cast<unsigned long long>((r >> 44) % 10), note);
  return std::string(buf, static_cast<size_t>(n));
}

std::string order_event(uint64_t i) {
  constexpr const char* kRegions[] = {"eu", "us", "ap"};
  char buf[160];
  int n = std::snprintf(buf, sizeof buf,
                        "{\"order\":{\"id\":\"o-%llu\",\"amount\":%llu,\"region\":\"%s\"}}",
                        static_cast<unsigned long long>(i),
                        static_cast<unsigned long long>((i * 37) % 20000), kRegions[i % 3]);
  return std::string(buf, static_cast<size_t>(n));
}

std::string map10_event(uint64_t i) {
  std::string s = "{\"batch\":" + std::to_string(i) + ",\"items\":[";
  for (uint64_t k = 0; k < 10; ++k) {
    if (k) s += ',';
    s += "{\"v\":" + std::to_string(i * 10 + k) + "}";
  }
  s += "]}";
  return s;
}

}  // namespace stepstream::demo
