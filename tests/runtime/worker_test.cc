// The worker without Kafka: events in through its queue, results out through a Sink that records
// them. A virtual clock makes parked executions wake exactly when the test says.
#include "engine/runtime/worker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/compile/build.h"

namespace {

using namespace stepstream;
using runtime::Event;
using runtime::OffsetTracker;
using runtime::Worker;

constexpr int64_t kStart = 1'767'225'600'000'000'000;  // 2026-01-01 in ns

// What the Sink saw, copied out of the worker's buffers.
struct Written {
  std::string execution, status, output, error, cause, failed_state, payload;
  int64_t offset;
};

class RecordingSink : public runtime::Sink {
 public:
  void write(const runtime::Result& r) override {
    Written w;
    w.execution = r.execution;
    w.status = vm::name(r.status);
    w.output = r.output;
    w.error = r.error.value_or("-");
    w.cause = r.cause.value_or("-");
    w.failed_state = r.failed_state;
    w.payload = r.event->payload;
    w.offset = r.event->offset;
    written.push_back(w);
    OffsetTracker::finish(r.event->slot);
  }
  void abandon(const Event& e) override { abandoned.push_back(e.offset); }

  std::vector<Written> written;
  std::vector<int64_t> abandoned;
};

constexpr const char* kDefinition = R"({
  "StartAt": "Route",
  "States": {
    "Route": {"Type": "Choice", "Choices": [
      {"Variable": "$.kind", "StringEquals": "bad", "Next": "Reject"},
      {"Variable": "$.kind", "StringEquals": "slow", "Next": "Hold"}],
      "Default": "Tag"},
    "Hold": {"Type": "Wait", "Seconds": 2, "Next": "Tag"},
    "Tag": {"Type": "Pass", "Parameters": {"n.$": "$.n", "by.$": "$$.Execution.Name"}, "End": true},
    "Reject": {"Type": "Fail", "Error": "Event.Bad", "Cause": "bad kind"}
  }
})";

class WorkerTest : public ::testing::Test {
 protected:
  WorkerTest() : clock_(kStart), tracker_(64) {
    std::vector<asl::Problem> problems;
    EXPECT_TRUE(compile::build_program(kDefinition, {}, program_, problems));
    pipeline_.name = "tagger";
    pipeline_.program = &program_;
    pipeline_.limits.payload_bytes = 100;
    worker_ = std::make_unique<Worker>(std::span<const runtime::Pipeline>(&pipeline_, 1), sink_,
                                       clock_, 4, 1);
  }

  void push(int64_t offset, const std::string& payload) {
    payloads_.push_back(std::make_unique<std::string>(payload));
    Event e;
    e.payload = *payloads_.back();
    e.topic = "in";
    e.partition = 3;
    e.offset = offset;
    e.slot = tracker_.begin(offset);
    ASSERT_NE(e.slot, nullptr);
    worker_->push(e);
  }

  vm::VirtualClock clock_;
  bytecode::Program program_;
  runtime::Pipeline pipeline_;
  RecordingSink sink_;
  OffsetTracker tracker_;
  std::vector<std::unique_ptr<std::string>> payloads_;
  std::unique_ptr<Worker> worker_;
};

TEST_F(WorkerTest, RunsEventsInOrderAndNamesThemByOffset) {
  push(10, R"({"kind":"ok","n":1})");
  push(11, R"({"kind":"ok","n":2})");
  EXPECT_EQ(worker_->in_flight(), 2u);
  EXPECT_EQ(worker_->step(0), 2u);
  ASSERT_EQ(sink_.written.size(), 2u);
  EXPECT_EQ(sink_.written[0].status, "SUCCEEDED");
  EXPECT_EQ(sink_.written[0].output, R"({"n":1,"by":"in/3/10"})");
  EXPECT_EQ(sink_.written[0].execution, "in/3/10");
  EXPECT_EQ(sink_.written[1].output, R"({"n":2,"by":"in/3/11"})");
  EXPECT_EQ(worker_->in_flight(), 0u);
  EXPECT_EQ(tracker_.advance(), 12);
  EXPECT_EQ(worker_->counters().events.load(), 2u);
}

