// `stepstream run` against a standalone `stepstream broker`: every input is accounted for in the
// output or dead-letter topic — with poison messages, after kill -9 and a restart, and when one
// of two engines in a group dies — and outside clients (kcat; kafkajs, a client that is not
// librdkafka) feed and read it.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/kafka/client.h"
#include "tests/kafka/observed_engine.h"
#include "tests/kafka/process.h"

namespace {

using namespace stepstream::testing_support;
using std::chrono::seconds;

constexpr int kPartitions = 4;

std::string event(int i, const char* type = "ok") {
  return "{\"seq\":" + std::to_string(i) + ",\"device_id\":\"dev-" + std::to_string(i % 37) +
         "\",\"type\":\"" + type + "\"}";
}

// A record to put among the events: `value` under `key`.
Record keyed(std::string key, std::string value) {
  Record r;
  r.key = std::move(key);
  r.value = std::move(value);
  return r;
}

std::vector<Record> events(int n) {
  std::vector<Record> v;
  for (int i = 0; i < n; ++i)
    v.push_back(keyed("dev-" + std::to_string(i % 37), event(i)));
  return v;
}

// A test's own broker and topic names: in, out, dlq.
struct Cluster {
  TempDir dir;
  BrokerProcess broker{dir, "in,out,dlq", kPartitions};
  const std::string& brokers() const { return broker.bootstraps(); }
};

std::unique_ptr<Process> start_engine(const Cluster& s, const std::string& name,
                                      std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), {"-X", "heartbeat.interval.ms=500", "--payload-limit", "1024"});
  return std::make_unique<Process>(run_argv(s.brokers(), "engines", extra),
                                   s.dir.file(name + ".out"), s.dir.file(name + ".err"));
}

using Position = std::pair<int32_t, int64_t>;

// Which inputs the output and dead-letter records name, and how often.
struct Accounting {
  std::map<Position, int> seen;

  void add(const std::vector<Record>& records) {
    for (const Record& r : records) {
      auto it = r.headers.find("stepstream.execution");
      if (it == r.headers.end()) continue;
      // "in/P/O"
      const std::string& name = it->second;
      size_t a = name.find('/'), b = name.rfind('/');
      ++seen[{std::stoi(name.substr(a + 1, b - a - 1)), std::stoll(name.substr(b + 1))}];
    }
  }
  size_t missing(const std::vector<Record>& inputs) const {
    size_t n = 0;
    for (const Record& r : inputs)
      n += seen.count({r.partition, r.offset}) == 0;
    return n;
  }
  size_t duplicates() const {
    size_t n = 0;
    for (const auto& [pos, count] : seen)
      n += static_cast<size_t>(count - 1);
    return n;
  }
};

// Reads out and dlq until every input is named by some record, or `timeout`.
bool wait_for_all(const std::vector<Record>& inputs, Accounting& acc, TopicReader& out,
                  TopicReader& dlq, std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        out.poll(std::chrono::milliseconds(200));
        dlq.poll(std::chrono::milliseconds(50));
        acc = Accounting();
        acc.add(out.records());
        acc.add(dlq.records());
        return acc.missing(inputs) == 0;
      },
      timeout);
}

// SIGTERM: drain, commit, leave, exit 0, with every input's offset committed.
void stops_with_every_offset_committed(const Cluster& s, Process& engine,
                                       const std::vector<Record>& inputs) {
  engine.signal(SIGTERM);
  EXPECT_EQ(engine.wait(seconds(30)), 0) << engine.err();
  std::vector<int64_t> end(kPartitions, 0);
  for (const Record& r : inputs)
    end[static_cast<size_t>(r.partition)] =
        std::max(end[static_cast<size_t>(r.partition)], r.offset + 1);
  EXPECT_EQ(committed(s.brokers(), "engines", "in", kPartitions), end);
}

// `n` events of `type` keyed "<key>-<i>", each on the partition `partition(i)` picks.
template <typename PartitionOf>
std::vector<Record> events_on(int n, const std::string& key, const char* type,
                              PartitionOf partition) {
  std::vector<Record> v;
  for (int i = 0; i < n; ++i) {
    v.push_back(keyed(key + "-" + std::to_string(i), event(i, type)));
    v.back().partition = partition(i);
  }
  return v;
}

