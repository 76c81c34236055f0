// Mock configs from recorded histories: Task events are tied to their state through the event
// ids, numbered per state in the order AWS scheduled them, and written as a MockConfigFile
// (Activity states in a test case of their own, for the runner's recorded worker). A Task of a
// distributed Map's children, whose events the history lacks, is answered from the Map's results.
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
#include "engine/vm/mock_config.h"

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
  const Value* def;
  const Value* machine;  // the States object it is one of
  // The DISTRIBUTED Maps it runs under, outermost first: it runs in their child executions.
  std::vector<const Member*> maps;
  // The outermost of them runs inside a Parallel branch or an inline Map's iteration, whose
  // events AWS orders by completion (or sorts and masks): not necessarily the order of the calls.
  bool maps_enclosed = false;
  std::string_view field;  // "ItemReader" or "ResultWriter" for a Map; empty for a Task
  HistoryMocks::Limits limits;

  std::string_view resource() const { return str(member(def, "Resource")); }
};

void task_states(const Value& machine, const std::vector<const Member*>& maps, bool enclosed,
                 std::vector<TaskState>& out) {
  const Value* states = member(&machine, "States");
  if (states == nullptr || !states->is_object()) return;
  for (const Member& s : states->members()) {
    std::string_view type = str(member(&s.value, "Type"));
    if (type == "Task") {
      HistoryMocks::Limits limits;
      limits.timeout = member(&s.value, "TimeoutSeconds") || member(&s.value, "TimeoutSecondsPath");
      limits.heartbeat =
          member(&s.value, "HeartbeatSeconds") || member(&s.value, "HeartbeatSecondsPath");
      out.push_back({s.key, &s.value, states, maps, enclosed, {}, limits});
    }
    for (std::string_view field : {"ItemReader", "ResultWriter"})
      if (type == "Map" && member(&s.value, field) != nullptr)
        out.push_back({s.key, &s.value, states, maps, enclosed, field, {}});
    if (const Value* branches = member(&s.value, "Branches"); branches && branches->is_array())
      for (const Value& b : branches->items())
        task_states(b, maps, enclosed || maps.empty(), out);
    for (std::string_view field : {"ItemProcessor", "Iterator"})
      if (const Value* p = member(&s.value, field)) {
        if (str(member(member(p, "ProcessorConfig"), "Mode")) != "DISTRIBUTED") {
          task_states(*p, maps, enclosed || maps.empty(), out);
          continue;
        }
        std::vector<const Member*> inner = maps;
        inner.push_back(&s);
        task_states(*p, inner, enclosed, out);
      }
  }
}

// A reference path of plain fields ("$", "$.a.b") read from `v`; nullptr when it is another
// kind of path or leads nowhere.
const Value* at_plain_path(const Value& v, std::string_view path) {
  if (!path.starts_with('$')) return nullptr;
  const Value* at = &v;
  for (path.remove_prefix(1); !path.empty();) {
    if (path.front() != '.') return nullptr;
    path.remove_prefix(1);
    size_t end = path.find_first_of(".[");
    std::string_view field = path.substr(0, end);
    if (field.empty() || (end != std::string_view::npos && path[end] == '[')) return nullptr;
    at = member(at, field);
    if (at == nullptr) return nullptr;
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
  }
  return at;
}

