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
  // Frees everything for the next execution, keeping capacity.
  void reset();

  Status status() const { return status_; }
  const json::Value& output() const { return output_; }
  // For FAILED and TIMED_OUT: AWS omits an absent error or cause, so these may be empty.
  std::optional<std::string_view> error() const { return error_; }
  std::optional<std::string_view> cause() const { return cause_; }
  // For kWaiting: when to resume.
  int64_t wake_at() const { return wake_at_; }
  // The state the execution is in (or ended in, or failed in): an index into the Program's states.
  uint32_t state() const { return state_; }
  // History events in AWS's shapes, when recorded.
  const std::vector<json::Value>& history() const { return history_; }

 private:
  friend class Vm;
  json::Arena arena_;
  std::vector<json::Value> regs_;
  std::vector<uint32_t> builder_room_;  // per register: free slots of an object/array builder
  std::vector<json::Value> history_;
  json::Value input_, output_, context_;
  std::optional<std::string_view> error_, cause_;
  Identity id_;
  char run_id_[36] = {};  // an Express execution's run id, the last part of its ARN
  Status status_ = Status::kRunning;
  bool flag_ = false;
  bool context_valid_ = false;
  bool record_history_ = false;
  uint32_t pc_ = 0;
  uint32_t state_ = 0;
  uint32_t event_id_ = 0;       // id of the last history event (counted even when not kept)
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
  // Runs `exec` to its end, sleeping through waits (or jumping a VirtualClock over them).
  Status finish(Execution& exec);

  const bytecode::Program& program() const { return p_; }

 private:
  Status run(Execution& x);
  Status enter_state(Execution& x, uint32_t state, const json::Value& input);
  bool exit_state(Execution& x, const json::Value& output);
  Status succeed(Execution& x, const json::Value& output);
  Status fail(Execution& x, std::optional<std::string_view> error,
              std::optional<std::string_view> cause);
  Status throw_error(Execution& x, std::string_view error, std::string_view cause);
  Status raise(Execution& x, std::string_view error, std::string_view message);
  Status corrupt(Execution& x, uint32_t pc);
  Status raise_path_error(Execution& x, const bytecode::Site& site, const json::Value& root);
  Status wait(Execution& x, const json::Value& v, uint32_t mode, uint32_t site);
  Status timed_out(Execution& x);
  Status invoke(Execution& x, uint32_t dst, uint32_t resource, const json::Value& input);
  const json::Value& context(Execution& x);
  void event(Execution& x, std::string_view type, std::string_view details_key,
             const json::Value& details);

  const bytecode::Program& p_;
  Clock& clock_;
  Random& random_;
  Limits limits_;
  std::vector<const TaskHandler*> handlers_;  // by constant index of the Resource string
  bool uses_context_ = false;                 // some path reads $$
};

}  // namespace stepstream::vm
