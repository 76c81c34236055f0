// The task registry and the built-in handlers.
#include "engine/vm/task.h"

namespace stepstream::vm {

namespace {

class EchoHandler final : public TaskHandler {
 public:
  bool invoke(const json::Value& input, json::Arena&, json::Value& out, TaskError&) const override {
    out = input;
    return true;
  }
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
  return nullptr;
}

bool TaskRegistry::add_spec(std::string_view spec, std::string& error) {
  size_t eq = spec.rfind('=');
  if (eq == std::string_view::npos || eq == 0) {
    error = "expected PATTERN=HANDLER, got '" + std::string(spec) + "'";
    return false;
  }
  std::string_view handler = spec.substr(eq + 1);
  auto h = builtin(handler);
  if (!h) {
    error = "unknown task handler '" + std::string(handler) + "' (built-in handlers: echo)";
    return false;
  }
  add(std::string(spec.substr(0, eq)), std::move(h));
  return true;
}

}  // namespace stepstream::vm
