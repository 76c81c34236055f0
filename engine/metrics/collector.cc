// Metric families built at scrape time from the summed cells: names in Prometheus's conventions
// (one prefix, base units, _total on counters), every fixed label set exposed even at zero.
#include "engine/metrics/collector.h"

#include <prometheus/text_serializer.h>

#include <limits>
#include <string>

namespace stepstream::metrics {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr double kNanosPerSecond = 1e9;

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

ClientMetric& add(MetricFamily& f, std::vector<ClientMetric::Label> labels) {
  ClientMetric& m = f.metric.emplace_back();
  m.label = std::move(labels);
  return m;
}

void add_counter(MetricFamily& f, std::vector<ClientMetric::Label> labels, uint64_t v) {
  add(f, std::move(labels)).counter.value = static_cast<double>(v);
}

// A histogram whose cells start at `first`: its buckets (one per bound and +Inf), then its sum.
void add_histogram(MetricFamily& f, std::vector<ClientMetric::Label> labels,
                   std::span<const int64_t> bounds, const std::vector<uint64_t>& cells,
                   uint32_t first) {
  ClientMetric::Histogram& h = add(f, std::move(labels)).histogram;
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += cells[first + i];
    double le = i < bounds.size() ? static_cast<double>(bounds[i]) / kNanosPerSecond
                                  : std::numeric_limits<double>::infinity();
    h.bucket.push_back({cumulative, le});
  }
  h.sample_count = cumulative;
  h.sample_sum = static_cast<double>(cells[first + bounds.size() + 1]) / kNanosPerSecond;
}

}  // namespace

std::vector<MetricFamily> Collector::Collect() const {
  const Setup& setup = metrics_.setup();
  const Layout& layout = metrics_.layout();
  const Snapshot s = metrics_.snapshot();
  const std::vector<uint64_t>& c = s.cells;

  MetricFamily started = family("stepstream_executions_started_total",
                                "Executions started, one per event.", MetricType::Counter);
  MetricFamily finished = family("stepstream_executions_finished_total",
                                 "Executions ended, by AWS execution status.", MetricType::Counter);
  const std::string sampled =
      setup.time_one_in == 1
          ? std::string(", every execution timed.")
          : ", timed on one execution in " + std::to_string(setup.time_one_in) + " at random.";
  MetricFamily duration =
      family("stepstream_execution_duration_seconds",
             "Time from an execution's start to its end" + sampled, MetricType::Histogram);
  MetricFamily transitions = family("stepstream_state_transitions_total",
                                    "States entered, by state.", MetricType::Counter);
  MetricFamily state_duration =
      family("stepstream_state_duration_seconds",
             "Time from a state's entry to its exit or failure" + sampled, MetricType::Histogram);
  MetricFamily retries = family("stepstream_task_retries_total",
                                "Task attempts retried by a Retry rule.", MetricType::Counter);
  MetricFamily dead =
      family("stepstream_dead_letters_total", "Events sent to the dead-letter topic, by reason.",
             MetricType::Counter);

  for (uint32_t sm = 0; sm < layout.state_machines(); ++sm) {
    const std::string& machine = setup.state_machines[sm].name;
    add_counter(started, {{"state_machine", machine}}, c[layout.started(sm)]);
    for (uint32_t st = 0; st < kStatuses; ++st) {
      auto status = static_cast<Status>(st);
      add_counter(finished, {{"state_machine", machine}, {"status", std::string(name(status))}},
                  c[layout.finished(sm, status)]);
    }
    add_histogram(duration, {{"state_machine", machine}}, kExecutionBucketsNs, c,
                  layout.execution_histogram(sm));
    for (uint32_t st = 0; st < layout.states(sm); ++st) {
      const std::string& state = setup.state_machines[sm].states[st];
      add_counter(transitions, {{"state_machine", machine}, {"state", state}},
                  c[layout.transitions(sm, st)]);
      add_histogram(state_duration, {{"state_machine", machine}, {"state", state}}, kStateBucketsNs,
                    c, layout.state_histogram(sm, st));
    }
    add_counter(retries, {{"state_machine", machine}}, c[layout.task_retries(sm)]);
    for (uint32_t r = 0; r < kDeadLetterReasons; ++r) {
      auto reason = static_cast<DeadLetter>(r);
      add_counter(dead, {{"state_machine", machine}, {"reason", std::string(name(reason))}},
                  c[layout.dead_letters(sm, reason)]);
    }
  }

  MetricFamily lag = family("stepstream_kafka_consumer_lag",
                            "Messages between a partition's end and the group's committed offset, "
                            "from librdkafka's statistics.",
                            MetricType::Gauge);
  for (const PartitionLag& p : s.consumer_lag)
    add(lag, {{"topic", p.topic}, {"partition", std::to_string(p.partition)}}).gauge.value =
        static_cast<double>(p.lag);

  MetricFamily depth =
      family("stepstream_queue_depth", "Events waiting in a worker's queue.", MetricType::Gauge);
  for (uint32_t w = 0; w < s.queue_depth.size(); ++w)
    add(depth, {{"worker", std::to_string(w)}}).gauge.value = static_cast<double>(s.queue_depth[w]);

  MetricFamily consumed = family("stepstream_events_consumed_total",
                                 "Events taken from the input topics.", MetricType::Counter);
  add_counter(consumed, {}, c[Layout::kEventsConsumed]);
  MetricFamily produced = family(
      "stepstream_events_produced_total",
      "Records acknowledged by the broker on output and dead-letter topics.", MetricType::Counter);
  add_counter(produced, {}, c[Layout::kEventsProduced]);
  MetricFamily dropped = family("stepstream_log_records_dropped_total",
                                "Execution log records dropped because the log destination could "
                                "not keep up.",
                                MetricType::Counter);
  add_counter(dropped, {}, c[Layout::kLogRecordsDropped]);
  MetricFamily info =
      family("stepstream_build_info", "Always 1; labelled with the build.", MetricType::Gauge);
  add(info, {{"version", setup.version}}).gauge.value = 1;

  std::vector<MetricFamily> out;
  for (MetricFamily* f : {&started, &finished, &duration, &transitions, &state_duration, &retries,
                          &dead, &lag, &depth, &consumed, &produced, &dropped, &info})
    out.push_back(std::move(*f));
  return out;
}

std::string serialize(const std::vector<const prometheus::Collectable*>& collectables) {
  std::vector<MetricFamily> families;
  for (const prometheus::Collectable* c : collectables) {
    std::vector<MetricFamily> more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace stepstream::metrics
