// The engine's metrics, kept the Seastar way: every thread that counts (a worker, the consumer,
// the producer's delivery thread) owns one Slot of cells on cache lines of its own and bumps them
// with relaxed stores; no lock, no atomic read-modify-write, no line shared between writers on the
// data path. A scrape sums the slots. Label sets are fixed at setup, so a per-state counter is an
// index into an array, never a lookup per event.
#pragma once

#include <array>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stepstream::metrics {

// The status label of stepstream_executions_finished_total: AWS's names for how an execution ends.
enum class Status : uint8_t { kSucceeded, kFailed, kTimedOut, kAborted };
inline constexpr uint32_t kStatuses = 4;
std::string_view name(Status s);  // "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"

// The reason label of stepstream_dead_letters_total.
enum class DeadLetter : uint8_t {
  kExecutionFailed,    // the execution ended FAILED
  kExecutionTimedOut,  // the execution ended TIMED_OUT
  kInvalidEvent,       // the event was not JSON the engine could run on
  kInputTooLarge,      // the event was over the payload limit
  kOutputTooLarge,     // the output could not be produced (beyond the topic's message size)
};
inline constexpr uint32_t kDeadLetterReasons = 5;
std::string_view name(DeadLetter r);  // "execution_failed", "execution_timed_out", ...

