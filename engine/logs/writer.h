// The execution log pipeline: workers hand the records of each finished execution to a bounded
// queue and go on; one writer thread drains the queue into a Sink. A worker never waits: when
// its share of the queue is full, the records are dropped and counted in
// stepstream_log_records_dropped_total.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/json/value.h"
#include "engine/logs/level.h"
#include "engine/logs/sink.h"
#include "engine/metrics/metrics.h"

namespace stepstream::logs {

struct WriterOptions {
  uint32_t producers = 1;    // how many workers log (Producer objects), fixed at setup
  uint32_t capacity = 4096;  // per producer: executions queued before records are dropped
  // At stop, how long the writer keeps offering records to a sink that refuses them before it
  // counts them as dropped.
  int64_t stop_drain_ms = 5000;
};

class LogWriter {
  struct Shared;

 public:
  // `writer_slot` (the writer thread's own metrics slot) counts what is dropped at stop.
  LogWriter(std::unique_ptr<Sink> sink, WriterOptions options, metrics::Slot& writer_slot);
  ~LogWriter();  // stop()
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // One per worker, taken at setup; used by that worker's thread only, and destroyed before the
  // LogWriter (its queue token belongs to the writer's queue).
  class Producer {
   public:
    Producer(Producer&&) noexcept;
    Producer& operator=(Producer&&) noexcept;
    ~Producer();

    // Queues the records `policy` keeps of one execution's history (which may be freed once
    // this returns). Never blocks, never throws past allocation failure: when this producer's
    // share of the queue is full, the records are counted as dropped in `slot`. Returns how many
    // records were queued.
    uint32_t log(const LogPolicy& policy, std::string_view execution_arn,
                 std::span<const json::Value> history, metrics::Slot& slot);

   private:
    friend class LogWriter;
    struct State;
    explicit Producer(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  // Producer i of options.producers; each may be taken once.
  Producer producer(uint32_t i);

  // Writes out everything queued (offering records to a refusing sink for up to stop_drain_ms),
  // flushes the sink and ends the writer thread. Producers must not log after this starts.
  void stop();

  // Records written to the sink so far.
  uint64_t written() const { return written_.load(std::memory_order_relaxed); }

 private:
  void run();
  std::unique_ptr<Shared> shared_;
  std::unique_ptr<Sink> sink_;
  metrics::Slot& writer_slot_;
  std::atomic<uint64_t> written_{0};
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace stepstream::logs
