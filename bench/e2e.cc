// End-to-end benchmark: Kafka -> engine -> Kafka against librdkafka's raw passthrough, in one run
// on one embedded broker, and the engine again with its metrics on (served on a port, every
// execution counted): what metrics cost. All run as child processes and are timed by an outside
// watcher of their output topic, and charged the CPU time they used while the middle 90% of their
// outputs arrived (start-up and the group join left out): on a shared machine rates swing with
// others' load, CPU per record much less. Then the engine runs at half its measured maximum
// (lower, saying so, where it falls behind there) while the watcher measures each output's
// latency from the moment its input was due.
//
//   stepstream_e2e [--events N] [--partitions P] [--workers W] [--latency-seconds S]
//                  [--warmup-seconds S] [--rounds R] [--trace 1] [--latency-rate N]
//                  [--engine-arg ARG]...   (ARG added to every `stepstream run`)
//
// (`stepstream_e2e --passthrough BROKERS IN OUT GROUP` is the passthrough child.)
#include <dirent.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "connectors/demo/events.h"
#include "connectors/kafka/broker.h"
#include "connectors/kafka/produce.h"
#include "engine/runtime/offset_tracker.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace stepstream;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "stepstream_e2e: %s\n", why.c_str());
  std::exit(1);
}

rd_kafka_conf_t* make_conf(const std::string& brokers,
                           std::initializer_list<std::pair<const char*, const char*>> props) {
  char err[512];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  for (const auto& [k, v] : props)
    if (rd_kafka_conf_set(c, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
  return c;
}

// The engine's producer and consumer settings, so that both sides get the same librdkafka.
constexpr std::pair<const char*, const char*> kProducer[] = {
    {"enable.idempotence", "true"},
    {"acks", "all"},
    {"linger.ms", "5"},
    {"batch.num.messages", "10000"},
    {"queue.buffering.max.messages", "1000000"},
    {"queue.buffering.max.kbytes", "1048576"}};

// ---------------------------------------------------------------------------------------------
// The passthrough child: consume, produce each record unchanged (same key, so the same
// partitioner as the engine's outputs, no headers), and commit an input offset only once every
// copy up to it is delivered: the engine's own offset watermark, without the engine.

std::atomic<bool> g_stop{false};

int passthrough(const std::string& brokers, const std::string& in, const std::string& out,
                const std::string& group) {
  signal(SIGTERM, [](int) { g_stop = true; });
  char err[512];
  rd_kafka_conf_t* pc = make_conf(brokers, {});
  for (const auto& [k, v] : kProducer)
    rd_kafka_conf_set(pc, k, v, err, sizeof err);
  rd_kafka_conf_set_dr_msg_cb(pc, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) die(rd_kafka_err2str(m->err));
    runtime::OffsetTracker::finish(static_cast<runtime::OffsetTracker::Slot*>(m->_private));
  });
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
  rd_kafka_topic_t* out_topic = rd_kafka_topic_new(producer, out.c_str(), nullptr);

  rd_kafka_conf_t* cc = make_conf(brokers, {{"group.id", group.c_str()},
                                            {"auto.offset.reset", "earliest"},
                                            {"enable.auto.commit", "false"},
                                            {"partition.assignment.strategy", "cooperative-sticky"},
                                            {"queued.min.messages", "1000000"},
                                            {"queued.max.messages.kbytes", "524288"},
                                            {"fetch.wait.max.ms", "10"}});
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, in.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer);

  // The benchmark's partitions never move (one consumer): a tracker per partition, made lazily,
  // as large as the engine's (connectors/kafka/runner.cc): a million slots each cost 8 MiB of
  // zeroing in the middle of the measurement.
  constexpr size_t kTrackerCapacity = 16384;
  std::vector<std::unique_ptr<runtime::OffsetTracker>> trackers(1024);
  std::vector<int64_t> committed(trackers.size(), -1);
  auto commit = [&](int async) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(8);
    for (size_t p = 0; p < trackers.size(); ++p) {
      if (!trackers[p]) continue;
      int64_t pos = trackers[p]->advance();
      if (pos > committed[p]) {
        rd_kafka_topic_partition_list_add(l, in.c_str(), static_cast<int32_t>(p))->offset = pos;
        committed[p] = pos;
      }
    }
    if (l->cnt > 0) rd_kafka_commit(consumer, l, async);
    rd_kafka_topic_partition_list_destroy(l);
  };
  std::vector<rd_kafka_message_t*> batch(1024);
  auto last_commit = Clock::now();
  while (!g_stop) {
    rd_kafka_poll(producer, 0);
    ssize_t n = rd_kafka_consume_batch_queue(queue, 0, batch.data(), batch.size());
    if (n <= 0) {
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 20)) {
        batch[0] = m;
        n = 1;
      }
    }
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<size_t>(i)];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        auto& t = trackers[static_cast<size_t>(m->partition)];
        if (!t) t = std::make_unique<runtime::OffsetTracker>(kTrackerCapacity);
        runtime::OffsetTracker::Slot* slot;
        while ((slot = t->begin(m->offset)) == nullptr) {  // the tracker is full: wait
          rd_kafka_poll(producer, 1);
          t->advance();
        }
        kafka::Record record;
        record.topic = out_topic;
        record.value = std::string_view(static_cast<const char*>(m->payload), m->len);
        record.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
        record.opaque = slot;
        while (kafka::produce(producer, record) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
          rd_kafka_poll(producer, 1);
      }
      rd_kafka_message_destroy(m);
    }
    if (Clock::now() - last_commit > std::chrono::milliseconds(500)) {
      commit(1);
      last_commit = Clock::now();
    }
  }
  rd_kafka_flush(producer, 10000);
  commit(0);
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  rd_kafka_topic_destroy(out_topic);
  rd_kafka_destroy(producer);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The orchestrator.

