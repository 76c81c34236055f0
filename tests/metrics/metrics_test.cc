// Per-thread cells summed at scrape time, histograms, and the families the collector builds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <thread>

#include "engine/metrics/collector.h"
#include "engine/metrics/metrics.h"

namespace stepstream::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

Setup two_machines(uint32_t workers, uint32_t others = 0) {
  Setup s;
  s.state_machines = {{"orders", {"Validate", "Route", "Done"}}, {"telemetry", {"Store"}}};
  s.workers = workers;
  s.other_threads = others;
  s.version = "9.9.9-test";
  return s;
}

std::unique_ptr<Metrics> make(Setup s) {
  std::string error;
  auto m = Metrics::create(std::move(s), error);
  EXPECT_NE(m, nullptr) << error;
  return m;
}

const MetricFamily& find_family(const std::vector<MetricFamily>& fs, const std::string& name) {
  for (const MetricFamily& f : fs)
    if (f.name == name) return f;
  ADD_FAILURE() << "no family " << name;
  static const MetricFamily kNone;
  return kNone;
}

// The series whose labels are exactly `labels`.
const ClientMetric* find_series(const MetricFamily& f, std::vector<ClientMetric::Label> labels) {
  for (const ClientMetric& m : f.metric)
    if (m.label == labels) return &m;
  return nullptr;
}