TEST(Run, EveryEventIsAnOutputOrADeadLetter) {
  Cluster s;
  std::vector<Record> inputs = events(1000);
  // Poison among them: not JSON, a failing execution, over the 1024-byte payload limit.
  const std::vector<std::pair<std::string, std::string>> poison = {
      {"not json", "InvalidExecutionInput"},
      {"{\"seq\": 1,", "InvalidExecutionInput"},
      {std::string("\xff\xfe{}", 4), "InvalidExecutionInput"},
      {event(5000, "fail"), "Device.Broken"},
      {event(5001, "fail"), "Device.Broken"},
      {"{\"seq\":5002,\"note\":\"" + std::string(2000, 'x') + "\"}", "States.DataLimitExceeded"},
  };
  std::map<std::string, std::string> expected_error;
  for (size_t k = 0; k < poison.size(); ++k) {
    Record r = keyed("poison-" + std::to_string(k), poison[k].first);
    expected_error[r.value] = poison[k].second;
    inputs.insert(inputs.begin() + static_cast<long>(100 * k + 7), std::move(r));
  }
  ASSERT_TRUE(produce(s.brokers(), "in", inputs));
  auto engine = start_engine(s, "engine");

  TopicReader out(s.brokers(), "out", kPartitions), dlq(s.brokers(), "dlq", kPartitions);
  Accounting acc;
  ASSERT_TRUE(wait_for_all(inputs, acc, out, dlq, seconds(90)))
      << acc.missing(inputs) << " inputs unaccounted for\n"
      << engine->err();
  EXPECT_EQ(acc.duplicates(), 0u) << "no crash, so no duplicates";
  ASSERT_EQ(out.records().size(), 1000u);
  ASSERT_EQ(dlq.records().size(), poison.size());

  std::map<Position, const Record*> by_position;
  for (const Record& r : inputs)
    by_position[{r.partition, r.offset}] = &r;
  for (const Record& o : out.records()) {
    const std::string& name = o.headers.at("stepstream.execution");
    EXPECT_EQ(o.headers.at("stepstream.status"), "SUCCEEDED");
    EXPECT_EQ(o.headers.at("stepstream.state-machine"), "flaky-device");
    size_t a = name.find('/'), b = name.rfind('/');
    const Record& in =
        *by_position.at({std::stoi(name.substr(a + 1, b - a - 1)), std::stoll(name.substr(b + 1))});
    EXPECT_EQ(o.key, in.key) << "the output keeps the input's key";
    std::string seq = in.value.substr(7, in.value.find(',') - 7);
    EXPECT_EQ(o.value, "{\"seq\":" + seq + ",\"device\":\"" + in.key + "\"}");
  }
  for (const Record& d : dlq.records()) {
    int32_t p = std::stoi(d.headers.at("stepstream.source-partition"));
    int64_t off = std::stoll(d.headers.at("stepstream.source-offset"));
    const Record& in = *by_position.at({p, off});
    EXPECT_EQ(d.value, in.value) << "the dead letter is the input, byte for byte";
    EXPECT_EQ(d.key, in.key);
    EXPECT_EQ(d.headers.at("stepstream.error"), expected_error.at(in.value)) << in.value;
    EXPECT_FALSE(d.headers.at("stepstream.cause").empty());
    EXPECT_EQ(d.headers.at("stepstream.source-topic"), "in");
    EXPECT_EQ(d.headers.at("stepstream.execution"),
              "in/" + std::to_string(p) + "/" + std::to_string(off));
    if (expected_error.at(in.value) == "Device.Broken") {
      EXPECT_EQ(d.headers.at("stepstream.failed-state"), "Broken");
      EXPECT_EQ(d.headers.at("stepstream.status"), "FAILED");
    } else {
      EXPECT_EQ(d.headers.count("stepstream.failed-state"), 0u) << "no state ran";
    }
  }

  stops_with_every_offset_committed(s, *engine, inputs);
}

