// The feed keeps to its rate by producing, every millisecond, what the elapsed time allows.
#include "connectors/kafka/generator.h"

#include <librdkafka/rdkafka.h>

#include <chrono>

#include "connectors/demo/events.h"
#include "connectors/kafka/produce.h"

namespace stepstream::kafka {

namespace {

// The device_id of an event from demo::iot_event: its key.
std::string_view device_of(std::string_view event) {
  constexpr std::string_view kField = "\"device_id\":\"";
  size_t at = event.find(kField);
  if (at == std::string_view::npos) return {};
  at += kField.size();
  return event.substr(at, event.find('"', at) - at);
}

}  // namespace

std::unique_ptr<DemoFeed> DemoFeed::start(const std::string& brokers, const std::string& topic,
                                          double rate, std::string& error) {
  std::unique_ptr<DemoFeed> feed(new DemoFeed());
  feed->producer_ = Producer::create({{"bootstrap.servers", brokers}}, error);
  if (!feed->producer_) return nullptr;
  feed->topic_ = feed->producer_->topic(topic);
  feed->thread_ = std::thread([f = feed.get(), rate] { f->loop(rate); });
  return feed;
}

DemoFeed::~DemoFeed() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
  producer_->flush(2000);
}

void DemoFeed::loop(double rate) {
  auto start = std::chrono::steady_clock::now();
  uint64_t i = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto target = static_cast<uint64_t>(elapsed * rate);
    for (; i < target && !stop_.load(std::memory_order_relaxed); ++i) {
      std::string event = demo::iot_event(i);
      std::string key(device_of(event));
      if (kPoisonEvery != 0 && i % kPoisonEvery == kPoisonEvery - 1)
        event = "{\"event_id\": truncated";
      Record record;
      record.topic = topic_;
      record.value = event;
      record.key = key;
      rd_kafka_resp_err_t err;
      while ((err = produce(producer_->handle(), record)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        producer_->poll(1);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) break;
      produced_.fetch_add(1, std::memory_order_relaxed);
    }
    producer_->poll(1);
  }
}

}  // namespace stepstream::kafka
