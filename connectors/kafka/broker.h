// The embedded broker: librdkafka's mock cluster, which speaks the Kafka protocol on loopback, so
// that the engine, kcat and any other client can run and be tested without a real cluster.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace stepstream::kafka {

class EmbeddedBroker {
 public:
  // Starts a cluster of `brokers` brokers on ports the kernel picks; nullptr with `error` set
  // when librdkafka cannot.
  static std::unique_ptr<EmbeddedBroker> start(int brokers, std::string& error);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:PORT,...": what clients give as bootstrap.servers.
  const std::string& bootstraps() const { return bootstraps_; }

  // Creates `topic` with `partitions` partitions (the mock cluster has no CreateTopics API).
  // Creating a topic that exists is not an error.
  [[nodiscard]] bool create_topic(std::string_view topic, int partitions, std::string& error);

 private:
  struct Impl;
  explicit EmbeddedBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string bootstraps_;
};

}  // namespace stepstream::kafka