// --no-output-headers: outputs carry only the result; dead letters keep every header.
TEST(Run, OutputsGoWithoutHeadersWhenAskedAndDeadLettersKeepTheirs) {
  Cluster s;
  std::vector<Record> inputs = events(100);
  inputs.insert(inputs.begin() + 50, keyed("poison", "not json"));
  ASSERT_TRUE(produce(s.brokers(), "in", inputs));
  auto engine = start_engine(s, "engine", {"--no-output-headers"});

  TopicReader out(s.brokers(), "out", kPartitions), dlq(s.brokers(), "dlq", kPartitions);
  ASSERT_TRUE(out.read_at_least(100, seconds(60))) << engine->err();
  ASSERT_TRUE(dlq.read_at_least(1, seconds(30))) << engine->err();
  std::multiset<std::string> want, got;
  for (const Record& r : inputs)
    if (r.key != "poison")
      want.insert(r.key + " {\"seq\":" + r.value.substr(7, r.value.find(',') - 7) +
                  ",\"device\":\"" + r.key + "\"}");
  for (const Record& o : out.records()) {
    EXPECT_TRUE(o.headers.empty()) << o.headers.begin()->first;
    got.insert(o.key + " " + o.value);
  }
  EXPECT_EQ(got, want);
  ASSERT_EQ(dlq.records().size(), 1u);
  EXPECT_EQ(dlq.records()[0].value, "not json");
  EXPECT_EQ(dlq.records()[0].headers.at("stepstream.error"), "InvalidExecutionInput");
  EXPECT_EQ(dlq.records()[0].headers.at("stepstream.state-machine"), "flaky-device");
  stops_with_every_offset_committed(s, *engine, inputs);
}

// A dead letter is the input plus headers: for an input near the producer's message.max.bytes
// that is too large, and it goes without its payload (readable at its source offset) rather
// than stopping the engine on the same input after every restart.
TEST(Run, ADeadLetterOverTheProducersLimitGoesWithoutItsPayload) {
  Cluster s;
  std::vector<Record> inputs = events(50);
  const Record big = keyed("big", "{\"seq\":9000,\"note\":\"" + std::string(1900, 'x') + "\"}");
  inputs.insert(inputs.begin() + 20, big);
  // Too large even without its payload, for its own header: that goes too.
  Record bigger = keyed("bigger", "{\"seq\":9001,\"note\":\"" + std::string(1100, 'y') + "\"}");
  bigger.headers["trace"] = std::string(1900, 't');
  inputs.insert(inputs.begin() + 30, bigger);
  ASSERT_TRUE(produce(s.brokers(), "in", inputs));
  auto engine = start_engine(s, "engine", {"-X", "message.max.bytes=2048"});

  TopicReader out(s.brokers(), "out", kPartitions), dlq(s.brokers(), "dlq", kPartitions);
  Accounting acc;
  ASSERT_TRUE(wait_for_all(inputs, acc, out, dlq, seconds(60)))
      << acc.missing(inputs) << " inputs unaccounted for\n"
      << engine->err();
  ASSERT_EQ(out.records().size(), 50u);
  ASSERT_EQ(dlq.records().size(), 2u);
  for (const Record& d : dlq.records()) {
    const Record& in = inputs[d.key == "big" ? 20 : 30];
    EXPECT_EQ(d.headers.at("stepstream.source-offset"), std::to_string(in.offset));
    EXPECT_EQ(d.headers.at("stepstream.source-partition"), std::to_string(in.partition));
    EXPECT_EQ(d.headers.at("stepstream.error"), "States.DataLimitExceeded");
    EXPECT_EQ(d.value, "");
    EXPECT_FALSE(d.null_value) << "an empty value, not a tombstone";
    const std::string& omitted = d.headers.at("stepstream.payload-omitted");
    if (d.key == "big") {
      EXPECT_EQ(omitted.find("input's headers"), std::string::npos) << omitted;
    } else {
      EXPECT_EQ(d.key, "bigger");
      EXPECT_NE(omitted.find("input's headers"), std::string::npos) << omitted;
      EXPECT_EQ(d.headers.count("trace"), 0u);
    }
  }

  stops_with_every_offset_committed(s, *engine, inputs);
}

