// Task handlers: what answers a Task state's Resource. Handlers are registered by resource
// pattern ('*' matches any run of characters) and resolved once per Program, not per event.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/json/value.h"

namespace stepstream::vm {

struct TaskError {
  std::string_view error;  // e.g. "States.TaskFailed"; must live in the arena or be static
  std::string_view cause;
};

class TaskHandler {
 public:
  virtual ~TaskHandler() = default;
  // Answers at once: true with `out` set (allocated in `arena`), or false with `err` set.
  virtual bool invoke(const json::Value& input, json::Arena& arena, json::Value& out,
                      TaskError& err) const = 0;
};

class TaskRegistry {
 public:
  void add(std::string pattern, std::shared_ptr<const TaskHandler> handler) {
    entries_.emplace_back(std::move(pattern), std::move(handler));
  }
  // The first handler whose pattern matches `resource`, or nullptr.
  const TaskHandler* resolve(std::string_view resource) const;

  // Built-in handlers by name: "echo" returns its input. nullptr for an unknown name.
  static std::shared_ptr<const TaskHandler> builtin(std::string_view name);
  // Parses "PATTERN=HANDLER" (as given to --task) and registers it; false with `error` set.
  [[nodiscard]] bool add_spec(std::string_view spec, std::string& error);

 private:
  std::vector<std::pair<std::string, std::shared_ptr<const TaskHandler>>> entries_;
};

// '*' matches any run of characters, everything else itself.
bool glob_match(std::string_view text, std::string_view pattern);

}  // namespace stepstream::vm
