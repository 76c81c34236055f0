// Step Functions Local mock configs: the checker that reads a MockConfigFile document into a
// MockConfig, and the Task handler that answers one of its test cases.
#include "engine/vm/mock_config.h"

#include "engine/json/pointer.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "engine/json/parse.h"

namespace stepstream::vm {

namespace {

using json::Member;
using json::Value;

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::optional<uint32_t> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || n > kMaxInvocation) return std::nullopt;
  return static_cast<uint32_t>(n);
}

std::string key_text(const MockAnswer& a) {
  return a.first == a.last ? std::to_string(a.first)
                           : std::to_string(a.first) + "-" + std::to_string(a.last);
}

// Walks a parsed document, collecting every problem and building the config's tables.
class Checker {
 public:
  Checker(std::vector<MockConfigProblem>& problems, json::Arena& arena,
          std::vector<MockResponse>& responses, std::vector<MockStateMachine>& machines)
      : problems_(problems), arena_(arena), responses_(responses), machines_(machines) {}

  void check(const Value& doc) {
    if (!doc.is_object()) {
      add("", "a mock config must be a JSON object with StateMachines and MockedResponses");
      return;
    }
    members_that_count(doc, "");
    for (const Member& m : doc.members())
      if (m.key != "StateMachines" && m.key != "MockedResponses")
        add(json::pointer_child("", m.key),
            m.key == "MockedResponse" || m.key == "StateMachine"
                ? "unknown field; did you mean " + std::string(m.key) + "s?"
                : "unknown field; a mock config has StateMachines and MockedResponses");
    // Responses first: test cases refer to them by name.
    const Value* responses = doc.find("MockedResponses");
    if (responses == nullptr)
      add("", "missing MockedResponses");
    else if (!responses->is_object())
      add("/MockedResponses", "must be an object of mocked responses by name");
    else
      check_responses(*responses);
    const Value* machines = doc.find("StateMachines");
    if (machines == nullptr)
      add("", "missing StateMachines");
    else if (!machines->is_object())
      add("/StateMachines", "must be an object of state machines by name");
    else
      check_machines(*machines, responses != nullptr && responses->is_object());
  }

 private:
  void add(std::string pointer, std::string message) {
    problems_.push_back({std::move(pointer), std::move(message)});
  }

  // A repeated key silently hides the earlier member (the last one wins when read, as in the
  // document model Step Functions Local uses), so each repetition is reported. Returns, per
  // member, whether it is the last of its key: the one that counts.
  std::vector<bool> members_that_count(const Value& object, const std::string& at) {
    auto members = object.members();
    std::unordered_map<std::string_view, size_t> last;
    for (size_t i = 0; i < members.size(); ++i)
      last[members[i].key] = i;
    std::vector<bool> counts(members.size());
    std::unordered_map<std::string_view, bool> seen;
    for (size_t i = 0; i < members.size(); ++i) {
      counts[i] = last[members[i].key] == i;
      if (!seen.emplace(members[i].key, true).second)
        add(json::pointer_child(at, members[i].key), "repeated key; only the last one would count");
    }
    return counts;
  }

  void check_responses(const Value& responses) {
    std::vector<bool> counts = members_that_count(responses, "/MockedResponses");
    for (size_t i = 0; i < responses.size(); ++i) {
      const Member& r = responses.members()[i];
      if (!counts[i]) continue;
      std::string at = json::pointer_child("/MockedResponses", r.key);
      MockResponse out;
      out.name = arena_.copy(r.key);
      if (!r.value.is_object())
        add(at, "a mocked response must be an object of invocation keys (\"0\", \"1-2\")");
      else
        check_response(r.value, at, out);
      response_names_.emplace(out.name, static_cast<uint32_t>(responses_.size()));
      responses_.push_back(std::move(out));
    }
  }

