// A real Prometheus server (Debian's prometheus package) scrapes a running `stepstream run` and
// answers queries for its series, with the counts of the events that went through.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "tests/kafka/client.h"
#include "tests/kafka/observed_engine.h"
#include "tests/metrics/prometheus_server.h"

namespace {

using namespace stepstream::testing_support;
using std::chrono::seconds;

TEST(PrometheusEngine, ScrapesARunningEngineAndAnswersForItsSeries) {
  TempDir dir;
  BrokerProcess broker(dir, "in,out,dlq", 2);
  ObservedEngine engine = start_observed(dir, broker.bootstraps(), {});
  ASSERT_NE(engine.port, 0) << engine.process->err();
  std::vector<Record> inputs;
  for (int i = 0; i < 50; ++i)
    inputs.push_back({"k" + std::to_string(i),
                      "{\"seq\":" + std::to_string(i) + ",\"type\":\"" + (i < 5 ? "fail" : "ok") +
                          "\",\"device_id\":\"d\"}",
                      {}});
  ASSERT_TRUE(produce(broker.bootstraps(), "in", inputs));

  PrometheusServer prometheus;
  std::string error;
  ASSERT_TRUE(prometheus.start(engine.port, error)) << error;
  stepstream::json::Arena arena;
  std::vector<stepstream::json::Value> done;
  // The counts Prometheus stores once the engine has run all 50 events and it has scraped since.
  const std::string promql = "stepstream_executions_finished_total%7Bstatus=%22SUCCEEDED%22%7D";
  ASSERT_TRUE(eventually(
      [&] {
        EXPECT_FALSE(prometheus.exited()) << prometheus.log();
        done = query(prometheus.port(), promql, arena);
        return done.size() == 1 && value(done[0]) == "45";
      },
      seconds(90)))
      << "prometheus log:\n"
      << prometheus.log() << "\nengine:\n"
      << engine.process->err();
  EXPECT_EQ(label(done[0], "state_machine"), "flaky-device");
  EXPECT_EQ(label(done[0], "instance"), "127.0.0.1:" + std::to_string(engine.port));
  auto failed = query(prometheus.port(),
                      "stepstream_dead_letters_total%7Breason=%22execution_failed%22%7D", arena);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(value(failed[0]), "5");
  auto states = query(prometheus.port(), "stepstream_state_transitions_total", arena);
  EXPECT_EQ(states.size(), 4u) << "one series per state: Check, Park, Echo, Broken";
  // Lag is known once a partition has a committed offset: one series per assigned partition.
  std::vector<stepstream::json::Value> lag;
  EXPECT_TRUE(eventually(
      [&] {
        return (lag = query(prometheus.port(), "stepstream_kafka_consumer_lag", arena)).size() == 2;
      },
      seconds(30)))
      << lag.size() << " lag series";
  auto up = query(prometheus.port(), "up", arena);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(value(up[0]), "1");

  engine.process->signal(SIGTERM);
  EXPECT_EQ(engine.process->wait(seconds(30)), 0) << engine.process->err();
}

}  // namespace