TEST(Buckets, BoundIsInclusiveAndLastBucketIsInf) {
  EXPECT_EQ(bucket_of(kStateBucketsNs, 0), 0u);
  EXPECT_EQ(bucket_of(kStateBucketsNs, 1'000), 0u);  // le="1e-06" holds 1 µs itself
  EXPECT_EQ(bucket_of(kStateBucketsNs, 1'001), 1u);
  EXPECT_EQ(bucket_of(kStateBucketsNs, 10'000), 1u);
  EXPECT_EQ(bucket_of(kStateBucketsNs, 300'000'000'000), kStateBucketsNs.size() - 1);
  EXPECT_EQ(bucket_of(kStateBucketsNs, 300'000'000'001), kStateBucketsNs.size());
  EXPECT_TRUE(std::is_sorted(kStateBucketsNs.begin(), kStateBucketsNs.end()));
  EXPECT_TRUE(std::is_sorted(kExecutionBucketsNs.begin(), kExecutionBucketsNs.end()));
}

TEST(Slots, EachStartsOnItsOwnCacheLineAndNoneShareOne) {
  auto m = make(two_machines(6, 2));
  ASSERT_EQ(m->slots(), 8u);
  const size_t bytes = (m->layout().cells() * 8 + 63) / 64 * 64;
  std::vector<uintptr_t> starts;
  for (uint32_t i = 0; i < m->slots(); ++i) {
    auto p = reinterpret_cast<uintptr_t>(m->slot(i).storage());
    EXPECT_EQ(p % 64, 0u) << "slot " << i;
    starts.push_back(p);
  }
  std::sort(starts.begin(), starts.end());
  for (size_t i = 1; i < starts.size(); ++i)
    EXPECT_GE(starts[i] - starts[i - 1], bytes) << "slots overlap a cache line";
}

TEST(Slots, CellsStartAtZero) {
  auto m = make(two_machines(2));
  Snapshot s = m->snapshot();
  ASSERT_EQ(s.cells.size(), m->layout().cells());
  for (uint64_t c : s.cells)
    EXPECT_EQ(c, 0u);
}

// What one execution of "orders" does to its worker's cells: three states, then an end.
void run_orders(Slot& slot, uint32_t i) {
  slot.execution_started(0);
  slot.state_ended(0, 0, 500);        // Validate: 0.5 µs, bucket le=1e-06
  slot.state_ended(0, 1, 20'000);     // Route: 20 µs, bucket le=0.0001
  slot.state_ended(0, 2, 3'000'000);  // Done: 3 ms, bucket le=0.01
  Status st = i % 10 == 0 ? Status::kFailed : Status::kSucceeded;
  slot.execution_finished(0, st, 3'020'500);
  if (st == Status::kFailed) slot.dead_letter(0, DeadLetter::kExecutionFailed);
}

TEST(Slots, WorkersCountAloneAndTheScrapeSumsThem) {
  constexpr uint32_t kWorkers = 4;
  auto m = make(two_machines(kWorkers, 1));
  std::vector<std::thread> threads;
  uint64_t expected = 0;
  for (uint32_t w = 0; w < kWorkers; ++w) {
    uint32_t n = (w + 1) * 10'000;
    expected += n;
    threads.emplace_back([&m, w, n] {
      Slot& slot = m->slot(w);
      for (uint32_t i = 0; i < n; ++i) {
        run_orders(slot, i);
        slot.events_consumed();
      }
      slot.task_retry(1);
    });
  }
  // The consumer-side thread has its own slot, after the workers'.
  threads.emplace_back([&m] { m->slot(kWorkers).events_produced(7); });
  for (auto& t : threads)
    t.join();

  const Layout& l = m->layout();
  Snapshot s = m->snapshot();
  EXPECT_EQ(s.cells[l.started(0)], expected);
  EXPECT_EQ(s.cells[l.started(1)], 0u);
  EXPECT_EQ(s.cells[l.finished(0, Status::kFailed)], expected / 10);
  EXPECT_EQ(s.cells[l.finished(0, Status::kSucceeded)], expected - expected / 10);
  EXPECT_EQ(s.cells[l.dead_letters(0, DeadLetter::kExecutionFailed)], expected / 10);
  EXPECT_EQ(s.cells[l.task_retries(1)], kWorkers);
  EXPECT_EQ(s.cells[Layout::kEventsConsumed], expected);
  EXPECT_EQ(s.cells[Layout::kEventsProduced], 7u);

  // Route's histogram: every observation in the le=0.0001 bucket, the sum exact in ns.
  uint32_t route = l.state_histogram(0, 1);
  for (uint32_t b = 0; b <= kStateBucketsNs.size(); ++b)
    EXPECT_EQ(s.cells[route + b], b == 2 ? expected : 0u) << "bucket " << b;
  EXPECT_EQ(s.cells[route + kStateBucketsNs.size() + 1], expected * 20'000);
}

TEST(Slots, UntimedStatesAndExecutionsAreCountedButNotObserved) {
  auto m = make(two_machines(1));
  Slot& slot = m->slot(0);
  slot.execution_started(0);
  slot.state_ended(0, 1);
  slot.state_ended(0, 1, kNotTimed);
  slot.execution_finished(0, Status::kTimedOut);
  const Layout& l = m->layout();
  Snapshot s = m->snapshot();
  EXPECT_EQ(s.cells[l.transitions(0, 1)], 2u);
  EXPECT_EQ(s.cells[l.finished(0, Status::kTimedOut)], 1u);
  for (uint32_t c = 0; c < Layout::kStateHistogramCells; ++c)
    EXPECT_EQ(s.cells[l.state_histogram(0, 1) + c], 0u);
  for (uint32_t c = 0; c < Layout::kExecutionHistogramCells; ++c)
    EXPECT_EQ(s.cells[l.execution_histogram(0) + c], 0u);
  slot.state_ended(0, 1, -5);  // a clock that stepped back counts as zero
  EXPECT_EQ(m->snapshot().cells[l.state_histogram(0, 1)], 1u);
}

TEST(Slots, TimingSamplesOneExecutionInN) {
  metrics::Setup s = two_machines(2);
  s.time_one_in = 16;
  auto m = make(std::move(s));
  constexpr int kDraws = 160'000;
  int timed[2] = {0, 0};
  std::vector<bool> first[2];
  for (int w = 0; w < 2; ++w) {
    for (int i = 0; i < kDraws; ++i) {
      bool t = m->slot(w).time_execution();
      timed[w] += t;
      if (i < 64) first[w].push_back(t);
    }
  }
  for (int w = 0; w < 2; ++w) {
    EXPECT_GT(timed[w], kDraws / 16 * 9 / 10) << "worker " << w;
    EXPECT_LT(timed[w], kDraws / 16 * 11 / 10) << "worker " << w;
  }
  EXPECT_NE(first[0], first[1]) << "workers draw the same sequence";

  metrics::Setup every = two_machines(1);
  every.time_one_in = 1;
  auto all = make(std::move(every));
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(all->slot(0).time_execution());
}

TEST(Collector, BuildsEveryFamilyWithItsFixedLabels) {
  auto m = make(two_machines(2));
  for (uint32_t i = 0; i < 20; ++i)
    run_orders(m->slot(i % 2), i);
  m->slot(0).state_ended(1, 0, 400'000'000'000);  // beyond the last bound: +Inf only
  m->set_queue_depth_source([](uint32_t w) { return int64_t{10} + w; });
  m->set_consumer_lag({{"events", 0, 12}, {"events", 3, 0}});
  std::vector<MetricFamily> fs = Collector(*m).Collect();

  const MetricFamily& started = find_family(fs, "stepstream_executions_started_total");
  EXPECT_EQ(started.type, MetricType::Counter);
  ASSERT_NE(find_series(started, {{"state_machine", "orders"}}), nullptr);
  EXPECT_EQ(find_series(started, {{"state_machine", "orders"}})->counter.value, 20);
  EXPECT_EQ(find_series(started, {{"state_machine", "telemetry"}})->counter.value, 0);

  const MetricFamily& finished = find_family(fs, "stepstream_executions_finished_total");
  EXPECT_EQ(finished.metric.size(), 2u * kStatuses);
  EXPECT_EQ(
      find_series(finished, {{"state_machine", "orders"}, {"status", "FAILED"}})->counter.value, 2);
  EXPECT_EQ(
      find_series(finished, {{"state_machine", "orders"}, {"status", "SUCCEEDED"}})->counter.value,
      18);
  ASSERT_NE(find_series(finished, {{"state_machine", "telemetry"}, {"status", "ABORTED"}}),
            nullptr);

  const MetricFamily& transitions = find_family(fs, "stepstream_state_transitions_total");
  EXPECT_EQ(transitions.metric.size(), 4u);  // 3 states + 1 state
  EXPECT_EQ(
      find_series(transitions, {{"state_machine", "orders"}, {"state", "Done"}})->counter.value,
      20);
  EXPECT_EQ(
      find_series(transitions, {{"state_machine", "telemetry"}, {"state", "Store"}})->counter.value,
      1);

  const MetricFamily& sd = find_family(fs, "stepstream_state_duration_seconds");
  EXPECT_EQ(sd.type, MetricType::Histogram);
  const ClientMetric* done = find_series(sd, {{"state_machine", "orders"}, {"state", "Done"}});
  ASSERT_NE(done, nullptr);
  const auto& h = done->histogram;
  ASSERT_EQ(h.bucket.size(), kStateBucketsNs.size() + 1);
  EXPECT_EQ(h.sample_count, 20u);
  EXPECT_DOUBLE_EQ(h.sample_sum, 20 * 0.003);
  EXPECT_DOUBLE_EQ(h.bucket[3].upper_bound, 0.001);
  EXPECT_EQ(h.bucket[3].cumulative_count, 0u);  // 3 ms is above 1 ms
  EXPECT_DOUBLE_EQ(h.bucket[4].upper_bound, 0.01);
  EXPECT_EQ(h.bucket[4].cumulative_count, 20u);
  EXPECT_TRUE(std::isinf(h.bucket.back().upper_bound));
  EXPECT_EQ(h.bucket.back().cumulative_count, 20u);
  const ClientMetric* store = find_series(sd, {{"state_machine", "telemetry"}, {"state", "Store"}});
  EXPECT_EQ(store->histogram.bucket[kStateBucketsNs.size() - 1].cumulative_count, 0u);
  EXPECT_EQ(store->histogram.bucket.back().cumulative_count, 1u);
  EXPECT_DOUBLE_EQ(store->histogram.sample_sum, 400);

  const MetricFamily& ed = find_family(fs, "stepstream_execution_duration_seconds");
  const auto& eh = find_series(ed, {{"state_machine", "orders"}})->histogram;
  EXPECT_EQ(eh.sample_count, 20u);
  EXPECT_DOUBLE_EQ(eh.sample_sum, 20 * 0.0030205);

  const MetricFamily& dead = find_family(fs, "stepstream_dead_letters_total");
  EXPECT_EQ(dead.metric.size(), 2u * kDeadLetterReasons);
  EXPECT_EQ(find_series(dead, {{"state_machine", "orders"}, {"reason", "execution_failed"}})
                ->counter.value,
            2);

  const MetricFamily& depth = find_family(fs, "stepstream_queue_depth");
  EXPECT_EQ(depth.type, MetricType::Gauge);
  EXPECT_EQ(find_series(depth, {{"worker", "1"}})->gauge.value, 11);

  const MetricFamily& lag = find_family(fs, "stepstream_kafka_consumer_lag");
  EXPECT_EQ(lag.metric.size(), 2u);
  EXPECT_EQ(find_series(lag, {{"topic", "events"}, {"partition", "0"}})->gauge.value, 12);

  const MetricFamily& info = find_family(fs, "stepstream_build_info");
  ASSERT_EQ(info.metric.size(), 1u);
  EXPECT_EQ(info.metric[0].label, (std::vector<ClientMetric::Label>{{"version", "9.9.9-test"}}));
  EXPECT_EQ(info.metric[0].gauge.value, 1);

  for (const char* name :
       {"stepstream_task_retries_total", "stepstream_events_consumed_total",
        "stepstream_events_produced_total", "stepstream_log_records_dropped_total"})
    EXPECT_EQ(find_family(fs, name).type, MetricType::Counter) << name;
}

TEST(Collector, NoQueueDepthSourceMeansNoQueueDepthSeries) {
  auto m = make(two_machines(3));
  std::vector<MetricFamily> fs = Collector(*m).Collect();
  EXPECT_TRUE(find_family(fs, "stepstream_queue_depth").metric.empty());
}

TEST(Collector, ConsumerLagIsReplacedNotMerged) {
  auto m = make(two_machines(1));
  m->set_consumer_lag({{"a", 0, 1}, {"a", 1, 2}});
  m->set_consumer_lag({{"b", 4, 3}});
  std::vector<MetricFamily> fs = Collector(*m).Collect();
  const MetricFamily& lag = find_family(fs, "stepstream_kafka_consumer_lag");
  ASSERT_EQ(lag.metric.size(), 1u);
  EXPECT_NE(find_series(lag, {{"topic", "b"}, {"partition", "4"}}), nullptr);
}

TEST(Exposition, TextFormatHasTheSeriesAndEscapesLabels) {
  metrics::Setup s = two_machines(1);
  s.state_machines[1].states[0] = "Say \"hi\"\\now";
  auto m = make(std::move(s));
  m->slot(0).execution_started(0);
  m->slot(0).state_ended(1, 0, 1'000);
  Collector c(*m);
  std::string text = serialize({&c});
  EXPECT_NE(text.find("# TYPE stepstream_executions_started_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("stepstream_executions_started_total{state_machine=\"orders\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("stepstream_state_transitions_total{state_machine=\"telemetry\",state=\"Say "
                      "\\\"hi\\\"\\\\now\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("stepstream_build_info{version=\"9.9.9-test\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE stepstream_state_duration_seconds histogram\n"), std::string::npos);
}

TEST(MetricsSetup, TwoStateMachinesWithOneNameAreRefused) {
  metrics::Setup s = two_machines(1);
  s.state_machines[1].name = "orders";
  std::string error;
  EXPECT_EQ(Metrics::create(std::move(s), error), nullptr);
  EXPECT_NE(error.find("\"orders\""), std::string::npos) << error;
}

TEST(MetricsSetup, TimingSampleMustBeAPowerOfTwo) {
  for (uint32_t n : {0u, 3u, 12u}) {
    metrics::Setup s = two_machines(1);
    s.time_one_in = n;
    std::string error;
    EXPECT_EQ(Metrics::create(std::move(s), error), nullptr) << n;
    EXPECT_NE(error.find("power of two"), std::string::npos) << error;
  }
}

TEST(MetricsSetup, StatesOfOneMachineMustHaveDistinctNames) {
  metrics::Setup s = two_machines(1);
  s.state_machines[0].states[2] = "Validate";
  std::string error;
  EXPECT_EQ(Metrics::create(std::move(s), error), nullptr);
  EXPECT_NE(error.find("\"orders\""), std::string::npos) << error;
}

TEST(MetricsSetup, VersionDefaultsToThisBuild) {
  metrics::Setup s = two_machines(1);
  s.version.clear();
  auto m = make(std::move(s));
  EXPECT_EQ(m->setup().version, STEPSTREAM_VERSION_STRING);
}

}  // namespace
}  // namespace stepstream::metrics
