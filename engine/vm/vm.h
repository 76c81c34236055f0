// The interpreter. An Execution is a resumable object: its registers, program counter, current
// state and flag live in it, never on the C++ stack, so that a Wait (and later a Retry back-off,
// an asynchronous Task or a Map iteration) parks it while its worker runs other events.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/bytecode/program.h"
#include "engine/json/value.h"
#include "engine/vm/clock.h"
#include "engine/vm/integrations.h"
#include "engine/vm/intrinsics.h"
#include "engine/vm/task.h"

namespace stepstream::vm {

enum class Status : uint8_t { kRunning, kWaiting, kSucceeded, kFailed, kTimedOut };
std::string_view name(Status s);  // "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", ...

// Who an execution is, for the context object ($$) and history. Strings must outlive it.
struct Identity {
  std::string_view state_machine_name = "stepstream";
  std::string_view execution_name = "execution";
  std::string_view role_arn = "arn:aws:iam::123456789012:role/stepstream";
  std::string_view region = "us-east-1";
  std::string_view account = "123456789012";
  bool express = false;
  bool sync = false;  // started as StartSyncExecution does: its context has no RedriveCount
};

// Told of each state's end, for per-state metrics; the runtime implements it. Called on the thread
// that runs the execution, at most once per state entered.
class Observer {
 public:
  static constexpr int64_t kUntimed = INT64_MIN;
  // A state ended: it exited (to its Next, to a Catch's Next, or ending its frame) or failed with
  // an error no Catch took. `duration_ns` since it was entered, Retry back-offs included, or
  // kUntimed when the execution is not timed (Execution::observe).
  virtual void state_ended(uint32_t state, int64_t duration_ns) = 0;
  // A Retry rule sent `state` round again.
  virtual void retried(uint32_t state) = 0;

 protected:
  ~Observer() = default;
};

// Which history event types an execution keeps when it records history: execution logs at ERROR
// or FATAL need a few types, not every state's input and output serialized. Event ids count every
// event either way, so the kept ones carry the ids and predecessors AWS would give them.
class HistoryFilter {
 public:
  virtual bool keeps(std::string_view type) const = 0;

 protected:
  ~HistoryFilter() = default;
};

struct Limits {
  size_t payload_bytes = 256 * 1024;  // States.DataLimitExceeded beyond this
  int64_t max_duration_ns = 0;        // a cap beside the definition's TimeoutSeconds; 0: none
};

class Execution {
 public:
  Execution() = default;
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  // Where the input, every intermediate value and the output live.
  json::Arena& arena() { return arena_; }
  // Frees everything for the next execution, keeping capacity (and forgets the observer).
  void reset();
  // Between reset() and Vm::start(): tells `observer` of every state's end, with its duration
  // when `timed` (which costs a clock read per state boundary).
  void observe(Observer* observer, bool timed) {
    observer_ = observer;
    timed_ = timed;
  }
  // Between reset() and Vm::start(..., record_history = true): keep only the events `filter`
  // keeps (null: all of them).
  void keep_history_only(const HistoryFilter* filter) { history_filter_ = filter; }

  Status status() const { return status_; }
  const json::Value& output() const { return output_; }
  // For FAILED and TIMED_OUT: AWS omits an absent error or cause, so these may be empty.
  std::optional<std::string_view> error() const { return error_; }
  std::optional<std::string_view> cause() const { return cause_; }
  // For kWaiting: when to resume (INT64_MAX when only an asynchronous task can wake it).
  int64_t wake_at() const { return wake_at_; }
  // The execution's deadline (machine TimeoutSeconds or the Limits cap), 0 for none: a timer
  // wheel wakes a parked execution at min(wake_at, deadline) so that it times out on time.
  int64_t deadline() const { return deadline_; }
  // The state the execution is in (or ended in, or failed in): an index into the Program's states.
  uint32_t state() const { return state_; }
  // History events in AWS's shapes, when recorded.
  const std::vector<json::Value>& history() const { return history_; }

 private:
  friend class Vm;
  static constexpr uint32_t kNoFrame = 0xFFFFFFFFu;

