// Deterministic input events shaped as the reference workflows of ../shared/bench/README.md
// expect: the benchmarks run them, and `stepstream run` feeds them to its embedded broker.
#pragma once

#include <cstdint>
#include <string>

namespace stepstream::demo {

// ~200-byte iot-telemetry device event number i.
std::string iot_event(uint64_t i);
// order-routing input number i.
std::string order_event(uint64_t i);
// map-10 input number i.
std::string map10_event(uint64_t i);

}  // namespace stepstream::demo
