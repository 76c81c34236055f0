// Execution log records to a Kafka topic: a logs::Sink over a producer of its own, so that log
// traffic never queues behind (or ahead of) the outputs whose acknowledgements commit offsets.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "connectors/kafka/producer.h"
#include "engine/logs/sink.h"
#include "engine/metrics/metrics.h"

namespace stepstream::kafka {

class KafkaLogSink final : public logs::Sink {
 public:
  // `properties` as for the engine's producer (bootstrap.servers among them). Records the broker
  // finally refuses are counted as dropped in `slot`, the log writer's own (only the writer's
  // thread calls a sink). Null, with `error` set, when librdkafka refuses the properties.
  static std::unique_ptr<KafkaLogSink> create(const Properties& properties,
                                              const std::string& topic, metrics::Slot& slot,
                                              std::string& error);
  ~KafkaLogSink() override;  // waits up to 5 s for what is still queued
  KafkaLogSink(const KafkaLogSink&) = delete;
  KafkaLogSink& operator=(const KafkaLogSink&) = delete;

  // False on QUEUE_FULL: the writer keeps the record and offers it again.
  bool write(std::string_view record) override;
  void flush() override;

 private:
  KafkaLogSink(std::unique_ptr<Producer> producer, metrics::Slot& slot)
      : producer_(std::move(producer)), slot_(slot) {}
  std::unique_ptr<Producer> producer_;
  rd_kafka_topic_s* topic_ = nullptr;
  metrics::Slot& slot_;
  uint64_t counted_ = 0;  // undelivered records already counted as dropped
};

}  // namespace stepstream::kafka
