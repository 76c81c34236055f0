// `stepstream exec --mock-config FILE --test-case CASE`: the built binary runs a definition with
// its Task states answered by a Step Functions Local mock config, beside the --task patterns.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/run_command.h"

namespace {

namespace fs = std::filesystem;
using stepstream::testing_support::CommandResult;

// Charge (mocked per test case), then Notify, then a Pass that shows the state machine's name.
constexpr std::string_view kDefinition = R"({
  "StartAt": "Charge",
  "States": {
    "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
               "OutputPath": "$.Payload", "Next": "Notify"},
    "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
               "ResultPath": "$.sent", "Next": "Name"},
    "Name": {"Type": "Pass", "Parameters": {"id.$": "$.id", "sent.$": "$.sent",
             "machine.$": "$$.StateMachine.Name"}, "End": true}
  }
})";

constexpr std::string_view kConfig = R"({
  "StateMachines": {
    "Orders": {"TestCases": {
      "Happy": {"Charge": "ChargeOk", "Notify": "NotifyOk"},
      "Declined": {"Charge": "ChargeDeclined"},
      "Hybrid": {"Charge": "ChargeOk"}
    }}
  },
  "MockedResponses": {
    "ChargeOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"id": "ch-1"}}}},
    "ChargeDeclined": {"0": {"Throw": {"Error": "Payment.Declined", "Cause": "card expired"}}},
    "NotifyOk": {"0": {"Return": {"MessageId": "m-1"}}}
  }
})";

class ExecMockConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("exec_mock_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
    write("def.json", kDefinition);
    write("mocks.json", kConfig);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  // Runs `stepstream exec` on the definition with `args`, stdout and stderr together.
  CommandResult exec(const std::string& args) {
    return stepstream::testing_support::run_command(std::string(STEPSTREAM_BINARY) + " exec " +
                                                    (dir_ / "def.json").string() + " " + args +
                                                    " 2>&1");
  }
  std::string mocks() const { return (dir_ / "mocks.json").string(); }

  fs::path dir_;
};

TEST_F(ExecMockConfig, AnswersTasksFromTheTestCase) {
  auto r = exec("--mock-config " + mocks() + " --test-case Happy");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, R"({"status":"SUCCEEDED","output":{"id":"ch-1","sent":{"MessageId":"m-1"},)"
                   R"("machine":"Orders"}})"
                   "\n");
}

TEST_F(ExecMockConfig, AThrowFailsTheExecution) {
  auto r = exec("--mock-config " + mocks() + " --test-case Declined");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, R"({"status":"FAILED","error":"Payment.Declined","cause":"card expired"})"
                   "\n");
}

// A state the test case does not mock goes to the --task patterns, and fails as an unreachable
// service does when none matches.
TEST_F(ExecMockConfig, UnmockedStatesGoToTaskPatterns) {
  auto r =
      exec("--mock-config " + mocks() + " --test-case Hybrid --task 'arn:aws:states:::sns:*=echo'");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, R"({"status":"SUCCEEDED","output":{"id":"ch-1","sent":{"id":"ch-1"},)"
                   R"("machine":"Orders"}})"
                   "\n");
  r = exec("--mock-config " + mocks() + " --test-case Hybrid");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(R"("error":"States.TaskFailed")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"(no task handler serves its resource \"arn:aws:states:::sns:publish\")"),
            std::string::npos)
      << r.out;
}

// Step Functions Local keys configs by the state machine's name: with several in the file, it
// must be given, and it is the name the execution sees.
TEST_F(ExecMockConfig, TheStateMachineIsChosenByName) {
  std::string two = write("two.json", R"({
    "StateMachines": {"A": {"TestCases": {"T": {"Charge": "R"}}},
                      "B": {"TestCases": {"T": {"Charge": "R", "Notify": "R"}}}},
    "MockedResponses": {"R": {"0": {"Return": {"Payload": {"id": "x"}}}}}})");
  auto r = exec("--mock-config " + two + " --test-case T");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "stepstream exec: " + two +
                       " names 2 state machines; choose one with --state-machine-name\n");
  r = exec("--mock-config " + two + " --test-case T --state-machine-name B");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, R"({"status":"SUCCEEDED","output":{"id":"x","sent":{"Payload":{"id":"x"}},)"
                   R"("machine":"B"}})"
                   "\n");
  r = exec("--mock-config " + two + " --test-case T --state-machine-name C");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "stepstream exec: " + two +
                       R"(: the mock config has no state machine "C" (it has "A" "B"))" + "\n");
  r = exec("--mock-config " + mocks() + " --test-case Sad");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "stepstream exec: " + mocks() +
                       R"(: state machine "Orders" has no test case "Sad" in the mock config )"
                       R"((it has "Happy" "Declined" "Hybrid"))" +
                       "\n");
}

TEST_F(ExecMockConfig, EveryProblemOfTheConfigIsReported) {
  std::string bad = write("bad.json", R"({
    "StateMachines": {"M": {"TestCases": {"T": {"S": "Missing"}}}},
    "MockedResponses": {"R": {"2-1": {"Return": 1}, "0": {"Return": 1, "Throw": {"Error": "E"}}}}})");
  auto r = exec("--mock-config " + bad + " --test-case T");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, bad + ": /MockedResponses/R/2-1: the range ends before it starts\n" + bad +
                       ": /MockedResponses/R/0: has both Return and Throw; give exactly one\n" +
                       bad +
                       ": /StateMachines/M/TestCases/T/S: no mocked response named \"Missing\" in "
                       "MockedResponses\n");
}

TEST_F(ExecMockConfig, NeedsBothFlags) {
  auto r = exec("--mock-config " + mocks());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "stepstream exec: give --mock-config and --test-case together\n");
  r = exec("--test-case Happy");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "stepstream exec: give --mock-config and --test-case together\n");
}

}  // namespace
