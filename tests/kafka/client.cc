// The test client, straight librdkafka calls.
#include "tests/kafka/client.h"

#include <vector>

#include <librdkafka/rdkafka.h>

#include "connectors/kafka/produce.h"

namespace stepstream::testing_support {

namespace {

rd_kafka_conf_t* conf(const std::string& brokers) {
  char err[256];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_conf_set(c, "log_level", "3", err, sizeof err);
  return c;
}

}  // namespace

bool produce(const std::string& brokers, const std::string& topic, std::vector<Record>& records) {
  rd_kafka_conf_t* c = conf(brokers);
  char err[256];
  rd_kafka_conf_set(c, "enable.idempotence", "true", err, sizeof err);
  rd_kafka_conf_set_dr_msg_cb(c, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* r = static_cast<Record*>(m->_private);
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    r->partition = m->partition;
    r->offset = m->offset;
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
  if (rk == nullptr) return false;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  bool ok = true;
  for (Record& r : records) {
    int32_t partition = r.partition;
    r.partition = -1;
    r.offset = -1;
    stepstream::kafka::Record record;
    record.topic = rkt;
    record.partition = partition;
    record.value = r.value;
    record.key = r.key;
    record.opaque = &r;
    std::vector<stepstream::kafka::Header> headers;
    for (const auto& [name, value] : r.headers)
      headers.push_back({name, value});
    record.headers = headers.data();
    record.header_count = headers.size();
    rd_kafka_resp_err_t e;
    while ((e = stepstream::kafka::produce(rk, record)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 10);
    ok = ok && e == RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  ok = rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR && ok;
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  for (const Record& r : records)
    ok = ok && r.offset >= 0;
  return ok;
}

TopicReader::TopicReader(const std::string& brokers, const std::string& topic, int partitions) {
  rd_kafka_conf_t* c = conf(brokers);
  char err[256];
  rd_kafka_conf_set(c, "group.id", "stepstream-test-reader", err, sizeof err);
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
  rd_kafka_poll_set_consumer(rk_);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(l, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk_, l);  // no subscribe: nothing is committed, no group is joined
  rd_kafka_topic_partition_list_destroy(l);
}

TopicReader::~TopicReader() {
  rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
}

bool TopicReader::read_at_least(size_t n, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (records_.size() < n) {
    if (std::chrono::steady_clock::now() >= end) return false;
    poll(std::chrono::milliseconds(20));
  }
  return true;
}

void TopicReader::poll(std::chrono::milliseconds wait) {
  auto end = std::chrono::steady_clock::now() + wait;
  int timeout = static_cast<int>(wait.count());
  while (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout)) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Record r;
      r.key.assign(static_cast<const char*>(m->key), m->key_len);
      r.value.assign(static_cast<const char*>(m->payload), m->len);
      r.null_value = m->payload == nullptr;
      r.partition = m->partition;
      r.offset = m->offset;
      rd_kafka_headers_t* h = nullptr;
      if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0;
             rd_kafka_header_get_all(h, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
          r.headers[name] = std::string(static_cast<const char*>(value), size);
      }
      records_.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
    if (std::chrono::steady_clock::now() >= end) break;
    timeout = 100;
  }
}

std::vector<int64_t> committed(const std::string& brokers, const std::string& group,
                               const std::string& topic, int partitions) {
  rd_kafka_conf_t* c = conf(brokers);
  char err[256];
  rd_kafka_conf_set(c, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(l, topic.c_str(), p);
  std::vector<int64_t> out(static_cast<size_t>(partitions), -1);
  if (rd_kafka_committed(rk, l, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR)
    for (int i = 0; i < l->cnt; ++i)
      out[static_cast<size_t>(l->elems[i].partition)] = l->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace stepstream::testing_support
