// Fuzzes Step Functions Local mock configs: bytes -> vm::MockConfig::parse, then every test case's
// handler answering every state it mocks, at and around the invocation keys it defines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/json/write.h"
#include "engine/vm/mock_config.h"
#include "engine/vm/vm.h"
#include "tests/fuzz/fuzz_support.h"

namespace stepstream::fuzz {
namespace {

// One call of `state`'s Task at `invocation`, checked against the answer the config defines.
void call(const vm::TaskHandler& h, std::string_view state, uint32_t invocation,
          const vm::MockAnswer* expected) {
  vm::Execution exec;
  json::Value input;
  vm::TaskCall c{
      "arn:aws:states:::lambda:invoke", state, "e", "m", input, exec.arena(), invocation, exec, 0};
  vm::TaskResult result;
  vm::TaskOutcome outcome = h.invoke(c, result);
  check(outcome != vm::TaskOutcome::kPending, "a mock answers at once");
  if (expected == nullptr) {
    check(outcome == vm::TaskOutcome::kFailed && result.error == "States.Runtime",
          "an invocation no key covers fails with States.Runtime");
    return;
  }
  if (!expected->throws) {
    check(outcome == vm::TaskOutcome::kSucceeded, "a Return succeeds");
    check(json::to_string(result.output) == json::to_string(expected->value),
          "a Return answers its value");
    return;
  }
  check(outcome == vm::TaskOutcome::kFailed && result.error == expected->error &&
            result.has_cause == expected->has_cause && result.cause == expected->cause,
        "a Throw raises its error and cause");
}

void fuzz_one(std::string_view text) {
  vm::MockConfigResult r = vm::MockConfig::parse(text);
  check(r.ok() == (r.config != nullptr), "a config exactly when there are no problems");
  for (const vm::MockConfigProblem& p : r.problems)
    check(!p.message.empty() && (p.pointer.empty() || p.pointer[0] == '/'),
          "a problem has a message and a JSON pointer");
  if (!r.ok()) return;
  for (const vm::MockStateMachine& m : r.config->state_machines())
    for (const vm::MockTestCase& tc : m.test_cases) {
      std::string error;
      auto h = vm::make_mock_handler(r.config, m.name, tc.name, {}, error);
      check(h != nullptr, "every test case of a valid config makes a handler");
      for (const auto& [state, index] : tc.states) {
        const vm::MockResponse& response = r.config->responses()[index];
        call(*h, state, 0, response.find(0));
        // Around each key's ends; a bounded number of keys, so that big inputs stay quick.
        for (size_t k = 0; k < response.answers.size() && k < 64; ++k) {
          const vm::MockAnswer& a = response.answers[k];
          for (uint32_t n : {a.first, a.last, a.last + 1})
            call(*h, state, n, response.find(n));
        }
      }
    }
}

}  // namespace
}  // namespace stepstream::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stepstream::fuzz::fuzz_one({reinterpret_cast<const char*>(data), size});
  return 0;
}
