// A running `stepstream run` seen as an operator sees it: /metrics passes promtool and its series
// count exactly what went through, /healthz and /readyz answer, and execution logs at level ERROR
// reach a Kafka topic in the shape of AWS's Express log records.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "tests/kafka/client.h"
#include "tests/kafka/observed_engine.h"
#include "tests/metrics/http_get.h"

namespace {

using namespace stepstream::testing_support;
using std::chrono::seconds;

constexpr int kPartitions = 4;

// The value of the exposition line that starts with `series` (name and labels), or -1.
double sample(const std::string& exposition, const std::string& series) {
  size_t at = 0;
  while ((at = exposition.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || exposition[at - 1] == '\n')
      return std::stod(exposition.substr(at + series.size()));
    at += series.size();
  }
  return -1;
}

TEST(Observe, MetricsHealthReadinessAndExecutionLogsOfARunningEngine) {
  TempDir dir;
  BrokerProcess broker(dir, "in,out,dlq,logs", kPartitions);
  ObservedEngine engine = start_observed(
      dir, broker.bootstraps(), {"--log-level", "ERROR", "--log-destination", "kafka:logs"});
  ASSERT_NE(engine.port, 0) << "no metrics port announced:\n" << engine.process->err();
  EXPECT_EQ(http_get(engine.port, "/healthz").status, 200);
  EXPECT_TRUE(
      eventually([&] { return http_get(engine.port, "/readyz").status == 200; }, seconds(30)))
      << "never ready (partitions assigned, producer connected):\n"
      << engine.process->err();

  std::vector<Record> inputs;
  for (int i = 0; i < 200; ++i)
    inputs.push_back({"dev-" + std::to_string(i % 7),
                      "{\"seq\":" + std::to_string(i) + ",\"device_id\":\"d\",\"type\":\"" +
                          (i % 50 == 3 ? "fail" : "ok") + "\"}",
                      {}});
  inputs.push_back({"x", "not json", {}});
  inputs.push_back({"y", "{\"seq\":", {}});
  ASSERT_TRUE(produce(broker.bootstraps(), "in", inputs));

  // Counters are exact: 4 executions fail (seq 3, 53, 103, 153), 2 events are not JSON.
  const std::string sm = "{state_machine=\"flaky-device\"";
  std::string text;
  ASSERT_TRUE(eventually(
      [&] {
        text = http_get(engine.port, "/metrics").body;
        return sample(text, "stepstream_events_produced_total") == 202 &&
               sample(text, "stepstream_kafka_consumer_lag{topic=\"in\",partition=\"0\"}") == 0;
      },
      seconds(60)))
      << text << "\n"
      << engine.process->err();
  EXPECT_EQ(sample(text, "stepstream_events_consumed_total"), 202);
  EXPECT_EQ(sample(text, "stepstream_executions_started_total" + sm + "}"), 200);
  EXPECT_EQ(sample(text, "stepstream_executions_finished_total" + sm + ",status=\"SUCCEEDED\"}"),
            196);
  EXPECT_EQ(sample(text, "stepstream_executions_finished_total" + sm + ",status=\"FAILED\"}"), 4);
  EXPECT_EQ(sample(text, "stepstream_state_transitions_total" + sm + ",state=\"Check\"}"), 200);
  EXPECT_EQ(sample(text, "stepstream_state_transitions_total" + sm + ",state=\"Echo\"}"), 196);
  EXPECT_EQ(sample(text, "stepstream_state_transitions_total" + sm + ",state=\"Broken\"}"), 4);
  EXPECT_EQ(sample(text, "stepstream_dead_letters_total" + sm + ",reason=\"execution_failed\"}"),
            4);
  EXPECT_EQ(sample(text, "stepstream_dead_letters_total" + sm + ",reason=\"invalid_event\"}"), 2);
  EXPECT_EQ(sample(text, "stepstream_task_retries_total" + sm + "}"), 0);
  EXPECT_GE(sample(text, "stepstream_queue_depth{worker=\"1\"}"), 0);
  EXPECT_NE(text.find("stepstream_execution_duration_seconds_bucket{"), std::string::npos);
  EXPECT_NE(text.find("stepstream_state_duration_seconds_bucket{"), std::string::npos);
  EXPECT_NE(text.find("stepstream_build_info{version=\""), std::string::npos);
  EXPECT_EQ(sample(text, "stepstream_log_records_dropped_total"), 0);
  for (int p = 0; p < kPartitions; ++p)
    EXPECT_EQ(sample(text, "stepstream_kafka_consumer_lag{topic=\"in\",partition=\"" +
                               std::to_string(p) + "\"}"),
              0)
        << "every offset is committed once the outputs are acknowledged";

  write_text(dir.file("metrics.txt"), text);
  ASSERT_EQ(shell("promtool check metrics < " + dir.file("metrics.txt") + " > " +
                  dir.file("promtool.txt") + " 2>&1"),
            0)
      << read_text(dir.file("promtool.txt"));

  // Level ERROR logs, of the failed executions only, FailStateEntered and ExecutionFailed.
  TopicReader logs(broker.bootstraps(), "logs", kPartitions);
  ASSERT_TRUE(logs.read_at_least(8, seconds(30)));
  logs.poll(std::chrono::milliseconds(500));
  ASSERT_EQ(logs.records().size(), 8u);
  int entered = 0, failed = 0;
  for (const Record& r : logs.records()) {
    entered += r.value.find("\"type\":\"FailStateEntered\"") != std::string::npos;
    failed += r.value.find("\"type\":\"ExecutionFailed\"") != std::string::npos;
    EXPECT_NE(r.value.find("\"execution_arn\":\"arn:aws:states:us-east-1:123456789012:express:"
                           "flaky-device:in/"),
              std::string::npos)
        << r.value;
    EXPECT_NE(r.value.find("\"event_timestamp\":\""), std::string::npos) << r.value;
  }
  EXPECT_EQ(entered, 4);
  EXPECT_EQ(failed, 4);

  engine.process->signal(SIGTERM);
  EXPECT_EQ(engine.process->wait(seconds(30)), 0) << engine.process->err();
}

}  // namespace
