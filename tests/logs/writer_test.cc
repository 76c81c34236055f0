// The log queue: everything a worker hands over reaches the sink in order; a full queue drops and
// counts, never blocks; a sink that refuses records holds them back instead of losing them.
// No test here depends on timing: a refusing sink holds the writer still for as long as needed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "engine/json/parse.h"
#include "engine/logs/writer.h"

namespace stepstream::logs {
namespace {

// Collects records; refuses them while closed. Called from the writer thread only; read by the
// test after stop(), which joins that thread.
class TestSink final : public Sink {
 public:
  explicit TestSink(bool open = true) : open_(open) {}
  bool write(std::string_view record) override {
    ++offers;
    if (!open_.load()) return false;
    records.emplace_back(record);
    return true;
  }
  void flush() override { ++flushes; }
  void open() { open_.store(true); }

  std::vector<std::string> records;
  std::atomic<uint64_t> offers{0};
  uint64_t flushes = 0;

 private:
  std::atomic<bool> open_;
};

// A history of `n` events of the given type, ids from 1.
struct History {
  History(int n, std::string_view type) {
    std::string text = "[";
    for (int i = 1; i <= n; ++i) {
      if (i > 1) text += ",";
      text += R"({"stateEnteredEventDetails":{"name":"S","input":"{}"},"id":)" + std::to_string(i) +
              R"(,"previousEventId":0,"timestamp":"2024-01-01T00:00:00Z","type":")" +
              std::string(type) + "\"}";
    }
    text += "]";
    auto parsed = json::parse(text, arena);
    EXPECT_TRUE(parsed.ok()) << parsed.error;
    events = parsed.value;
  }
  std::span<const json::Value> span() const { return events.items(); }
  json::Arena arena;
  json::Value events;
};

std::unique_ptr<metrics::Metrics> make_metrics(uint32_t workers) {
  metrics::Setup s;
  s.workers = workers;
  s.other_threads = 1;  // the log writer
  std::string error;
  auto m = metrics::Metrics::create(std::move(s), error);
  EXPECT_NE(m, nullptr) << error;
  return m;
}

uint64_t dropped(const metrics::Metrics& m) {
  return m.snapshot().cells[metrics::Layout::kLogRecordsDropped];
}

TEST(LogWriter, EveryRecordOfEveryWorkerReachesTheSinkInWorkerOrder) {
  constexpr uint32_t kWorkers = 3, kExecutions = 2000;
  auto m = make_metrics(kWorkers);
  auto sink = std::make_unique<TestSink>();
  TestSink* s = sink.get();
  WriterOptions o;
  o.producers = kWorkers;
  o.capacity = kExecutions;  // room for everything: nothing may drop
  LogWriter writer(std::move(sink), o, m->slot(kWorkers));
  History h(2, "PassStateEntered");
  std::vector<std::thread> threads;
  for (uint32_t w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w, p = writer.producer(w)]() mutable {
      for (uint32_t i = 0; i < kExecutions; ++i) {
        std::string arn = "w";
        arn.append(std::to_string(w)).append(":").append(std::to_string(i));
        EXPECT_EQ(p.log({Level::kAll, true}, arn, h.span(), m->slot(w)), 2u);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  writer.stop();
  EXPECT_EQ(dropped(*m), 0u);
  EXPECT_EQ(writer.written(), 2u * kWorkers * kExecutions);
  ASSERT_EQ(s->records.size(), 2u * kWorkers * kExecutions);
  // Per worker, executions arrive in the order they were logged, each one's records together.
  std::vector<int64_t> next(kWorkers, 0);
  for (size_t i = 0; i < s->records.size(); i += 2) {
    const std::string& r = s->records[i];
    size_t at = r.find("\"execution_arn\":\"w");
    ASSERT_NE(at, std::string::npos) << r;
    uint32_t w = r[at + 18] - '0';
    int64_t n = std::stoll(r.substr(at + 20));
    EXPECT_EQ(n, next[w]++) << r;
    EXPECT_EQ(s->records[i + 1].substr(at), r.substr(at));
    EXPECT_NE(s->records[i + 1].find("\"id\":\"2\""), std::string::npos);
  }
  EXPECT_GE(s->flushes, 1u);
}

TEST(LogWriter, AFullQueueDropsAndCountsWithoutBlocking) {
  auto m = make_metrics(1);
  auto sink = std::make_unique<TestSink>(/*open=*/false);
  TestSink* s = sink.get();
  WriterOptions o;
  o.capacity = 4;
  LogWriter writer(std::move(sink), o, m->slot(1));
  LogWriter::Producer p = writer.producer(0);
  History h(3, "TaskFailed");
  // The writer holds the first execution while the sink refuses it, so exactly `capacity`
  // executions fit; every later one is dropped at once and counted.
  uint32_t queued = 0;
  for (int i = 0; i < 10; ++i)
    queued += p.log({Level::kAll, false}, "arn", h.span(), m->slot(0));
  EXPECT_EQ(queued, 4u * 3);
  EXPECT_EQ(dropped(*m), 6u * 3);
  // ERROR keeps TaskFailed too, FATAL keeps none of them: nothing to queue, nothing dropped.
  EXPECT_EQ(p.log({Level::kFatal, true}, "arn", h.span(), m->slot(0)), 0u);
  EXPECT_EQ(dropped(*m), 6u * 3);
  // Once the writer has been refused, opening the sink lets the held record through.
  while (s->offers.load() == 0)
    std::this_thread::yield();
  s->open();
  writer.stop();
  EXPECT_EQ(s->records.size(), 4u * 3);
  EXPECT_EQ(dropped(*m), 6u * 3);
  EXPECT_GT(s->offers.load(), s->records.size()) << "the refused record was offered again";
}

TEST(LogWriter, EveryRecordIsEitherWrittenOrCountedAsDropped) {
  auto m = make_metrics(1);
  auto sink = std::make_unique<TestSink>();
  TestSink* s = sink.get();
  WriterOptions o;
  o.capacity = 1;
  LogWriter writer(std::move(sink), o, m->slot(1));
  LogWriter::Producer p = writer.producer(0);
  History h(1, "ExecutionFailed");
  uint32_t queued = 0;
  for (int i = 0; i < 1000; ++i)
    queued += p.log({Level::kError, true}, "arn", h.span(), m->slot(0));
  writer.stop();
  EXPECT_EQ(queued + dropped(*m), 1000u);  // every record either written or counted
  EXPECT_EQ(s->records.size(), queued);
  EXPECT_GE(queued, 1u);
}

TEST(LogWriter, AtStopARefusingSinkCostsCountedRecordsNotAHang) {
  auto m = make_metrics(1);
  auto sink = std::make_unique<TestSink>(/*open=*/false);
  TestSink* s = sink.get();
  WriterOptions o;
  o.capacity = 8;
  o.stop_drain_ms = 0;
  LogWriter writer(std::move(sink), o, m->slot(1));
  LogWriter::Producer p = writer.producer(0);
  History h(2, "ExecutionTimedOut");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(p.log({Level::kFatal, true}, "arn", h.span(), m->slot(0)), 2u);
  writer.stop();
  EXPECT_EQ(s->records.size(), 0u);
  EXPECT_EQ(writer.written(), 0u);
  EXPECT_EQ(m->slot(1).read(metrics::Layout::kLogRecordsDropped), 6u);  // the writer's slot
  EXPECT_EQ(m->slot(0).read(metrics::Layout::kLogRecordsDropped), 0u);
}

TEST(LogWriter, OffQueuesNothing) {
  auto m = make_metrics(1);
  auto sink = std::make_unique<TestSink>();
  TestSink* s = sink.get();
  LogWriter writer(std::move(sink), {}, m->slot(1));
  LogWriter::Producer p = writer.producer(0);
  History h(5, "ExecutionFailed");
  EXPECT_EQ(p.log({Level::kOff, true}, "arn", h.span(), m->slot(0)), 0u);
  writer.stop();
  EXPECT_TRUE(s->records.empty());
  EXPECT_EQ(dropped(*m), 0u);
}

TEST(StreamSink, AppendsOneRecordPerLineToAFile) {
  auto path = std::filesystem::temp_directory_path() /
              ("stepstream-log-" + std::to_string(getpid()) + ".jsonl");
  std::filesystem::remove(path);
  {
    std::string error;
    auto sink = StreamSink::open(path.string(), error);
    ASSERT_NE(sink, nullptr) << error;
    EXPECT_TRUE(sink->write(R"({"id":"1"})"));
    EXPECT_TRUE(sink->write(R"({"id":"2"})"));
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  EXPECT_EQ(text, "{\"id\":\"1\"}\n{\"id\":\"2\"}\n");
  std::string error;
  EXPECT_EQ(StreamSink::open("/nonexistent-dir/x.log", error), nullptr);
  EXPECT_NE(error.find("/nonexistent-dir/x.log"), std::string::npos) << error;
}

}  // namespace
}  // namespace stepstream::logs
