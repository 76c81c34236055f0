// End to end with the VM: executions run with record_history, their history turned into records,
// and each level keeps exactly the events AWS's table lists for it.
#include <gtest/gtest.h>

#include "engine/compile/build.h"
#include "engine/json/parse.h"
#include "engine/logs/record.h"
#include "engine/vm/vm.h"

namespace stepstream::logs {
namespace {

using Types = std::vector<std::string>;

struct Outcome {
  std::vector<std::string> history_types;
  std::vector<int64_t> history_ids;
  std::string records;  // at the level asked for
};

// Keeps what `level` logs, as the runtime's workers filter history below ALL.
struct LevelFilter final : vm::HistoryFilter {
  explicit LevelFilter(Level l) : level(l) {}
  bool keeps(std::string_view type) const override { return logs_event(level, type); }
  Level level;
};

// With `filtered`, the VM keeps only the events `level` logs instead of the whole history.
Outcome run(std::string_view definition, Level level, bool filtered = false) {
  Outcome r;
  bytecode::Program program;
  std::vector<asl::Problem> problems;
  EXPECT_TRUE(compile::build_program(definition, {}, program, problems))
      << (problems.empty() ? "" : asl::to_string(problems[0]));
  vm::VirtualClock clock(1'700'000'000'000'000'000);
  vm::Random random(7);
  vm::TaskRegistry tasks;
  tasks.add("arn:aws:lambda:*", vm::TaskRegistry::builtin("fail:Custom.Error:it broke"));
  vm::Vm machine(program, clock, random, {}, &tasks);
  vm::Execution exec;
  json::Arena scratch;
  json::Value input = json::deep_copy(json::parse(R"({"n":1})", scratch).value, exec.arena());
  vm::Identity id;
  id.state_machine_name = "flow";
  id.execution_name = "events/0/1";
  id.express = true;
  LevelFilter filter(level);
  if (filtered) exec.keep_history_only(&filter);
  machine.start(exec, input, id, /*record_history=*/true);
  machine.finish(exec);
  for (const json::Value& e : exec.history()) {
    r.history_types.emplace_back(e.find("type")->as_string());
    r.history_ids.push_back(e.find("id")->as_int());
  }
  append_records({level, true}, "arn:aws:states:us-east-1:123456789012:express:flow:events/0/1:x",
                 exec.history(), r.records);
  return r;
}

Types types_of(const std::string& records) {
  Types types;
  for (size_t pos = 0; pos < records.size();) {
    size_t end = records.find('\n', pos);
    json::Arena a;
    auto parsed = json::parse(std::string_view(records).substr(pos, end - pos), a);
    EXPECT_TRUE(parsed.ok()) << parsed.error;
    types.emplace_back(parsed.value.find("type")->as_string());
    pos = end + 1;
  }
  return types;
}

constexpr std::string_view kFailState = R"({"StartAt":"Hello","States":{
  "Hello":{"Type":"Pass","Next":"Stop"},
  "Stop":{"Type":"Fail","Error":"Custom.Stop","Cause":"stopped"}}})";

constexpr std::string_view kFailingTask = R"({"StartAt":"Hello","States":{
  "Hello":{"Type":"Pass","Next":"Call"},
  "Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}})";

constexpr std::string_view kSucceeds = R"({"StartAt":"Hello","States":{
  "Hello":{"Type":"Pass","Result":{"ok":true},"Next":"Done"},
  "Done":{"Type":"Succeed"}}})";

TEST(LogsOfVmHistory, AllLogsEveryHistoryEventInOrder) {
  for (std::string_view def : {kFailState, kFailingTask, kSucceeds}) {
    Outcome r = run(def, Level::kAll);
    ASSERT_FALSE(r.history_types.empty());
    EXPECT_EQ(types_of(r.records), r.history_types);
    EXPECT_EQ(r.history_types.front(), "ExecutionStarted");
  }
}

TEST(LogsOfVmHistory, FailStateAtEachLevel) {
  EXPECT_EQ(types_of(run(kFailState, Level::kError).records),
            (Types{"FailStateEntered", "ExecutionFailed"}));
  EXPECT_EQ(types_of(run(kFailState, Level::kFatal).records), (Types{"ExecutionFailed"}));
  EXPECT_EQ(run(kFailState, Level::kOff).records, "");
}

// A Lambda function ARN logs LambdaFunction* events, as AWS logs them.
TEST(LogsOfVmHistory, FailingTaskAtEachLevel) {
  EXPECT_EQ(types_of(run(kFailingTask, Level::kError).records),
            (Types{"LambdaFunctionFailed", "ExecutionFailed"}));
  EXPECT_EQ(types_of(run(kFailingTask, Level::kFatal).records), (Types{"ExecutionFailed"}));
}

TEST(LogsOfVmHistory, SuccessLogsNothingBelowAll) {
  EXPECT_EQ(run(kSucceeds, Level::kError).records, "");
  EXPECT_EQ(run(kSucceeds, Level::kFatal).records, "");
}

TEST(LogsOfVmHistory, AFilteredHistoryGivesTheSameRecordsIdsIncluded) {
  for (std::string_view def : {kFailState, kFailingTask, kSucceeds}) {
    for (Level level : {Level::kError, Level::kFatal}) {
      Outcome full = run(def, level), kept = run(def, level, true);
      EXPECT_EQ(kept.records, full.records) << name(level) << " " << def;
      EXPECT_EQ(kept.history_types.size(), types_of(full.records).size())
          << "the VM kept only what the level logs";
    }
  }
}

TEST(LogsOfVmHistory, RecordsKeepTheHistoryIdsAndTheExecutionFailure) {
  Outcome r = run(kFailState, Level::kAll);
  Types types = types_of(r.records);
  ASSERT_EQ(types.size(), r.history_ids.size());
  size_t pos = 0;
  for (int64_t id : r.history_ids) {
    std::string want = "{\"id\":\"" + std::to_string(id) + "\",";
    EXPECT_EQ(r.records.compare(pos, want.size(), want), 0) << r.records.substr(pos, 40);
    pos = r.records.find('\n', pos) + 1;
  }
  EXPECT_NE(r.records.find(
                R"("type":"ExecutionFailed","details":{"cause":"stopped","error":"Custom.Stop"})"),
            std::string::npos)
      << r.records;
  // The virtual clock's start, 1'700'000'000'000 ms, as AWS writes times.
  EXPECT_NE(r.records.find(R"("event_timestamp":"1700000000000")"), std::string::npos);
}

}  // namespace
}  // namespace stepstream::logs