  void check_response(const Value& response, const std::string& at, MockResponse& out) {
    std::vector<bool> counts = members_that_count(response, at);
    std::vector<std::string_view> keys;  // as written, beside out.answers
    for (size_t i = 0; i < response.size(); ++i) {
      const Member& m = response.members()[i];
      if (!counts[i]) continue;
      std::string here = json::pointer_child(at, m.key);
      MockAnswer a;
      if (parse_key(m.key, here, a) && check_answer(m.value, here, a)) {
        out.answers.push_back(a);
        keys.push_back(m.key);
      }
    }
    // Sorted by first invocation (then file order), each range overlaps a wider earlier one
    // exactly when it starts before that one ends; the later of the two in the file is reported.
    std::vector<size_t> order(out.answers.size());
    for (size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      return out.answers[x].first != out.answers[y].first
                 ? out.answers[x].first < out.answers[y].first
                 : x < y;
    });
    std::vector<std::pair<size_t, size_t>> overlaps;  // (reported, other), by file order
    for (size_t k = 1, widest = order.empty() ? 0 : order[0]; k < order.size(); ++k) {
      size_t cur = order[k];
      if (out.answers[cur].first <= out.answers[widest].last)
        overlaps.emplace_back(std::max(cur, widest), std::min(cur, widest));
      if (out.answers[cur].last > out.answers[widest].last) widest = cur;
    }
    std::sort(overlaps.begin(), overlaps.end());
    for (auto [reported, other] : overlaps)
      add(json::pointer_child(at, keys[reported]),
          "overlaps invocation key " + quoted(keys[other]) + " (invocation " +
              std::to_string(std::max(out.answers[reported].first, out.answers[other].first)) +
              ")");
    std::sort(out.answers.begin(), out.answers.end(),
              [](const MockAnswer& x, const MockAnswer& y) { return x.first < y.first; });
  }

  bool parse_key(std::string_view key, const std::string& at, MockAnswer& a) {
    size_t dash = key.find('-');
    std::optional<uint32_t> first = parse_number(key.substr(0, dash));
    std::optional<uint32_t> last =
        dash == std::string_view::npos ? first : parse_number(key.substr(dash + 1));
    if (!first || !last) {
      add(at,
          "an invocation key is a number from 0 (\"0\") or an inclusive range (\"1-2\"), "
          "up to " +
              std::to_string(kMaxInvocation));
      return false;
    }
    if (*last < *first) {
      add(at, "the range ends before it starts");
      return false;
    }
    a.first = *first;
    a.last = *last;
    return true;
  }

  // Return (any value) or Throw {Error, Cause}: exactly one of them.
  bool check_answer(const Value& v, const std::string& at, MockAnswer& a) {
    if (!v.is_object()) {
      add(at, "must be an object with Return or Throw");
      return false;
    }
    members_that_count(v, at);
    bool ok = true;
    for (const Member& m : v.members())
      if (m.key != "Return" && m.key != "Throw") {
        add(json::pointer_child(at, m.key), "unknown field; a mocked response has Return or Throw");
        ok = false;
      }
    const Value* ret = v.find("Return");
    const Value* thr = v.find("Throw");
    if (ret != nullptr && thr != nullptr) {
      add(at, "has both Return and Throw; give exactly one");
      return false;
    }
    if (ret == nullptr && thr == nullptr) {
      add(at, "needs Return (the result) or Throw (the error)");
      return false;
    }
    if (ret != nullptr) {
      a.value = json::deep_copy(*ret, arena_);
      return ok;
    }
    return check_throw(*thr, at + "/Throw", a) && ok;
  }

  // AWS documents Error and Cause as strings. A Throw without Cause is accepted: it raises the
  // error with no cause, as services do that report none. A Throw without Error is a stepstream
  // extension: the Task fails with no error name, as one does whose worker calls
  // SendTaskFailure without an error (only States.ALL matches it; Catch shows "Error": null).
  bool check_throw(const Value& t, const std::string& at, MockAnswer& a) {
    if (!t.is_object()) {
      add(at, "must be an object with Error and Cause");
      return false;
    }
    members_that_count(t, at);
    bool ok = true;
    for (const Member& m : t.members())
      if (m.key != "Error" && m.key != "Cause") {
        add(json::pointer_child(at, m.key), "unknown field; Throw has Error and Cause");
        ok = false;
      }
    const Value* error = t.find("Error");
    const Value* cause = t.find("Cause");
    if (error != nullptr && (!error->is_string() || error->as_string().empty())) {
      add(at + "/Error", "must be a non-empty string: the error name Retry and Catch match");
      ok = false;
    }
    if (cause != nullptr && !cause->is_string()) {
      add(at + "/Cause", "must be a string");
      ok = false;
    }
    if (!ok) return false;
    a.throws = true;
    if (error != nullptr) a.error = arena_.copy(error->as_string());
    a.has_cause = cause != nullptr;
    if (cause != nullptr) a.cause = arena_.copy(cause->as_string());
    return true;
  }

  std::optional<uint32_t> response_index(std::string_view name) const {
    auto it = response_names_.find(name);
    return it == response_names_.end() ? std::nullopt : std::optional<uint32_t>(it->second);
  }

  void check_machines(const Value& machines, bool responses_readable) {
    std::vector<bool> counts = members_that_count(machines, "/StateMachines");
    for (size_t i = 0; i < machines.size(); ++i) {
      const Member& m = machines.members()[i];
      if (!counts[i]) continue;
      std::string at = json::pointer_child("/StateMachines", m.key);
      MockStateMachine out;
      out.name = arena_.copy(m.key);
      const Value* cases = m.value.is_object() ? m.value.find("TestCases") : nullptr;
      if (!m.value.is_object()) {
        add(at, "must be an object with TestCases");
      } else {
        members_that_count(m.value, at);
        for (const Member& f : m.value.members())
          if (f.key != "TestCases")
            add(json::pointer_child(at, f.key), "unknown field; a state machine has TestCases");
        if (cases == nullptr)
          add(at, "missing TestCases");
        else if (!cases->is_object())
          add(at + "/TestCases", "must be an object of test cases by name");
        else
          check_test_cases(*cases, at + "/TestCases", responses_readable, out);
      }
      machines_.push_back(std::move(out));
    }
  }

  void check_test_cases(const Value& cases, const std::string& at, bool responses_readable,
                        MockStateMachine& out) {
    std::vector<bool> counts = members_that_count(cases, at);
    for (size_t i = 0; i < cases.size(); ++i) {
      const Member& c = cases.members()[i];
      if (!counts[i]) continue;
      std::string here = json::pointer_child(at, c.key);
      MockTestCase tc;
      tc.name = arena_.copy(c.key);
      if (!c.value.is_object()) {
        add(here, "a test case must be an object: Task state name -> mocked response name");
      } else {
        std::vector<bool> states = members_that_count(c.value, here);
        for (size_t j = 0; j < c.value.size(); ++j) {
          const Member& s = c.value.members()[j];
          if (!states[j]) continue;
          std::string state_at = json::pointer_child(here, s.key);
          if (!s.value.is_string()) {
            add(state_at, "must be the name of a mocked response (a string)");
            continue;
          }
          std::optional<uint32_t> r = response_index(s.value.as_string());
          if (!r) {
            // Without a readable MockedResponses, "missing" was reported once already.
            if (responses_readable)
              add(state_at, "no mocked response named " + quoted(s.value.as_string()) +
                                " in MockedResponses");
            continue;
          }
          tc.states.emplace_back(arena_.copy(s.key), *r);
        }
      }
      out.test_cases.push_back(std::move(tc));
    }
  }

  std::vector<MockConfigProblem>& problems_;
  json::Arena& arena_;
  std::vector<MockResponse>& responses_;
  std::vector<MockStateMachine>& machines_;
  std::unordered_map<std::string_view, uint32_t> response_names_;  // names live in arena_
};

