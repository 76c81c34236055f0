// Reads consumer lag out of librdkafka's statistics JSON (the stats callback's document, every
// statistics.interval.ms): topics.<topic>.partitions.<partition>.consumer_lag.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/metrics/metrics.h"

namespace stepstream::metrics {

struct KafkaStatsResult {
  std::vector<PartitionLag> lags;  // partitions whose lag is known, in document order
  std::string error;               // empty on success
  bool ok() const { return error.empty(); }
};

// One per stats callback thread; keeps its parser and buffer across documents.
class KafkaStatsParser {
 public:
  KafkaStatsParser();
  ~KafkaStatsParser();
  KafkaStatsParser(const KafkaStatsParser&) = delete;
  KafkaStatsParser& operator=(const KafkaStatsParser&) = delete;

  // Skips the internal unassigned partition (-1), partitions not assigned to this consumer
  // ("desired": false, say just revoked) and partitions whose lag librdkafka does not know yet
  // (-1: no committed offset or no high watermark).
  [[nodiscard]] KafkaStatsResult parse(std::string_view json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stepstream::metrics
