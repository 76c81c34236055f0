// Mock configs made from recorded histories: each test gives a small case (definition and
// history, in the corpus's shapes) and checks the MockConfigFile text, or why there is none.
#include "tests/conformance/history_mocks.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/vm/mock_config.h"

namespace stepstream::conformance {
namespace {

class HistoryMocksTest : public ::testing::Test {
 protected:
  HistoryMocks mocks(std::string_view doc) {
    json::ParseResult r = json::parse(doc, arena_);
    EXPECT_TRUE(r.ok()) << doc;
    HistoryMocks m = mocks_from_history(r.value, arena_);
    if (m.why_not.empty()) {
      // Whatever is made must be a config the mock parser accepts.
      vm::MockConfigResult parsed = vm::MockConfig::parse(m.config);
      EXPECT_TRUE(parsed.ok()) << m.config << "\n"
                               << (parsed.ok() ? "" : vm::to_string(parsed.problems[0]));
    }
    return m;
  }
  json::Arena arena_;
};

// A Lambda ARN Task retried twice: invocations numbered in order, equal answers in a row
// sharing a range key, the first invocation's input kept.
TEST_F(HistoryMocksTest, RetriesAreNumberedInOrderAndRunsShareARange) {
  HistoryMocks m = mocks(R"({
    "definition": {"StartAt": "Call", "States": {"Call": {"Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f", "End": true}}},
    "history": [
      {"id": 1, "previousEventId": 0, "type": "ExecutionStarted"},
      {"id": 2, "previousEventId": 0, "type": "TaskStateEntered",
       "stateEnteredEventDetails": {"name": "Call", "input": {}}},
      {"id": 3, "previousEventId": 2, "type": "LambdaFunctionScheduled",
       "lambdaFunctionScheduledEventDetails": {"input": {"n": 1}}},
      {"id": 4, "previousEventId": 3, "type": "LambdaFunctionStarted"},
      {"id": 5, "previousEventId": 4, "type": "LambdaFunctionFailed",
       "lambdaFunctionFailedEventDetails": {"error": "Boom", "cause": "first"}},
      {"id": 6, "previousEventId": 5, "type": "LambdaFunctionScheduled",
       "lambdaFunctionScheduledEventDetails": {"input": {"n": 2}}},
      {"id": 7, "previousEventId": 6, "type": "LambdaFunctionStarted"},
      {"id": 8, "previousEventId": 7, "type": "LambdaFunctionFailed",
       "lambdaFunctionFailedEventDetails": {"error": "Boom", "cause": "first"}},
      {"id": 9, "previousEventId": 8, "type": "LambdaFunctionScheduled",
       "lambdaFunctionScheduledEventDetails": {"input": {"n": 3}}},
      {"id": 10, "previousEventId": 9, "type": "LambdaFunctionStarted"},
      {"id": 11, "previousEventId": 10, "type": "LambdaFunctionSucceeded",
       "lambdaFunctionSucceededEventDetails": {"output": "\"done\""}}
    ]})");
  ASSERT_EQ(m.why_not, "");
  EXPECT_EQ(
      m.config,
      R"({"StateMachines":{"ConformanceStateMachine":{"TestCases":{"History":{"Call":"Call"}}}},)"
      R"("MockedResponses":{"Call":{"0-1":{"Throw":{"Error":"Boom","Cause":"first"}},)"
      R"("2":{"Return":"done"}}}})");
  EXPECT_EQ(m.invocations, 3u);
  ASSERT_EQ(m.sent["Call"].size(), 3u);
  EXPECT_EQ(json::to_string(m.sent["Call"][2]), R"({"n":3})");
}

// Two states whose events interleave (a Parallel's branches keep their ids in most recordings):
// each result goes to the invocation its previousEventId chain leads back to.
TEST_F(HistoryMocksTest, InterleavedStatesFollowTheirEventChains) {
  HistoryMocks m = mocks(R"({
    "definition": {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true}}},
        {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true}}}]}}},
    "history": [
      {"id": 1, "previousEventId": 0, "type": "ParallelStateEntered",
       "stateEnteredEventDetails": {"name": "P"}},
      {"id": 2, "previousEventId": 1, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "A"}},
      {"id": 3, "previousEventId": 1, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "B"}},
      {"id": 4, "previousEventId": 3, "type": "TaskScheduled",
       "taskScheduledEventDetails": {"parameters": {"TopicArn": "t"}}},
      {"id": 5, "previousEventId": 2, "type": "TaskScheduled",
       "taskScheduledEventDetails": {"parameters": {"QueueUrl": "q"}}},
      {"id": 6, "previousEventId": 5, "type": "TaskStarted"},
      {"id": 7, "previousEventId": 4, "type": "TaskStarted"},
      {"id": 8, "previousEventId": 6, "type": "TaskSucceeded",
       "taskSucceededEventDetails": {"output": {"MessageId": "sqs"}}},
      {"id": 9, "previousEventId": 7, "type": "TaskFailed",
       "taskFailedEventDetails": {"error": "SNS.Error"}}
    ]})");
  ASSERT_EQ(m.why_not, "");
  EXPECT_EQ(
      m.config,
      R"({"StateMachines":{"ConformanceStateMachine":{"TestCases":{"History":{"B":"B","A":"A"}}}},)"
      R"("MockedResponses":{"B":{"0":{"Throw":{"Error":"SNS.Error"}}},)"
      R"("A":{"0":{"Return":{"MessageId":"sqs"}}}}})");
  EXPECT_EQ(json::to_string(m.sent["A"][0]), R"({"QueueUrl":"q"})");
}

