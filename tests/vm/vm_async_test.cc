// Parking and waking: Retry back-offs on the clock, asynchronous Task handlers answered later
// through Vm::complete_task, Task timeouts and heartbeats, and Map iterations that overlap
// while their tasks are pending.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/compile/build.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/vm/vm.h"

namespace stepstream {
namespace {

constexpr int64_t kStart = 1'700'000'000'000'000'000;
constexpr int64_t kSecond = 1'000'000'000;

// Answers later: remembers every call's ticket and input.
class LaterHandler final : public vm::TaskHandler {
 public:
  struct Call {
    uint64_t ticket;
    std::string input;
    uint32_t invocation;
  };
  mutable std::vector<Call> calls;
  vm::TaskOutcome invoke(const vm::TaskCall& call, vm::TaskResult&) const override {
    calls.push_back({call.ticket, json::to_string(call.input), call.invocation});
    return vm::TaskOutcome::kPending;
  }
};

struct Machine {
  explicit Machine(std::string_view definition, std::shared_ptr<const vm::TaskHandler> handler)
      : clock(kStart) {
    std::vector<asl::Problem> problems;
    built = compile::build_program(definition, {}, program, problems);
    EXPECT_TRUE(built) << (problems.empty() ? "" : asl::to_string(problems[0]));
    tasks.add("*", std::move(handler));
    machine = std::make_unique<vm::Vm>(program, clock, random, vm::Limits{}, &tasks);
  }
  vm::Status start(std::string_view input) {
    if (!built) return vm::Status::kFailed;
    auto in = json::parse(input, exec.arena());
    EXPECT_TRUE(in.ok());
    return machine->start(exec, in.value, {});
  }
  std::string output() const { return json::to_string(exec.output()); }

  bool built = false;
  bytecode::Program program;
  vm::VirtualClock clock;
  vm::Random random{7};
  vm::TaskRegistry tasks;
  std::unique_ptr<vm::Vm> machine;
  vm::Execution exec;
};

vm::TaskResult success(json::Arena& arena, std::string_view text) {
  vm::TaskResult r;
  r.output = json::parse(text, arena).value;
  return r;
}

TEST(VmRetry, BackoffGrowsByTheRateAndStopsAtMaxDelay) {
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F",
      "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"BackoffRate":1.5,
                "MaxAttempts":3,"MaxDelaySeconds":3}],"End":true}}})",
      vm::TaskRegistry::builtin("fail:E"));
  EXPECT_EQ(m.start("{}"), vm::Status::kWaiting);
  EXPECT_EQ(m.exec.wake_at(), kStart + 2 * kSecond);  // parked, not slept
  m.machine->finish(m.exec);
  EXPECT_EQ(m.exec.status(), vm::Status::kFailed);
  EXPECT_EQ(m.exec.error().value_or(""), "E");
  // 2 s, then 2 * 1.5 = 3 s, then 4.5 s capped at 3 s.
  EXPECT_EQ(m.clock.now() - kStart, 8 * kSecond);
}

TEST(VmRetry, FullJitterWaitsAtMostTheBackoff) {
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F",
      "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":4,"MaxAttempts":2,
                "JitterStrategy":"FULL"}],"End":true}}})",
      vm::TaskRegistry::builtin("fail"));
  m.start("{}");
  m.machine->finish(m.exec);
  EXPECT_EQ(m.exec.error().value_or(""), "States.TaskFailed");
  EXPECT_LE(m.clock.now() - kStart, 12 * kSecond);
  EXPECT_LT(m.clock.now() - kStart, 12 * kSecond - 1);  // 4 + 8 only without jitter
}

TEST(VmAsyncTask, CompletesLater) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F",
      "Parameters":{"q.$":"$.q"},"ResultPath":"$.r","End":true}}})",
      handler);
  EXPECT_EQ(m.start(R"({"q":1})"), vm::Status::kWaiting);
  EXPECT_EQ(m.exec.wake_at(), INT64_MAX);  // only the answer can wake it
  ASSERT_EQ(handler->calls.size(), 1u);
  EXPECT_EQ(handler->calls[0].input, R"({"q":1})");
  auto result = success(m.exec.arena(), R"({"answer":42})");
  EXPECT_EQ(m.machine->complete_task(m.exec, handler->calls[0].ticket, vm::TaskOutcome::kSucceeded,
                                     result),
            vm::Status::kSucceeded);
  EXPECT_EQ(m.output(), R"({"q":1,"r":{"answer":42}})");
}