bool is_activity(std::string_view resource) {
  return resource.starts_with("arn:") && resource.find(":activity:") != std::string_view::npos;
}

class MockHandler final : public TaskHandler {
 public:
  MockHandler(std::shared_ptr<const MockConfig> config, const MockStateMachine& machine,
              const MockTestCase& test_case, TaskRegistry fallback)
      : config_(std::move(config)),
        machine_(machine.name),
        test_case_(test_case.name),
        fallback_(std::move(fallback)) {
    for (const auto& [state, response] : test_case.states)
      states_[state] = &config_->responses()[response];
  }

  TaskOutcome invoke(const TaskCall& call, TaskResult& result) const override {
    auto it = states_.find(call.state_name);
    if (it == states_.end()) {
      if (const TaskHandler* h = fallback_.resolve(call.resource)) return h->invoke(call, result);
      return fail(call, result, "States.TaskFailed",
                  "Test case " + quoted(test_case_) + " of state machine " + quoted(machine_) +
                      " mocks no response for state " + quoted(call.state_name) +
                      ", and no task handler serves its resource " + quoted(call.resource));
    }
    if (is_activity(call.resource))
      return fail(call, result, "States.Runtime",
                  "Activity state cannot be mocked. Please remove mocks mapped for all activity "
                  "state in the mock config file.");
    const MockResponse& response = *it->second;
    const MockAnswer* a = response.find(call.invocation);
    if (a == nullptr) {
      std::string keys;
      for (const MockAnswer& k : response.answers)
        keys += (keys.empty() ? "" : ", ") + quoted(key_text(k));
      return fail(call, result, "States.Runtime",
                  "No mocked response for invocation " + std::to_string(call.invocation) +
                      " of state " + quoted(call.state_name) + " in test case " +
                      quoted(test_case_) + ": mocked response " + quoted(response.name) +
                      (keys.empty() ? " has no invocation keys" : " has keys " + keys));
    }
    if (!a->throws) {
      result.output = json::deep_copy(a->value, call.arena);
      return TaskOutcome::kSucceeded;
    }
    result.error = a->error.empty() ? std::string_view() : call.arena.copy(a->error);
    result.has_cause = a->has_cause;
    result.cause = a->has_cause ? call.arena.copy(a->cause) : std::string_view();
    return TaskOutcome::kFailed;
  }