// The recording parses a cause that is JSON text; the text AWS produced, spacing included, is
// found where it survives as a string (here a Catch's output), and written compactly otherwise.
TEST_F(HistoryMocksTest, ParsedCausesGetTheirRecordedText) {
  HistoryMocks m = mocks(R"({
    "definition": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
    "expected": {"output": {"Error": "Exception", "Cause": "{\"errorMessage\": \"x\", \"n\": [1, 2]}"}},
    "history": [
      {"id": 1, "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "T"}},
      {"id": 2, "previousEventId": 1, "type": "TaskScheduled", "taskScheduledEventDetails": {"parameters": {}}},
      {"id": 3, "previousEventId": 2, "type": "TaskFailed",
       "taskFailedEventDetails": {"error": "Exception", "cause": {"n": [1, 2], "errorMessage": "x"}}},
      {"id": 4, "previousEventId": 3, "type": "TaskScheduled", "taskScheduledEventDetails": {"parameters": {}}},
      {"id": 5, "previousEventId": 4, "type": "TaskFailed",
       "taskFailedEventDetails": {"error": "Exception", "cause": {"other": true}}}
    ]})");
  ASSERT_EQ(m.why_not, "");
  EXPECT_NE(m.config.find(R"("Cause":"{\"errorMessage\": \"x\", \"n\": [1, 2]}")"),
            std::string::npos)
      << m.config;
  EXPECT_NE(m.config.find(R"("Cause":"{\"other\":true}")"), std::string::npos) << m.config;
}

// Parallel events whose ids the recording masked pair in order: the calls of one Task state, or
// each state's one call.
TEST_F(HistoryMocksTest, MaskedParallelEvents) {
  constexpr std::string_view kOne = R"({
    "definition": {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true}}}]}}},
    "history": [
      {"id": 1, "previousEventId": 0, "type": "ParallelStateEntered", "stateEnteredEventDetails": {"name": "P"}},
      {"id": [0], "previousEventId": 0, "type": "TaskFailed", "taskFailedEventDetails": {"error": "E"}},
      {"id": [0], "previousEventId": 0, "type": "TaskScheduled", "taskScheduledEventDetails": {"parameters": 1}},
      {"id": [0], "previousEventId": 0, "type": "TaskScheduled", "taskScheduledEventDetails": {"parameters": 2}},
      {"id": [0], "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "A"}},
      {"id": [0], "previousEventId": 0, "type": "TaskSucceeded", "taskSucceededEventDetails": {"output": {}}}
    ]})";
  HistoryMocks one = mocks(kOne);
  ASSERT_EQ(one.why_not, "");
  EXPECT_NE(one.config.find(R"("A":{"0":{"Throw":{"Error":"E"}},"1":{"Return":{}}})"),
            std::string::npos)
      << one.config;

  // Several states: the k-th call is the k-th state entered, each entered and called once.
  HistoryMocks two = mocks(R"({
    "definition": {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": []}}},
    "history": [
      {"id": [0], "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "A"}},
      {"id": [0], "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "B"}},
      {"id": [0], "previousEventId": 0, "type": "TaskScheduled", "taskScheduledEventDetails": {"parameters": "a"}},
      {"id": [0], "previousEventId": 0, "type": "TaskScheduled", "taskScheduledEventDetails": {"parameters": "b"}},
      {"id": [0], "previousEventId": 0, "type": "TaskSucceeded", "taskSucceededEventDetails": {"output": 1}},
      {"id": [0], "previousEventId": 0, "type": "TaskSucceeded", "taskSucceededEventDetails": {"output": 2}}
    ]})");
  ASSERT_EQ(two.why_not, "");
  EXPECT_NE(two.config.find(R"("A":{"0":{"Return":1}})"), std::string::npos) << two.config;
  EXPECT_NE(two.config.find(R"("B":{"0":{"Return":2}})"), std::string::npos) << two.config;
  EXPECT_EQ(json::to_string(two.sent["B"][0]), R"("b")");

  // A retry among them leaves more calls than entries: which is whose cannot be told.
  HistoryMocks retried = mocks(R"({
    "definition": {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": []}}},
    "history": [
      {"id": [0], "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "A"}},
      {"id": [0], "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "B"}},
      {"id": [0], "previousEventId": 0, "type": "TaskScheduled", "taskScheduledEventDetails": {}},
      {"id": [0], "previousEventId": 0, "type": "TaskScheduled", "taskScheduledEventDetails": {}},
      {"id": [0], "previousEventId": 0, "type": "TaskScheduled", "taskScheduledEventDetails": {}}
    ]})");
  EXPECT_EQ(
      retried.why_not,
      "the recording masks the event ids of Parallel branches, and its Task states \"A\", "
      "\"B\", ... were scheduled 3 times in 2 entries, so which call is whose cannot be told");
  EXPECT_EQ(retried.config, "");
}

// What no mock config can say, each with its reason.
TEST_F(HistoryMocksTest, WhatCannotBeMocked) {
  EXPECT_EQ(mocks(R"({"definition": {"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
                "ItemReader": {"Resource": "arn:aws:states:::s3:getObject"},
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}},
                "history": []})")
                .why_not,
            "state \"M\" uses a Map ItemReader, whose S3 calls are no Task a mock config answers");
  EXPECT_EQ(mocks(R"({"definition": {"StartAt": "T", "States": {"T": {"Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}, "history": null})")
                .why_not,
            "the case records no history");
  EXPECT_EQ(mocks(R"({"definition": {"StartAt": "T", "States": {"T": {"Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
                "history": [
      {"id": 1, "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "T"}},
      {"id": 2, "previousEventId": 1, "type": "TaskScheduled", "taskScheduledEventDetails": {}},
      {"id": 3, "previousEventId": 2, "type": "TaskFailed", "taskFailedEventDetails": {"error": 7}}]})")
                .why_not,
            "a Task of state \"T\" failed with an error that is not a name: 7");
  EXPECT_EQ(mocks(R"({"definition": {"StartAt": "T", "States": {"T": {"Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
                "history": [
      {"id": 1, "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "T"}},
      {"id": 2, "previousEventId": 1, "type": "TaskScheduled", "taskScheduledEventDetails": {}},
      {"id": 3, "previousEventId": 2, "type": "ExecutionTimedOut"}]})")
                .why_not,
            "invocation 0 of state \"T\" has no result in the recording");
}

