// The worker without Kafka: events in through its queue, results out through a Sink that records
// them. A virtual clock makes parked executions wake exactly when the test says.
#include "engine/runtime/worker.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/compile/build.h"
#include "engine/logs/sink.h"

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
    make_worker({});
  }

  void make_worker(runtime::WorkerHooks hooks) {
    worker_ = std::make_unique<Worker>(std::span<const runtime::Pipeline>(&pipeline_, 1), sink_,
                                       clock_, 4, 1, std::move(hooks));
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

// The same worker with metrics (every execution timed) and execution logs at level ERROR to a
// file: what it counts and logs for successes, a failure, bad events and a parked execution.
class ObservedWorkerTest : public WorkerTest {
 protected:
  ObservedWorkerTest() {
    metrics::Setup setup;
    metrics::StateMachine sm{"tagger", {}};
    for (uint32_t i = 0; i < program_.states.size(); ++i)
      sm.states.emplace_back(program_.state_name(i));
    setup.state_machines.push_back(sm);
    setup.workers = 1;
    setup.other_threads = 1;  // the log writer's
    setup.time_one_in = 1;
    std::string error;
    metrics_ = metrics::Metrics::create(setup, error);
    EXPECT_NE(metrics_, nullptr) << error;
    log_file_ = ::testing::TempDir() + "worker-log-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl";
    std::remove(log_file_.c_str());
    auto sink = logs::StreamSink::open(log_file_, error);
    EXPECT_NE(sink, nullptr) << error;
    writer_ = std::make_unique<logs::LogWriter>(std::move(sink), logs::WriterOptions{},
                                                metrics_->slot(1));
    pipeline_.log = {logs::Level::kError, false};
    runtime::WorkerHooks hooks;
    hooks.metrics = &metrics_->slot(0);
    hooks.logs.push_back(writer_->producer(0));
    make_worker(std::move(hooks));
  }
  ~ObservedWorkerTest() override { std::remove(log_file_.c_str()); }

  uint64_t cell(uint32_t c) const { return metrics_->snapshot().cells[c]; }
  uint32_t state(std::string_view name) const {
    for (uint32_t i = 0; i < program_.states.size(); ++i)
      if (program_.state_name(i) == name) return i;
    ADD_FAILURE() << "no state " << name;
    return 0;
  }
  std::vector<std::string> log_lines() {
    worker_.reset();  // its log producer goes before the writer stops
    writer_->stop();
    std::ifstream in(log_file_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
    return lines;
  }

  std::unique_ptr<metrics::Metrics> metrics_;
  std::string log_file_;
  std::unique_ptr<logs::LogWriter> writer_;
};

TEST_F(ObservedWorkerTest, CountsExecutionsStatesAndDeadLettersByReason) {
  push(0, R"({"kind":"ok","n":0})");
  push(1, R"({"kind":"bad"})");
  push(2, "not json");
  push(3, R"({"kind":")" + std::string(200, 'x') + R"("})");
  worker_->step(0);
  push(4, R"({"kind":"slow","n":4})");
  worker_->step(0);
  clock_.advance_to(kStart + 2'000'000'000);
  worker_->step(0);
  ASSERT_EQ(sink_.written.size(), 5u);

  const metrics::Layout& l = metrics_->layout();
  using metrics::DeadLetter;
  using metrics::Status;
  EXPECT_EQ(cell(metrics::Layout::kEventsConsumed), 5u);
  EXPECT_EQ(cell(l.started(0)), 3u) << "a bad event starts no execution";
  EXPECT_EQ(cell(l.finished(0, Status::kSucceeded)), 2u);
  EXPECT_EQ(cell(l.finished(0, Status::kFailed)), 1u);
  EXPECT_EQ(cell(l.dead_letters(0, DeadLetter::kExecutionFailed)), 1u);
  EXPECT_EQ(cell(l.dead_letters(0, DeadLetter::kInvalidEvent)), 1u);
  EXPECT_EQ(cell(l.dead_letters(0, DeadLetter::kInputTooLarge)), 1u);
  EXPECT_EQ(cell(l.transitions(0, state("Route"))), 3u);
  EXPECT_EQ(cell(l.transitions(0, state("Tag"))), 2u);
  EXPECT_EQ(cell(l.transitions(0, state("Hold"))), 1u);
  EXPECT_EQ(cell(l.transitions(0, state("Reject"))), 1u);
  // Hold's histogram: one observation of exactly the two virtual seconds it waited, in the
  // bucket whose bound is 10 s, and the sum in nanoseconds after the buckets.
  const uint32_t hold = l.state_histogram(0, state("Hold"));
  EXPECT_EQ(cell(hold + metrics::bucket_of(metrics::kStateBucketsNs, 2'000'000'000)), 1u);
  EXPECT_EQ(cell(hold + metrics::kStateBucketsNs.size() + 1), 2'000'000'000u);
  const uint32_t exec = l.execution_histogram(0);
  EXPECT_EQ(cell(exec + metrics::kExecutionBucketsNs.size() + 1), 2'000'000'000u)
      << "only the slow execution took virtual time";
}

TEST_F(ObservedWorkerTest, LogsAtErrorOnlyTheFailedExecutionsEvents) {
  push(0, R"({"kind":"ok","n":0})");
  push(1, R"({"kind":"bad"})");
  worker_->step(0);
  std::vector<std::string> lines = log_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(R"("type":"FailStateEntered")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(R"("type":"ExecutionFailed")"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(R"("error":"Event.Bad")"), std::string::npos) << lines[1];
  for (const auto& line : lines)
    EXPECT_NE(line.find(":express:tagger:in/3/1:"), std::string::npos)
        << "the execution's ARN names the machine and the execution: " << line;
  EXPECT_EQ(cell(metrics::Layout::kLogRecordsDropped), 0u);
}

}  // namespace