// With one worker full of executions parked in a Wait, the other worker's partitions keep
// flowing: back-pressure pauses the partitions whose records wait for the full one.
TEST(Run, AWorkerFullOfParkedExecutionsDoesNotHoldUpTheOther) {
  Cluster s;
  // Partition p goes to worker (hash(topic) + p) % 2: 0 and 2 share one, 1 and 3 the other.
  std::vector<Record> parked = events_on(200, "park", "park", [](int i) { return i % 2 * 2; });
  ASSERT_TRUE(produce(s.brokers(), "in", parked));
  auto engine = start_engine(s, "engine", {"--max-in-flight", "40"});
  // Time for the engine to fill that worker and hold the rest of its records.
  std::this_thread::sleep_for(seconds(3));

  std::vector<Record> flowing = events_on(400, "dev", "ok", [](int i) { return 1 + i % 2 * 2; });
  ASSERT_TRUE(produce(s.brokers(), "in", flowing));
  TopicReader out(s.brokers(), "out", kPartitions), dlq(s.brokers(), "dlq", kPartitions);
  Accounting acc;
  EXPECT_TRUE(wait_for_all(flowing, acc, out, dlq, seconds(30)))
      << acc.missing(flowing) << " of the other worker's inputs unaccounted for\n"
      << engine->err();
  EXPECT_EQ(acc.missing(parked), parked.size()) << "parked for two minutes";
}

// A partition whose offsets cannot be committed past an execution parked at its front fills its
// offset tracker (16384 in flight) and holds its later records; the other partitions keep
// flowing.
TEST(Run, APartitionBlockedBehindAParkedExecutionDoesNotHoldUpTheOthers) {
  Cluster s;
  std::vector<Record> blocked = events_on(1, "blocked", "park", [](int) { return 0; });
  for (Record& r : events_on(16999, "blocked", "ok", [](int) { return 0; }))
    blocked.push_back(std::move(r));
  ASSERT_TRUE(produce(s.brokers(), "in", blocked));
  auto engine = start_engine(s, "engine", {"--max-in-flight", "40"});
  // Blocked: every record the tracker took but the parked first one has its output, and the
  // rest are held (a second more, for the engine to settle on that).
  TopicReader out(s.brokers(), "out", kPartitions), dlq(s.brokers(), "dlq", kPartitions);
  ASSERT_TRUE(out.read_at_least(16383, seconds(60))) << out.records().size() << " outputs\n"
                                                     << engine->err();
  std::this_thread::sleep_for(seconds(2));

  std::vector<Record> flowing = events_on(6000, "dev", "ok", [](int i) { return 1 + i % 3; });
  ASSERT_TRUE(produce(s.brokers(), "in", flowing));
  Accounting acc;
  EXPECT_TRUE(wait_for_all(flowing, acc, out, dlq, seconds(30)))
      << acc.missing(flowing) << " of the other partitions' inputs unaccounted for\n"
      << engine->err();
}

// An engine that resumes where its group committed, with nothing new to read, reports no lag on
// its status line: the lag counts from where the group left each partition, not from the
// earliest offset kept.
TEST(Run, AGroupResumingWhereItCommittedReportsNoLag) {
  Cluster s;
  std::vector<Record> inputs = events(200);
  ASSERT_TRUE(produce(s.brokers(), "in", inputs));
  {
    auto engine = start_engine(s, "first");
    TopicReader out(s.brokers(), "out", kPartitions), dlq(s.brokers(), "dlq", kPartitions);
    Accounting acc;
    ASSERT_TRUE(wait_for_all(inputs, acc, out, dlq, seconds(60))) << engine->err();
    stops_with_every_offset_committed(s, *engine, inputs);
  }
  std::vector<std::string> argv =
      run_argv(s.brokers(), "engines", {"-X", "heartbeat.interval.ms=500"});
  *(std::find(argv.begin(), argv.end(), "--status-interval") + 1) = "1";
  Process engine(argv, s.dir.file("second.out"), s.dir.file("second.err"));
  // The status line once every partition is assigned.
  std::string line;
  ASSERT_TRUE(eventually(
      [&] {
        std::string err = engine.err();
        size_t at = err.rfind("partitions " + std::to_string(kPartitions));
        if (at == std::string::npos) return false;
        line = err.substr(err.rfind('\n', at) + 1, at - err.rfind('\n', at));
        return true;
      },
      seconds(60)))
      << engine.err();
  EXPECT_NE(line.find(" lag 0 "), std::string::npos) << line;
}

