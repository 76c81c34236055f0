// Step Functions Local mock configs (the MockConfigFile.json format AWS documents): test cases
// that answer a state machine's Task states with mocked responses instead of calling services,
// so failure paths can be tested offline. A MockConfig is parsed and checked once; a handler
// built from one of its test cases answers Task calls by state name and invocation number.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/json/arena.h"
#include "engine/json/value.h"
#include "engine/vm/task.h"

namespace stepstream::vm {

// One problem in a mock config, at a JSON pointer into the file ("" for the whole document).
struct MockConfigProblem {
  std::string pointer;
  std::string message;
};
// "/MockedResponses/R/0-2: ..." — the same shape as a definition problem.
std::string to_string(const MockConfigProblem& p);

// The highest invocation number a key may name, so that `last + 1` never wraps.
inline constexpr uint32_t kMaxInvocation = UINT32_MAX - 1;

// What invocations `first`..`last` (inclusive, counted from 0) of a mocked Task answer.
struct MockAnswer {
  uint32_t first = 0;
  uint32_t last = 0;
  bool throws = false;
  json::Value value;       // Return: the service's result, as the Task receives it
  std::string_view error;  // Throw; empty when the Throw names no error (a stepstream extension)
  std::string_view cause;  // Throw; absent when has_cause is false
  bool has_cause = false;
};

// A named entry of MockedResponses; its answers sorted by `first`, never overlapping.
struct MockResponse {
  std::string_view name;
  std::vector<MockAnswer> answers;
  // The answer for invocation `n`, or nullptr when no key covers it.
  const MockAnswer* find(uint32_t n) const;
};

struct MockTestCase {
  std::string_view name;
  // Task state name -> index into MockConfig::responses(), in the file's order.
  std::vector<std::pair<std::string_view, uint32_t>> states;
};

struct MockStateMachine {
  std::string_view name;
  std::vector<MockTestCase> test_cases;
};

class MockConfig;

struct [[nodiscard]] MockConfigResult {
  std::shared_ptr<const MockConfig> config;  // null when there are problems
  std::vector<MockConfigProblem> problems;
  bool ok() const { return problems.empty(); }
};

class MockConfig {
 public:
  // Parses and checks a whole file, collecting every problem.
  static MockConfigResult parse(std::string_view text);
  // The same for a document already parsed; what the config keeps is copied into its own arena.
  static MockConfigResult from_value(const json::Value& doc);

  const std::vector<MockStateMachine>& state_machines() const { return machines_; }
  const std::vector<MockResponse>& responses() const { return responses_; }
  const MockStateMachine* find_state_machine(std::string_view name) const;
  const MockTestCase* find_test_case(std::string_view state_machine,
                                     std::string_view test_case) const;

 private:
  MockConfig() = default;
  std::unique_ptr<json::Arena> arena_ = std::make_unique<json::Arena>(4096);
  std::vector<MockResponse> responses_;
  std::vector<MockStateMachine> machines_;
};

// The handler that runs one test case, as Step Functions Local runs an execution started on
// "stateMachineArn#TestCase": a state the test case names answers from its mocked response by
// TaskCall::invocation (no key for it: States.Runtime, the execution fails); an Activity state
// cannot be mocked (States.Runtime, as Step Functions Local refuses it); any other state goes to
// `fallback` by resource, and fails with States.TaskFailed naming the resource when nothing there
// matches, as a call to an unreachable service does. Null with `error` set when the config has
// no such state machine or test case. The handler keeps `config` alive.
std::shared_ptr<const TaskHandler> make_mock_handler(std::shared_ptr<const MockConfig> config,
                                                     std::string_view state_machine,
                                                     std::string_view test_case,
                                                     TaskRegistry fallback, std::string& error);

}  // namespace stepstream::vm
