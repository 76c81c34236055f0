// Mock configs from recorded histories: Task events are tied to their state through the event
// ids, numbered per state in the order AWS scheduled them, and written as a MockConfigFile
// (Activity states in a test case of their own, for the runner's recorded worker).
#include "tests/conformance/history_mocks.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/json/parse.h"
#include "engine/json/write.h"

namespace stepstream::conformance {

namespace {

using json::Member;
using json::Value;

const Value* member(const Value* v, std::string_view key) {
  return v != nullptr && v->is_object() ? v->find(key) : nullptr;
}
std::string_view str(const Value* v) {
  return v != nullptr && v->is_string() ? v->as_string() : std::string_view();
}

// The event's "...EventDetails" member.
const Value* details(const Value& event) {
  if (event.is_object())
    for (const Member& m : event.members())
      if (m.key.ends_with("EventDetails")) return &m.value;
  return nullptr;
}

enum class Kind : uint8_t { kOther, kScheduled, kSucceeded, kFailed, kScheduleFailed };

// Lambda ARN resources log LambdaFunction* events, activities Activity* events, the rest Task*.
Kind kind_of(std::string_view type) {
  for (std::string_view t : {"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"})
    if (type == t) return Kind::kScheduled;
  for (std::string_view t : {"TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"})
    if (type == t) return Kind::kSucceeded;
  for (std::string_view t : {"TaskFailed", "TaskStartFailed", "TaskSubmitFailed", "TaskTimedOut",
                             "LambdaFunctionFailed", "LambdaFunctionStartFailed",
                             "LambdaFunctionTimedOut", "ActivityFailed", "ActivityTimedOut"})
    if (type == t) return Kind::kFailed;
  for (std::string_view t : {"LambdaFunctionScheduleFailed", "ActivityScheduleFailed"})
    if (type == t) return Kind::kScheduleFailed;
  return Kind::kOther;
}

// A state that calls a service: a Task, or a Map reading its items or writing its results
// through S3 (`field` names which).
struct TaskState {
  std::string_view name;
  std::string_view resource;
  bool distributed;        // inside a DISTRIBUTED Map's item processor
  std::string_view field;  // "ItemReader" or "ResultWriter" for a Map; empty for a Task
  HistoryMocks::Limits limits;
};

void task_states(const Value& machine, bool distributed, std::vector<TaskState>& out) {
  const Value* states = member(&machine, "States");
  if (states == nullptr || !states->is_object()) return;
  for (const Member& s : states->members()) {
    std::string_view type = str(member(&s.value, "Type"));
    if (type == "Task") {
      HistoryMocks::Limits limits;
      limits.timeout = member(&s.value, "TimeoutSeconds") || member(&s.value, "TimeoutSecondsPath");
      limits.heartbeat =
          member(&s.value, "HeartbeatSeconds") || member(&s.value, "HeartbeatSecondsPath");
      out.push_back({s.key, str(member(&s.value, "Resource")), distributed, {}, limits});
    }
    for (std::string_view field : {"ItemReader", "ResultWriter"})
      if (type == "Map" && member(&s.value, field) != nullptr)
        out.push_back({s.key, {}, distributed, field, {}});
    if (const Value* branches = member(&s.value, "Branches"); branches && branches->is_array())
      for (const Value& b : branches->items())
        task_states(b, distributed, out);
    for (std::string_view field : {"ItemProcessor", "Iterator"})
      if (const Value* p = member(&s.value, field)) {
        bool mode = str(member(member(p, "ProcessorConfig"), "Mode")) == "DISTRIBUTED";
        task_states(*p, distributed || mode, out);
      }
  }
}

// The recording shows JSON text (outputs, parameters) parsed into values where it could; what
// is still a string is JSON text of a string or a number ("\"done\"", "5").
Value recorded_json(const Value& v, json::Arena& arena) {
  if (!v.is_string()) return v;
  json::ParseResult parsed = json::parse(v.as_string(), arena);
  return parsed.ok() ? parsed.value : v;
}

// Strings of the case that hold JSON text: a cause the recording parsed in one event is often
// still text in another (a Catch's {"Error", "Cause"} output), with its original spacing.
void json_texts(const Value& v, std::vector<std::string_view>& out) {
  if (v.is_string()) {
    std::string_view s = v.as_string();
    if (!s.empty() && (s.front() == '{' || s.front() == '[')) out.push_back(s);
  } else if (v.is_array()) {
    for (const Value& item : v.items())
      json_texts(item, out);
  } else if (v.is_object()) {
    for (const Member& m : v.members())
      json_texts(m.value, out);
  }
}

struct Answer {
  bool done = false;
  bool throws = false;
  Value value;
  std::string error;
  std::optional<std::string> cause;