TEST(Run, KillNineMidStreamAndRestartLosesNothing) {
  Cluster s;
  std::vector<Record> inputs = events(60000);
  ASSERT_TRUE(produce(s.brokers(), "in", inputs));
  TopicReader out(s.brokers(), "out", kPartitions), dlq(s.brokers(), "dlq", kPartitions);
  {
    auto engine = start_engine(s, "first");
    ASSERT_TRUE(out.read_at_least(2000, seconds(60))) << engine->err();
    engine->signal(SIGKILL);
    EXPECT_EQ(engine->wait(seconds(10)), 128 + SIGKILL);
  }
  Accounting before;
  before.add(out.records());
  ASSERT_GT(before.missing(inputs), 0u) << "the kill came too late to be mid-stream";

  auto engine = start_engine(s, "second");
  Accounting acc;
  ASSERT_TRUE(wait_for_all(inputs, acc, out, dlq, seconds(120)))
      << acc.missing(inputs) << " inputs lost\n"
      << engine->err();
  RecordProperty("duplicates", static_cast<int>(acc.duplicates()));
  std::printf("kill -9 and restart: %zu inputs, %zu duplicates, none lost\n", inputs.size(),
              acc.duplicates());
  engine->signal(SIGTERM);
  EXPECT_EQ(engine->wait(seconds(30)), 0) << engine->err();
}

TEST(Run, TwoEnginesInOneGroupOneKilledLosesNothing) {
  Cluster s;
  auto a = start_engine(s, "a");
  auto b = start_engine(s, "b");
  std::vector<Record> inputs = events(60000);
  ASSERT_TRUE(produce(s.brokers(), "in", inputs));
  TopicReader out(s.brokers(), "out", kPartitions), dlq(s.brokers(), "dlq", kPartitions);
  ASSERT_TRUE(out.read_at_least(2000, seconds(60))) << a->err() << b->err();
  a->signal(SIGKILL);
  EXPECT_EQ(a->wait(seconds(10)), 128 + SIGKILL);
  Accounting acc;
  ASSERT_TRUE(wait_for_all(inputs, acc, out, dlq, seconds(120)))
      << acc.missing(inputs) << " inputs lost\n"
      << b->err();
  std::printf("two engines, one killed: %zu inputs, %zu duplicates, none lost\n", inputs.size(),
              acc.duplicates());
  b->signal(SIGTERM);
  EXPECT_EQ(b->wait(seconds(30)), 0) << b->err();
}

TEST(Run, ConsumesWhatKcatProducesAndKcatReadsTheOutputs) {
  Cluster s;
  std::string lines;
  for (int i = 0; i < 200; ++i)
    lines += "dev-" + std::to_string(i % 37) + "|" + event(i) + "\n";
  write_text(s.dir.file("in.txt"), lines);
  ASSERT_EQ(shell("kcat -b " + s.brokers() + " -P -t in -K'|' -l " + s.dir.file("in.txt")), 0);
  auto engine = start_engine(s, "engine");
  const std::string read =
      "kcat -b " + s.brokers() + " -C -t out -e -q -f '%k|%h|%s\\n' > " + s.dir.file("out.txt");
  size_t count = 0;
  ASSERT_TRUE(eventually(
      [&] {
        if (shell(read) != 0) return false;
        std::string text = read_text(s.dir.file("out.txt"));
        count = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
        return count >= 200;
      },
      seconds(60)))
      << count << " outputs\n"
      << engine->err();
  EXPECT_EQ(count, 200u);
  std::string text = read_text(s.dir.file("out.txt"));
  EXPECT_NE(text.find("dev-5|stepstream.execution=in/"), std::string::npos) << text.substr(0, 500);
  EXPECT_NE(text.find("stepstream.status=SUCCEEDED"), std::string::npos);
  EXPECT_NE(text.find("|{\"seq\":5,\"device\":\"dev-5\"}"), std::string::npos);
  engine->signal(SIGINT);
  EXPECT_EQ(engine->wait(seconds(30)), 0) << engine->err();
}

// The kafkajs scripts (produce.mjs, consume.mjs) and their node_modules, which
// deploy/install-deps.sh installs.
const std::string kJsDir = std::string(STEPSTREAM_SOURCE_DIR) + "/tests/kafka/js";

