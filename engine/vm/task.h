// Task handlers: what answers a Task state's Resource. Handlers are registered by resource
// pattern ('*' matches any run of characters) and resolved once per Program, not per event.
// A handler answers at once (kSucceeded, kFailed) or later (kPending): then the execution parks
// until its owner calls Vm::complete_task, so I/O-bound integrations never block a worker.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/json/value.h"

namespace stepstream::vm {

class Execution;

enum class TaskOutcome : uint8_t { kSucceeded, kFailed, kPending };

// One invocation of a Task state.
struct TaskCall {
  std::string_view resource;
  std::string_view state_name;
  std::string_view execution_name;
  std::string_view state_machine_name;
  const json::Value& input;  // the effective input, after InputPath and Parameters
  json::Arena& arena;        // where a result (and error/cause text) must be allocated
  // How many times this execution invoked this state's Task before (retries and Map iterations
  // included), counting from 0: Step Functions Local mock configs key their responses by it.
  uint32_t invocation;
  // For kPending: hand `execution` and `ticket` back to Vm::complete_task, on the worker that
  // owns the execution. A ticket whose call was abandoned (its branch failed) is ignored.
  Execution& execution;
  uint64_t ticket;
};

struct TaskResult {
  json::Value output;      // kSucceeded
  std::string_view error;  // kFailed: e.g. "States.TaskFailed"; in the arena or static; empty
                           // for a failure that names no error (only States.ALL matches it)
  std::string_view cause;  // kFailed: may be empty
  bool has_cause = false;  // AWS leaves out an absent cause
};

class TaskHandler {
 public:
  virtual ~TaskHandler() = default;
  virtual TaskOutcome invoke(const TaskCall& call, TaskResult& result) const = 0;
};

class TaskRegistry {
 public:
  void add(std::string pattern, std::shared_ptr<const TaskHandler> handler) {
    entries_.emplace_back(std::move(pattern), std::move(handler));
  }
  // The first handler whose pattern matches `resource`, or nullptr.
  const TaskHandler* resolve(std::string_view resource) const;

  // Built-in handlers by name: "echo" returns its input; "fail", "fail:ERROR" and
  // "fail:ERROR:CAUSE" raise ERROR (default States.TaskFailed). nullptr for an unknown name.
  static std::shared_ptr<const TaskHandler> builtin(std::string_view name);
  // Parses "PATTERN=HANDLER" (as given to --task) and registers it; false with `error` set.
  [[nodiscard]] bool add_spec(std::string_view spec, std::string& error);

 private:
  std::vector<std::pair<std::string, std::shared_ptr<const TaskHandler>>> entries_;
};

// '*' matches any run of characters, everything else itself.
bool glob_match(std::string_view text, std::string_view pattern);

}  // namespace stepstream::vm
