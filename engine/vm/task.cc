// The task registry and the built-in handlers.
#include "engine/vm/task.h"

#include <optional>

namespace stepstream::vm {

namespace {

class EchoHandler final : public TaskHandler {
 public:
  TaskOutcome invoke(const TaskCall& call, TaskResult& result) const override {
    result.output = call.input;
    return TaskOutcome::kSucceeded;
  }
};

class FailHandler final : public TaskHandler {
 public:
  FailHandler(std::string error, std::optional<std::string> cause)
      : error_(std::move(error)), cause_(std::move(cause)) {}
  TaskOutcome invoke(const TaskCall&, TaskResult& result) const override {
    result.error = error_;
    result.has_cause = cause_.has_value();
    if (cause_) result.cause = *cause_;
    return TaskOutcome::kFailed;
  }

 private:
  std::string error_;
  std::optional<std::string> cause_;
};

}  // namespace

bool glob_match(std::string_view text, std::string_view pattern) {
  size_t t = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = ++p;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

const TaskHandler* TaskRegistry::resolve(std::string_view resource) const {
  for (const auto& [pattern, handler] : entries_)
    if (glob_match(resource, pattern)) return handler.get();
  return nullptr;
}

std::shared_ptr<const TaskHandler> TaskRegistry::builtin(std::string_view name) {
  if (name == "echo") return std::make_shared<EchoHandler>();
  if (name == "fail") return std::make_shared<FailHandler>("States.TaskFailed", std::nullopt);
  if (name.starts_with("fail:")) {
    std::string_view rest = name.substr(5);
    size_t colon = rest.find(':');
    if (rest.empty() || colon == 0) return nullptr;
    if (colon == std::string_view::npos)
      return std::make_shared<FailHandler>(std::string(rest), std::nullopt);
    return std::make_shared<FailHandler>(std::string(rest.substr(0, colon)),
                                         std::string(rest.substr(colon + 1)));
  }
  return nullptr;
}

bool TaskRegistry::add_spec(std::string_view spec, std::string& error) {
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    error = "expected PATTERN=HANDLER, got '" + std::string(spec) + "'";
    return false;
  }
  std::string_view handler = spec.substr(eq + 1);
  auto h = builtin(handler);
  if (!h) {
    error = "unknown task handler '" + std::string(handler) +
            "' (built-in handlers: echo, fail, fail:ERROR, fail:ERROR:CAUSE)";
    return false;
  }
  add(std::string(spec.substr(0, eq)), std::move(h));
  return true;
}

}  // namespace stepstream::vm