// A timed-out Task is a Throw of States.Timeout without a cause.
TEST_F(HistoryMocksTest, TimeoutsBecomeStatesTimeout) {
  HistoryMocks m = mocks(R"({
    "definition": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5, "End": true}}},
    "history": [
      {"id": 1, "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "T"}},
      {"id": 2, "previousEventId": 1, "type": "TaskScheduled", "taskScheduledEventDetails": {}},
      {"id": 3, "previousEventId": 2, "type": "TaskStarted"},
      {"id": 4, "previousEventId": 3, "type": "TaskTimedOut", "taskTimedOutEventDetails": {"error": "States.Timeout"}}]})");
  ASSERT_EQ(m.why_not, "");
  EXPECT_NE(m.config.find(R"("T":{"0":{"Throw":{"Error":"States.Timeout"}}})"), std::string::npos)
      << m.config;
}

// The Task states that set their own limits, in branches and item processors too: the runner
// leaves their recorded timeouts unanswered, for those limits to fire.
TEST_F(HistoryMocksTest, TaskStatesWithTheirOwnLimitsAreListed) {
  HistoryMocks m = mocks(R"({"definition": {"StartAt": "P", "States": {"P": {"Type": "Parallel",
      "End": true, "Branches": [{"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "r", "TimeoutSecondsPath": "$.t", "Next": "M"},
        "M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "B", "States": {
          "B": {"Type": "Task", "Resource": "r", "HeartbeatSeconds": 2, "Next": "C"},
          "C": {"Type": "Task", "Resource": "r", "End": true}}}}}}]}}},
      "history": []})");
  ASSERT_EQ(m.limits.size(), 2u);
  EXPECT_TRUE(m.limits["A"].timeout);
  EXPECT_FALSE(m.limits["A"].heartbeat);
  EXPECT_FALSE(m.limits["B"].timeout);
  EXPECT_TRUE(m.limits["B"].heartbeat);
}