TEST_F(WorkerTest, FailedExecutionIsADeadLetterNamingItsState) {
  push(0, R"({"kind":"bad"})");
  worker_->step(0);
  ASSERT_EQ(sink_.written.size(), 1u);
  const Written& w = sink_.written[0];
  EXPECT_EQ(w.status, "FAILED");
  EXPECT_EQ(w.error, "Event.Bad");
  EXPECT_EQ(w.cause, "bad kind");
  EXPECT_EQ(w.failed_state, "Reject");
  EXPECT_EQ(w.payload, R"({"kind":"bad"})");
  EXPECT_EQ(worker_->counters().dead_letters.load(), 1u);
}

TEST_F(WorkerTest, InvalidJsonIsADeadLetterWithItsBytes) {
  const std::string junk = "{\"n\":1,,\xff";
  push(0, junk);
  push(1, R"({"kind":"ok","n":2})");
  worker_->step(0);
  ASSERT_EQ(sink_.written.size(), 2u);
  EXPECT_EQ(sink_.written[0].error, "InvalidExecutionInput");
  EXPECT_NE(sink_.written[0].cause.find("not valid JSON"), std::string::npos);
  EXPECT_EQ(sink_.written[0].failed_state, "");
  EXPECT_EQ(sink_.written[0].payload, junk);
  EXPECT_EQ(sink_.written[1].status, "SUCCEEDED") << "a bad event does not stop the next";
}

TEST_F(WorkerTest, OversizedInputIsADeadLetter) {
  push(0, R"({"kind":")" + std::string(200, 'x') + R"("})");
  worker_->step(0);
  ASSERT_EQ(sink_.written.size(), 1u);
  EXPECT_EQ(sink_.written[0].error, "States.DataLimitExceeded");
  EXPECT_NE(sink_.written[0].cause.find("limit of 100 bytes"), std::string::npos);
}

TEST_F(WorkerTest, WaitParksTheExecutionWhileOthersRun) {
  push(0, R"({"kind":"slow","n":0})");
  push(1, R"({"kind":"ok","n":1})");
  worker_->step(0);
  ASSERT_EQ(sink_.written.size(), 1u);
  EXPECT_EQ(sink_.written[0].execution, "in/3/1");
  EXPECT_EQ(worker_->counters().parked.load(), 1u);
  EXPECT_EQ(worker_->in_flight(), 1u) << "a parked event is still in flight";
  EXPECT_EQ(tracker_.advance(), 0) << "offset 0 is not finished: nothing may be committed";

  clock_.advance_to(kStart + 1'999'000'000);
  worker_->step(0);
  EXPECT_EQ(sink_.written.size(), 1u) << "woke before its time";

  clock_.advance_to(kStart + 2'000'000'000);
  worker_->step(0);
  ASSERT_EQ(sink_.written.size(), 2u);
  EXPECT_EQ(sink_.written[1].output, R"({"n":0,"by":"in/3/0"})");
  EXPECT_EQ(worker_->counters().parked.load(), 0u);
  EXPECT_EQ(tracker_.advance(), 2);
}

TEST_F(WorkerTest, FullWhenMaxInFlightAreQueuedOrParked) {
  push(0, R"({"kind":"slow","n":0})");
  push(1, R"({"kind":"slow","n":0})");
  push(2, R"({"kind":"ok","n":2})");
  EXPECT_FALSE(worker_->full());
  push(3, R"({"kind":"ok","n":3})");
  EXPECT_TRUE(worker_->full());
  worker_->step(0);
  EXPECT_FALSE(worker_->full()) << "two finished, two parked";
  EXPECT_EQ(worker_->in_flight(), 2u);
}

TEST_F(WorkerTest, AbandonGivesUpParkedAndQueuedEventsUnfinished) {
  push(0, R"({"kind":"slow","n":0})");
  worker_->step(0);
  push(1, R"({"kind":"ok","n":1})");
  worker_->abandon_all();
  EXPECT_TRUE(sink_.written.empty());
  EXPECT_EQ(sink_.abandoned, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(worker_->in_flight(), 0u);
  EXPECT_EQ(tracker_.advance(), 0) << "abandoned offsets are never committed";
}

}  // namespace