// The mock cluster keeps 5 MiB per partition (so events x ~250 bytes must fit in partitions x
// 5 MiB) and answers a fetch with one producer batch per partition: many partitions mean many
// small batches, which slows every consumer of a topic alike, so the default is few.
struct Options {
  uint64_t events = 150000;
  int partitions = 8;
  int workers = 2;
  int latency_seconds = 12;
  int warmup_seconds = 2;
  int rounds = 5;
  bool trace = false;       // latency percentiles per second of the latency run
  double latency_rate = 0;  // events/s of the latency run; 0: half the engine's best rate
  std::vector<std::string> engine_args;  // added to every `stepstream run`
};

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid < 0) die(std::string("cannot start ") + argv[0] + ": " + std::strerror(errno));
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    FILE* f = std::fopen(log.c_str(), "w");
    if (f != nullptr) dup2(fileno(f), STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Stops the child; false when it had already ended (it crashed, or could not start).
bool stop(pid_t pid) {
  const bool running = waitpid(pid, nullptr, WNOHANG) == 0;
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  return running;
}

// CPU seconds used so far by the threads of process `pid` (nanoseconds on a CPU, from schedstat).
double process_cpu(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  double ns = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream f(dir + "/" + e->d_name + "/schedstat");
      double t = 0;
      if (f >> t) ns += t;
    }
    closedir(d);
  }
  return ns / 1e9;
}

