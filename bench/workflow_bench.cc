// The reference workflows of ../shared/bench, one execution per event on one core: parse the
// event, run the compiled Program, serialize the output. Reports executions/s and heap
// allocations per execution (which must be 0 in steady state).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "connectors/demo/events.h"
#include "engine/compile/build.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/vm/vm.h"

// Every heap allocation in the process is counted, so the benchmark can show that the
// per-event path makes none.
static std::atomic<uint64_t> g_allocations{0};

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace {

using namespace stepstream;

std::string read_workflow(const char* name) {
  std::ifstream in(std::string(STEPSTREAM_SHARED_DIR) + "/bench/" + name);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One event: parse, execute, serialize. Out of line so that profilers can single it out.
[[gnu::noinline]] void run_event(vm::Vm& machine, json::Parser& parser, vm::Execution& exec,
                                 const vm::Identity& id, const std::string& event,
                                 std::string& out) {
  exec.reset();
  auto in = parser.parse(event, exec.arena());
  machine.start(exec, in.value, id);
  out.clear();
  json::write(exec.output(), out);
}

void run_workflow(benchmark::State& state, const char* file, std::string (*make)(uint64_t)) {
  bytecode::Program program;
  std::vector<asl::Problem> problems;
  if (!compile::build_program(read_workflow(file), {}, program, problems)) {
    state.SkipWithError(("cannot build ../shared/bench/" + std::string(file) + ": " +
                         (problems.empty() ? "" : problems[0].message))
                            .c_str());
    return;
  }
  vm::TaskRegistry tasks;
  tasks.add("*", vm::TaskRegistry::builtin("echo"));
  vm::SystemClock clock;
  vm::Random random;
  vm::Vm machine(program, clock, random, {}, &tasks);
  constexpr size_t kEvents = 4096;
  std::vector<std::string> events;
  for (size_t i = 0; i < kEvents; ++i)
    events.push_back(make(i));
  json::Parser parser;
  vm::Execution exec;
  vm::Identity id;
  id.express = true;
  id.execution_name = "bench";
  std::string out;
  out.reserve(4096);
  size_t i = 0, bytes = 0;
  uint64_t failures = 0;
  // Warm up: buffers reach their steady-state sizes.
  for (size_t k = 0; k < kEvents; ++k)
    run_event(machine, parser, exec, id, events[k], out);
  uint64_t allocs_before = g_allocations.load();
  for (auto _ : state) {
    run_event(machine, parser, exec, id, events[i++ % kEvents], out);
    failures += exec.status() != vm::Status::kSucceeded;
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  uint64_t allocs = g_allocations.load() - allocs_before;
  if (failures) state.SkipWithError("executions failed");
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_exec"] = benchmark::Counter(
      static_cast<double>(allocs) / static_cast<double>(std::max<int64_t>(state.iterations(), 1)));
  state.counters["out_bytes"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
}

void BM_IotTelemetry(benchmark::State& state) {
  run_workflow(state, "iot-telemetry.asl.json", demo::iot_event);
}
BENCHMARK(BM_IotTelemetry);

void BM_OrderRouting(benchmark::State& state) {
  run_workflow(state, "order-routing.asl.json", demo::order_event);
}
BENCHMARK(BM_OrderRouting);

void BM_Map10(benchmark::State& state) {
  run_workflow(state, "map-10.asl.json", demo::map10_event);
}
BENCHMARK(BM_Map10);

}  // namespace