// A state field that is absent or the reference path "$" leaves the value as it is.
bool keeps_all(const Value& state, std::string_view field) {
  const Value* v = member(&state, field);
  return v == nullptr || (v->is_string() && v->as_string() == "$");
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
  bool and_later = false;  // answers every later invocation too, however many there are
  Value value;
  std::string error;
  std::optional<std::string> cause;

  bool same(const Answer& o) const {
    if (throws != o.throws || and_later || o.and_later) return false;
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

  bool read() {
    std::vector<TaskState> tasks;
    if (const Value* definition = member(&doc_, "definition"))
      task_states(*definition, {}, false, tasks);
    std::vector<const TaskState*> children;  // Task states in distributed Maps' children
    for (const TaskState& t : tasks) {
      if (t.field.empty() && (t.limits.timeout || t.limits.heartbeat))
        out_.limits[std::string(t.name)] = t.limits;
      if (!t.field.empty())
        return why("state \"" + std::string(t.name) + "\" uses a Map " + std::string(t.field) +
                   ", whose S3 calls are no Task a mock config answers");
      const bool activity = t.resource().find(":activity:") != std::string_view::npos ||
                            t.resource().find("create_activity") != std::string_view::npos;
      if (!t.maps.empty()) {
        if (!child_task_readable(t, activity)) return false;
        children.push_back(&t);
        continue;
      }
      if (activity) activities_.emplace_back(t.name);
    }
    const Value* history = member(&doc_, "history");
    if (history == nullptr || !history->is_array() || history->size() == 0) {
      if (!tasks.empty()) return why("the case records no history");
    } else if (!read_events(*history)) {
      return false;
    }
    for (const TaskState* t : children)
      if (!read_child_answers(*t)) return false;
    write_config();
    return true;
  }

 private:
  bool why(std::string reason) {
    out_.why_not = std::move(reason);
    out_.config.clear();
    return false;
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
        return why("a Task of state \"" + states_[invocation.first].name +
                   "\" failed with an error that is not a name: " + json::to_string(*error));
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

  // A Task in a distributed Map's child executions logs into their histories, which the case
  // does not hold. What it returned is still in the parent's history when the child is that
  // Task alone, its result the child's output, and no Map it runs under can hide a failed child
  // (with Retry, Catch or a tolerated failure threshold): each MapStateExited event of the Map
  // records the Task's results, in item order, at the Map's ResultPath. A Map that discards
  // them (ResultPath null) records only that every call succeeded; those calls are answered
  // with null, which nothing reads.
  bool child_task_readable(const TaskState& t, bool activity) {
    const std::string unrecorded = "state \"" + std::string(t.name) +
                                   "\" runs in a distributed Map's child executions, whose "
                                   "events the history does not hold";
    if (activity) return why(unrecorded + ", and it is an activity, which its workers answer");
    const Value& task = *t.def;
    // Directly in the innermost Map's item processor: not in a Parallel or inline Map there.
    const Value& map = t.maps.back()->value;
    const Value* processor = member(&map, "ItemProcessor");
    if (processor == nullptr) processor = member(&map, "Iterator");
    const Value* end = member(&task, "End");
    if (member(&task, "Retry") || member(&task, "Catch"))
      return why(unrecorded + ", and its Retry or Catch could hide a failed call");
    if (t.machine != member(processor, "States") || t.machine->size() != 1 || end == nullptr ||
        !end->is_bool() || !end->as_bool() || member(&task, "ResultSelector") ||
        !keeps_all(task, "ResultPath") || !keeps_all(task, "OutputPath"))
      return why(unrecorded + ", and its result is not all of the child's output");
    for (const Member* m : t.maps)
      for (std::string_view field :
           {"Retry", "Catch", "ToleratedFailureCount", "ToleratedFailurePercentage",
            "ToleratedFailureCountPath", "ToleratedFailurePercentagePath"})
        if (member(&m->value, field) != nullptr)
          return why(unrecorded + ", and Map \"" + std::string(m->key) + "\" has a " +
                     std::string(field) + ", which could hide a failed call");
    const Value* result_path = member(&map, "ResultPath");
    if (result_path != nullptr && result_path->is_null()) return true;
    if (t.maps_enclosed)
      return why(unrecorded + ", and Map \"" + std::string(t.maps.front()->key) +
                 "\" runs in a Parallel branch or an inline Map, whose recorded order need not "
                 "be the order of the calls");
    if (t.maps.size() > 1 || member(&map, "ResultSelector") || !keeps_all(map, "OutputPath") ||
        (result_path != nullptr && !result_path->is_string()))
      return why(unrecorded + ", and Map \"" + std::string(t.maps.back()->key) +
                 "\" does not record its results unchanged");
    return true;
  }

  bool read_child_answers(const TaskState& t) {
    out_.unrecorded_inputs.emplace(t.name);
    std::string_view outermost = t.maps.front()->key;
    size_t entered = 0;
    size_t exited = 0;
    for (const Value& e : events_) {
      std::string_view type = str(member(&e, "type"));
      const Value* d = details(e);
      if (str(member(d, "name")) != outermost) continue;
      entered += type == "MapStateEntered";
      exited += type == "MapStateExited";
    }
    if (entered != exited)
      return why("state \"" + std::string(t.name) +
                 "\" runs in a distributed Map's child executions, and Map \"" +
                 std::string(outermost) + "\" was entered " + std::to_string(entered) +
                 " times but succeeded " + std::to_string(exited) + " times");
    StateAnswers& s = state(t.name);
    const Value& map = t.maps.back()->value;
    const Value* result_path = member(&map, "ResultPath");
    if (result_path != nullptr && result_path->is_null()) {
      if (entered > 0) {
        Answer& any = s.answers.emplace_back();
        any.done = true;
        any.and_later = true;
      }
      return true;
    }
    std::string_view path = result_path != nullptr ? result_path->as_string() : "$";
    for (const Value& e : events_) {
      const Value* d = details(e);
      if (str(member(&e, "type")) != "MapStateExited" || str(member(d, "name")) != outermost)
        continue;
      const Value* output = member(d, "output");
      Value recorded = output != nullptr ? recorded_json(*output, arena_) : Value();
      const Value* results = at_plain_path(recorded, path);
      if (results == nullptr || !results->is_array()) {
        return why("Map \"" + std::string(outermost) + "\" ran state \"" + std::string(t.name) +
                   "\" in its child executions, and its recorded output holds no results at " +
                   std::string(path));
      }
      for (const Value& r : results->items()) {
        Answer& a = s.answers.emplace_back();
        a.done = true;
        a.value = r;
      }
      out_.invocations += results->size();
    }
    return true;
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
        return why(
            "the recording masks the event ids of Parallel branches, and its Task states \"" +
            std::string(masked_states[0]) + "\", \"" + std::string(masked_states[1]) +
            "\", ... were scheduled " + std::to_string(scheduled) + " times in " +
            std::to_string(masked_states.size()) +
            " entries, so which call is whose cannot be told");
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
          return why("a Task event the history ties to no state");
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
        return why("a Task result the history ties to no scheduled Task");
      }
      if (!answer(i, it->second)) return false;
    }
    for (size_t i : masked_results) {
      if (masked_scheduled.empty()) {
        return why("a Task result in a Parallel branch without its scheduled Task");
      }
      if (!answer(i, masked_scheduled.front())) return false;
      masked_scheduled.pop_front();
    }
    for (const StateAnswers& s : states_)
      for (size_t k = 0; k < s.answers.size(); ++k)
        if (!s.answers[k].done) {
          return why("invocation " + std::to_string(k) + " of state \"" + s.name +
                     "\" has no result in the recording");
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
        const Answer& a = answers[first];
        const size_t upto = a.and_later ? vm::kMaxInvocation : last;
        json::write_string(first == upto ? std::to_string(first)
                                         : std::to_string(first) + "-" + std::to_string(upto),
                           c);
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
