// A worker: one thread with its own VMs (one per pipeline), JSON parser, executions and timer
// wheel, fed through a lock-free queue by the consumer thread. It runs each event as one Express
// execution and hands the result to its Sink; executions that park (Wait) sleep in its wheel
// while it runs other events.
#pragma once

#include <concurrentqueue/blockingconcurrentqueue.h>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/bytecode/program.h"
#include "engine/json/parse.h"
#include "engine/logs/level.h"
#include "engine/logs/writer.h"
#include "engine/metrics/metrics.h"
#include "engine/runtime/offset_tracker.h"
#include "engine/runtime/timer_wheel.h"
#include "engine/vm/vm.h"

namespace stepstream::runtime {

// A state machine the runtime runs on events. Everything it points to outlives the workers.
struct Pipeline {
  std::string name;  // the state machine's name: $$.StateMachine.Name and record headers
  const bytecode::Program* program = nullptr;
  vm::Limits limits;  // payload_bytes also bounds the raw event
  const vm::TaskRegistry* tasks = nullptr;
  // Execution logs as AWS writes them for Express workflows: which records, and to which of the
  // workers' log destinations (WorkerHooks::logs). Level OFF: none, and no history is kept.
  logs::LogPolicy log;
  uint32_t log_destination = 0;
};

// One input record handed to a worker. It travels through the queue by value; the bytes it views
// belong to the connector's record until the Sink releases it.
struct Event {
  std::string_view payload;
  std::string_view key;
  std::string_view topic;
  int64_t offset = 0;
  int32_t partition = 0;
  uint32_t pipeline = 0;                // index into the workers' pipelines
  void* record = nullptr;               // the connector's handle on the record
  OffsetTracker::Slot* slot = nullptr;  // to finish once the event's result is acknowledged
};

// What one event came to.
struct Result {
  const Event* event = nullptr;
  std::string_view execution;  // the execution name: "topic/partition/offset"
  vm::Status status = vm::Status::kSucceeded;
  std::string_view output;  // kSucceeded: the output JSON
  // Otherwise the event is a dead letter: why, and in which state (empty when none ran: the
  // input was not JSON, or over the payload limit). AWS may leave error or cause out.
  std::optional<std::string_view> error, cause;
  std::string_view failed_state;
};

// Where a worker's results go. Called on the worker's thread only.
class Sink {
 public:
  virtual ~Sink() = default;
  // Writes `r` (an output when it succeeded, else a dead letter) and takes its event over: the
  // Sink finishes the event's slot once the write is acknowledged and releases its record. It
  // blocks while the destination pushes back; it never drops.
  virtual void write(const Result& r) = 0;
  // The worker gives the event up unfinished (shutdown with an execution still parked): release
  // its record, never finish its slot, so that its offset is not committed and a restart runs it.
  virtual void abandon(const Event& e) = 0;
  // Called after every batch, busy or idle (at least every 20 ms): the Sink's chance to collect
  // acknowledgements on the worker's thread.
  virtual void poll() {}
};

// Per-worker counters, on their own cache line; read by other threads for status and metrics.
struct alignas(64) WorkerCounters {
  std::atomic<uint64_t> events{0};        // events finished (written or dead-lettered)
  std::atomic<uint64_t> dead_letters{0};  // of which dead letters
  std::atomic<uint64_t> parked{0};        // executions parked right now
};

// What a worker reports to, besides its Sink. Everything is optional.
struct WorkerHooks {
  metrics::Slot* metrics = nullptr;  // this worker's own slot; its pipeline index is the label
  // By Pipeline::log_destination; needs `metrics`, where records dropped are counted.
  std::vector<logs::LogWriter::Producer> logs;
};

class Worker {
 public:
  // `pipelines`, `sink` and `clock` outlive the worker. At most `max_in_flight` events are queued
  // or parked at once (the consumer checks full() before push()).
  Worker(std::span<const Pipeline> pipelines, Sink& sink, vm::Clock& clock, size_t max_in_flight,
         uint64_t seed, WorkerHooks hooks = {});
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // --- the feeding thread (one thread only: it owns the queue's producer token) ---
  bool full() const { return in_flight() >= max_in_flight_; }
  size_t in_flight() const { return in_flight_.load(std::memory_order_acquire); }
  size_t max_in_flight() const { return max_in_flight_; }
  void push(const Event& e) { push(&e, 1); }
  // One enqueue for many events: a sleeping worker is woken once, not once per event.
  void push(const Event* events, size_t n);

  // --- the worker's own thread ---
  // Runs the queued events (waiting up to `wait_us` for the first), then the parked executions
  // whose time has come. Returns how many events it ran or resumed.
  size_t step(int64_t wait_us);
  // Gives up every queued and parked event (Sink::abandon) once the thread has stopped.
  void abandon_all();

  // Starts the thread (pinned to `cpu` when it is not negative), which steps until stop().
  void start(int cpu);
  // Stops the thread and abandons what is left.
  void stop();

  const WorkerCounters& counters() const { return counters_; }

 private:
  // An execution, the event it runs and its name: address-stable, because a parked execution
  // keeps views of the name.
  // Feeds the metrics slot with an execution's state ends and retries.
  struct Watch final : vm::Observer {
    void state_ended(uint32_t state, int64_t duration_ns) override {
      slot->state_ended(sm, state, duration_ns);
    }
    void retried(uint32_t) override { slot->task_retry(sm); }
    metrics::Slot* slot = nullptr;
    uint32_t sm = 0;
  };
  static_assert(vm::Observer::kUntimed == metrics::kNotTimed);

  // Keeps the history events a log level logs, so that ERROR and FATAL logging serializes only
  // what it writes.
  struct LevelFilter final : vm::HistoryFilter {
    explicit LevelFilter(logs::Level l) : level(l) {}
    bool keeps(std::string_view type) const override { return logs::logs_event(level, type); }
    logs::Level level;
  };

  struct Run {
    vm::Execution exec;
    Event event;
    Watch watch;
    int64_t started = metrics::kNotTimed;  // when the execution started, if timed
    size_t name_len = 0;
    char name[320];  // "topic/partition/offset": topics have at most 249 characters
  };

  void process(const Event& e);
  void resume(uint32_t run);
  // Writes the result of a run that is no longer running, and frees the run.
  void conclude(uint32_t run);
  void dead_letter(const Event& e, std::string_view execution, std::string_view error,
                   std::string_view cause, metrics::DeadLetter reason);
  void log(Run& run);
  void done() { in_flight_.fetch_sub(1, std::memory_order_release); }
  static void bump(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  std::span<const Pipeline> pipelines_;
  Sink& sink_;
  vm::Clock& clock_;
  const size_t max_in_flight_;
  vm::Random random_;
  WorkerHooks hooks_;
  std::vector<std::unique_ptr<vm::Vm>> vms_;  // one per pipeline
  std::vector<LevelFilter> log_filters_;      // one per pipeline
  json::Parser parser_;
  std::vector<std::unique_ptr<Run>> runs_;  // a run's index is its id in the wheel
  std::vector<uint32_t> idle_runs_;
  TimerWheel wheel_;
  std::vector<uint32_t> due_;
  std::string out_;
  std::string cause_;
  std::string arn_;

  moodycamel::BlockingConcurrentQueue<Event> queue_;
  moodycamel::ProducerToken producer_token_;
  moodycamel::ConsumerToken consumer_token_;
  std::vector<Event> batch_;
  alignas(64) std::atomic<size_t> in_flight_{0};
  WorkerCounters counters_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace stepstream::runtime