// Why the kafkajs scripts cannot run, or "" when they can. A missing tool fails the test rather
// than skipping it: install-deps.sh installs both, so a skip would only hide a broken setup.
std::string kafkajs_missing() {
  if (shell("command -v node > /dev/null") != 0) return "node is not on PATH";
  if (!std::filesystem::exists(kJsDir + "/node_modules/kafkajs/package.json"))
    return "kafkajs is not installed in " + kJsDir + "/node_modules";
  return "";
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

// Topic order: by partition, then offset.
bool earlier(const Record& x, const Record& y) {
  return std::tie(x.partition, x.offset) < std::tie(y.partition, y.offset);
}

// The fields of each line of a script's tab-separated report.
std::vector<std::vector<std::string>> tab_separated(const std::string& text) {
  std::vector<std::vector<std::string>> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    std::vector<std::string>& fields = lines.emplace_back();
    size_t a = start;
    for (size_t tab; (tab = text.find('\t', a)) < end; a = tab + 1)
      fields.push_back(text.substr(a, tab - a));
    fields.push_back(text.substr(a, end - a));
  }
  return lines;
}

// produce.mjs's report, one line per record: partition, offset, kind, key, value as hex.
std::vector<std::pair<std::string, Record>> parse_produced(const std::string& text) {
  std::vector<std::pair<std::string, Record>> produced;
  for (const auto& fields : tab_separated(text)) {
    if (fields.size() != 5) continue;
    Record r;
    r.partition = std::stoi(fields[0]);
    r.offset = std::stoll(fields[1]);
    r.key = fields[3];
    r.value = from_hex(fields[4]);
    produced.emplace_back(fields[2], std::move(r));
  }
  return produced;
}

// `topic` as kafkajs reads it (consume.mjs), sorted by position; empty, with the reason in
// `error`, when it could not read `count` records.
std::vector<Record> read_with_kafkajs(const TempDir& dir, const std::string& brokers,
                                      const std::string& topic, size_t count, std::string& error) {
  const std::string out = dir.file("kafkajs-" + topic + ".tsv");
  const std::string err = dir.file("kafkajs-" + topic + ".err");
  if (shell("node " + kJsDir + "/consume.mjs --brokers " + brokers + " --topic " + topic +
            " --count " + std::to_string(count) + " > " + out + " 2> " + err) != 0) {
    error = read_text(err);
    return {};
  }
  std::vector<Record> records;
  // partition, offset, key, headers as name=hex(value) joined by commas, value as hex.
  for (const auto& fields : tab_separated(read_text(out))) {
    if (fields.size() != 5) continue;
    Record r;
    r.partition = std::stoi(fields[0]);
    r.offset = std::stoll(fields[1]);
    r.key = fields[2];
    for (size_t a = 0; a < fields[3].size();) {
      size_t comma = std::min(fields[3].find(',', a), fields[3].size());
      size_t eq = fields[3].find('=', a);
      r.headers[fields[3].substr(a, eq - a)] = from_hex(fields[3].substr(eq + 1, comma - eq - 1));
      a = comma + 1;
    }
    r.value = from_hex(fields[4]);
    records.push_back(std::move(r));
  }
  std::sort(records.begin(), records.end(), earlier);
  return records;
}

