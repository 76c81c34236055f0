// What metrics and execution logs cost per event. BM_Metrics*: the metric updates of one
// execution (started, four states ended, finished) on a worker's slot: the updates alone, with the
// clock read at every state boundary of every execution, and with the default timing sample (one
// execution in 16 timed); on one thread and on two at once (no shared cache line: no slowdown).
// BM_IotWorker*: the iot-telemetry reference workflow through a real worker (parse, execute,
// serialize) without metrics and with them as `run` keeps them: the relative cost the issue
// bounds at 3%.
// BM_Log*: turning a history into CloudWatch records, and handing them to the log queue.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>

#include "connectors/demo/events.h"
#include "engine/compile/build.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/logs/record.h"
#include "engine/logs/writer.h"
#include "engine/metrics/metrics.h"
#include "engine/runtime/worker.h"
#include "engine/vm/vm.h"

namespace {

using namespace stepstream;

// iot-telemetry's path through its states: Normalize, Classify, one of four, Describe.
constexpr uint32_t kStates = 7;
constexpr uint32_t kVisited = 4;

std::unique_ptr<metrics::Metrics> make_metrics(uint32_t time_one_in) {
  metrics::Setup s;
  s.state_machines = {
      {"iot-telemetry",
       {"Normalize", "Classify", "Critical", "Warning", "Info", "Heartbeat", "Describe"}}};
  s.workers = 4;
  s.time_one_in = time_one_in;
  std::string error;
  return metrics::Metrics::create(std::move(s), error);
}

// Shared by the threads of a multi-threaded run; each thread writes its own slot.
metrics::Metrics& sampled_metrics() {
  static std::unique_ptr<metrics::Metrics> m = make_metrics(metrics::Setup{}.time_one_in);
  return *m;
}
metrics::Metrics& timed_metrics() {
  static std::unique_ptr<metrics::Metrics> m = make_metrics(1);
  return *m;
}

// The machine may be shared: the fastest of several repetitions is the least disturbed one.
double fastest(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Durations that land in different buckets, as real states do.
constexpr int64_t kDurations[8] = {180, 240, 950, 3'100, 210, 12'000, 400, 75'000};

void BM_MetricsExecution(benchmark::State& state) {
  metrics::Slot& slot = timed_metrics().slot(static_cast<uint32_t>(state.thread_index()));
  uint32_t i = 0;
  for (auto _ : state) {
    slot.execution_started(0);
    int64_t total = 0;
    for (uint32_t k = 0; k < kVisited; ++k) {
      int64_t d = kDurations[(i + k) & 7];
      total += d;
      slot.state_ended(0, (i + k) % kStates, d);
    }
    slot.execution_finished(0, metrics::Status::kSucceeded, total);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsExecution)->Threads(1)->Threads(2)->ComputeStatistics("min", fastest);

// One execution's metrics as a worker records them: the clock read at the start and at each
// state's end when the execution is drawn for timing (every one for `timed_metrics`).
[[gnu::always_inline]] inline void record_execution(metrics::Slot& slot, uint32_t i) {
  const bool timed = slot.time_execution();
  const int64_t start = timed ? now_ns() : 0;
  slot.execution_started(0);
  int64_t entered = start;
  for (uint32_t k = 0; k < kVisited; ++k) {
    int64_t t = timed ? now_ns() : 0;
    slot.state_ended(0, (i + k) % kStates, timed ? t - entered : metrics::kNotTimed);
    entered = t;
  }
  slot.execution_finished(0, metrics::Status::kSucceeded,
                          timed ? entered - start : metrics::kNotTimed);
}

void BM_MetricsExecutionTimeEvery(benchmark::State& state) {
  metrics::Slot& slot = timed_metrics().slot(static_cast<uint32_t>(state.thread_index()));
  uint32_t i = 0;
  for (auto _ : state)
    record_execution(slot, i++);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsExecutionTimeEvery)->Threads(1)->Threads(2)->ComputeStatistics("min", fastest);

void BM_MetricsExecutionTimeSampled(benchmark::State& state) {
  metrics::Slot& slot = sampled_metrics().slot(static_cast<uint32_t>(state.thread_index()));
  uint32_t i = 0;
  for (auto _ : state)
    record_execution(slot, i++);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsExecutionTimeSampled)
    ->Threads(1)
    ->Threads(2)
    ->ComputeStatistics("min", fastest);

std::string read_workflow(const char* name) {
  std::ifstream in(std::string(STEPSTREAM_SHARED_DIR) + "/bench/" + name);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Results go nowhere: the benchmark measures the worker, not a destination.
class NullSink final : public runtime::Sink {
 public:
  void write(const runtime::Result& r) override { benchmark::DoNotOptimize(r.output.data()); }
  void abandon(const runtime::Event&) override {}
};

// The iot-telemetry workflow through a real runtime::Worker, as `stepstream run` runs it (system
// clock, the Express 5-minute cap), 256 events per step; `m` null: no metrics, else the worker
// counts in slot 0 exactly as in `run` (observer on every state, timing sampled per `m`).
void run_iot(benchmark::State& state, metrics::Metrics* m) {
  bytecode::Program program;
  std::vector<asl::Problem> problems;
  if (!compile::build_program(read_workflow("iot-telemetry.asl.json"), {}, program, problems)) {
    state.SkipWithError("cannot build ../shared/bench/iot-telemetry.asl.json");
    return;
  }
  runtime::Pipeline pipeline;
  pipeline.name = "iot-telemetry";
  pipeline.program = &program;
  pipeline.limits.max_duration_ns = int64_t{300} * 1'000'000'000;
  vm::SystemClock clock;
  NullSink sink;
  runtime::WorkerHooks hooks;
  if (m != nullptr) hooks.metrics = &m->slot(0);
  constexpr size_t kBatch = 256;
  runtime::Worker worker(std::span<const runtime::Pipeline>(&pipeline, 1), sink, clock, kBatch, 1,
                         std::move(hooks));
  constexpr size_t kEvents = 4096;
  std::vector<std::string> events;
  for (size_t i = 0; i < kEvents; ++i)
    events.push_back(demo::iot_event(i));
  std::vector<runtime::Event> batch(kBatch);
  size_t next = 0;
  for (auto _ : state) {
    for (runtime::Event& e : batch) {
      e.payload = events[next % kEvents];
      e.topic = "telemetry";
      e.offset = static_cast<int64_t>(next++);
    }
    worker.push(batch.data(), kBatch);
    while (worker.in_flight() != 0)
      worker.step(0);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatch));
}

void BM_IotWorkerWithoutMetrics(benchmark::State& state) {
  run_iot(state, nullptr);
}
BENCHMARK(BM_IotWorkerWithoutMetrics)->ComputeStatistics("min", fastest);

void BM_IotWorkerMetricsTimeSampled(benchmark::State& state) {
  run_iot(state, &sampled_metrics());
}
BENCHMARK(BM_IotWorkerMetricsTimeSampled)->ComputeStatistics("min", fastest);

void BM_IotWorkerMetricsTimeEvery(benchmark::State& state) {
  run_iot(state, &timed_metrics());
}
BENCHMARK(BM_IotWorkerMetricsTimeEvery)->ComputeStatistics("min", fastest);

// One iot-telemetry execution recorded with its history (10 events), kept for the log benchmarks.
struct RecordedExecution {
  RecordedExecution() {
    std::vector<asl::Problem> problems;
    ok = compile::build_program(read_workflow("iot-telemetry.asl.json"), {}, program, problems);
    if (!ok) return;
    vm::Vm machine(program, clock, random);
    vm::Identity id;
    id.express = true;
    json::Parser parser;
    auto in = parser.parse(demo::iot_event(1), exec.arena());
    machine.start(exec, in.value, id, /*record_history=*/true);
  }
  bool ok = false;
  bytecode::Program program;
  vm::SystemClock clock;
  vm::Random random;
  vm::Execution exec;
};

RecordedExecution& recorded() {
  static RecordedExecution r;
  return r;
}

constexpr std::string_view kArn =
    "arn:aws:states:us-east-1:123456789012:express:iot-telemetry:events/0/1:"
    "0f9b2a63-6c1e-4c53-9d0b-2b8f2a3c4d5e";

void BM_LogRecords(benchmark::State& state, logs::LogPolicy policy) {
  RecordedExecution& r = recorded();
  if (!r.ok) {
    state.SkipWithError("cannot build iot-telemetry");
    return;
  }
  std::string out;
  size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    logs::append_records(policy, kArn, r.exec.history(), out);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_exec"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
}
BENCHMARK_CAPTURE(BM_LogRecords, all_with_data, logs::LogPolicy{logs::Level::kAll, true});
BENCHMARK_CAPTURE(BM_LogRecords, all_without_data, logs::LogPolicy{logs::Level::kAll, false});
BENCHMARK_CAPTURE(BM_LogRecords, error_on_success, logs::LogPolicy{logs::Level::kError, true});

class DiscardSink final : public logs::Sink {
 public:
  bool write(std::string_view record) override {
    benchmark::DoNotOptimize(record.data());
    return true;
  }
};

// A worker's whole logging step at ALL: records built and queued; the writer drains to nowhere.
void BM_LogProducerAll(benchmark::State& state) {
  RecordedExecution& r = recorded();
  if (!r.ok) {
    state.SkipWithError("cannot build iot-telemetry");
    return;
  }
  metrics::Setup s;
  s.workers = 1;
  s.other_threads = 1;
  std::string error;
  auto m = metrics::Metrics::create(s, error);
  logs::WriterOptions o;
  o.capacity = 1 << 16;
  logs::LogWriter writer(std::make_unique<DiscardSink>(), o, m->slot(1));
  logs::LogWriter::Producer p = writer.producer(0);
  for (auto _ : state)
    p.log({logs::Level::kAll, true}, kArn, r.exec.history(), m->slot(0));
  writer.stop();
  state.SetItemsProcessed(state.iterations());
  state.counters["dropped"] = benchmark::Counter(
      static_cast<double>(m->snapshot().cells[metrics::Layout::kLogRecordsDropped]));
}
BENCHMARK(BM_LogProducerAll);

}  // namespace