  // A thread of control: the execution itself (frame 0), a Parallel branch or a Map iteration.
  // Children run one at a time on the worker's thread; a frame that parks lets another run.
  struct Frame {
    enum class Run : uint8_t { kFree, kRunnable, kWaiting, kPending, kForked };
    Run run = Run::kFree;
    uint32_t generation =
        0;  // new at each use (Execution::last_generation_): tells stale tickets apart
    uint32_t parent = kNoFrame;
    uint32_t index = 0;  // branch or item index in the parent's fork
    uint32_t pc = 0, state = 0, entered_event = 0;
    int64_t entered_time = 0;
    int64_t wake_at = 0;              // kWaiting: resume time; kPending: the task's deadline
    uint32_t task = 0, task_dst = 0;  // kPending: the task and the register for its result
    bool heartbeat = false;  // kPending: the deadline is the heartbeat's, not the timeout's
    bool in_map = false;     // a Map iteration: $$.Map.Item is `item`
    json::Value item;
    // As the parent of a running fork (kForked):
    uint32_t fork = 0, dst = 0, total = 0, started = 0, finished = 0, failed = 0, running = 0;
    uint32_t limit = 0;                      // most children at once
    uint32_t tolerated_count = 0xFFFFFFFFu;  // most failures tolerated (Map)
    double tolerated_percentage = -1;
    json::Value* results = nullptr;
    json::Value items, child_input;
  };

  json::Arena arena_;
  std::vector<json::Value> regs_;       // num_registers per frame
  std::vector<uint32_t> builder_room_;  // per register: free slots of an object/array builder
  std::vector<Frame> frames_;
  std::vector<uint32_t> free_frames_, runnable_;
  std::vector<uint32_t> retries_;      // per frame: attempts of each Retry rule of its state
  std::vector<uint32_t> invocations_;  // per state: Task invocations so far
  std::vector<json::Value> history_;
  json::Value input_, output_, context_;
  std::optional<std::string_view> error_, cause_;
  Identity id_;
  char run_id_[36] = {};  // an Express execution's run id, the last part of its ARN
  Status status_ = Status::kRunning;
  bool flag_ = false;
  bool stop_ = false;  // the current frame cannot go on: run another, or park
  bool context_valid_ = false;
  // The error being raised is a heartbeat's States.Timeout, which States.HeartbeatTimeout names.
  bool heartbeat_timeout_ = false;
  bool record_history_ = false;
  bool timed_ = false;  // read the clock at each state's entry, for the observer
  Observer* observer_ = nullptr;
  const HistoryFilter* history_filter_ = nullptr;
  // The current frame, live (saved into frames_ when another frame runs).
  uint32_t cur_ = 0, base_ = 0;
  uint32_t pc_ = 0;
  uint32_t state_ = 0;
  uint32_t event_id_ = 0;  // id of the last history event (counted even when not kept)
  // The last generation given to a frame. Never reset, so that a task ticket (frame and
  // generation) from an earlier execution on this object matches no frame of a later one.
  uint32_t last_generation_ = 0;
  uint32_t entered_event_ = 0;  // id of the current state's StateEntered event
  int64_t start_time_ = 0, entered_time_ = 0, wake_at_ = 0, deadline_ = 0;
};

class Vm {
 public:
  // `tasks` answers Task resources; it is consulted once here, never per event.
  Vm(const bytecode::Program& program, Clock& clock, Random& random, Limits limits = {},
     const TaskRegistry* tasks = nullptr);

  // Starts `exec` on `input` (which must live in exec.arena()) and runs it until it ends or
  // parks (kWaiting).
  Status start(Execution& exec, const json::Value& input, const Identity& id,
               bool record_history = false);
  // Continues a parked execution once the clock has reached its wake time.
  Status resume(Execution& exec);
  // Delivers the answer of a Task handler that returned kPending, and runs on.
  Status complete_task(Execution& exec, uint64_t ticket, TaskOutcome outcome,
                       const TaskResult& result);
  // Runs `exec` to its end, sleeping through waits (or jumping a VirtualClock over them).
  // An execution waiting on an asynchronous task cannot be finished this way.
  Status finish(Execution& exec);

  const bytecode::Program& program() const { return p_; }
  // An Express execution's run id, the last part of its ARN (drawn on first use: the same one
  // $$.Execution.Id shows).
  std::string_view run_id(Execution& exec);