  bool same(const Answer& o) const {
    if (throws != o.throws) return false;
    return throws ? error == o.error && cause == o.cause : json::equal(value, o.value);
  }
};

struct StateAnswers {
  std::string name;
  std::vector<Answer> answers;
};

class Reader {
 public:
  Reader(const Value& doc, json::Arena& arena, HistoryMocks& out)
      : doc_(doc), arena_(arena), out_(out) {}

  void read() {
    std::vector<TaskState> tasks;
    if (const Value* definition = member(&doc_, "definition"))
      task_states(*definition, false, tasks);
    for (const TaskState& t : tasks) {
      if (t.field.empty() && (t.limits.timeout || t.limits.heartbeat))
        out_.limits[std::string(t.name)] = t.limits;
      if (!t.field.empty())
        return why("state \"" + std::string(t.name) + "\" uses a Map " + std::string(t.field) +
                   ", whose S3 calls are no Task a mock config answers");
      if (t.distributed)
        return why("state \"" + std::string(t.name) +
                   "\" runs in a distributed Map's child executions, whose events the history "
                   "does not hold");
      if (t.resource.find(":activity:") != std::string_view::npos ||
          t.resource.find("create_activity") != std::string_view::npos)
        activities_.emplace_back(t.name);
    }
    const Value* history = member(&doc_, "history");
    if (history == nullptr || !history->is_array() || history->size() == 0) {
      if (!tasks.empty()) return why("the case records no history");
    } else if (!read_events(*history)) {
      return;
    }
    write_config();
  }

 private:
  void why(std::string reason) {
    out_.why_not = std::move(reason);
    out_.config.clear();
  }

  StateAnswers& state(std::string_view name) {
    for (StateAnswers& s : states_)
      if (s.name == name) return s;
    states_.push_back({std::string(name), {}});
    return states_.back();
  }

  // The state an event belongs to: the nearest StateEntered event up its previousEventId chain.
  std::string_view state_of(size_t i) const {
    for (size_t steps = 0; steps <= events_.size(); ++steps) {
      const Value& e = events_[i];
      if (str(member(&e, "type")).ends_with("StateEntered"))
        return str(member(member(&e, "stateEnteredEventDetails"), "name"));
      const Value* prev = member(&e, "previousEventId");
      if (prev == nullptr || !prev->is_int()) return {};
      auto it = by_id_.find(prev->as_int());
      if (it == by_id_.end()) return {};
      i = it->second;
    }
    return {};
  }

  // The TaskScheduled (or LambdaFunctionScheduled...) event a result answers, up its chain.
  std::optional<size_t> scheduled_of(size_t i) const {
    for (size_t steps = 0; steps <= events_.size(); ++steps) {
      const Value* prev = member(&events_[i], "previousEventId");
      if (prev == nullptr || !prev->is_int()) return std::nullopt;
      auto it = by_id_.find(prev->as_int());
      if (it == by_id_.end()) return std::nullopt;
      i = it->second;
      if (kind_of(str(member(&events_[i], "type"))) == Kind::kScheduled) return i;
    }
    return std::nullopt;
  }

  // A new invocation of the state that `i` (a scheduling event) belongs to.
  std::pair<size_t, size_t> schedule(size_t i, std::string_view state_name) {
    StateAnswers& s = state(state_name);
    s.answers.emplace_back();
    const Value* d = details(events_[i]);
    const Value* sent = member(d, "parameters");
    if (sent == nullptr) sent = member(d, "input");
    out_.sent[s.name].push_back(sent != nullptr ? recorded_json(*sent, arena_) : Value());
    ++out_.invocations;
    return {static_cast<size_t>(&s - states_.data()), s.answers.size() - 1};
  }

  // A failure that names no error (a worker's SendTaskFailure without one) is a Throw without
  // Error, which stepstream's mock configs accept (engine/vm/mock_config.h).
  bool answer(size_t i, std::pair<size_t, size_t> invocation) {
    Answer& a = states_[invocation.first].answers[invocation.second];
    const Value& e = events_[i];
    const Value* d = details(e);
    a.done = true;
    if (kind_of(str(member(&e, "type"))) == Kind::kSucceeded) {
      const Value* output = member(d, "output");
      a.value = output != nullptr ? recorded_json(*output, arena_) : Value();
      return true;
    }
    a.throws = true;
    if (const Value* error = member(d, "error"); error != nullptr && !error->is_null()) {
      if (!error->is_string() || error->as_string().empty()) {
        why("a Task of state \"" + states_[invocation.first].name +
            "\" failed with an error that is not a name: " + json::to_string(*error));
        return false;
      }
      a.error = error->as_string();
    }
    if (const Value* cause = member(d, "cause"); cause != nullptr && !cause->is_null())
      a.cause = cause_text(*cause);
    return true;
  }