// An Execution is reused, event after event: a ticket from an earlier execution, answered late,
// must not complete a Task of the next one, whichever frame (root or branch) it named.
TEST(VmAsyncTask, ATicketFromAnEarlierExecutionIsRefused) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(
      R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F","End":true}}},
        {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F","End":true}}}]}}})",
      handler);
  ASSERT_EQ(m.start("1"), vm::Status::kWaiting);
  ASSERT_EQ(handler->calls.size(), 2u);
  const std::vector<LaterHandler::Call> first = handler->calls;
  m.exec.reset();  // the first execution is given up; the next event reuses the Execution
  handler->calls.clear();
  ASSERT_EQ(m.start("2"), vm::Status::kWaiting);
  ASSERT_EQ(handler->calls.size(), 2u);
  for (const auto& stale : first) {
    auto late = success(m.exec.arena(), R"("stale")");
    EXPECT_EQ(m.machine->complete_task(m.exec, stale.ticket, vm::TaskOutcome::kSucceeded, late),
              vm::Status::kWaiting);
  }
  for (const auto& call : handler->calls) {
    auto answer = success(m.exec.arena(), R"("fresh")");
    m.machine->complete_task(m.exec, call.ticket, vm::TaskOutcome::kSucceeded, answer);
  }
  EXPECT_EQ(m.exec.status(), vm::Status::kSucceeded);
  EXPECT_EQ(m.output(), R"(["fresh","fresh"])");
}

TEST(VmAsyncTask, FailureGoesThroughCatch) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F",
      "Catch":[{"ErrorEquals":["Svc.Error"],"Next":"H"}],"End":true},
      "H":{"Type":"Pass","End":true}}})",
      handler);
  m.start("{}");
  vm::TaskResult failed;
  failed.error = "Svc.Error";
  m.machine->complete_task(m.exec, handler->calls[0].ticket, vm::TaskOutcome::kFailed, failed);
  EXPECT_EQ(m.exec.status(), vm::Status::kSucceeded);
  EXPECT_EQ(m.output(), R"({"Error":"Svc.Error"})");
}

TEST(VmAsyncTask, TimesOutAndIgnoresTheLateAnswer) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F",
      "TimeoutSeconds":5,"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"H"}],"End":true},
      "H":{"Type":"Pass","End":true}}})",
      handler);
  m.start("{}");
  EXPECT_EQ(m.exec.wake_at(), kStart + 5 * kSecond);
  m.clock.advance_to(m.exec.wake_at());
  EXPECT_EQ(m.machine->resume(m.exec), vm::Status::kSucceeded);
  EXPECT_EQ(m.output(), R"({"Error":"States.Timeout"})");
  auto late = success(m.exec.arena(), "1");
  EXPECT_EQ(
      m.machine->complete_task(m.exec, handler->calls[0].ticket, vm::TaskOutcome::kSucceeded, late),
      vm::Status::kSucceeded);
  EXPECT_EQ(m.output(), R"({"Error":"States.Timeout"})");
}

// Two branches' Tasks time out at the same moment: the first retries (its frame parks), the
// second is caught. The second must go on to its Catch's Next, not wait forever.
TEST(VmAsyncTask, TwoTimeoutsAtOnceOneRetriedOneCaught) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
    {"StartAt":"T0","States":{
      "T0":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F","TimeoutSeconds":1,
            "Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":1,"IntervalSeconds":1}],
            "Catch":[{"ErrorEquals":["States.ALL"],"Next":"D0"}],"End":true},
      "D0":{"Type":"Pass","Result":"b0","End":true}}},
    {"StartAt":"T1","States":{
      "T1":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:G","TimeoutSeconds":1,
            "Catch":[{"ErrorEquals":["States.Timeout"],"Next":"D1"}],"End":true},
      "D1":{"Type":"Pass","Result":"b1","End":true}}}]}}})",
            handler);
  EXPECT_EQ(m.start("{}"), vm::Status::kWaiting);
  for (int i = 0; i < 10 && m.exec.status() == vm::Status::kWaiting; ++i) {
    ASSERT_NE(m.exec.wake_at(), INT64_MAX) << "waiting with nothing to wake it";
    m.clock.advance_to(m.exec.wake_at());
    m.machine->resume(m.exec);
  }
  EXPECT_EQ(m.exec.status(), vm::Status::kSucceeded);
  EXPECT_EQ(m.output(), R"(["b0","b1"])");
}

