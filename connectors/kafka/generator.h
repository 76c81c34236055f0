// The demo feed: a thread that produces iot-telemetry-shaped events to a topic at a steady rate,
// keyed by device, with a malformed event now and then so that dead letters show too.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "connectors/kafka/producer.h"

namespace stepstream::kafka {

class DemoFeed {
 public:
  // One event in every `poison_every` is not JSON (0: none).
  static constexpr uint64_t kPoisonEvery = 5000;

  // Starts feeding `topic` at `brokers` with `rate` events per second.
  static std::unique_ptr<DemoFeed> start(const std::string& brokers, const std::string& topic,
                                         double rate, std::string& error);
  ~DemoFeed();
  DemoFeed(const DemoFeed&) = delete;
  DemoFeed& operator=(const DemoFeed&) = delete;

  uint64_t produced() const { return produced_.load(std::memory_order_relaxed); }

 private:
  DemoFeed() = default;
  void loop(double rate);

  std::unique_ptr<Producer> producer_;
  rd_kafka_topic_s* topic_ = nullptr;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> produced_{0};
  std::thread thread_;
};

}  // namespace stepstream::kafka
