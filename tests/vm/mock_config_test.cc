// Step Functions Local mock configs: every case file in tests/vm/mock_configs holds a config
// ("config", or "config_text" for JSON a case file cannot hold, or a list of both as "configs")
// and the problems expected of it, in order. Valid configs may add "calls" (one Task call
// answered by the test case's handler, with optional "tasks" patterns behind it) and "runs"
// (a whole execution of a definition with the test case answering its Tasks).
#include "engine/vm/mock_config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "engine/compile/build.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/vm/vm.h"
#include "tests/support/case_files.h"

namespace stepstream {
namespace {

namespace fs = std::filesystem;
using json::Value;

const fs::path kCases = fs::path(STEPSTREAM_SOURCE_DIR) / "tests/vm/mock_configs";

std::vector<std::string> case_names() {
  return stepstream::test::case_names(kCases, ".json");
}

std::string_view str(const Value* v) {
  return v != nullptr && v->is_string() ? v->as_string() : std::string_view();
}

vm::MockConfigResult load(const Value& c) {
  if (const Value* text = c.find("config_text")) return vm::MockConfig::parse(text->as_string());
  return vm::MockConfig::from_value(*c.find("config"));
}

void expect_problems(const vm::MockConfigResult& loaded, const Value& c) {
  std::vector<std::string> got, want;
  for (const auto& p : loaded.problems)
    got.push_back(vm::to_string(p));
  if (const Value* problems = c.find("problems"))
    for (const Value& p : problems->items())
      want.emplace_back(p.as_string());
  EXPECT_EQ(got, want);
  EXPECT_EQ(loaded.config != nullptr, want.empty());
}

vm::TaskRegistry registry(const Value& spec) {
  vm::TaskRegistry tasks;
  if (const Value* list = spec.find("tasks"))
    for (const Value& t : list->items()) {
      std::string error;
      EXPECT_TRUE(tasks.add_spec(t.as_string(), error)) << error;
    }
  return tasks;
}

std::shared_ptr<const vm::TaskHandler> handler(const vm::MockConfigResult& loaded,
                                               const Value& spec) {
  std::string error;
  auto h = vm::make_mock_handler(loaded.config, str(spec.find("state_machine")),
                                 str(spec.find("test_case")), registry(spec), error);
  EXPECT_NE(h, nullptr) << error;
  return h;
}

// "expected": {"output": V} or {"error": E, "cause": C}; a null cause means none.
void check_call(const vm::TaskHandler& h, const Value& call) {
  SCOPED_TRACE(json::to_string(call));
  vm::Execution exec;
  const Value* given = call.find("input");
  Value input = given != nullptr ? json::deep_copy(*given, exec.arena()) : Value();
  vm::TaskCall c{str(call.find("resource")),
                 str(call.find("state")),
                 "execution",
                 str(call.find("state_machine")),
                 input,
                 exec.arena(),
                 static_cast<uint32_t>(call.find("invocation")->as_int()),
                 exec,
                 0};
  vm::TaskResult result;
  vm::TaskOutcome outcome = h.invoke(c, result);
  const Value& expected = *call.find("expected");
  if (const Value* output = expected.find("output")) {
    ASSERT_EQ(outcome, vm::TaskOutcome::kSucceeded) << result.error << ": " << result.cause;
    EXPECT_TRUE(json::equal(result.output, *output))
        << "got " << json::to_string(result.output) << ", expected " << json::to_string(*output);
    return;
  }
  ASSERT_EQ(outcome, vm::TaskOutcome::kFailed) << json::to_string(result.output);
  EXPECT_EQ(result.error, str(expected.find("error")));
  const Value* cause = expected.find("cause");
  ASSERT_NE(cause, nullptr) << "a failing call's case states its cause (null for none)";
  EXPECT_EQ(result.has_cause, !cause->is_null());
  if (!cause->is_null()) {
    EXPECT_EQ(result.cause, cause->as_string());
  }
}

void check_run(const vm::MockConfigResult& loaded, const Value& run) {
  SCOPED_TRACE(json::to_string(*run.find("expected")));
  bytecode::Program program;
  std::vector<asl::Problem> problems;
  ASSERT_TRUE(
      compile::build_program(json::to_string(*run.find("definition")), {}, program, problems))
      << (problems.empty() ? "" : asl::to_string(problems[0]));
  vm::TaskRegistry tasks;
  tasks.add("*", handler(loaded, run));
  vm::VirtualClock clock(1'700'000'000'000'000'000);
  vm::Random random(42);
  vm::Vm machine(program, clock, random, {}, &tasks);
  vm::Execution exec;
  Value input = json::deep_copy(*run.find("input"), exec.arena());
  vm::Identity id;
  id.state_machine_name = str(run.find("state_machine"));
  machine.start(exec, input, id);
  machine.finish(exec);

  const Value& expected = *run.find("expected");
  ASSERT_EQ(vm::name(exec.status()), str(expected.find("status")))
      << exec.error().value_or("") << ": " << exec.cause().value_or("");
  if (const Value* output = expected.find("output")) {
    EXPECT_TRUE(json::equal(exec.output(), *output))
        << "got " << json::to_string(exec.output()) << ", expected " << json::to_string(*output);
  }
  // A null error or cause: the execution failed without one.
  if (const Value* error = expected.find("error")) {
    EXPECT_EQ(exec.error(), error->is_null() ? std::nullopt : std::optional(error->as_string()));
  }
  if (const Value* cause = expected.find("cause")) {
    EXPECT_EQ(exec.cause(), cause->is_null() ? std::nullopt : std::optional(cause->as_string()));
  }
}

class MockConfigCase : public testing::TestWithParam<std::string> {};

TEST_P(MockConfigCase, Runs) {
  std::ifstream in(kCases / (GetParam() + ".json"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json::Arena arena;
  auto parsed = json::parse(text, arena);
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  const Value& c = parsed.value;

  if (const Value* configs = c.find("configs")) {
    for (const Value& each : configs->items()) {
      SCOPED_TRACE(json::to_string(each));
      expect_problems(load(each), each);
    }
    return;
  }
  vm::MockConfigResult loaded = load(c);
  expect_problems(loaded, c);
  if (!loaded.ok()) return;
  if (const Value* calls = c.find("calls"))
    for (const Value& call : calls->items())
      if (auto h = handler(loaded, call)) check_call(*h, call);
  if (const Value* runs = c.find("runs"))
    for (const Value& run : runs->items())
      check_run(loaded, run);
}

INSTANTIATE_TEST_SUITE_P(Cases, MockConfigCase, testing::ValuesIn(case_names()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

TEST(MockConfig, ReportsTextThatIsNotJson) {
  vm::MockConfigResult r = vm::MockConfig::parse("{\"StateMachines\": ");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].pointer, "");
  EXPECT_TRUE(r.problems[0].message.starts_with("not valid JSON: ")) << r.problems[0].message;
  EXPECT_EQ(r.config, nullptr);
}

TEST(MockConfig, NamesWhatExistsWhenAStateMachineOrTestCaseIsMissing) {
  vm::MockConfigResult r = vm::MockConfig::parse(
      R"({"StateMachines": {"A": {"TestCases": {"One": {}, "Two": {}}}, "B": {"TestCases": {}}},
          "MockedResponses": {}})");
  ASSERT_TRUE(r.ok());
  std::string error;
  EXPECT_EQ(vm::make_mock_handler(r.config, "C", "One", {}, error), nullptr);
  EXPECT_EQ(error, R"(the mock config has no state machine "C" (it has "A" "B"))");
  EXPECT_EQ(vm::make_mock_handler(r.config, "A", "Three", {}, error), nullptr);
  EXPECT_EQ(
      error,
      R"(state machine "A" has no test case "Three" in the mock config (it has "One" "Two"))");
  EXPECT_EQ(vm::make_mock_handler(r.config, "B", "One", {}, error), nullptr);
  EXPECT_EQ(error, R"(state machine "B" has no test case "One" in the mock config (it has none))");
  EXPECT_NE(vm::make_mock_handler(r.config, "A", "Two", {}, error), nullptr);
}

// The handler keeps its config alive, and its results live in the execution's arena: both
// outlive the MockConfigResult they came from.
TEST(MockConfig, HandlerOwnsItsConfigAndAnswersIntoTheCallersArena) {
  std::shared_ptr<const vm::TaskHandler> h;
  {
    vm::MockConfigResult r = vm::MockConfig::parse(
        R"({"StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": {"deep": ["value"]}}}}})");
    ASSERT_TRUE(r.ok());
    std::string error;
    h = vm::make_mock_handler(std::move(r.config), "M", "T", {}, error);
    ASSERT_NE(h, nullptr) << error;
  }
  vm::Execution exec;
  Value input;
  vm::TaskCall call{
      "arn:aws:states:::lambda:invoke", "S", "e", "M", input, exec.arena(), 0, exec, 0};
  vm::TaskResult result;
  size_t before = exec.arena().used();
  ASSERT_EQ(h->invoke(call, result), vm::TaskOutcome::kSucceeded);
  EXPECT_GT(exec.arena().used(), before);
  EXPECT_EQ(json::to_string(result.output), R"({"deep":["value"]})");
}

}  // namespace
}  // namespace stepstream