// Histogram upper bounds in nanoseconds, what callers observe; exposed in seconds. A last, +Inf
// bucket follows them. Executions run from microseconds (a Pass chain) to the five minutes an
// Express execution may last; single states start below a microsecond.
inline constexpr std::array<int64_t, 15> kExecutionBucketsNs = {
    10'000,        50'000,        100'000,        500'000,        1'000'000,
    5'000'000,     10'000'000,    50'000'000,     100'000'000,    500'000'000,
    1'000'000'000, 5'000'000'000, 10'000'000'000, 60'000'000'000, 300'000'000'000};
inline constexpr std::array<int64_t, 10> kStateBucketsNs = {
    1'000,       10'000,        100'000,        1'000'000,      10'000'000,
    100'000'000, 1'000'000'000, 10'000'000'000, 60'000'000'000, 300'000'000'000};

// The bucket `v` falls in: the first bound it does not exceed, or bounds.size() (+Inf).
inline uint32_t bucket_of(std::span<const int64_t> bounds, int64_t v) {
  uint32_t i = 0;
  while (i < bounds.size() && v > bounds[i])
    ++i;
  return i;
}

// One state machine (pipeline) as the metrics know it: its label and its states' names, indexed
// as the Program indexes them.
struct StateMachine {
  std::string name;
  std::vector<std::string> states;
};

struct Setup {
  std::vector<StateMachine> state_machines;
  uint32_t workers = 1;        // slots [0, workers): stepstream_queue_depth{worker}
  uint32_t other_threads = 0;  // slots after them, for threads that count but run no executions
  std::string version;         // stepstream_build_info{version}; empty: this build's version
  // Durations are measured on one execution in this many (a power of two), drawn at random per
  // worker; counts are always exact. Reading the clock at every state boundary costs more than
  // the whole metric update (two dozen ns per read, five reads for a four-state execution, on
  // half a microsecond of work), while a sample describes the distribution as well: at a million
  // executions a second a worker still times 15,000. One in 16 cost iot-telemetry's worker 1.5%
  // in clock reads alone (BM_IotWorker*), one in 64 a fourth of that. 1 times every one.
  uint32_t time_one_in = 64;
};

// A duration that was not measured: the execution was not drawn for timing.
inline constexpr int64_t kNotTimed = INT64_MIN;

// Where each cell of a slot lives. A slot is: the global cells, then per state machine its
// counters and execution histogram, then per state its transitions counter and histogram. A
// histogram is its buckets (not cumulative: each observation bumps one) followed by its sum in
// nanoseconds; its count is the sum of its buckets, computed at scrape time.
class Layout {
 public:
  static constexpr uint32_t kEventsConsumed = 0;
  static constexpr uint32_t kEventsProduced = 1;
  static constexpr uint32_t kLogRecordsDropped = 2;
  static constexpr uint32_t kSampler = 3;  // the timing sampler's random state, not exposed
  static constexpr uint32_t kGlobals = 4;
  static constexpr uint32_t kExecutionHistogramCells = kExecutionBucketsNs.size() + 2;
  static constexpr uint32_t kStateHistogramCells = kStateBucketsNs.size() + 2;
  static constexpr uint32_t kStateCells = 1 + kStateHistogramCells;

  Layout(const std::vector<StateMachine>& machines, uint32_t time_one_in);

  uint32_t cells() const { return cells_; }
  uint32_t state_machines() const { return static_cast<uint32_t>(machine_.size()); }
  uint32_t states(uint32_t sm) const { return states_[sm]; }

  uint32_t started(uint32_t sm) const { return machine_[sm]; }
  uint32_t finished(uint32_t sm, Status s) const {
    return machine_[sm] + 1 + static_cast<uint32_t>(s);
  }
  uint32_t dead_letters(uint32_t sm, DeadLetter r) const {
    return machine_[sm] + 1 + kStatuses + static_cast<uint32_t>(r);
  }
  uint32_t task_retries(uint32_t sm) const {
    return machine_[sm] + 1 + kStatuses + kDeadLetterReasons;
  }
  uint32_t execution_histogram(uint32_t sm) const { return task_retries(sm) + 1; }
  uint32_t transitions(uint32_t sm, uint32_t state) const {
    return state_base_[sm] + state * kStateCells;
  }
  uint32_t state_histogram(uint32_t sm, uint32_t state) const { return transitions(sm, state) + 1; }

 private:
  friend class Slot;
  std::vector<uint32_t> machine_;     // first cell of each state machine's block
  std::vector<uint32_t> state_base_;  // first cell of its states' blocks
  std::vector<uint32_t> states_;      // its number of states
  uint32_t cells_ = kGlobals;
  uint64_t sample_mask_ = 0;  // time_one_in - 1
};

// One thread's cells. Only its owner writes them (a load and a store, both relaxed: there is no
// other writer, so no read-modify-write is needed); a scrape reads them from another thread. The
// cells start on a cache line of their own and fill whole lines, so no two slots share one.
class Slot {
 public:
  // `seed` starts the timing sampler; slots should differ.
  Slot(const Layout& layout, uint64_t seed);
  Slot(Slot&&) noexcept = default;
  Slot& operator=(Slot&&) noexcept = default;

  void execution_started(uint32_t sm) { bump(layout_->machine_[sm]); }
  // Whether to measure this execution's durations (Setup::time_one_in). Ask once per execution,
  // before it starts, and read the clock at its state boundaries only when true.
  bool time_execution() {
    if (layout_->sample_mask_ == 0) return true;
    std::atomic<uint64_t>& c = cells_[Layout::kSampler];
    uint64_t x = c.load(std::memory_order_relaxed);  // xorshift64: never 0 once seeded
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c.store(x, std::memory_order_relaxed);
    return (x & layout_->sample_mask_) == 0;
  }
  // A state ended: it exited, failed, or the execution ended in it; one call per state entered.
  // `duration_ns` from its entry, or kNotTimed.
  void state_ended(uint32_t sm, uint32_t state, int64_t duration_ns = kNotTimed) {
    assert(sm < layout_->states_.size() && state < layout_->states_[sm]);
    uint32_t first = layout_->state_base_[sm] + state * Layout::kStateCells;
    bump(first);
    if (duration_ns != kNotTimed) observe(first + 1, kStateBucketsNs, duration_ns);
  }
  void execution_finished(uint32_t sm, Status s, int64_t duration_ns = kNotTimed) {
    bump(layout_->finished(sm, s));
    if (duration_ns != kNotTimed)
      observe(layout_->execution_histogram(sm), kExecutionBucketsNs, duration_ns);
  }
  void task_retry(uint32_t sm, uint64_t n = 1) { bump(layout_->task_retries(sm), n); }
  void dead_letter(uint32_t sm, DeadLetter r) { bump(layout_->dead_letters(sm, r)); }
  void events_consumed(uint64_t n = 1) { bump(Layout::kEventsConsumed, n); }
  void events_produced(uint64_t n = 1) { bump(Layout::kEventsProduced, n); }
  void log_records_dropped(uint64_t n = 1) { bump(Layout::kLogRecordsDropped, n); }

  uint64_t read(uint32_t cell) const { return cells_[cell].load(std::memory_order_relaxed); }
  // Where the cells start (whole cache lines from there): for tests of the layout.
  const void* storage() const { return cells_.get(); }

 private:
  struct Free {
    void operator()(std::atomic<uint64_t>* p) const;
  };
  void bump(uint32_t cell, uint64_t n = 1) {
    std::atomic<uint64_t>& c = cells_[cell];
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void observe(uint32_t first, std::span<const int64_t> bounds, int64_t ns) {
    if (ns < 0) ns = 0;  // a clock stepped back: count it in the first bucket
    bump(first + bucket_of(bounds, ns));
    bump(first + static_cast<uint32_t>(bounds.size()) + 1, static_cast<uint64_t>(ns));
  }
  std::unique_ptr<std::atomic<uint64_t>[], Free> cells_;
  const Layout* layout_;
};

// Consumer lag of one partition, from librdkafka's statistics.
struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t lag = 0;
  bool operator==(const PartitionLag&) const = default;
};

// Every slot summed, and the gauges, at one scrape.
struct Snapshot {
  std::vector<uint64_t> cells;       // by Layout cell (the sampler's reads 0)
  std::vector<int64_t> queue_depth;  // by worker; empty when no source is set
  std::vector<PartitionLag> consumer_lag;
};

class Metrics {
 public:
  // Null, with `error` set, when the setup cannot be exposed (two state machines with one name
  // would give two series the same labels).
  static std::unique_ptr<Metrics> create(Setup setup, std::string& error);

  const Setup& setup() const { return setup_; }
  const Layout& layout() const { return layout_; }
  uint32_t slots() const { return static_cast<uint32_t>(slots_.size()); }
  // Worker w's slot is slot(w); the other threads' follow. Each is written by one thread only.
  Slot& slot(uint32_t i) { return slots_[i]; }

  // Called at each scrape for each worker's queue depth; set before serving.
  void set_queue_depth_source(std::function<int64_t(uint32_t worker)> source);
  // Called at each scrape for records produced beyond what the slots count: a producer whose
  // delivery reports come on whichever thread polls it keeps its own count.
  void set_produced_source(std::function<uint64_t()> source);
  // Replaces the consumer lag series (partitions revoked since the last call disappear).
  void set_consumer_lag(std::vector<PartitionLag> lags);

  Snapshot snapshot() const;

 private:
  explicit Metrics(Setup setup);
  Setup setup_;
  Layout layout_;
  std::vector<Slot> slots_;
  mutable std::mutex mu_;  // guards the sources below; never taken on the data path
  std::function<int64_t(uint32_t)> queue_depth_;
  std::function<uint64_t()> produced_;
  std::vector<PartitionLag> consumer_lag_;
};

}  // namespace stepstream::metrics