TEST(Run, ConsumesWhatKafkaJsProducesAndKafkaJsReadsTheOutputs) {
  const std::string missing = kafkajs_missing();
  ASSERT_EQ(missing, "") << "run deploy/install-deps.sh, which installs node and runs npm ci in "
                         << kJsDir;
  Cluster s;
  // Started first, so the events arrive while the engine is already consuming.
  auto engine = start_engine(s, "engine");
  constexpr int kEvents = 500;
  constexpr int kPoison = 10;  // two of each of produce.mjs's five poison kinds
  ASSERT_EQ(
      shell("node " + kJsDir + "/produce.mjs --brokers " + s.brokers() + " --topic in --count " +
            std::to_string(kEvents) + " --poison " + std::to_string(kPoison) + " > " +
            s.dir.file("produced.tsv") + " 2> " + s.dir.file("produce.err")),
      0)
      << read_text(s.dir.file("produce.err"));
  const auto produced = parse_produced(read_text(s.dir.file("produced.tsv")));
  ASSERT_EQ(produced.size(), static_cast<size_t>(kEvents + kPoison))
      << read_text(s.dir.file("produce.err"));

  // What the engine must do with each poison kind.
  const std::map<std::string, std::string> expected_error = {
      {"not-json", "InvalidExecutionInput"},   {"truncated", "InvalidExecutionInput"},
      {"binary", "InvalidExecutionInput"},     {"fail", "Device.Broken"},
      {"too-big", "States.DataLimitExceeded"},
  };
  std::vector<Record> inputs;
  std::map<Position, std::string> kind_at;
  for (const auto& [kind, r] : produced) {
    inputs.push_back(r);
    kind_at[{r.partition, r.offset}] = kind;
  }
  ASSERT_EQ(kind_at.size(), inputs.size()) << "produce.mjs reported one position twice";

  TopicReader out(s.brokers(), "out", kPartitions), dlq(s.brokers(), "dlq", kPartitions);
  Accounting acc;
  ASSERT_TRUE(wait_for_all(inputs, acc, out, dlq, seconds(90)))
      << acc.missing(inputs) << " of kafkajs's " << inputs.size() << " inputs unaccounted for\n"
      << engine->err();
  EXPECT_EQ(acc.duplicates(), 0u) << "no crash, so no duplicates";
  ASSERT_EQ(out.records().size(), static_cast<size_t>(kEvents));
  ASSERT_EQ(dlq.records().size(), static_cast<size_t>(kPoison));

  std::map<Position, const Record*> by_position;
  for (const Record& r : inputs)
    by_position[{r.partition, r.offset}] = &r;
  for (const Record& o : out.records()) {
    const std::string& name = o.headers.at("stepstream.execution");
    size_t a = name.find('/'), b = name.rfind('/');
    Position pos = {std::stoi(name.substr(a + 1, b - a - 1)), std::stoll(name.substr(b + 1))};
    EXPECT_EQ(kind_at.at(pos), "event") << "only events succeed: " << name;
    const Record& in = *by_position.at(pos);
    EXPECT_EQ(o.headers.at("stepstream.status"), "SUCCEEDED");
    EXPECT_EQ(o.key, in.key) << "the output keeps the input's key";
    std::string seq = in.value.substr(7, in.value.find(',') - 7);
    EXPECT_EQ(o.value, "{\"seq\":" + seq + ",\"device\":\"" + in.key + "\"}");
  }
  std::map<std::string, int> poison_seen;
  for (const Record& d : dlq.records()) {
    Position pos = {std::stoi(d.headers.at("stepstream.source-partition")),
                    std::stoll(d.headers.at("stepstream.source-offset"))};
    const Record& in = *by_position.at(pos);
    const std::string& kind = kind_at.at(pos);
    ++poison_seen[kind];
    ASSERT_EQ(expected_error.count(kind), 1u) << "an event was dead-lettered: " << in.value << "\n"
                                              << d.headers.at("stepstream.cause");
    EXPECT_EQ(d.value, in.value) << kind << ": the dead letter is the input, byte for byte";
    EXPECT_EQ(d.key, in.key);
    EXPECT_EQ(d.headers.at("stepstream.error"), expected_error.at(kind)) << kind;
    EXPECT_EQ(d.headers.at("test.producer"), "kafkajs") << "the input's headers are kept";
    EXPECT_EQ(d.headers.at("stepstream.source-topic"), "in");
  }
  for (const auto& [kind, error] : expected_error)
    EXPECT_EQ(poison_seen[kind], 2) << kind;

  // kafkajs reads both topics as librdkafka does: the same records, byte for byte, headers too.
  for (TopicReader* reader : {&out, &dlq}) {
    const std::string topic = reader == &out ? "out" : "dlq";
    std::vector<Record> ours = reader->records();
    std::sort(ours.begin(), ours.end(), earlier);
    std::string error;
    std::vector<Record> theirs = read_with_kafkajs(s.dir, s.brokers(), topic, ours.size(), error);
    ASSERT_EQ(theirs.size(), ours.size()) << topic << ": " << error;
    for (size_t i = 0; i < ours.size(); ++i) {
      EXPECT_EQ(std::tie(theirs[i].partition, theirs[i].offset, theirs[i].key, theirs[i].value),
                std::tie(ours[i].partition, ours[i].offset, ours[i].key, ours[i].value))
          << topic << " record " << i;
      EXPECT_EQ(theirs[i].headers, ours[i].headers) << topic << " record " << i;
    }
  }

  engine->signal(SIGTERM);
  EXPECT_EQ(engine->wait(seconds(30)), 0) << engine->err();
}

}  // namespace