// The CPU seconds this process has used: the embedded broker's threads and the watcher. Both
// serve the passthrough and the engine alike, on the same two cores, so the rates compare the
// whole machine's work per record, not the children's alone.
double own_cpu() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Reads whole topics from the beginning, without a group, and notes when records arrive.
class Watcher {
 public:
  Watcher(const std::string& brokers, const std::vector<std::string>& topics, int partitions) {
    char err[512];
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER,
                       make_conf(brokers, {{"group.id", "e2e-watcher"},
                                           {"queued.min.messages", "1000000"},
                                           {"queued.max.messages.kbytes", "524288"},
                                           // The instrument: as quick as the broker allows.
                                           {"fetch.wait.max.ms", "1"}}),
                       err, sizeof err);
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(partitions);
    for (const auto& t : topics)
      for (int p = 0; p < partitions; ++p)
        rd_kafka_topic_partition_list_add(l, t.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk_, l);
    rd_kafka_topic_partition_list_destroy(l);
    queue_ = rd_kafka_queue_get_consumer(rk_);
  }
  ~Watcher() {
    rd_kafka_queue_destroy(queue_);
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }

  // Counts records until `n` have arrived (or `timeout`), noting when each thousandth arrived,
  // and the CPU that `child` (when given) and this process had used by the window's ends (see
  // window()). With `executions`, also notes every record's input partition and offset (from its
  // stepstream.execution header) and its arrival time.
  bool count(uint64_t n, std::chrono::seconds timeout, bool executions = false, pid_t child = 0) {
    const auto [first, last] = window(n);
    auto end = Clock::now() + timeout;
    std::vector<rd_kafka_message_t*> batch(4096);
    // Room for every arrival up front: growing by copying, tens of megabytes at a time, stalled
    // the watcher for tens of milliseconds, which showed as the engine's latency.
    if (executions) arrivals_.reserve(arrivals_.size() + n);
    marks_.reserve(marks_.size() + n / 1000 + 1);
    while (seen_ < n && Clock::now() < end) {
      ssize_t got = rd_kafka_consume_batch_queue(queue_, 0, batch.data(), batch.size());
      if (got <= 0) {
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 10)) {
          batch[0] = m;
          got = 1;
        }
      }
      int64_t t = now_ns();
      for (ssize_t i = 0; i < got; ++i) {
        rd_kafka_message_t* m = batch[static_cast<size_t>(i)];
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          ++seen_;
          if (seen_ % 1000 == 0) {
            marks_.push_back(t);
            if (child != 0 && (marks_.size() - 1 == first || marks_.size() - 1 == last)) {
              const int at = marks_.size() - 1 == first ? 0 : 1;
              child_cpu_[at] = process_cpu(child);
              own_cpu_[at] = own_cpu();
            }
          }
          if (executions) note(m, t);
        }
        rd_kafka_message_destroy(m);
      }
    }
    return seen_ >= n;
  }

  // The marks (thousandths of the records) at 5% and at 95% of `n`: what is timed and charged
  // lies between them, start-up and tail left out.
  static std::pair<size_t, size_t> window(uint64_t n) {
    return {static_cast<size_t>(n / 20 / 1000), static_cast<size_t>(n * 19 / 20 / 1000)};
  }
  static uint64_t window_records(uint64_t n) {
    const auto [a, b] = window(n);
    return (b - a) * 1000;
  }

  // Records per second within the window.
  double rate(uint64_t n) const {
    const auto [a, b] = window(n);
    if (b >= marks_.size() || a >= b) return 0;
    return static_cast<double>(window_records(n)) /
           (static_cast<double>(marks_[b] - marks_[a]) / 1e9);
  }

  // CPU microseconds per record within the window: the child's, and this process's.
  std::pair<double, double> cpu_per_record(uint64_t n) const {
    const auto records = static_cast<double>(window_records(n));
    return {(child_cpu_[1] - child_cpu_[0]) * 1e6 / records,
            (own_cpu_[1] - own_cpu_[0]) * 1e6 / records};
  }

  struct Arrival {
    int32_t partition;
    int64_t offset;
    int64_t at_ns;
  };
  const std::vector<Arrival>& arrivals() const { return arrivals_; }

  // Where each partition of `topic` begins now: the mock cluster drops a partition's oldest
  // records to keep it within 5 MiB, read or not.
  std::vector<int64_t> low_watermarks(const std::string& topic, int partitions) {
    std::vector<int64_t> lows(static_cast<size_t>(partitions), 0);
    for (int p = 0; p < partitions; ++p) {
      int64_t high = 0;
      rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p, &lows[static_cast<size_t>(p)], &high,
                                       5000);
    }
    return lows;
  }
  uint64_t seen() const { return seen_; }

 private:
  // A record whose header is missing or unreadable is noted as from partition -1: a stray.
  void note(rd_kafka_message_t* m, int64_t t) {
    Arrival arrival{-1, -1, t};
    rd_kafka_headers_t* h = nullptr;
    const void* v = nullptr;
    size_t size = 0;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(h, "stepstream.execution", &v, &size) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string_view name(static_cast<const char*>(v), size);  // topic/partition/offset
      size_t b = name.rfind('/');
      size_t a = b == 0 || b == std::string_view::npos ? b : name.rfind('/', b - 1);
      int32_t partition = -1;
      int64_t offset = -1;
      if (a != std::string_view::npos &&
          std::from_chars(name.data() + a + 1, name.data() + b, partition).ptr == name.data() + b &&
          std::from_chars(name.data() + b + 1, name.data() + name.size(), offset).ptr ==
              name.data() + name.size()) {
        arrival.partition = partition;
        arrival.offset = offset;
      }
    }
    arrivals_.push_back(arrival);
  }

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  uint64_t seen_ = 0;
  std::vector<int64_t> marks_;
  double child_cpu_[2] = {0, 0}, own_cpu_[2] = {0, 0};  // at the window's two ends
  std::vector<Arrival> arrivals_;
};