 private:
  static TaskOutcome fail(const TaskCall& call, TaskResult& result, std::string_view error,
                          const std::string& cause) {
    result.error = error;
    result.cause = call.arena.copy(cause);
    result.has_cause = true;
    return TaskOutcome::kFailed;
  }

  std::shared_ptr<const MockConfig> config_;  // owns the names and responses below
  std::string_view machine_;
  std::string_view test_case_;
  std::map<std::string_view, const MockResponse*, std::less<>> states_;
  TaskRegistry fallback_;
};

}  // namespace

std::string to_string(const MockConfigProblem& p) {
  return p.pointer.empty() ? p.message : p.pointer + ": " + p.message;
}

const MockAnswer* MockResponse::find(uint32_t n) const {
  auto it = std::upper_bound(answers.begin(), answers.end(), n,
                             [](uint32_t v, const MockAnswer& a) { return v < a.first; });
  if (it == answers.begin()) return nullptr;
  --it;
  return n <= it->last ? &*it : nullptr;
}

MockConfigResult MockConfig::from_value(const json::Value& doc) {
  MockConfigResult r;
  std::shared_ptr<MockConfig> config(new MockConfig());
  Checker(r.problems, *config->arena_, config->responses_, config->machines_).check(doc);
  if (r.ok()) r.config = std::move(config);
  return r;
}

MockConfigResult MockConfig::parse(std::string_view text) {
  json::Arena arena;
  json::ParseResult parsed = json::parse(text, arena);
  if (!parsed.ok()) {
    MockConfigResult r;
    r.problems.push_back({"", "not valid JSON: " + std::string(parsed.error)});
    return r;
  }
  return from_value(parsed.value);
}

const MockStateMachine* MockConfig::find_state_machine(std::string_view name) const {
  for (const MockStateMachine& m : machines_)
    if (m.name == name) return &m;
  return nullptr;
}

const MockTestCase* MockConfig::find_test_case(std::string_view state_machine,
                                               std::string_view test_case) const {
  if (const MockStateMachine* m = find_state_machine(state_machine))
    for (const MockTestCase& c : m->test_cases)
      if (c.name == test_case) return &c;
  return nullptr;
}

std::shared_ptr<const TaskHandler> make_mock_handler(std::shared_ptr<const MockConfig> config,
                                                     std::string_view state_machine,
                                                     std::string_view test_case,
                                                     TaskRegistry fallback, std::string& error) {
  const MockStateMachine* machine = config->find_state_machine(state_machine);
  if (machine == nullptr) {
    error = "the mock config has no state machine " + quoted(state_machine) + " (it has";
    for (const MockStateMachine& m : config->state_machines())
      error += " " + quoted(m.name);
    error += config->state_machines().empty() ? " none)" : ")";
    return nullptr;
  }
  const MockTestCase* tc = config->find_test_case(state_machine, test_case);
  if (tc == nullptr) {
    error = "state machine " + quoted(state_machine) + " has no test case " + quoted(test_case) +
            " in the mock config (it has";
    for (const MockTestCase& c : machine->test_cases)
      error += " " + quoted(c.name);
    error += machine->test_cases.empty() ? " none)" : ")";
    return nullptr;
  }
  return std::make_shared<MockHandler>(std::move(config), *machine, *tc, std::move(fallback));
}

}  // namespace stepstream::vm