 private:
  using Frame = Execution::Frame;
  // Which history events a Task logs, by its resource, as AWS logs them: Task* for service
  // integrations, LambdaFunction* for a Lambda function ARN, Activity* for an activity ARN.
  enum class EventFamily : uint8_t { kTask, kLambda, kActivity };
  static EventFamily event_family(std::string_view resource);

  Status run(Execution& x);
  void run_frame(Execution& x);
  Status proceed(Execution& x);
  bool next_frame(Execution& x);
  void save_frame(Execution& x);
  void load_frame(Execution& x, uint32_t f);
  void stop_frame(Execution& x, Frame::Run run, int64_t wake_at);
  uint32_t alloc_frame(Execution& x);
  void free_frame(Execution& x, uint32_t f);
  void abort_children(Execution& x, uint32_t parent);
  json::Value* regs(Execution& x) { return x.regs_.data() + x.base_; }

  void enter_state(Execution& x, uint32_t state, const json::Value& input);
  bool exit_state(Execution& x, const json::Value& output);
  void state_ended(Execution& x);
  // Whether the history keeps an event of `type` (its id is counted either way).
  static bool keeps(const Execution& x, std::string_view type) {
    return x.record_history_ && (x.history_filter_ == nullptr || x.history_filter_->keeps(type));
  }
  void succeed(Execution& x, const json::Value& output);
  void fail(Execution& x, std::optional<std::string_view> error,
            std::optional<std::string_view> cause);
  // Errors travel as optionals: a task may fail with neither error nor cause, as AWS allows.
  using Text = std::optional<std::string_view>;
  void fail_frame(Execution& x, Text error, Text cause);
  void throw_error(Execution& x, Text error, Text cause);
  bool retry(Execution& x, Text error);
  // Whether one of `count` error names from `begin` (of a Retry or Catch rule) names `error`.
  bool names(const Execution& x, uint32_t begin, uint32_t count, Text error) const;
  bool catch_error(Execution& x, Text error, Text cause);
  void raise(Execution& x, std::string_view error, std::string_view message);
  void corrupt(Execution& x, uint32_t pc);
  void raise_path_error(Execution& x, const bytecode::Site& site, const json::Value& root);
  void wait(Execution& x, const json::Value& v, uint32_t mode, uint32_t site);
  void timed_out(Execution& x);
  void invoke(Execution& x, uint32_t dst, uint32_t task, const json::Value& input);
  void task_answered(Execution& x, uint32_t task, uint32_t dst, TaskOutcome outcome,
                     const TaskResult& result);
  // What a site's path reads: the context object for a "$$" path, else register `reg`.
  json::Value site_root(Execution& x, const bytecode::Site& s, uint32_t reg);
  bool read_count(Execution& x, uint32_t site, uint32_t root, std::string_view what, uint32_t& out);
  void fork(Execution& x, bool map, uint32_t dst, const json::Value& input, uint32_t fork);
  void start_child(Execution& x, uint32_t parent, uint32_t index);
  void child_done(Execution& x, bool ok, const json::Value& output, Text error, Text cause);
  void fork_done(Execution& x, uint32_t parent);
  const json::Value& context(Execution& x);
  void event(Execution& x, std::string_view type, std::string_view details_key,
             const json::Value& details);

  const bytecode::Program& p_;
  Clock& clock_;
  Random& random_;
  Limits limits_;
  std::vector<const TaskHandler*> handlers_;  // by task index
  std::vector<Integration> integrations_;     // by task index: whose parameter checks apply
  std::vector<EventFamily> families_;         // by task index
  uint32_t max_retriers_ = 0;                 // the most Retry rules of any one state
  bool uses_context_ = false;                 // some path reads $$
  // The paths of PATH and PATHOPT, by instruction: a chain of fields ($.a.b, most paths) as its
  // steps_[first, first + count), each with the member index where its name was found last (a
  // json::Value::find hint). Per instruction, not per site or path: one path read in two states
  // usually meets documents of two shapes.
  struct Step {
    const char* name;  // in the Program's path
    uint32_t size;
    uint32_t hint;
  };
  struct Lookup {
    bool context = false;  // the path starts at $$
    bool chain = false;    // a chain of fields, else evaluated in full
    uint32_t first = 0, count = 0;
  };
  std::vector<Step> steps_;
  std::vector<Lookup> lookups_;
};

}  // namespace stepstream::vm