// A Task whose worker failed it without an error name (SendTaskFailure with neither error nor
// cause): AWS records a TaskFailed with no error, and the mock is a Throw without Error.
TEST_F(HistoryMocksTest, AFailureWithoutAnErrorNameIsAThrowWithoutError) {
  HistoryMocks m = mocks(R"({"definition": {"StartAt": "T", "States": {"T": {"Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}},
      "history": [
    {"id": 1, "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "T"}},
    {"id": 2, "previousEventId": 1, "type": "TaskScheduled", "taskScheduledEventDetails": {}},
    {"id": 3, "previousEventId": 2, "type": "TaskStarted"},
    {"id": 4, "previousEventId": 3, "type": "TaskSubmitted", "taskSubmittedEventDetails": {"output": {}}},
    {"id": 5, "previousEventId": 4, "type": "TaskFailed", "taskFailedEventDetails": {"resource": "x"}},
    {"id": 6, "previousEventId": 2, "type": "TaskScheduled", "taskScheduledEventDetails": {}},
    {"id": 7, "previousEventId": 6, "type": "TaskFailed",
     "taskFailedEventDetails": {"cause": "gave up"}}]})");
  ASSERT_EQ(m.why_not, "");
  EXPECT_NE(m.config.find(R"("T":{"0":{"Throw":{}},"1":{"Throw":{"Cause":"gave up"}}})"),
            std::string::npos)
      << m.config;
}

// Activity states get a test case of their own, which the runner plays as their worker; the
// other Task states stay in the History test case. A timed-out activity is a Throw of its error.
TEST_F(HistoryMocksTest, ActivitiesAreATestCaseOfTheirOwn) {
  HistoryMocks m = mocks(R"({"definition": {"StartAt": "W", "States": {
      "W": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:111111111111:activity:w",
            "Next": "L"},
      "L": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "T"},
      "T": {"Type": "Task", "Resource": "${ext:fixture:create_activity(t)['activityArn']}",
            "TimeoutSeconds": 5, "End": true}}},
      "history": [
    {"id": 1, "previousEventId": 0, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "W"}},
    {"id": 2, "previousEventId": 1, "type": "ActivityScheduled",
     "activityScheduledEventDetails": {"input": {"Value1": "Hi"}, "resource": "activity_arn"}},
    {"id": 3, "previousEventId": 2, "type": "ActivityStarted", "activityStartedEventDetails": {}},
    {"id": 4, "previousEventId": 3, "type": "ActivitySucceeded",
     "activitySucceededEventDetails": {"output": {"Value1": "Hi"}}},
    {"id": 5, "previousEventId": 4, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "L"}},
    {"id": 6, "previousEventId": 5, "type": "TaskScheduled", "taskScheduledEventDetails": {"parameters": {}}},
    {"id": 7, "previousEventId": 6, "type": "TaskSucceeded", "taskSucceededEventDetails": {"output": 1}},
    {"id": 8, "previousEventId": 7, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "T"}},
    {"id": 9, "previousEventId": 8, "type": "ActivityScheduled",
     "activityScheduledEventDetails": {"input": {}, "timeoutInSeconds": 5}},
    {"id": 10, "previousEventId": 9, "type": "ActivityStarted", "activityStartedEventDetails": {}},
    {"id": 11, "previousEventId": 10, "type": "ActivityTimedOut",
     "activityTimedOutEventDetails": {"error": "States.Timeout"}}]})");
  ASSERT_EQ(m.why_not, "");
  EXPECT_TRUE(m.activities);
  EXPECT_EQ(m.config,
            R"({"StateMachines":{"ConformanceStateMachine":{"TestCases":{"History":{"L":"L"},)"
            R"("ActivityWorkers":{"W":"W","T":"T"}}}},"MockedResponses":{)"
            R"("W":{"0":{"Return":{"Value1":"Hi"}}},"L":{"0":{"Return":1}},)"
            R"("T":{"0":{"Throw":{"Error":"States.Timeout"}}}}})");
  EXPECT_EQ(json::to_string(m.sent["W"].at(0)), R"({"Value1":"Hi"})");
}