TEST(VmAsyncTask, HeartbeatBeforeTimeout) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F",
      "TimeoutSeconds":10,"HeartbeatSecondsPath":"$.hb","End":true}}})",
      handler);
  m.start(R"({"hb":2})");
  EXPECT_EQ(m.exec.wake_at(), kStart + 2 * kSecond);
  m.clock.advance_to(m.exec.wake_at());
  m.machine->resume(m.exec);
  EXPECT_EQ(m.exec.status(), vm::Status::kFailed);
  // As AWS records it (test_heartbeats...test_heartbeat_no_timeout): States.Timeout.
  EXPECT_EQ(m.exec.error().value_or(""), "States.Timeout");
}

// A missed heartbeat is States.Timeout, which States.HeartbeatTimeout names alone: a rule for it
// catches the heartbeat, not the state's own timeout; a rule for States.Timeout catches both, and
// States.TaskFailed neither.
TEST(VmAsyncTask, StatesHeartbeatTimeoutNamesOnlyTheMissedHeartbeat) {
  const std::string task =
      R"("Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F",)";
  auto run = [&](const std::string& limits, const std::string& errors) {
    auto handler = std::make_shared<LaterHandler>();
    Machine m(R"({"StartAt":"T","States":{"T":{)" + task + limits + R"(,"Catch":[{"ErrorEquals":)" +
                  errors + R"(,"Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}})",
              handler);
    m.start("{}");
    m.clock.advance_to(m.exec.wake_at());
    m.machine->resume(m.exec);
    return m.exec.status() == vm::Status::kSucceeded ? m.output() : "failed";
  };
  const std::string caught = R"({"Error":"States.Timeout"})";
  EXPECT_EQ(run(R"("HeartbeatSeconds":2)", R"(["States.HeartbeatTimeout"])"), caught);
  EXPECT_EQ(run(R"("TimeoutSeconds":2)", R"(["States.HeartbeatTimeout"])"), "failed");
  EXPECT_EQ(run(R"("HeartbeatSeconds":2)", R"(["States.Timeout"])"), caught);
  EXPECT_EQ(run(R"("HeartbeatSeconds":2)", R"(["States.TaskFailed"])"), "failed");
}

// An activity's events, in AWS's shapes: scheduled with its input and ARN and both limits, started
// without a worker name, timed out by its heartbeat.
TEST(VmAsyncTask, ActivityEventsInAwsShapes) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:w",
      "TimeoutSeconds":10,"HeartbeatSeconds":3,"End":true}}})",
      handler);
  auto in = json::parse(R"({"v":1})", m.exec.arena());
  m.machine->start(m.exec, in.value, {}, /*record_history=*/true);
  m.clock.advance_to(m.exec.wake_at());
  EXPECT_EQ(m.machine->resume(m.exec), vm::Status::kFailed);
  const auto& h = m.exec.history();
  ASSERT_EQ(h.size(), 6u);
  auto details = [&](size_t i, std::string_view key) {
    const json::Value* d = h[i].find(key);
    return d != nullptr ? json::to_string(*d) : "(none)";
  };
  EXPECT_EQ(details(2, "activityScheduledEventDetails"),
            R"({"resource":"arn:aws:states:us-east-1:123456789012:activity:w","input":"{\"v\":1}",)"
            R"("inputDetails":{"truncated":false},"timeoutInSeconds":10,"heartbeatInSeconds":3})");
  EXPECT_EQ(details(3, "activityStartedEventDetails"), "{}");
  EXPECT_EQ(details(4, "activityTimedOutEventDetails"), R"({"error":"States.Timeout"})");
  EXPECT_EQ(h[5].find("type")->as_string(), "ExecutionFailed");
}

// A service integration's timeout names its resource, as its other Task events do.
TEST(VmAsyncTask, AnIntegrationsTimeoutNamesItsResource) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"FunctionName":"F"},"TimeoutSeconds":5,"End":true}}})",
      handler);
  auto in = json::parse("{}", m.exec.arena());
  m.machine->start(m.exec, in.value, {}, /*record_history=*/true);
  m.clock.advance_to(m.exec.wake_at());
  EXPECT_EQ(m.machine->resume(m.exec), vm::Status::kFailed);
  const auto& h = m.exec.history();
  ASSERT_EQ(h.size(), 6u);
  EXPECT_EQ(h[4].find("type")->as_string(), "TaskTimedOut");
  EXPECT_EQ(json::to_string(*h[4].find("taskTimedOutEventDetails")),
            R"({"resourceType":"lambda","resource":"invoke","error":"States.Timeout"})");
}

