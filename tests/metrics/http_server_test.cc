// /metrics, /healthz and /readyz on one port, and the live exposition checked by promtool
// (Debian's prometheus package) while worker threads fill the metrics.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/metrics/collector.h"
#include "engine/metrics/http_server.h"
#include "tests/metrics/http_get.h"
#include "tests/support/run_command.h"

namespace stepstream::metrics {
namespace {

using testing_support::http_get;
using testing_support::http_request;

std::unique_ptr<Metrics> make(uint32_t workers, uint32_t others) {
  Setup s;
  // State names as ASL allows them: spaces, quotes, backslashes and non-ASCII.
  s.state_machines = {{"orders", {"Validate", "Route \"fast\"", "Done"}},
                      {"iot-telemetry", {"Parse", "Store\\Archive", "Ära"}}};
  s.workers = workers;
  s.other_threads = others;
  std::string error;
  auto m = Metrics::create(std::move(s), error);
  EXPECT_NE(m, nullptr) << error;
  return m;
}

std::unique_ptr<HttpServer> serve(Metrics& m, HttpServer::Ready ready = nullptr) {
  HttpOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  std::string error;
  auto server = HttpServer::start(o, {std::make_shared<Collector>(m)}, std::move(ready), error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

TEST(HttpServer, PortZeroPicksAFreePortAndReportsIt) {
  auto m = make(1, 0);
  auto a = serve(*m);
  auto b = serve(*m);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->port(), 0);
  EXPECT_NE(b->port(), 0);
  EXPECT_NE(a->port(), b->port());
  EXPECT_EQ(http_get(a->port(), "/healthz").status, 200);
  EXPECT_EQ(http_get(b->port(), "/healthz").status, 200);
}

TEST(HttpServer, ThreeEndpointsOnOnePort) {
  auto m = make(2, 0);
  std::atomic<bool> ready{false};
  auto server = serve(*m, [&ready] { return ready.load(); });
  ASSERT_NE(server, nullptr);
  uint16_t port = server->port();

  auto health = http_get(port, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");

  auto not_ready = http_get(port, "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.body, "not ready\n");
  ready = true;
  auto is_ready = http_get(port, "/readyz");
  EXPECT_EQ(is_ready.status, 200);
  EXPECT_EQ(is_ready.body, "ready\n");

  m->slot(1).execution_started(1);
  auto metrics = http_get(port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
      << metrics.headers;
  EXPECT_NE(
      metrics.body.find("stepstream_executions_started_total{state_machine=\"iot-telemetry\"} 1\n"),
      std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("stepstream_build_info{version=\""), std::string::npos);

  EXPECT_EQ(http_get(port, "/").status, 404);
  EXPECT_EQ(http_get(port, "/metricsx").status, 404);
  EXPECT_EQ(http_request(port, "POST", "/metrics").status, 405);
  auto head = http_request(port, "HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST(HttpServer, NoReadinessCallbackMeansReady) {
  auto m = make(1, 0);
  auto server = serve(*m);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(http_get(server->port(), "/readyz").status, 200);
}

TEST(HttpServer, ABusyPortIsAnErrorThatNamesIt) {
  auto m = make(1, 0);
  auto first = serve(*m);
  ASSERT_NE(first, nullptr);
  HttpOptions o;
  o.host = "127.0.0.1";
  o.port = first->port();
  std::string error;
  auto second = HttpServer::start(o, {std::make_shared<Collector>(*m)}, nullptr, error);
  EXPECT_EQ(second, nullptr);
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(first->port())), std::string::npos) << error;
}

// Workers fill their slots while /metrics is scraped; promtool then checks the final exposition.
TEST(HttpServer, LiveExpositionPassesPromtool) {
  constexpr uint32_t kWorkers = 3;
  constexpr uint32_t kPerWorker = 20'000;
  auto m = make(kWorkers, 1);
  m->set_queue_depth_source([](uint32_t w) { return int64_t{w} * 3; });
  m->set_consumer_lag({{"events", 0, 42}, {"events", 1, 0}});
  auto server = serve(*m, [] { return true; });
  ASSERT_NE(server, nullptr);

  std::atomic<uint32_t> done{0};
  std::vector<std::thread> workers;
  for (uint32_t w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&m, &done, w] {
      Slot& slot = m->slot(w);
      for (uint32_t i = 0; i < kPerWorker; ++i) {
        uint32_t sm = i % 2;
        slot.events_consumed();
        slot.execution_started(sm);
        for (uint32_t st = 0; st < 3; ++st)
          slot.state_ended(sm, st, int64_t{i} * 97 + st * 1'000);
        if (i % 50 == 0) slot.task_retry(sm);
        Status status = i % 7 == 0 ? Status::kFailed : Status::kSucceeded;
        slot.execution_finished(sm, status, int64_t{i} * 300);
        if (status == Status::kFailed) slot.dead_letter(sm, DeadLetter::kExecutionFailed);
      }
      done.fetch_add(1);
    });
  }
  std::thread producer([&m] {
    for (uint32_t i = 0; i < kWorkers * kPerWorker; ++i)
      m->slot(kWorkers).events_produced();
  });
  // Scrapes while the workers write: every answer must be whole, whatever the moment.
  int scrapes = 0;
  while (done.load() < kWorkers || scrapes < 3) {
    auto a = http_get(server->port(), "/metrics");
    ASSERT_EQ(a.status, 200);
    ASSERT_NE(a.body.find("stepstream_build_info"), std::string::npos);
    ++scrapes;
  }
  for (auto& t : workers)
    t.join();
  producer.join();

  auto a = http_get(server->port(), "/metrics");
  ASSERT_EQ(a.status, 200);
  const uint32_t per_machine = kWorkers * kPerWorker / 2;
  EXPECT_NE(a.body.find("stepstream_executions_started_total{state_machine=\"orders\"} " +
                        std::to_string(per_machine) + "\n"),
            std::string::npos);
  EXPECT_NE(a.body.find("stepstream_events_produced_total " +
                        std::to_string(kWorkers * kPerWorker) + "\n"),
            std::string::npos);
  EXPECT_NE(a.body.find("stepstream_kafka_consumer_lag{topic=\"events\",partition=\"0\"} 42\n"),
            std::string::npos);
  EXPECT_NE(a.body.find("stepstream_queue_depth{worker=\"2\"} 6\n"), std::string::npos);

  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("stepstream-exposition-" + std::to_string(getpid()) + ".txt");
  {
    std::ofstream out(file);
    out << a.body;
  }
  auto check = testing_support::run_command("promtool check metrics < " + file.string() + " 2>&1");
  std::filesystem::remove(file);
  ASSERT_NE(check.status, 127) << "promtool not found: install Debian's prometheus package "
                                  "(deploy/install-deps.sh)";
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_EQ(check.out, "");
}

}  // namespace
}  // namespace stepstream::metrics
