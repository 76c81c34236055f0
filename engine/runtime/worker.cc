// The worker's loop: take a batch from the queue, run each event to its end or its first park,
// then wake the parked executions whose time has come.
#include "engine/runtime/worker.h"

#include <pthread.h>
#include <sched.h>

#include <cassert>
#include <charconv>
#include <cstring>

#include "engine/json/write.h"
#include "engine/logs/record.h"

namespace stepstream::runtime {

namespace {

constexpr size_t kBatch = 256;

// "topic/partition/offset" into `out` (320 bytes); returns the length.
size_t execution_name(const Event& e, char* out) {
  size_t n = std::min(e.topic.size(), size_t{249});
  std::memcpy(out, e.topic.data(), n);
  out[n++] = '/';
  n = static_cast<size_t>(std::to_chars(out + n, out + 320, e.partition).ptr - out);
  out[n++] = '/';
  return static_cast<size_t>(std::to_chars(out + n, out + 320, e.offset).ptr - out);
}

metrics::Status metrics_status(vm::Status s) {
  switch (s) {
    case vm::Status::kSucceeded:
      return metrics::Status::kSucceeded;
    case vm::Status::kTimedOut:
      return metrics::Status::kTimedOut;
    default:
      return metrics::Status::kFailed;
  }
}

}  // namespace

Worker::Worker(std::span<const Pipeline> pipelines, Sink& sink, vm::Clock& clock,
               size_t max_in_flight, uint64_t seed, WorkerHooks hooks)
    : pipelines_(pipelines),
      sink_(sink),
      clock_(clock),
      max_in_flight_(max_in_flight ? max_in_flight : 1),
      random_(seed),
      hooks_(std::move(hooks)),
      wheel_(clock.now()),
      producer_token_(queue_),
      consumer_token_(queue_),
      batch_(kBatch) {
  for (const Pipeline& p : pipelines_) {
    vms_.push_back(std::make_unique<vm::Vm>(*p.program, clock_, random_, p.limits, p.tasks));
    log_filters_.emplace_back(p.log.level);
  }
  out_.reserve(4096);
}

Worker::~Worker() {
  stop();
}

void Worker::push(const Event* events, size_t n) {
  if (n == 0) return;
  in_flight_.fetch_add(n, std::memory_order_relaxed);
  queue_.enqueue_bulk(producer_token_, events, n);
}

size_t Worker::step(int64_t wait_us) {
  size_t n = queue_.wait_dequeue_bulk_timed(consumer_token_, batch_.begin(), kBatch, wait_us);
  for (size_t i = 0; i < n; ++i)
    process(batch_[i]);
  sink_.poll();
  if (wheel_.empty()) return n;
  due_.clear();
  wheel_.expire(clock_.now(), due_);
  for (uint32_t run : due_)
    resume(run);
  return n + due_.size();
}

void Worker::process(const Event& e) {
  uint32_t id;
  if (idle_runs_.empty()) {
    id = static_cast<uint32_t>(runs_.size());
    runs_.push_back(std::make_unique<Run>());
  } else {
    id = idle_runs_.back();
    idle_runs_.pop_back();
  }
  Run& run = *runs_[id];
  run.event = e;
  if (hooks_.metrics != nullptr) hooks_.metrics->events_consumed();
  run.name_len = execution_name(e, run.name);
  std::string_view name(run.name, run.name_len);
  const Pipeline& p = pipelines_[e.pipeline];

  // AWS measures the input as the string it was given, before parsing.
  if (e.payload.size() > p.limits.payload_bytes) {
    cause_.assign("the input has ");
    cause_.append(std::to_string(e.payload.size()));
    cause_.append(" bytes, over the payload limit of ");
    cause_.append(std::to_string(p.limits.payload_bytes));
    cause_.append(" bytes");
    dead_letter(e, name, "States.DataLimitExceeded", cause_, metrics::DeadLetter::kInputTooLarge);
    idle_runs_.push_back(id);
    return;
  }
  run.exec.reset();
  json::ParseResult in = parser_.parse(e.payload, run.exec.arena());
  if (!in.ok()) {
    cause_.assign("the input is not valid JSON: ");
    cause_.append(in.error);
    dead_letter(e, name, "InvalidExecutionInput", cause_, metrics::DeadLetter::kInvalidEvent);
    idle_runs_.push_back(id);
    return;
  }
  vm::Identity identity;
  identity.state_machine_name = p.name;
  identity.execution_name = name;
  identity.express = true;
  if (metrics::Slot* slot = hooks_.metrics) {
    slot->execution_started(e.pipeline);
    const bool timed = slot->time_execution();
    run.watch.slot = slot;
    run.watch.sm = e.pipeline;
    run.exec.observe(&run.watch, timed);
    run.started = timed ? clock_.now() : metrics::kNotTimed;
  }
  const bool history = p.log.level != logs::Level::kOff;
  if (history && p.log.level != logs::Level::kAll)
    run.exec.keep_history_only(&log_filters_[e.pipeline]);
  if (vms_[e.pipeline]->start(run.exec, in.value, identity, history) == vm::Status::kWaiting) {
    wheel_.schedule(id, run.exec.wake_at());
    bump(counters_.parked);
    return;
  }
  conclude(id);
}

void Worker::resume(uint32_t id) {
  Run& run = *runs_[id];
  counters_.parked.store(counters_.parked.load(std::memory_order_relaxed) - 1,
                         std::memory_order_relaxed);
  if (vms_[run.event.pipeline]->resume(run.exec) == vm::Status::kWaiting) {
    wheel_.schedule(id, run.exec.wake_at());
    bump(counters_.parked);
    return;
  }
  conclude(id);
}

void Worker::conclude(uint32_t id) {
  Run& run = *runs_[id];
  const vm::Execution& x = run.exec;
  const uint32_t sm = run.event.pipeline;
  if (metrics::Slot* slot = hooks_.metrics) {
    slot->execution_finished(
        sm, metrics_status(x.status()),
        run.started == metrics::kNotTimed ? metrics::kNotTimed : clock_.now() - run.started);
    if (x.status() == vm::Status::kFailed)
      slot->dead_letter(sm, metrics::DeadLetter::kExecutionFailed);
    else if (x.status() == vm::Status::kTimedOut)
      slot->dead_letter(sm, metrics::DeadLetter::kExecutionTimedOut);
  }
  if (pipelines_[sm].log.level != logs::Level::kOff) log(run);
  Result r;
  r.event = &run.event;
  r.execution = std::string_view(run.name, run.name_len);
  r.status = x.status();
  if (x.status() == vm::Status::kSucceeded) {
    out_.clear();
    json::write(x.output(), out_);
    r.output = out_;
  } else {
    r.error = x.error();
    r.cause = x.cause();
    r.failed_state = vms_[run.event.pipeline]->program().state_name(x.state());
    bump(counters_.dead_letters);
  }
  sink_.write(r);
  bump(counters_.events);
  idle_runs_.push_back(id);
  done();
}

// Hands the execution's history to its pipeline's log destination; never waits.
void Worker::log(Run& run) {
  const Pipeline& p = pipelines_[run.event.pipeline];
  assert(p.log_destination < hooks_.logs.size() && hooks_.metrics != nullptr);
  const vm::Identity id;  // the region and account the VM gave $$.Execution.Id
  arn_ = logs::express_execution_arn(id.region, id.account, p.name,
                                     std::string_view(run.name, run.name_len),
                                     vms_[run.event.pipeline]->run_id(run.exec));
  hooks_.logs[p.log_destination].log(p.log, arn_, run.exec.history(), *hooks_.metrics);
}

void Worker::dead_letter(const Event& e, std::string_view execution, std::string_view error,
                         std::string_view cause, metrics::DeadLetter reason) {
  if (hooks_.metrics != nullptr) hooks_.metrics->dead_letter(e.pipeline, reason);
  Result r;
  r.event = &e;
  r.execution = execution;
  r.status = vm::Status::kFailed;
  r.error = error;
  r.cause = cause;
  sink_.write(r);
  bump(counters_.dead_letters);
  bump(counters_.events);
  done();
}

void Worker::abandon_all() {
  size_t n;
  while ((n = queue_.try_dequeue_bulk(consumer_token_, batch_.begin(), kBatch)) != 0) {
    for (size_t i = 0; i < n; ++i) {
      sink_.abandon(batch_[i]);
      done();
    }
  }
  due_.clear();
  wheel_.expire(INT64_MAX, due_);
  for (uint32_t id : due_) {
    sink_.abandon(runs_[id]->event);
    idle_runs_.push_back(id);
    done();
  }
  counters_.parked.store(0, std::memory_order_relaxed);
}

void Worker::start(int cpu) {
  stop_.store(false, std::memory_order_relaxed);
  thread_ = std::thread([this] {
    while (!stop_.load(std::memory_order_acquire))
      step(wheel_.empty() ? 20'000 : 1'000);
  });
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    // Best effort: a container may forbid the CPU; the worker then runs where it is put.
    pthread_setaffinity_np(thread_.native_handle(), sizeof set, &set);
  }
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  thread_.join();
  abandon_all();
}

}  // namespace stepstream::runtime