// A Lambda function's: no heartbeat on its scheduled event, and no details on its start.
TEST(VmAsyncTask, LambdaFunctionEventsInAwsShapes) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F",
      "TimeoutSeconds":5,"End":true}}})",
      handler);
  auto in = json::parse("{}", m.exec.arena());
  m.machine->start(m.exec, in.value, {}, /*record_history=*/true);
  auto answer = success(m.exec.arena(), R"({"ok":true})");
  m.machine->complete_task(m.exec, handler->calls[0].ticket, vm::TaskOutcome::kSucceeded, answer);
  const auto& h = m.exec.history();
  ASSERT_EQ(h.size(), 7u);
  EXPECT_EQ(json::to_string(*h[2].find("lambdaFunctionScheduledEventDetails")),
            R"({"resource":"arn:aws:lambda:us-east-1:123456789012:function:F","input":"{}",)"
            R"("inputDetails":{"truncated":false},"timeoutInSeconds":5})");
  EXPECT_EQ(h[3].find("type")->as_string(), "LambdaFunctionStarted");
  EXPECT_EQ(h[3].size(), 4u) << "id, previousEventId, timestamp, type";
  EXPECT_EQ(json::to_string(*h[4].find("lambdaFunctionSucceededEventDetails")),
            R"({"output":"{\"ok\":true}","outputDetails":{"truncated":false}})");
}

TEST(VmAsyncTask, MapIterationsOverlapUpToMaxConcurrency) {
  auto handler = std::make_shared<LaterHandler>();
  Machine m(R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"End":true,
      "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task",
        "Resource":"arn:aws:lambda:us-east-1:123456789012:function:F","End":true}}}}}})",
            handler);
  EXPECT_EQ(m.start("[10,20,30]"), vm::Status::kWaiting);
  // Two iterations started while the first one's task is pending; the third waits for room.
  ASSERT_EQ(handler->calls.size(), 2u);
  EXPECT_EQ(handler->calls[0].input, "10");
  EXPECT_EQ(handler->calls[1].input, "20");
  EXPECT_EQ(handler->calls[1].invocation, 1u);
  // Answered out of order: results still land by item index.
  auto r20 = success(m.exec.arena(), R"("b")");
  m.machine->complete_task(m.exec, handler->calls[1].ticket, vm::TaskOutcome::kSucceeded, r20);
  ASSERT_EQ(handler->calls.size(), 3u);
  EXPECT_EQ(handler->calls[2].input, "30");
  auto r30 = success(m.exec.arena(), R"("c")");
  m.machine->complete_task(m.exec, handler->calls[2].ticket, vm::TaskOutcome::kSucceeded, r30);
  EXPECT_EQ(m.exec.status(), vm::Status::kWaiting);
  auto r10 = success(m.exec.arena(), R"("a")");
  EXPECT_EQ(
      m.machine->complete_task(m.exec, handler->calls[0].ticket, vm::TaskOutcome::kSucceeded, r10),
      vm::Status::kSucceeded);
  EXPECT_EQ(m.output(), R"(["a","b","c"])");
}

// Deadlines read the coarse clock: the kernel's last tick, never ahead of the precise time and at
// most a few ticks behind it.
TEST(SystemClock, CoarseTimeTrailsThePreciseTimeByLessThanATick) {
  vm::SystemClock clock;
  for (int i = 0; i < 1000; ++i) {
    const int64_t before = clock.now();
    const int64_t coarse = clock.coarse_now();
    const int64_t after = clock.now();
    EXPECT_LE(coarse, after);
    EXPECT_GE(coarse, before - 20'000'000) << "more than 20 ms behind";
  }
}

// A deadline measured from the coarse clock's start is moved on by the clock's lag: a timeout
// never falls due before its time has passed, wherever the ticks fall.
class TickClock final : public vm::Clock {
 public:
  static constexpr int64_t kTick = 4'000'000;
  explicit TickClock(int64_t t) : now_(t) {}
  int64_t now() override { return now_; }
  int64_t coarse_now() override { return now_ - now_ % kTick; }
  int64_t coarse_lag() override { return kTick; }
  int64_t now_;
};

