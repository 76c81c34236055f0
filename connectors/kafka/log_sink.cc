// The Kafka log destination: each record is one message, unkeyed, copied into librdkafka's queue.
#include "connectors/kafka/log_sink.h"

#include <librdkafka/rdkafka.h>

#include "connectors/kafka/produce.h"

namespace stepstream::kafka {

std::unique_ptr<KafkaLogSink> KafkaLogSink::create(const Properties& properties,
                                                   const std::string& topic, metrics::Slot& slot,
                                                   std::string& error) {
  auto producer = Producer::create(properties, error);
  if (!producer) return nullptr;
  std::unique_ptr<KafkaLogSink> sink(new KafkaLogSink(std::move(producer), slot));
  sink->topic_ = sink->producer_->topic(topic);
  return sink;
}

KafkaLogSink::~KafkaLogSink() {
  producer_->flush(5000);
  uint64_t lost = producer_->undelivered();
  // What is still queued after the wait is lost with the producer: count it too.
  lost += static_cast<uint64_t>(rd_kafka_outq_len(producer_->handle()));
  if (lost > counted_) slot_.log_records_dropped(lost - counted_);
}

bool KafkaLogSink::write(std::string_view record) {
  Record r;
  r.topic = topic_;
  r.value = record;
  rd_kafka_resp_err_t err = produce(producer_->handle(), r);
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    producer_->poll(0);
    return false;
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) slot_.log_records_dropped();  // too large, say
  return true;
}

void KafkaLogSink::flush() {
  producer_->poll(0);
  // Delivery failures are counted on this thread, the only writer of the slot.
  uint64_t lost = producer_->undelivered();
  if (lost > counted_) {
    slot_.log_records_dropped(lost - counted_);
    counted_ = lost;
  }
}

}  // namespace stepstream::kafka