TEST(DefinitionPlaceholders, ResolveToResourcesOfTheirShape) {
  std::string text =
      R"({"Resource": "${ext:LambdaArn:fn-1}", "Other": "${ext:fixture:create_activity(act-1)['activityArn']}"})";
  std::string why;
  ASSERT_TRUE(resolve_definition_placeholders(text, why)) << why;
  EXPECT_EQ(text, R"({"Resource": "arn:aws:lambda:us-east-1:111111111111:function:fn-1", )"
                  R"("Other": "arn:aws:states:us-east-1:111111111111:activity:act-1"})");
  std::string unknown = R"({"Resource": "${ext:Mystery}"})";
  EXPECT_FALSE(resolve_definition_placeholders(unknown, why));
  EXPECT_EQ(why, "an unknown placeholder ${ext:Mystery} in the definition");
}

// A distributed Map's children log into histories the case does not hold. A child that is one
// Task, its result the child's output, is answered from the Map's results as each
// MapStateExited event records them at the Map's ResultPath.
TEST_F(HistoryMocksTest, DistributedChildrenAreAnsweredFromTheMapsResults) {
  HistoryMocks m = mocks(R"({
    "definition": {"StartAt": "M", "States": {"M": {"Type": "Map", "ResultPath": "$.out.values",
        "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"},
        "StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}}}},
    "history": [
      {"id": 1, "previousEventId": 0, "type": "MapStateEntered", "stateEnteredEventDetails": {"name": "M"}},
      {"id": 2, "previousEventId": 1, "type": "MapStateExited",
       "stateExitedEventDetails": {"name": "M", "output": {"out": {"values": [1, {"a": 2}]}}}},
      {"id": 3, "previousEventId": 2, "type": "MapStateEntered", "stateEnteredEventDetails": {"name": "M"}},
      {"id": 4, "previousEventId": 3, "type": "MapStateExited",
       "stateExitedEventDetails": {"name": "M", "output": "{\"out\": {\"values\": [\"x\"]}}"}}
    ]})");
  ASSERT_EQ(m.why_not, "");
  EXPECT_NE(m.config.find(R"("T":{"0":{"Return":1},"1":{"Return":{"a":2}},"2":{"Return":"x"}})"),
            std::string::npos)
      << m.config;
  EXPECT_EQ(m.invocations, 3u);
  EXPECT_TRUE(m.sent.empty());
  EXPECT_TRUE(m.unrecorded_inputs.contains("T"));
}

// Under a Map that discards its results (ResultPath null), the recording holds only that every
// call succeeded: however many there were, each is answered with null.
TEST_F(HistoryMocksTest, DiscardedChildResultsAnswerEveryCall) {
  HistoryMocks m = mocks(R"({
    "definition": {"StartAt": "Outer", "States": {"Outer": {"Type": "Map", "End": true,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "Inner",
        "States": {"Inner": {"Type": "Map", "ResultPath": null, "End": true,
          "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "T",
          "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                           "End": true}}}}}}}}},
    "history": [
      {"id": 1, "previousEventId": 0, "type": "MapStateEntered", "stateEnteredEventDetails": {"name": "Outer"}},
      {"id": 2, "previousEventId": 1, "type": "MapStateExited",
       "stateExitedEventDetails": {"name": "Outer", "output": [{}]}}
    ]})");
  ASSERT_EQ(m.why_not, "");
  EXPECT_NE(m.config.find(R"("T":{"0-4294967294":{"Return":null}})"), std::string::npos)
      << m.config;
}

// What the parent's history cannot tell about its children's calls, each with its reason.
TEST_F(HistoryMocksTest, DistributedChildrenThatCannotBeAnswered) {
  auto why = [&](std::string_view map_fields, std::string_view child, std::string_view events) {
    std::string doc = R"({"definition": {"StartAt": "M", "States": {"M": {"Type": "Map", )" +
                      std::string(map_fields) +
                      R"( "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"},
        "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", )" +
                      std::string(child) + R"(}}}}}}, "history": [)" + std::string(events) + "]}";
    return mocks(doc).why_not;
  };
  const std::string unrecorded =
      "state \"T\" runs in a distributed Map's child executions, whose events the history does "
      "not hold";
  constexpr std::string_view kEntered =
      R"({"id": 1, "previousEventId": 0, "type": "MapStateEntered", "stateEnteredEventDetails": {"name": "M"}})";
  const std::string exited =
      std::string(kEntered) +
      R"(, {"id": 2, "previousEventId": 1, "type": "MapStateExited", "stateExitedEventDetails": {"name": "M", "output": {"r": [1]}}})";
  EXPECT_EQ(why(R"("ResultPath": "$.r",)", R"("End": true)", exited), "");
  EXPECT_EQ(why("", R"("End": true, "ResultPath": "$.x")", exited),
            unrecorded + ", and its result is not all of the child's output");
  EXPECT_EQ(why("", R"("Next": "U"}, "U": {"Type": "Pass", "End": true)", exited),
            unrecorded + ", and its result is not all of the child's output");
  EXPECT_EQ(why("", R"("End": true, "Retry": [{"ErrorEquals": ["States.ALL"]}])", exited),
            unrecorded + ", and its Retry or Catch could hide a failed call");
  EXPECT_EQ(
      why(R"("ToleratedFailureCount": 1,)", R"("End": true)", exited),
      unrecorded + ", and Map \"M\" has a ToleratedFailureCount, which could hide a failed call");
  EXPECT_EQ(why(R"("ResultSelector": {"n.$": "$[0]"},)", R"("End": true)", exited),
            unrecorded + ", and Map \"M\" does not record its results unchanged");
  EXPECT_EQ(why(R"("ResultPath": "$.r",)", R"("End": true)", kEntered),
            "state \"T\" runs in a distributed Map's child executions, and Map \"M\" was "
            "entered 1 times but succeeded 0 times");
  EXPECT_EQ(why(R"("ResultPath": "$.other",)", R"("End": true)", exited),
            "Map \"M\" ran state \"T\" in its child executions, and its recorded output holds "
            "no results at $.other");

  // The Task in a Parallel of the child: its result is not the child's output.
  EXPECT_EQ(mocks(R"({"definition": {"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
      "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "P", "States": {
        "P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "T", "States": {
          "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}]}}}}}},
      "history": []})")
                .why_not,
            unrecorded + ", and its result is not all of the child's output");
  // An activity: answered by its workers, never by a mock.
  EXPECT_EQ(mocks(R"({"definition": {"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
      "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:1:activity:a", "End": true}}}}}},
      "history": []})")
                .why_not,
            unrecorded + ", and it is an activity, which its workers answer");
  // The Map in a Parallel branch: AWS orders its exits by completion, not by call.
  EXPECT_EQ(mocks(R"({"definition": {"StartAt": "P", "States": {"P": {"Type": "Parallel",
      "End": true, "Branches": [{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
      "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}}}}]}}},
      "history": []})")
                .why_not,
            std::string(unrecorded) +
                ", and Map \"M\" runs in a Parallel branch or an inline "
                "Map, whose recorded order need not be the order of the calls");
}

}  // namespace
}  // namespace stepstream::conformance