rd_kafka_t* fast_producer(const std::string& brokers) {
  char err[512];
  rd_kafka_conf_t* c = make_conf(brokers, {{"linger.ms", "500"},
                                           {"batch.size", "16000000"},
                                           {"batch.num.messages", "10000"},
                                           {"queue.buffering.max.messages", "2000000"},
                                           {"queue.buffering.max.kbytes", "2097151"}});
  return rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
}

// Event i's device id, its key.
std::string_view device_id(std::string_view event) {
  size_t k = event.find("\"device_id\":\"") + 13;
  return event.substr(k, event.find('"', k) - k);
}

void produce_event(rd_kafka_t* rk, rd_kafka_topic_t* topic, std::string_view e, void* opaque) {
  std::string_view key = device_id(e);
  kafka::Record record;
  record.topic = topic;
  record.value = e;
  record.key = key;
  record.opaque = opaque;
  while (kafka::produce(rk, record) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
    rd_kafka_poll(rk, 10);
}

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

std::string self_path() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Waits until the engine started as `pid`, logging to `log`, owns `partitions` partitions, by its
// status line: the group has settled, so that the clock starts with the engine consuming.
void wait_for_assignment(pid_t pid, const std::string& log, int partitions) {
  const std::string owned = "  partitions " + std::to_string(partitions) + "\n";
  for (auto end = Clock::now() + std::chrono::seconds(60); Clock::now() < end;) {
    if (waitpid(pid, nullptr, WNOHANG) != 0) die("the engine ended early (see " + log + ")");
    std::ifstream f(log);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (text.find(owned) != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  die("the engine was not assigned its partitions within 60 s (see " + log + ")");
}

// One latency run at `rate` events/s on topics of its own (numbered by `attempt`): false, having
// said so, when outputs did not all arrive.
bool latency_run(const Options& o, kafka::EmbeddedBroker& broker, const std::string& def,
                 double rate, const char* what, int attempt) {
  const std::string b = broker.bootstraps();
  const std::string n = std::to_string(attempt);
  const std::string in = "lat-in-" + n, out = "lat-out-" + n;
  std::string error;
  for (const std::string& t : {in, out, "lat-dlq-" + n})
    if (!broker.create_topic(t, o.partitions, error)) die(error);
  // Dead letters carry the execution header too: an event that failed has arrived all the same.
  Watcher w(b, {out, "lat-dlq-" + n}, o.partitions);
  const std::string log = "/tmp/stepstream_e2e.latency-" + n + ".log";
  std::vector<std::string> argv = {
      STEPSTREAM_BINARY,   "run",      "--brokers",     b,
      "--definition",      def,        "--input-topic", in,
      "--output-topic",    out,        "--dlq-topic",   "lat-dlq-" + n,
      "--group",           "lat-" + n, "--workers",     std::to_string(o.workers),
      "--status-interval", "1"};
  argv.insert(argv.end(), o.engine_args.begin(), o.engine_args.end());
  pid_t pid = spawn(argv, log);
  wait_for_assignment(pid, log, o.partitions);
  auto total = static_cast<uint64_t>(rate * o.latency_seconds);
  std::vector<int64_t> sent(total);
  struct Sent {
    int32_t partition;
    int64_t offset;
  };
  static std::vector<Sent> placed;
  placed.assign(total, {-1, -1});
  char err[512];
  rd_kafka_conf_t* c = make_conf(b, {{"linger.ms", "5"}});
  rd_kafka_conf_set_dr_msg_cb(c, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    placed[reinterpret_cast<uintptr_t>(m->_private)] = {m->partition, m->offset};
  });
  rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
  rd_kafka_topic_t* t = rd_kafka_topic_new(p, in.c_str(), nullptr);
  // The feeder connects and learns the topic's partitions before the clock starts: otherwise the
  // first records wait in its queue for that, and the latency of its start-up, not the engine's,
  // backs up the first seconds.
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(p, 0, t, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    die("the feeder cannot reach the broker");
  rd_kafka_metadata_destroy(md);
  // The events are made before the clock starts: formatting them (about a microsecond each)
  // would otherwise take a share of the two cores from what is measured.
  std::string events;
  events.reserve(total * 280);  // about 250 bytes each
  std::vector<size_t> ends(total);
  for (uint64_t i = 0; i < total; ++i) {
    events += demo::iot_event(i);
    ends[i] = events.size();
  }
  // Every millisecond, what is due by then: a steady rate without spinning a core. An event's
  // latency counts from when it was due, not from when the feeder got to it: a feeder held up by
  // the machine's load sends late, and that wait is part of what the load costs.
  std::thread feeder([&] {
    int64_t start = now_ns();
    for (uint64_t i = 0; i < total;) {
      auto due = static_cast<uint64_t>(static_cast<double>(now_ns() - start) * rate / 1e9);
      for (; i < std::min(due, total); ++i) {
        sent[i] = start + static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate);
        size_t from = i == 0 ? 0 : ends[i - 1];
        produce_event(p, t, std::string_view(events).substr(from, ends[i] - from),
                      reinterpret_cast<void*>(static_cast<uintptr_t>(i)));
      }
      rd_kafka_poll(p, 1);
    }
    rd_kafka_flush(p, 30000);
  });
  w.count(total, std::chrono::seconds(o.latency_seconds + 60), true);
  feeder.join();
  const bool ran = stop(pid);
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(p);
  if (!ran) die("the engine ended early (see " + log + ")");
  // Each arrival's event, by where the broker placed it: -1 for none (no such input).
  std::vector<std::vector<int64_t>> index(static_cast<size_t>(o.partitions));
  for (uint64_t i = 0; i < total; ++i) {
    if (placed[i].partition < 0) continue;  // never acknowledged by the broker
    auto& v = index[static_cast<size_t>(placed[i].partition)];
    if (v.size() <= static_cast<size_t>(placed[i].offset))
      v.resize(static_cast<size_t>(placed[i].offset) + 1, -1);
    v[static_cast<size_t>(placed[i].offset)] = static_cast<int64_t>(i);
  }
  auto event_of = [&](const Watcher::Arrival& a) -> int64_t {
    if (a.partition < 0 || a.partition >= o.partitions || a.offset < 0) return -1;
    const auto& v = index[static_cast<size_t>(a.partition)];
    return static_cast<size_t>(a.offset) < v.size() ? v[static_cast<size_t>(a.offset)] : -1;
  };
  // The first arrival of each event counts; a second (a redelivery) is counted apart.
  std::vector<int64_t> arrived_at(total, -1);
  uint64_t duplicates = 0, strays = 0;
  for (const auto& a : w.arrivals()) {
    int64_t i = event_of(a);
    if (i < 0) {
      ++strays;
    } else if (arrived_at[static_cast<size_t>(i)] >= 0) {
      ++duplicates;
    } else {
      arrived_at[static_cast<size_t>(i)] = a.at_ns;
    }
  }
  if (strays > 0 && strays == w.arrivals().size()) {
    std::printf(
        "| output latency at %.0f events/s | not measured: the outputs carry no "
        "stepstream.execution header to match them with their inputs |\n",
        rate);
    return true;
  }
  if (strays > 0) die(std::to_string(strays) + " outputs name no input of the latency run");
  if (duplicates > 0)
    std::printf("latency run at %.0f events/s: %llu outputs arrived twice (counted once)\n", rate,
                static_cast<unsigned long long>(duplicates));
  const auto missing = static_cast<uint64_t>(std::count(arrived_at.begin(), arrived_at.end(), -1));
  if (missing > 0) {
    // Of the inputs without an output, those the mock cluster no longer keeps (5 MiB per
    // partition): the engine may not have read them before they went, a sign that it fell behind.
    std::vector<int64_t> lows = w.low_watermarks(in, o.partitions);
    uint64_t gone = 0;
    for (uint64_t i = 0; i < total; ++i)
      if (arrived_at[i] < 0 && placed[i].partition >= 0 &&
          placed[i].offset < lows[static_cast<size_t>(placed[i].partition)])
        ++gone;
    std::printf("latency run at %.0f events/s: %llu of %llu outputs did not arrive%s\n", rate,
                static_cast<unsigned long long>(missing), static_cast<unsigned long long>(total),
                gone > 0 ? (", " + std::to_string(gone) +
                            " of their inputs no longer kept by the mock cluster (5 MiB per "
                            "partition): the engine fell behind and they went before it read "
                            "them, or their outputs were lost (see " +
                            log + ")")
                               .c_str()
                         : (" (see " + log + ")").c_str());
    std::fflush(stdout);
    return false;
  }
  // The first seconds are warm-up (connections, first fetches): left out.
  std::vector<double> latency_ms;
  const int64_t measured_from = sent[0] + int64_t{o.warmup_seconds} * 1'000'000'000;
  for (uint64_t i = 0; i < total; ++i)
    if (sent[i] >= measured_from)
      latency_ms.push_back(static_cast<double>(arrived_at[i] - sent[i]) / 1e6);
  if (o.trace) {
    std::vector<std::vector<double>> per_s(static_cast<size_t>(o.latency_seconds) + 1);
    for (uint64_t i = 0; i < total; ++i) {
      auto sec = static_cast<size_t>((sent[i] - sent[0]) / 1'000'000'000);
      if (sec < per_s.size())
        per_s[sec].push_back(static_cast<double>(arrived_at[i] - sent[i]) / 1e6);
    }
    for (size_t k = 0; k < per_s.size(); ++k)
      std::printf("second %zu: n %zu p50 %.1f p99 %.1f\n", k, per_s[k].size(),
                  percentile(per_s[k], 0.5), percentile(per_s[k], 0.99));
  }
  double p50 = percentile(latency_ms, 0.50), p99 = percentile(latency_ms, 0.99);

  std::printf("| output latency at %.0f events/s (%s), p50 | %.1f ms |\n", rate, what, p50);
  std::printf("| output latency at %.0f events/s (%s), p99 | %.1f ms (target <= 50) |\n", rate,
              what, p99);
  std::printf(
      "(latency: from when the event was due at the feeder to the watcher's receipt of its "
      "output, %zu outputs over %d s after %d s of warm-up)\n",
      latency_ms.size(), o.latency_seconds - o.warmup_seconds, o.warmup_seconds);
  return true;
}

int orchestrate(const Options& o) {
  std::string error;
  auto broker = kafka::EmbeddedBroker::start(1, error);
  if (!broker) die(error);
  const std::string b = broker->bootstraps();
  const std::string def = std::string(STEPSTREAM_SOURCE_DIR) + "/examples/iot-telemetry.asl.json";
  std::vector<std::string> topics = {"in"};
  for (int r = 0; r < o.rounds; ++r)
    for (const char* t : {"pt-out-", "eng-out-", "eng-dlq-", "engm-out-", "engm-dlq-"})
      topics.push_back(t + std::to_string(r));
  for (const auto& t : topics)
    if (!broker->create_topic(t, o.partitions, error)) die(error);
  std::string extra;
  for (const auto& a : o.engine_args)
    extra += " " + a;
  std::printf("broker %s, %d partitions per topic, %llu iot-telemetry events, %d workers%s%s\n",
              b.c_str(), o.partitions, static_cast<unsigned long long>(o.events), o.workers,
              extra.empty() ? "" : "; the engine run with", extra.c_str());

  // Preload.
  {
    rd_kafka_t* p = fast_producer(b);
    rd_kafka_topic_t* t = rd_kafka_topic_new(p, "in", nullptr);
    auto start = Clock::now();
    for (uint64_t i = 0; i < o.events; ++i)
      produce_event(p, t, demo::iot_event(i), nullptr);
    if (rd_kafka_flush(p, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("preload not delivered");
    std::printf("preloaded in %.2f s\n",
                std::chrono::duration<double>(Clock::now() - start).count());
    rd_kafka_topic_destroy(t);
    rd_kafka_destroy(p);
  }

  // Throughput. Rounds alternate which side goes first, so that drift on a shared machine, and
  // the broker's growing store, hit both alike.
  std::vector<double> pt_rates, eng_rates, engm_rates;
  std::vector<double> pt_cpu, eng_cpu, engm_cpu;  // microseconds per record
  std::vector<double> pt_broker, eng_broker;      // the broker's and the watcher's, per record
  // Times one child (spawned by `start`) through the watcher of `topics`: its rate, its CPU per
  // record, and this process's; `what` names it in the round's line and on failure.
  auto timed = [&](int r, const char* what, const std::vector<std::string>& watched,
                   const std::function<pid_t()>& start, const char* log) {
    Watcher w(b, watched, o.partitions);
    pid_t pid = start();
    auto began = Clock::now();
    bool done = w.count(o.events, std::chrono::seconds(300), false, pid);
    double wall = std::chrono::duration<double>(Clock::now() - began).count();
    bool ran = stop(pid);
    if (!done)
      die(std::string(what) + (ran ? " did not deliver every record" : " ended early") + " (see " +
          log + ")");
    const auto [cpu, serving] = w.cpu_per_record(o.events);
    if (!(cpu > 0))
      die(std::string("no CPU figures for ") + what + ": is /proc/PID/task/*/schedstat readable?");
    std::printf(
        "round %d: %-16s %.0f records/s, %.2f us CPU per record, broker + watcher %.2f "
        "(all in %.1f s)\n",
        r, what, w.rate(o.events), cpu, serving, wall);
    return std::array<double, 3>{w.rate(o.events), cpu, serving};
  };
  auto passthrough_round = [&](int r) {
    const std::string round = std::to_string(r);
    const auto [rate, cpu, serving] = timed(
        r, "passthrough", {"pt-out-" + round},
        [&] {
          return spawn({self_path(), "--passthrough", b, "in", "pt-out-" + round, "pt-" + round},
                       "/tmp/stepstream_e2e.passthrough.log");
        },
        "/tmp/stepstream_e2e.passthrough.log");
    pt_rates.push_back(rate);
    pt_cpu.push_back(cpu);
    pt_broker.push_back(serving);
  };
  auto engine_round = [&](int r, bool with_metrics) {
    const std::string round = std::to_string(r);
    const std::string prefix = with_metrics ? "engm-" : "eng-";
    std::vector<std::string> argv = {STEPSTREAM_BINARY,   "run",
                                     "--brokers",         b,
                                     "--definition",      def,
                                     "--input-topic",     "in",
                                     "--output-topic",    prefix + "out-" + round,
                                     "--dlq-topic",       prefix + "dlq-" + round,
                                     "--group",           prefix + round,
                                     "--workers",         std::to_string(o.workers),
                                     "--status-interval", "1"};
    if (with_metrics)
      argv.insert(argv.end(), {"--metrics-port", "0", "--metrics-host", "127.0.0.1"});
    argv.insert(argv.end(), o.engine_args.begin(), o.engine_args.end());
    const auto [rate, cpu, serving] = timed(
        r, with_metrics ? "engine + metrics" : "engine",
        {prefix + "out-" + round, prefix + "dlq-" + round},
        [&] { return spawn(argv, "/tmp/stepstream_e2e.engine.log"); },
        "/tmp/stepstream_e2e.engine.log");
    (with_metrics ? engm_rates : eng_rates).push_back(rate);
    (with_metrics ? engm_cpu : eng_cpu).push_back(cpu);
    if (!with_metrics) eng_broker.push_back(serving);
  };
  for (int r = 0; r < o.rounds; ++r) {
    if (r % 2 == 0) {
      passthrough_round(r);
      engine_round(r, false);
      engine_round(r, true);
    } else {
      engine_round(r, true);
      engine_round(r, false);
      passthrough_round(r);
    }
  }
  double pt = *std::max_element(pt_rates.begin(), pt_rates.end());
  double eng = *std::max_element(eng_rates.begin(), eng_rates.end());
  double engm = *std::max_element(engm_rates.begin(), engm_rates.end());
  // The throughput table comes before the latency run, which can fail on an overloaded machine.
  std::printf(
      "\n| measure (rates: best of %d rounds; CPU: median of rounds, while the middle 90%% of "
      "the outputs arrived) | value |\n|---|---|\n",
      o.rounds);
  std::printf(
      "| librdkafka passthrough (consume, produce idempotent acks=all, commit after "
      "delivery) | %.0f records/s, %.2f us CPU per record |\n",
      pt, median(pt_cpu));
  std::printf("| engine, iot-telemetry, %d workers%s | %.0f records/s, %.2f us CPU per record |\n",
              o.workers, extra.c_str(), eng, median(eng_cpu));
  std::printf("| engine / passthrough | %.2f (target >= 0.80); CPU %.2f |\n", eng / pt,
              median(pt_cpu) / median(eng_cpu));
  // Each round runs the passthrough and then the engine on the same machine moments apart: the
  // median of their ratios is the least swayed by a neighbour's load.
  std::vector<double> paired;
  std::string listed;
  for (size_t r = 0; r < pt_rates.size(); ++r) {
    paired.push_back(pt_rates[r] > 0 ? eng_rates[r] / pt_rates[r] : 0);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%s%.2f", r == 0 ? "" : ", ", paired.back());
    listed += buf;
  }
  std::printf("| engine / passthrough, round by round | %s; median %.2f |\n", listed.c_str(),
              median(paired));
  // On two shared cores the rates follow the whole machine's CPU per record, the broker's
  // included: this is the ratio they tend to.
  std::printf(
      "| the broker and watcher (this process), per record | %.2f us beside the passthrough, "
      "%.2f beside the engine |\n",
      median(pt_broker), median(eng_broker));
  std::printf("| whole machine per record: passthrough / engine | %.2f |\n",
              (median(pt_cpu) + median(pt_broker)) / (median(eng_cpu) + median(eng_broker)));
  std::printf("| engine with metrics served | %.0f records/s, %.2f us CPU per record |\n", engm,
              median(engm_cpu));
  // The two engine runs of a round are adjacent: their paired median, as for the main ratio.
  std::vector<double> metrics_paired;
  for (size_t r = 0; r < eng_rates.size(); ++r)
    metrics_paired.push_back(eng_rates[r] > 0 ? 1 - engm_rates[r] / eng_rates[r] : 0);
  std::printf(
      "| metrics cost (1 - with / without) | best against best %.1f%%, round by round median "
      "%.1f%% (target <= 3%%); CPU %.1f%% |\n",
      100 * (1 - engm / eng), 100 * median(metrics_paired),
      100 * (median(engm_cpu) / median(eng_cpu) - 1));
  std::fflush(stdout);

  // Latency at half the engine's maximum (or at a given rate, to compare builds at equal load).
  // The feeder and the watcher share the machine with the engine here, which the throughput
  // rounds did not: where half the best round is more than the two cores sustain with them, the
  // engine falls behind, and the run is tried again at lower rates, saying so.
  double rate = o.latency_rate > 0 ? o.latency_rate : eng / 2;
  const char* what = o.latency_rate > 0 ? "as given" : "half the maximum";
  for (int attempt = 0; !latency_run(o, *broker, def, rate, what, attempt); ++attempt) {
    if (attempt == 2) die("the engine fell behind at every rate tried");
    rate *= 0.85;
    what = o.latency_rate > 0 ? "below the rate given: the engine fell behind at higher rates"
                              : "below half the maximum: the engine fell behind at higher rates";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string_view(argv[1]) == "--passthrough")
    return passthrough(argv[2], argv[3], argv[4], argv[5]);
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    long v = std::atol(argv[i + 1]);
    if (a == "--events") {
      o.events = static_cast<uint64_t>(v);
    } else if (a == "--partitions") {
      o.partitions = static_cast<int>(v);
    } else if (a == "--workers") {
      o.workers = static_cast<int>(v);
    } else if (a == "--latency-seconds") {
      o.latency_seconds = static_cast<int>(v);
    } else if (a == "--trace") {
      o.trace = v != 0;
    } else if (a == "--warmup-seconds") {
      o.warmup_seconds = static_cast<int>(v);
    } else if (a == "--latency-rate") {
      o.latency_rate = static_cast<double>(v);
    } else if (a == "--rounds") {
      o.rounds = static_cast<int>(v);
    } else if (a == "--engine-arg") {
      o.engine_args.emplace_back(argv[i + 1]);
    } else {
      die("unknown option " + std::string(a));
    }
  }
  // Rates and CPU are taken between the outputs at 5% and at 95%, counted in thousands.
  if (o.events < 20000) die("--events: at least 20000, for a window to time");
  if (o.partitions < 1 || o.workers < 1 || o.rounds < 1)
    die("--partitions, --workers and --rounds: at least 1");
  if (o.warmup_seconds < 0 || o.latency_seconds <= o.warmup_seconds)
    die("--latency-seconds: more than --warmup-seconds, which leaves out the run's start");
  return orchestrate(o);
}