  std::string cause_text(const Value& cause) {
    if (cause.is_string()) return std::string(cause.as_string());
    if (texts_.empty()) json_texts(doc_, texts_);
    json::Arena scratch(1024);
    for (std::string_view t : texts_) {
      json::ParseResult parsed = json::parse(t, scratch);
      if (parsed.ok() && json::equal(parsed.value, cause)) return std::string(t);
    }
    return json::to_string(cause);
  }

  bool read_events(const Value& history) {
    events_ = history.items();
    bool masked = false;
    for (size_t i = 0; i < events_.size(); ++i) {
      const Value* id = member(&events_[i], "id");
      if (id != nullptr && id->is_int())
        by_id_.emplace(id->as_int(), i);
      else
        masked = true;
    }
    // The recording sorts the events of Parallel branches and masks their ids, which unties
    // them from each other. When one Task state ran there, its Task events pair in order. When
    // several did, each entered once and scheduled once, the k-th scheduled Task is taken to be
    // the k-th state entered: the recording's order is all there is to go by, and where it ties
    // them wrongly, the run's output or what its Tasks were sent differs from the recording.
    std::vector<std::string_view> masked_states;  // masked TaskStateEntered, in order
    if (masked)
      for (const Value& e : events_) {
        const Value* id = member(&e, "id");
        if ((id != nullptr && id->is_int()) || str(member(&e, "type")) != "TaskStateEntered")
          continue;
        masked_states.push_back(str(member(member(&e, "stateEnteredEventDetails"), "name")));
      }
    const std::string_view first = masked_states.empty() ? std::string_view() : masked_states[0];
    const bool one_state = std::all_of(masked_states.begin(), masked_states.end(),
                                       [&](std::string_view n) { return n == first; });
    if (!one_state) {
      size_t scheduled = 0;
      for (size_t i = 0; i < events_.size(); ++i) {
        const Value* id = member(&events_[i], "id");
        Kind kind = kind_of(str(member(&events_[i], "type")));
        if ((id == nullptr || !id->is_int()) &&
            (kind == Kind::kScheduled || kind == Kind::kScheduleFailed))
          ++scheduled;
      }
      if (scheduled != masked_states.size()) {
        why("the recording masks the event ids of Parallel branches, and its Task states \"" +
            std::string(masked_states[0]) + "\", \"" + std::string(masked_states[1]) +
            "\", ... were scheduled " + std::to_string(scheduled) + " times in " +
            std::to_string(masked_states.size()) +
            " entries, so which call is whose cannot be told");
        return false;
      }
    }
    size_t masked_seen = 0;  // masked scheduling events so far

    std::map<size_t, std::pair<size_t, size_t>> invocation_of;  // scheduling event -> invocation
    std::deque<std::pair<size_t, size_t>> masked_scheduled;
    std::vector<size_t> masked_results;
    for (size_t i = 0; i < events_.size(); ++i) {
      const Value* id = member(&events_[i], "id");
      const bool is_masked = id == nullptr || !id->is_int();
      Kind kind = kind_of(str(member(&events_[i], "type")));
      if (kind == Kind::kOther) continue;
      if (kind == Kind::kScheduled || kind == Kind::kScheduleFailed) {
        std::string_view name = !is_masked  ? state_of(i)
                                : one_state ? first
                                            : masked_states[masked_seen];
        if (is_masked) ++masked_seen;
        if (name.empty()) {
          why("a Task event the history ties to no state");
          return false;
        }
        auto invocation = schedule(i, name);
        if (kind == Kind::kScheduleFailed && !answer(i, invocation)) return false;
        if (is_masked)
          masked_scheduled.push_back(invocation);
        else
          invocation_of[i] = invocation;
        continue;
      }
      if (is_masked) {
        masked_results.push_back(i);
        continue;
      }
      std::optional<size_t> scheduled = scheduled_of(i);
      auto it = scheduled ? invocation_of.find(*scheduled) : invocation_of.end();
      if (it == invocation_of.end()) {
        why("a Task result the history ties to no scheduled Task");
        return false;
      }
      if (!answer(i, it->second)) return false;
    }
    for (size_t i : masked_results) {
      if (masked_scheduled.empty()) {
        why("a Task result in a Parallel branch without its scheduled Task");
        return false;
      }
      if (!answer(i, masked_scheduled.front())) return false;
      masked_scheduled.pop_front();
    }
    for (const StateAnswers& s : states_)
      for (size_t k = 0; k < s.answers.size(); ++k)
        if (!s.answers[k].done) {
          why("invocation " + std::to_string(k) + " of state \"" + s.name +
              "\" has no result in the recording");
          return false;
        }
    return true;
  }

