// simdjson On-Demand over librdkafka's statistics: only topics.*.partitions.* is visited, and of
// each partition only its id, consumer_lag and whether it is assigned ("desired") are read.
#include "engine/metrics/kafka_stats.h"

#include <simdjson.h>

namespace stepstream::metrics {

namespace od = simdjson::ondemand;

namespace {

// simdjson's error codes end here: from now on the caller sees our message.
std::string describe(simdjson::error_code e) {
  return std::string("librdkafka statistics: ") + simdjson::error_message(e);
}

simdjson::error_code read_partitions(od::object partitions, std::string_view topic,
                                     std::vector<PartitionLag>& out) {
  for (auto field : partitions) {
    od::object p;
    if (auto e = field.value().get_object().get(p)) return e;
    int64_t id = -1, lag = -1;
    bool have_id = false, have_lag = false, desired = true;
    for (auto member : p) {
      std::string_view key;
      if (auto e = member.unescaped_key().get(key)) return e;
      if (key == "partition") {
        if (auto e = member.value().get_int64().get(id)) return e;
        have_id = true;
      } else if (key == "consumer_lag") {
        if (auto e = member.value().get_int64().get(lag)) return e;
        have_lag = true;
      } else if (key == "desired") {
        if (auto e = member.value().get_bool().get(desired)) return e;
      }
    }
    if (have_id && have_lag && desired && id >= 0 && lag >= 0)
      out.push_back({std::string(topic), static_cast<int32_t>(id), lag});
  }
  return simdjson::SUCCESS;
}

}  // namespace

struct KafkaStatsParser::Impl {
  od::parser parser;
  std::string buf;  // the document and simdjson's padding; capacity kept across documents
};

KafkaStatsParser::KafkaStatsParser() : impl_(std::make_unique<Impl>()) {}
KafkaStatsParser::~KafkaStatsParser() = default;

KafkaStatsResult KafkaStatsParser::parse(std::string_view json) {
  KafkaStatsResult r;
  std::string& buf = impl_->buf;
  buf.assign(json);
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  od::document doc;
  od::object root;
  auto e = impl_->parser.iterate(buf.data(), json.size(), buf.size()).get(doc);
  if (!e) e = doc.get_object().get(root);
  if (e) {
    r.error = describe(e);
    return r;
  }
  for (auto field : root) {
    std::string_view key;
    if ((e = field.unescaped_key().get(key))) break;
    if (key != "topics") continue;  // the value is skipped when the loop moves on
    od::object topics;
    if ((e = field.value().get_object().get(topics))) break;
    for (auto t : topics) {
      std::string_view topic;
      if ((e = t.unescaped_key().get(topic))) break;
      od::object fields;
      if ((e = t.value().get_object().get(fields))) break;
      for (auto tf : fields) {
        std::string_view tkey;
        if ((e = tf.unescaped_key().get(tkey))) break;
        if (tkey != "partitions") continue;
        od::object partitions;
        if ((e = tf.value().get_object().get(partitions))) break;
        if ((e = read_partitions(partitions, topic, r.lags))) break;
      }
      if (e) break;
    }
  }
  if (e) {
    r.lags.clear();
    r.error = describe(e);
  }
  return r;
}

}  // namespace stepstream::metrics