TEST(VmTimeout, ACoarseStartNeverMakesTheDeadlineEarly) {
  // 3 ms after a tick, a 2 s machine timeout, and a wait to 1.999 s after the start: at the
  // second state the coarse clock has just ticked to 2 s after the first tick, 1 ms before the
  // timeout is due.
  constexpr int64_t kMs = 1'000'000;
  const int64_t start = kStart + 3 * kMs;
  std::string wake = "2023-11-14T22:13:22.002Z";  // kStart + 2.002 s
  ASSERT_EQ(kStart % TickClock::kTick, 0);
  const std::string definition =
      R"({"TimeoutSeconds":2,"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":")" + wake +
      R"(","Next":"P"},"P":{"Type":"Pass","End":true}}})";
  std::vector<asl::Problem> problems;
  bytecode::Program program;
  ASSERT_TRUE(compile::build_program(definition, {}, program, problems));
  TickClock clock(start);
  vm::Random random{7};
  vm::Vm machine(program, clock, random, vm::Limits{}, nullptr);
  vm::Execution exec;
  auto in = json::parse("{}", exec.arena());
  ASSERT_EQ(machine.start(exec, in.value, {}), vm::Status::kWaiting);
  ASSERT_EQ(exec.wake_at(), start + 1999 * kMs);
  clock.now_ = exec.wake_at();
  EXPECT_EQ(machine.resume(exec), vm::Status::kSucceeded) << "timed out 1 ms early";

  // And it does fall due once the time has passed.
  vm::Execution late;
  auto in2 = json::parse("{}", late.arena());
  clock.now_ = start;
  ASSERT_EQ(machine.start(late, in2.value, {}), vm::Status::kWaiting);
  clock.now_ = start + 2 * kSecond + TickClock::kTick + kMs;
  EXPECT_EQ(machine.resume(late), vm::Status::kTimedOut);
}

// ---- the observer: one state_ended per state entered, with its duration; one retried per retry

struct Observed final : vm::Observer {
  struct End {
    std::string state;
    int64_t duration;
  };
  const bytecode::Program* program = nullptr;
  std::vector<End> ends;
  std::vector<std::string> retries;
  void state_ended(uint32_t state, int64_t duration_ns) override {
    ends.push_back({std::string(program->state_name(state)), duration_ns});
  }
  void retried(uint32_t state) override { retries.emplace_back(program->state_name(state)); }
};

TEST(VmObserver, RetriedStateEndsOnceWithItsBackoffsAndTheCatchTargetEndsToo) {
  Machine m(
      R"({"StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F",
           "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":1.5,"MaxAttempts":3,
                     "MaxDelaySeconds":3}],
           "Catch":[{"ErrorEquals":["States.ALL"],"Next":"GiveUp"}],"End":true},
      "GiveUp":{"Type":"Fail","Error":"Gave.Up"}}})",
      vm::TaskRegistry::builtin("fail:E"));
  Observed o;
  o.program = &m.program;
  m.exec.observe(&o, true);
  m.start("{}");
  m.machine->finish(m.exec);
  EXPECT_EQ(m.exec.error().value_or(""), "Gave.Up");
  EXPECT_EQ(o.retries, (std::vector<std::string>{"T", "T", "T"}));
  ASSERT_EQ(o.ends.size(), 2u);
  EXPECT_EQ(o.ends[0].state, "T");
  EXPECT_EQ(o.ends[0].duration, 8 * kSecond) << "2 s + 3 s + 3 s of back-off, on the virtual clock";
  EXPECT_EQ(o.ends[1].state, "GiveUp");
  EXPECT_EQ(o.ends[1].duration, 0);
}

TEST(VmObserver, BranchStatesEndInsideTheirParallelAndUntimedMeansNoDuration) {
  Machine m(
      R"({"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
        {"StartAt":"B","States":{"B":{"Type":"Pass","Next":"B2"},"B2":{"Type":"Succeed"}}}]}}})",
      vm::TaskRegistry::builtin("echo"));
  Observed o;
  o.program = &m.program;
  m.exec.observe(&o, false);
  EXPECT_EQ(m.start("{}"), vm::Status::kSucceeded);
  std::vector<std::string> names;
  for (const auto& e : o.ends) {
    names.push_back(e.state);
    EXPECT_EQ(e.duration, vm::Observer::kUntimed);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"A", "B", "B2", "P"}));
  EXPECT_TRUE(o.retries.empty());
}

TEST(VmObserver, AnUncaughtErrorEndsItsStateAndResetForgetsTheObserver) {
  Machine m(
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F","End":true}}})",
      vm::TaskRegistry::builtin("fail:Boom"));
  Observed o;
  o.program = &m.program;
  m.exec.observe(&o, true);
  EXPECT_EQ(m.start("{}"), vm::Status::kFailed);
  ASSERT_EQ(o.ends.size(), 1u);
  EXPECT_EQ(o.ends[0].state, "T");
  m.exec.reset();
  EXPECT_EQ(m.start("{}"), vm::Status::kFailed);
  EXPECT_EQ(o.ends.size(), 1u) << "reset() drops the observer";
}

}  // namespace
}  // namespace stepstream
