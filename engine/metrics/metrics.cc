// Slot storage, the layout of the cells, and the scrape-time sum.
#include "engine/metrics/metrics.h"

#include <new>
#include <set>

namespace stepstream::metrics {

namespace {

constexpr size_t kCacheLine = 64;
constexpr size_t kCellsPerLine = kCacheLine / sizeof(std::atomic<uint64_t>);

}  // namespace

std::string_view name(Status s) {
  switch (s) {
    case Status::kSucceeded:
      return "SUCCEEDED";
    case Status::kFailed:
      return "FAILED";
    case Status::kTimedOut:
      return "TIMED_OUT";
    case Status::kAborted:
      return "ABORTED";
  }
  return "?";
}

std::string_view name(DeadLetter r) {
  switch (r) {
    case DeadLetter::kExecutionFailed:
      return "execution_failed";
    case DeadLetter::kExecutionTimedOut:
      return "execution_timed_out";
    case DeadLetter::kInvalidEvent:
      return "invalid_event";
    case DeadLetter::kInputTooLarge:
      return "input_too_large";
    case DeadLetter::kOutputTooLarge:
      return "output_too_large";
  }
  return "?";
}

Layout::Layout(const std::vector<StateMachine>& machines, uint32_t time_one_in)
    : sample_mask_(time_one_in - 1) {
  for (const StateMachine& m : machines) {
    machine_.push_back(cells_);
    cells_ += 1 + kStatuses + kDeadLetterReasons + 1 + kExecutionHistogramCells;
    state_base_.push_back(cells_);
    states_.push_back(static_cast<uint32_t>(m.states.size()));
    cells_ += static_cast<uint32_t>(m.states.size()) * kStateCells;
  }
}

void Slot::Free::operator()(std::atomic<uint64_t>* p) const {
  ::operator delete[](p, std::align_val_t{kCacheLine});
}

Slot::Slot(const Layout& layout, uint64_t seed) : layout_(&layout) {
  // Whole cache lines, aligned: the next slot's cells never share this slot's last line.
  size_t n = (layout.cells() + kCellsPerLine - 1) / kCellsPerLine * kCellsPerLine;
  auto* p = static_cast<std::atomic<uint64_t>*>(
      ::operator new[](n * sizeof(std::atomic<uint64_t>), std::align_val_t{kCacheLine}));
  for (size_t i = 0; i < n; ++i)
    new (p + i) std::atomic<uint64_t>(0);
  cells_.reset(p);
  cells_[Layout::kSampler].store(seed | 1, std::memory_order_relaxed);
}

std::unique_ptr<Metrics> Metrics::create(Setup setup, std::string& error) {
  std::set<std::string_view> names;
  for (const StateMachine& m : setup.state_machines) {
    if (!names.insert(m.name).second) {
      error = "two pipelines name their state machine \"" + m.name +
              "\": the state_machine label must tell them apart";
      return nullptr;
    }
    std::set<std::string_view> states(m.states.begin(), m.states.end());
    if (states.size() != m.states.size()) {
      error = "state machine \"" + m.name + "\" names two states alike";
      return nullptr;
    }
  }
  const uint32_t n = setup.time_one_in;
  if (n == 0 || (n & (n - 1)) != 0) {
    error = "metrics timing sample: one in " + std::to_string(n) + " is not a power of two";
    return nullptr;
  }
  if (setup.workers == 0) {
    error = "metrics need at least one worker";
    return nullptr;
  }
  if (setup.version.empty()) setup.version = STEPSTREAM_VERSION_STRING;
  return std::unique_ptr<Metrics>(new Metrics(std::move(setup)));
}

Metrics::Metrics(Setup setup)
    : setup_(std::move(setup)), layout_(setup_.state_machines, setup_.time_one_in) {
  uint32_t n = setup_.workers + setup_.other_threads;
  slots_.reserve(n);
  for (uint32_t i = 0; i < n; ++i)
    slots_.emplace_back(layout_, 0x9E3779B97F4A7C15ull * (i + 1));
}

void Metrics::set_queue_depth_source(std::function<int64_t(uint32_t worker)> source) {
  std::lock_guard lock(mu_);
  queue_depth_ = std::move(source);
}

void Metrics::set_produced_source(std::function<uint64_t()> source) {
  std::lock_guard lock(mu_);
  produced_ = std::move(source);
}

void Metrics::set_consumer_lag(std::vector<PartitionLag> lags) {
  std::lock_guard lock(mu_);
  consumer_lag_ = std::move(lags);
}

Snapshot Metrics::snapshot() const {
  Snapshot s;
  s.cells.assign(layout_.cells(), 0);
  for (const Slot& slot : slots_)
    for (uint32_t c = 0; c < layout_.cells(); ++c)
      if (c != Layout::kSampler) s.cells[c] += slot.read(c);
  std::lock_guard lock(mu_);
  if (queue_depth_) {
    s.queue_depth.reserve(setup_.workers);
    for (uint32_t w = 0; w < setup_.workers; ++w)
      s.queue_depth.push_back(queue_depth_(w));
  }
  if (produced_) s.cells[Layout::kEventsProduced] += produced_();
  s.consumer_lag = consumer_lag_;
  return s;
}

}  // namespace stepstream::metrics
