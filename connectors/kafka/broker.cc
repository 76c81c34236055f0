// The mock cluster lives inside an rd_kafka_t handle that does nothing else; librdkafka runs the
// cluster's sockets on a thread of its own.
#include "connectors/kafka/broker.h"

#include "connectors/kafka/producer.h"

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must come after rdkafka.h.
#include <librdkafka/rdkafka_mock.h>

namespace stepstream::kafka {

struct EmbeddedBroker::Impl {
  rd_kafka_t* rk = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;

  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

EmbeddedBroker::EmbeddedBroker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  bootstraps_ = rd_kafka_mock_cluster_bootstraps(impl_->cluster);
}

EmbeddedBroker::~EmbeddedBroker() = default;

std::unique_ptr<EmbeddedBroker> EmbeddedBroker::start(int brokers, std::string& error) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only hosts the cluster: it has no brokers of its own to complain about, and
  // only errors are worth printing.
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    error = errstr;
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  impl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (impl->rk == nullptr) {  // rd_kafka_new frees conf only on success
    rd_kafka_conf_destroy(conf);
    error = errstr;
    return nullptr;
  }
  impl->cluster = rd_kafka_mock_cluster_new(impl->rk, brokers);
  if (impl->cluster == nullptr) {
    error = "cannot start the mock cluster (no loopback listener?)";
    return nullptr;
  }
  return std::unique_ptr<EmbeddedBroker>(new EmbeddedBroker(std::move(impl)));
}

bool EmbeddedBroker::create_topic(std::string_view topic, int partitions, std::string& error) {
  std::string name(topic);
  if (std::string why = topic_problem(topic); !why.empty()) {
    error = "cannot create topic " + name + ": " + why;
    return false;
  }
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(impl_->cluster, name.c_str(), partitions, 1);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    return true;
  error = "cannot create topic " + name + ": " + rd_kafka_err2str(err);
  return false;
}

}  // namespace stepstream::kafka
