// One moodycamel queue shared by all workers (each with its own producer token) and drained by one
// writer thread. The bound is per producer and kept with two counters that each have a single
// writer: the producer counts what it queued, the writer what it took; no counter is contended.
// The strings that carry records go back to their producer for reuse, so a worker logging in
// steady state allocates nothing.
#include "engine/logs/writer.h"

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <cassert>
#include <chrono>

#include "engine/logs/record.h"

namespace stepstream::logs {

namespace {

constexpr uint32_t kStopMarker = UINT32_MAX;
constexpr size_t kDrainBatch = 64;
// A string that carried a record larger than this is freed rather than kept for reuse.
constexpr size_t kMaxSpareCapacity = 64 * 1024;

struct Batch {
  std::string text;  // the records of one execution, each followed by '\n'
  uint32_t records = 0;
  uint32_t lane = kStopMarker;  // the producer index; a default Batch is the stop marker
};

// One producer's counters and spare strings. The two counters sit on separate cache lines
// because different threads write them.
struct alignas(64) Lane {
  std::atomic<uint64_t> queued{0};             // written by the producer only
  alignas(64) std::atomic<uint64_t> taken{0};  // written by the writer only
  alignas(64) moodycamel::ConcurrentQueue<std::string> spare;
  bool handed_out = false;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct LogWriter::Shared {
  explicit Shared(const WriterOptions& o)
      : queue(static_cast<size_t>(o.capacity) * o.producers, o.producers, 1), options(o) {
    for (uint32_t i = 0; i < o.producers; ++i)
      lanes.push_back(std::make_unique<Lane>());
  }
  moodycamel::BlockingConcurrentQueue<Batch> queue;
  std::vector<std::unique_ptr<Lane>> lanes;
  WriterOptions options;
  std::atomic<bool> stop_requested{false};
};

struct LogWriter::Producer::State {
  State(Shared& s, uint32_t i) : shared(s), lane(*s.lanes[i]), index(i), token(s.queue) {}
  Shared& shared;
  Lane& lane;
  uint32_t index;
  moodycamel::ProducerToken token;
};

LogWriter::Producer::Producer(std::unique_ptr<State> state) : state_(std::move(state)) {}
LogWriter::Producer::Producer(Producer&&) noexcept = default;
LogWriter::Producer& LogWriter::Producer::operator=(Producer&&) noexcept = default;
LogWriter::Producer::~Producer() = default;

uint32_t LogWriter::Producer::log(const LogPolicy& policy, std::string_view execution_arn,
                                  std::span<const json::Value> history, metrics::Slot& slot) {
  if (policy.level == Level::kOff) return 0;
  State& s = *state_;
  const uint64_t queued = s.lane.queued.load(std::memory_order_relaxed);
  // `taken` never passes `queued`: a batch is counted as queued before the writer can see it.
  if (queued - s.lane.taken.load(std::memory_order_relaxed) >= s.shared.options.capacity) {
    slot.log_records_dropped(count_records(policy, history));
    return 0;
  }
  Batch b;
  if (s.lane.spare.try_dequeue(b.text)) b.text.clear();
  b.records = append_records(policy, execution_arn, history, b.text);
  if (b.records == 0) {
    s.lane.spare.enqueue(std::move(b.text));
    return 0;
  }
  b.lane = s.index;
  const uint32_t records = b.records;
  s.lane.queued.store(queued + 1, std::memory_order_relaxed);
  // Only an allocation failure makes this fail: the queue's blocks were sized at setup and are
  // reused, and the bound above is ours.
  if (!s.shared.queue.enqueue(s.token, std::move(b))) {
    s.lane.queued.store(queued, std::memory_order_relaxed);
    slot.log_records_dropped(records);
    return 0;
  }
  return records;
}

LogWriter::LogWriter(std::unique_ptr<Sink> sink, WriterOptions options, metrics::Slot& writer_slot)
    : shared_(std::make_unique<Shared>(options)),
      sink_(std::move(sink)),
      writer_slot_(writer_slot) {
  thread_ = std::thread([this] { run(); });
}

LogWriter::~LogWriter() {
  stop();
}

LogWriter::Producer LogWriter::producer(uint32_t i) {
  assert(i < shared_->lanes.size() && !shared_->lanes[i]->handed_out);
  shared_->lanes[i]->handed_out = true;
  return Producer(std::make_unique<Producer::State>(*shared_, i));
}

void LogWriter::stop() {
  if (stopped_) return;
  stopped_ = true;
  shared_->stop_requested.store(true, std::memory_order_relaxed);
  // Wakes the writer if it waits; it then drains what is left and ends.
  shared_->queue.enqueue(Batch{});
  thread_.join();
}

void LogWriter::run() {
  Shared& sh = *shared_;
  moodycamel::ConsumerToken consumer(sh.queue);
  std::vector<Batch> batches(kDrainBatch);
  bool stopping = false;
  int64_t deadline = 0;  // set once stop is requested
  auto give_up = [&] {
    if (!sh.stop_requested.load(std::memory_order_relaxed)) return false;
    if (deadline == 0) deadline = now_ms() + sh.options.stop_drain_ms;
    return now_ms() >= deadline;
  };
  for (;;) {
    size_t n = sh.queue.try_dequeue_bulk(consumer, batches.begin(), batches.size());
    if (n == 0) {
      // Producers have stopped before stop() was called, so an empty queue is the end.
      if (stopping) break;
      sink_->flush();
      n = sh.queue.wait_dequeue_bulk(consumer, batches.begin(), batches.size());
    }
    for (size_t i = 0; i < n; ++i) {
      Batch& b = batches[i];
      if (b.lane == kStopMarker) {
        stopping = true;
        continue;
      }
      std::string_view text = b.text;
      uint32_t written = 0;
      while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view record = text.substr(0, end);
        bool ok = sink_->write(record);
        // A refusing sink is back-pressure: offer the record again (the workers meanwhile drop
        // at their bound and count it); only at stop is there a deadline.
        while (!ok && !give_up()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          ok = sink_->write(record);
        }
        if (!ok) break;
        ++written;
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
      }
      written_.store(written_.load(std::memory_order_relaxed) + written, std::memory_order_relaxed);
      if (written < b.records) writer_slot_.log_records_dropped(b.records - written);
      Lane& lane = *sh.lanes[b.lane];
      lane.taken.store(lane.taken.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      if (b.text.capacity() <= kMaxSpareCapacity) lane.spare.enqueue(std::move(b.text));
      b.text = std::string();
    }
  }
  sink_->flush();
}

}  // namespace stepstream::logs
