// The streaming engine over Kafka: one consumer thread hands records, zero-copy, to the workers'
// queues; workers run them and write results through the shared producer; delivery reports
// finish offsets, and the consumer thread commits each partition's watermark. Rebalances and
// shutdown drain before they let go of partitions.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "connectors/kafka/producer.h"
#include "engine/logs/writer.h"
#include "engine/metrics/metrics.h"
#include "engine/runtime/worker.h"

namespace stepstream::kafka {

// One pipeline: topics in, a state machine, output and dead-letter topics out.
struct PipelineSpec {
  runtime::Pipeline pipeline;
  std::vector<std::string> input_topics;
  std::string output_topic;
  std::string
      dlq_topic;  // empty: failed executions and bad events are dropped (allowed explicitly)
  // Outputs carry the headers naming the execution, its status and the state machine; without
  // them each output costs about a quarter less CPU. Dead letters always carry theirs.
  bool output_headers = true;
};

struct RunnerOptions {
  std::string brokers;
  std::string group = "stepstream";
  Properties properties;  // librdkafka properties for the consumer and the producer
  size_t workers = 1;
  size_t max_in_flight = 32768;  // per worker: events queued or parked
  bool route_by_key = false;     // spread a partition's events over workers by key hash
  bool pin_workers = false;      // worker i on CPU i
  int commit_interval_ms = 500;
  int drain_timeout_ms = 20000;  // how long rebalances and shutdown wait for in-flight events
  // Optional, and outliving the Runner. Worker i counts in metrics->slot(i), which needs
  // metrics->setup().workers == workers and state machines in pipeline order; consumer lag comes
  // from librdkafka's statistics (statistics.interval.ms, 5 s unless a property says otherwise).
  metrics::Metrics* metrics = nullptr;
  // Execution log destinations, indexed by Pipeline::log_destination, each with a producer per
  // worker; logging needs `metrics` (dropped records are counted there).
  std::vector<logs::LogWriter*> log_writers;
};

// Counts since start, read on the consumer thread.
struct RunnerStatus {
  uint64_t consumed = 0;      // records handed to workers
  uint64_t outputs = 0;       // output records acknowledged
  uint64_t dead_letters = 0;  // dead letters acknowledged (or dropped, when allowed)
  uint64_t in_flight = 0;     // consumed and not yet finished
  int64_t lag = 0;            // records in the assigned partitions past the committed offsets
  size_t partitions = 0;      // assigned partitions
};

// Whether a property given for both clients (-X, or `kafka:` in a config) may be: empty when it
// may, else why not. The runner sets the brokers, the group and how offsets are committed itself.
std::string check_run_property(const std::string& key, const std::string& value);

class Runner {
 public:
  // Checks the options, creates the clients and subscribes; nothing is consumed before run().
  static std::unique_ptr<Runner> create(std::span<const PipelineSpec> pipelines,
                                        const RunnerOptions& options, std::string& error);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Consumes until `stop` turns true or a record cannot be delivered, then stops fetching,
  // drains, commits and leaves the group. `tick` runs on this thread about once a second.
  // Returns 0, or 3 when a record could not be delivered (its input is left uncommitted).
  int run(const std::atomic<bool>& stop, const std::function<void(const RunnerStatus&)>& tick);

  // For /readyz, from any thread: partitions are assigned and the producer reaches a broker.
  bool ready() const;

 private:
  struct Impl;
  explicit Runner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stepstream::kafka