  bool is_activity(std::string_view state) const {
    return std::find(activities_.begin(), activities_.end(), state) != activities_.end();
  }

  // The test case naming the Task states (activity states: false) or the activity states (true)
  // that ran, each with the response named after it.
  void write_test_case(std::string_view name, bool activities) {
    std::string& c = out_.config;
    json::write_string(name, c);
    c += ":{";
    bool first = true;
    for (const StateAnswers& s : states_) {
      if (is_activity(s.name) != activities) continue;
      if (!first) c += ",";
      first = false;
      json::write_string(s.name, c);
      c += ":";
      json::write_string(s.name, c);
    }
    c += "}";
  }

  // One response per state, named after it; equal answers in a row share a range key.
  void write_config() {
    std::string& c = out_.config;
    c = "{\"StateMachines\":{";
    json::write_string(kMockStateMachine, c);
    c += ":{\"TestCases\":{";
    write_test_case(kMockTestCase, false);
    out_.activities = std::any_of(states_.begin(), states_.end(),
                                  [&](const StateAnswers& s) { return is_activity(s.name); });
    if (out_.activities) {
      c += ",";
      write_test_case(kActivityWorkers, true);
    }
    c += "}}},\"MockedResponses\":{";
    for (size_t i = 0; i < states_.size(); ++i) {
      if (i > 0) c += ",";
      json::write_string(states_[i].name, c);
      c += ":{";
      const std::vector<Answer>& answers = states_[i].answers;
      for (size_t first = 0, last = 0; first < answers.size(); first = last + 1) {
        last = first;
        while (last + 1 < answers.size() && answers[last + 1].same(answers[first]))
          ++last;
        if (first > 0) c += ",";
        json::write_string(first == last ? std::to_string(first)
                                         : std::to_string(first) + "-" + std::to_string(last),
                           c);
        const Answer& a = answers[first];
        if (!a.throws) {
          c += ":{\"Return\":";
          json::write(a.value, c);
          c += "}";
          continue;
        }
        c += ":{\"Throw\":{";
        if (!a.error.empty()) {
          c += "\"Error\":";
          json::write_string(a.error, c);
        }
        if (a.cause) {
          c += a.error.empty() ? "\"Cause\":" : ",\"Cause\":";
          json::write_string(*a.cause, c);
        }
        c += "}}";
      }
      c += "}";
    }
    c += "}}";
  }

  const Value& doc_;
  json::Arena& arena_;
  HistoryMocks& out_;
  std::span<const Value> events_;
  std::map<int64_t, size_t> by_id_;
  std::vector<StateAnswers> states_;
  std::vector<std::string_view> texts_;
  std::vector<std::string_view> activities_;  // the names of the Task states that are activities
};

}  // namespace

HistoryMocks mocks_from_history(const Value& doc, json::Arena& arena) {
  HistoryMocks out;
  Reader(doc, arena, out).read();
  return out;
}

bool resolve_definition_placeholders(std::string& text, std::string& why) {
  constexpr std::string_view kOpen = "${ext:";
  for (size_t at = text.find(kOpen); at != std::string::npos; at = text.find(kOpen, at)) {
    size_t close = text.find('}', at);
    if (close == std::string::npos) {
      why = "an unterminated ${ext:...} placeholder in the definition";
      return false;
    }
    std::string_view inner =
        std::string_view(text).substr(at + kOpen.size(), close - at - kOpen.size());
    std::string value;
    if (inner.starts_with("LambdaArn:")) {
      value = "arn:aws:lambda:us-east-1:111111111111:function:" +
              std::string(inner.substr(sizeof "LambdaArn:" - 1));
    } else if (inner.starts_with("fixture:create_activity(") &&
               inner.find(')') != std::string_view::npos) {
      size_t open = inner.find('(') + 1;
      value = "arn:aws:states:us-east-1:111111111111:activity:" +
              std::string(inner.substr(open, inner.find(')') - open));
    } else {
      why = "an unknown placeholder ${ext:" + std::string(inner) + "} in the definition";
      return false;
    }
    text.replace(at, close + 1 - at, value);
    at += value.size();
  }
  return true;
}

}  // namespace stepstream::conformance
