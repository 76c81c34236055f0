// Record shapes: the history of an execution AWS logged (cases/express_records.json) gives back,
// byte for byte, the records AWS wrote for it; and the level filter applied to whole histories.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/logs/record.h"

namespace stepstream::logs {
namespace {

class ExpressRecords : public testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(std::filesystem::path(STEPSTREAM_SOURCE_DIR) /
                     "tests/logs/cases/express_records.json");
    text_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    auto parsed = json::parse(text_, arena_);
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    doc_ = parsed.value;
  }
  std::span<const json::Value> history() const { return doc_.find("history")->items(); }
  std::string arn() const { return std::string(doc_.find("execution_arn")->as_string()); }
  // The expected records, one line each, as compact JSON in AWS's member order.
  std::string expected(std::string_view key) const {
    std::string out;
    for (const json::Value& r : doc_.find(key)->items())
      out += json::to_string(r) + "\n";
    return out;
  }

  std::string text_;
  json::Arena arena_;
  json::Value doc_;
};

TEST_F(ExpressRecords, WithExecutionDataTheyAreWhatAwsWrote) {
  std::string out;
  EXPECT_EQ(append_records({Level::kAll, true}, arn(), history(), out), 4u);
  EXPECT_EQ(out, expected("records_with_data"));
}

TEST_F(ExpressRecords, WithoutExecutionDataInputAndOutputAreLeftOut) {
  std::string out;
  EXPECT_EQ(append_records({Level::kAll, false}, arn(), history(), out), 4u);
  EXPECT_EQ(out, expected("records_without_data"));
}

TEST_F(ExpressRecords, EveryRecordIsOneLineOfJson) {
  std::string out;
  append_records({Level::kAll, true}, arn(), history(), out);
  size_t lines = 0;
  for (size_t pos = 0; pos < out.size(); ++lines) {
    size_t end = out.find('\n', pos);
    ASSERT_NE(end, std::string::npos);
    json::Arena a;
    auto r = json::parse(std::string_view(out).substr(pos, end - pos), a);
    ASSERT_TRUE(r.ok()) << r.error;
    for (const char* key : {"id", "type", "previous_event_id", "event_timestamp", "execution_arn"})
      EXPECT_TRUE(r.value.find(key) != nullptr && r.value.find(key)->is_string()) << key;
    pos = end + 1;
  }
  EXPECT_EQ(lines, 4u);
}

TEST_F(ExpressRecords, SucceededExecutionLogsNothingAtErrorFatalOrOff) {
  for (Level l : {Level::kError, Level::kFatal, Level::kOff}) {
    std::string out;
    EXPECT_EQ(append_records({l, true}, arn(), history(), out), 0u) << name(l);
    EXPECT_EQ(out, "");
    EXPECT_EQ(count_records({l, true}, history()), 0u);
  }
  EXPECT_EQ(count_records({Level::kAll, false}, history()), 4u);
}

// A failed execution in the VM's shapes: what each level keeps of it.
constexpr std::string_view kFailedHistory = R"([
  {"executionStartedEventDetails":{"input":"{}","inputDetails":{"truncated":false},"roleArn":"r"},
   "id":1,"previousEventId":0,"timestamp":"2024-01-02T03:04:05.006Z","type":"ExecutionStarted"},
  {"stateEnteredEventDetails":{"name":"Call","input":"{}","inputDetails":{"truncated":false}},
   "id":2,"previousEventId":0,"timestamp":"2024-01-02T03:04:05.006Z","type":"TaskStateEntered"},
  {"taskFailedEventDetails":{"resourceType":"lambda","resource":"invoke","error":"Boom","cause":"c"},
   "id":3,"previousEventId":2,"timestamp":"2024-01-02T03:04:05.007Z","type":"TaskFailed"},
  {"id":4,"previousEventId":3,"timestamp":"2024-01-02T03:04:05.007Z","type":"ParallelStateStarted"},
  {"stateEnteredEventDetails":{"name":"Stop","input":"{}","inputDetails":{"truncated":false}},
   "id":5,"previousEventId":4,"timestamp":"2024-01-02T03:04:05.008Z","type":"FailStateEntered"},
  {"executionFailedEventDetails":{"error":"Custom","cause":"it \"broke\""},
   "id":6,"previousEventId":5,"timestamp":"2024-01-02T03:04:05.009Z","type":"ExecutionFailed"}
])";

std::vector<std::string> types_logged(Level level) {
  json::Arena arena;
  auto parsed = json::parse(kFailedHistory, arena);
  EXPECT_TRUE(parsed.ok()) << parsed.error;
  std::string out;
  append_records({level, false}, "arn:x", parsed.value.items(), out);
  std::vector<std::string> types;
  for (size_t pos = 0; pos < out.size();) {
    size_t end = out.find('\n', pos);
    json::Arena a;
    auto r = json::parse(std::string_view(out).substr(pos, end - pos), a);
    EXPECT_TRUE(r.ok()) << r.error;
    types.emplace_back(r.value.find("type")->as_string());
    pos = end + 1;
  }
  return types;
}

TEST(FailedExecution, EachLevelKeepsItsEvents) {
  using V = std::vector<std::string>;
  EXPECT_EQ(types_logged(Level::kAll),
            (V{"ExecutionStarted", "TaskStateEntered", "TaskFailed", "ParallelStateStarted",
               "FailStateEntered", "ExecutionFailed"}));
  EXPECT_EQ(types_logged(Level::kError), (V{"TaskFailed", "FailStateEntered", "ExecutionFailed"}));
  EXPECT_EQ(types_logged(Level::kFatal), (V{"ExecutionFailed"}));
  EXPECT_EQ(types_logged(Level::kOff), V{});
}

TEST(FailedExecution, ErrorAndCauseStayWithoutExecutionDataAndAnEventWithoutDetailsHasNone) {
  json::Arena arena;
  auto parsed = json::parse(kFailedHistory, arena);
  ASSERT_TRUE(parsed.ok());
  std::string out;
  append_records({Level::kAll, false}, "arn:x", parsed.value.items(), out);
  EXPECT_NE(
      out.find(R"({"id":"3","type":"TaskFailed","details":{"cause":"c","error":"Boom",)"
               R"("resource":"invoke","resourceType":"lambda"},"previous_event_id":"2",)"
               R"("event_timestamp":"1704164645007","execution_arn":"arn:x","redrive_count":"0"})"
               "\n"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find(R"({"id":"4","type":"ParallelStateStarted","previous_event_id":"3",)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("details":{"cause":"it \"broke\"","error":"Custom"})"), std::string::npos)
      << out;
}

TEST(ExecutionArn, ExpressArnHasTheRunIdLast) {
  EXPECT_EQ(express_execution_arn("eu-central-1", "123456789012", "Flow", "events/3/42", "abc"),
            "arn:aws:states:eu-central-1:123456789012:express:Flow:events/3/42:abc");
}

}  // namespace
}  // namespace stepstream::logs
