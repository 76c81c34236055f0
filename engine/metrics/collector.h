// The bridge to prometheus-cpp: a Collectable that turns a scrape's summed cells into metric
// families, which prometheus-cpp's TextSerializer writes in Prometheus's text format.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "engine/metrics/metrics.h"

namespace stepstream::metrics {

class Collector final : public prometheus::Collectable {
 public:
  // `metrics` must outlive the collector.
  explicit Collector(const Metrics& metrics) : metrics_(metrics) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Metrics& metrics_;
};

// The text exposition of `collectables`, as served on /metrics.
std::string serialize(const std::vector<const prometheus::Collectable*>& collectables);

}  // namespace stepstream::metrics
