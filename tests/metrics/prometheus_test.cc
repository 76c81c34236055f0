// A real Prometheus server (Debian's prometheus package) scrapes the metrics server and answers
// queries for its series through its HTTP API. (tests/kafka's prometheus_engine_test does the same
// against a running `stepstream run`.)
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/metrics/collector.h"
#include "engine/metrics/http_server.h"
#include "tests/metrics/prometheus_server.h"

namespace stepstream::metrics {
namespace {

using testing_support::label;
using testing_support::PrometheusServer;
using testing_support::query;
using testing_support::value;

TEST(Prometheus, ScrapesTheEngineAndAnswersQueriesForItsSeries) {
  metrics::Setup setup;
  setup.state_machines = {{"orders", {"Validate", "Done"}}};
  setup.workers = 2;
  setup.version = "1.2.3-it";
  std::string error;
  auto m = Metrics::create(setup, error);
  ASSERT_NE(m, nullptr) << error;
  for (uint32_t w = 0; w < 2; ++w) {
    for (int i = 0; i < 5; ++i) {
      m->slot(w).execution_started(0);
      m->slot(w).state_ended(0, 0, 2'000);
      m->slot(w).state_ended(0, 1, 3'000);
      m->slot(w).execution_finished(0, Status::kSucceeded, 5'000);
    }
  }
  HttpOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  auto server = HttpServer::start(o, {std::make_shared<Collector>(*m)}, nullptr, error);
  ASSERT_NE(server, nullptr) << error;

  PrometheusServer prometheus;
  ASSERT_TRUE(prometheus.start(server->port(), error)) << error;

  // Prometheus needs a moment to start and a scrape interval to scrape: poll its API, bounded.
  json::Arena arena;
  std::vector<json::Value> info;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (info.empty() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_FALSE(prometheus.exited()) << "prometheus ended:\n" << prometheus.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    info = query(prometheus.port(), "stepstream_build_info", arena);
  }
  ASSERT_EQ(info.size(), 1u) << "no stepstream_build_info series; prometheus log:\n"
                             << prometheus.log();
  EXPECT_EQ(label(info[0], "__name__"), "stepstream_build_info");
  EXPECT_EQ(label(info[0], "version"), "1.2.3-it");
  EXPECT_EQ(label(info[0], "job"), "stepstream");
  EXPECT_EQ(label(info[0], "instance"), "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(value(info[0]), "1");

  // The same scrape brought the counters and histograms in, summed over both workers.
  auto started = query(prometheus.port(), "stepstream_executions_started_total", arena);
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(label(started[0], "state_machine"), "orders");
  EXPECT_EQ(value(started[0]), "10");
  auto buckets = query(
      prometheus.port(),
      "stepstream_state_duration_seconds_bucket%7Bstate=%22Done%22,le=%22%2BInf%22%7D", arena);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(value(buckets[0]), "10");
  auto up = query(prometheus.port(), "up%7Bjob=%22stepstream%22%7D", arena);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(value(up[0]), "1");
}

}  // namespace
}  // namespace stepstream::metrics
