// The producer side: one idempotent, acks=all producer shared by every worker, and the per-worker
// Sink that turns results into output and dead-letter records. A record's delivery report
// finishes its input's offset; QUEUE_FULL is back-pressure (poll, retry), never a drop.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/metrics/metrics.h"
#include "engine/runtime/worker.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;
struct rd_kafka_conf_s;

namespace stepstream::kafka {

using Properties = std::vector<std::pair<std::string, std::string>>;

class Producer {
 public:
  // `properties` are librdkafka's (bootstrap.servers among them); idempotence and acks=all are
  // set first and cannot be turned off. nullptr with `error` when librdkafka refuses them.
  static std::unique_ptr<Producer> create(const Properties& properties, std::string& error);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  rd_kafka_s* handle() const { return rk_; }
  // A topic handle for producing to `name`; call before the workers start (not thread-safe).
  rd_kafka_topic_s* topic(const std::string& name);

  // Serves delivery reports (on the calling thread) for up to `timeout_ms`.
  void poll(int timeout_ms);
  // Waits until every record is acknowledged or failed; false on timeout.
  bool flush(int timeout_ms);

  // A record could not be delivered: its input must never be committed, and the engine stops.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::string failure() const;
  void fail(std::string why);

  // Whether a broker answers a metadata request within `timeout_ms` (for /readyz).
  bool connected(int timeout_ms) const;

  // Acknowledged records, for status and metrics.
  uint64_t outputs_acked() const { return outputs_acked_.load(std::memory_order_relaxed); }
  uint64_t dead_letters_acked() const {
    return dead_letters_acked_.load(std::memory_order_relaxed);
  }
  // Records librdkafka gave up on (each also fails the producer).
  uint64_t undelivered() const { return undelivered_.load(std::memory_order_relaxed); }

 private:
  Producer() = default;
  static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);

  rd_kafka_s* rk_ = nullptr;
  std::vector<std::pair<std::string, rd_kafka_topic_s*>> topics_;
  std::atomic<bool> failed_{false};
  mutable std::mutex failure_mutex_;
  std::string failure_;
  std::atomic<uint64_t> outputs_acked_{0};
  std::atomic<uint64_t> dead_letters_acked_{0};
  std::atomic<uint64_t> undelivered_{0};
};

// Routes a client's log lines to stderr, leaving out librdkafka's warnings that a property of the
// shared `kafka:` map belongs to the other kind of client.
void set_log(rd_kafka_conf_s* conf);

// Whether `key`=`value` may be given to the producer: empty when librdkafka accepts it and it
// leaves what at-least-once needs as it is (idempotence, acks=all), else why not.
std::string check_property(const std::string& key, const std::string& value);

// Why `key`=`value` may not be given when `key`, or librdkafka's other name for it, is one of the
// `fixed` properties and `value` says otherwise than its fixed value ("stays V: " + `why`); empty
// when it may. Values compare as librdkafka reads them: booleans as true/t/1 or false/f/0 in any
// case, acks=all as -1.
std::string fixed_property_problem(std::string_view key, std::string_view value,
                                   std::span<const std::pair<const char*, const char*>> fixed,
                                   std::string_view why);

// Why `name` cannot name a Kafka topic (at most 249 of the letters, digits, '.', '_' and '-', and
// not "." or ".."): empty when it can.
std::string topic_problem(std::string_view name);

// Where one pipeline's records go.
struct Route {
  rd_kafka_topic_s* output = nullptr;
  rd_kafka_topic_s* dead_letters = nullptr;  // nullptr: failures are dropped (allowed explicitly)
  std::string state_machine;                 // the pipeline's name, for headers
  bool output_headers = true;                // outputs carry the stepstream.* headers
};

// One per worker; writes on the worker's thread.
class KafkaSink final : public runtime::Sink {
 public:
  // `give_up` turns a wait on a full producer queue into abandoning the event (shutdown).
  KafkaSink(Producer& producer, std::span<const Route> routes, const std::atomic<bool>& give_up)
      : producer_(producer), routes_(routes), give_up_(give_up) {}

  void write(const runtime::Result& r) override;
  void abandon(const runtime::Event& e) override;
  // Serves delivery reports here: the records this thread allocated are then freed by it too,
  // which keeps glibc's per-thread caches warm (a consumer-thread poll made every allocation
  // cross threads and was the workers' largest cost).
  void poll() override;

  // The worker's metrics slot (the sink writes on the worker's thread): outputs the broker
  // refuses become dead letters, counted there.
  void set_metrics(metrics::Slot* slot) { metrics_ = slot; }

  // Dead letters dropped because their pipeline has no dead-letter topic.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void write_output(const runtime::Result& r, const Route& route);
  void write_dead_letter(const runtime::Result& r, const Route& route, std::string_view error,
                         std::string_view cause);

  Producer& producer_;
  std::span<const Route> routes_;
  const std::atomic<bool>& give_up_;
  std::string scratch_;
  metrics::Slot* metrics_ = nullptr;
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace stepstream::kafka
