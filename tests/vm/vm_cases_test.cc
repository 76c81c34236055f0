// Runs every case file in tests/vm/cases: a definition, an input and the expected result.
// A case may set "payload_limit" and "tasks" ({"PATTERN": "HANDLER"}, as --task takes them,
// ahead of the default: Lambda ARNs answered by echo); "cause": null asserts that no cause is
// reported, a case without "cause" does not check it, and "history" lists the expected event
// types in order. Executions run on a virtual clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/compile/build.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/vm/vm.h"
#include "tests/support/case_files.h"

namespace stepstream {
namespace {

namespace fs = std::filesystem;

const fs::path kCases = fs::path(STEPSTREAM_SOURCE_DIR) / "tests/vm/cases";

std::vector<std::string> case_names() {
  return stepstream::test::case_names(kCases, ".json");
}

class VmCase : public testing::TestWithParam<std::string> {};

TEST_P(VmCase, Runs) {
  std::ifstream in(kCases / (GetParam() + ".json"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json::Arena arena;
  auto parsed = json::parse(text, arena);
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  const json::Value& c = parsed.value;

  bytecode::Program program;
  std::vector<asl::Problem> problems;
  ASSERT_TRUE(compile::build_program(json::to_string(*c.find("definition")), {}, program, problems))
      << (problems.empty() ? "" : asl::to_string(problems[0]));

  vm::VirtualClock clock(1'700'000'000'000'000'000);
  vm::Random random(42);
  vm::Limits limits;
  if (const json::Value* l = c.find("payload_limit")) limits.payload_bytes = l->as_int();
  vm::TaskRegistry tasks;
  if (const json::Value* specs = c.find("tasks")) {
    for (const json::Member& m : specs->members()) {
      std::string error;
      ASSERT_TRUE(
          tasks.add_spec(std::string(m.key) + "=" + std::string(m.value.as_string()), error))
          << error;
    }
  }
  tasks.add("arn:aws:lambda:*", vm::TaskRegistry::builtin("echo"));
  vm::Vm machine(program, clock, random, limits, &tasks);
  vm::Execution exec;
  json::Value input = json::deep_copy(*c.find("input"), exec.arena());
  vm::Identity id;
  id.state_machine_name = "cases";
  id.execution_name = "case";
  machine.start(exec, input, id, true);
  machine.finish(exec);

  const json::Value& expected = *c.find("expected");
  EXPECT_EQ(vm::name(exec.status()), expected.find("status")->as_string())
      << "error: " << exec.error().value_or("-") << " cause: " << exec.cause().value_or("-");
  if (const json::Value* out = expected.find("output")) {
    EXPECT_TRUE(json::equal(exec.output(), *out))
        << "got " << json::to_string(exec.output()) << "\nwant " << json::to_string(*out);
  }
  if (const json::Value* error = expected.find("error")) {
    EXPECT_EQ(exec.error().value_or("<none>"), error->as_string());
  }
  if (const json::Value* cause = expected.find("cause")) {
    if (cause->is_null()) {
      EXPECT_FALSE(exec.cause().has_value()) << *exec.cause();
    } else {
      EXPECT_EQ(exec.cause().value_or("<none>"), cause->as_string());
    }
  }
  if (const json::Value* types = expected.find("history")) {
    std::string want, got;
    for (const json::Value& t : types->items())
      want += std::string(t.as_string()) + " ";
    for (const json::Value& e : exec.history())
      got += std::string(e.find("type")->as_string()) + " ";
    EXPECT_EQ(got, want);
  }
  // Every execution's history starts and ends as AWS's does.
  ASSERT_FALSE(exec.history().empty());
  EXPECT_EQ(exec.history().front().find("type")->as_string(), "ExecutionStarted");
  std::string_view last = exec.history().back().find("type")->as_string();
  EXPECT_TRUE(last == "ExecutionSucceeded" || last == "ExecutionFailed" ||
              last == "ExecutionTimedOut")
      << last;
}

INSTANTIATE_TEST_SUITE_P(Cases, VmCase, testing::ValuesIn(case_names()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace stepstream

namespace stepstream {
namespace {

// The verifier cannot follow object builders through the code; the VM must refuse a program
// whose builder has no room left rather than write past it.
TEST(VmCorruptProgram, BuilderOverflowIsAnErrorNotAWrite) {
  bytecode::Program program;
  std::vector<asl::Problem> problems;
  ASSERT_TRUE(compile::build_program(
      R"({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.x"},"End":true}}})", {},
      program, problems));
  // The compiler builds templates with OBJECT; builders come from images made by hand (or by
  // earlier compilers): a builder with room for no member, given one.
  ASSERT_GT(program.num_registers, 4u);
  using bytecode::Op;
  program.code = {bytecode::encode(Op::NEWOBJ, 4, 0, 0),
                  bytecode::encode(Op::SETR, 4, program.states[0].name, 0),
                  bytecode::encode(Op::SUCCEED, 0, 4, 0)};
  program.states[0].entry_pc = 0;
  ASSERT_EQ(bytecode::verify(program), "");
  vm::VirtualClock clock(0);
  vm::Random random;
  vm::Vm machine(program, clock, random);
  vm::Execution exec;
  auto input = json::parse(R"({"x":1})", exec.arena());
  machine.start(exec, input.value, {});
  EXPECT_EQ(exec.status(), vm::Status::kFailed);
  EXPECT_EQ(exec.error().value_or(""), "States.Runtime");
  EXPECT_NE(exec.cause().value_or("").find("corrupt"), std::string_view::npos);
}

}  // namespace
}  // namespace stepstream

namespace stepstream {
namespace {

// Lookups start where the same instruction found its key in the previous document: documents of
// changing shapes, repeated keys (the last one wins) and missing keys must read as if they did
// not.
TEST(VmLookups, HintsFollowChangingShapes) {
  bytecode::Program program;
  std::vector<asl::Problem> problems;
  ASSERT_TRUE(compile::build_program(
      R"({"StartAt": "P", "States": {"P": {"Type": "Pass",
          "Parameters": {"a.$": "$.a", "c.$": "$.b.c"}, "End": true}}})",
      {}, program, problems));
  vm::VirtualClock clock(0);
  vm::Random random;
  vm::Vm machine(program, clock, random);
  json::Parser parser;
  const std::pair<const char*, const char*> runs[] = {
      {R"({"a":1,"b":{"c":2}})", R"({"a":1,"c":2})"},
      {R"({"b":{"x":0,"c":3},"a":4})", R"({"a":4,"c":3})"},
      {R"({"a":5,"b":{"c":6},"a":7})", R"({"a":7,"c":6})"},
      {R"({"x":0,"a":8,"b":{"c":9,"c":10}})", R"({"a":8,"c":10})"},
      {R"({"x":0,"a":"\n","b":{"c":[]},"a":11})", R"({"a":11,"c":[]})"},
      {R"({"b":{"c":1}})", nullptr},
      {R"({"a":12})", nullptr},
      {R"({"a":1,"b":{"c":2}})", R"({"a":1,"c":2})"},
  };
  vm::Execution exec;
  for (const auto& [input, output] : runs) {
    exec.reset();
    auto in = parser.parse(input, exec.arena());
    ASSERT_TRUE(in.ok()) << input;
    machine.start(exec, in.value, {});
    if (output == nullptr) {
      EXPECT_EQ(exec.status(), vm::Status::kFailed) << input;
      EXPECT_EQ(exec.error().value_or(""), "States.Runtime") << input;
    } else {
      ASSERT_EQ(exec.status(), vm::Status::kSucceeded) << input;
      EXPECT_EQ(json::to_string(exec.output()), output) << input;
    }
  }
}

}  // namespace
}  // namespace stepstream
