// The consumer thread's loop, rebalances and the shutdown order (stop fetching, drain, commit,
// close the consumer, flush the producer).
#include "connectors/kafka/runner.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "engine/metrics/kafka_stats.h"

namespace stepstream::kafka {

namespace {

constexpr size_t kBatch = 1024;
// How long every worker may stay full before all partitions pause (ms).
constexpr int64_t kStallBeforePause = 1000;
// Back-pressure is lopsided when the consumer waits (too many records held) while a worker has
// room: what is held waits for other workers, or for partitions whose trackers are full (an
// execution parked at their front). Lopsided for half of this window (ms), the partitions
// holding records are paused, so that the others flow.
constexpr int64_t kLopsidedWindow = 1000;
// A paused partition resumes when its worker has drained to half, or when it has room and the
// partition has waited this long (ms): other partitions may keep that worker above half.
constexpr int64_t kResumeAfter = 5000;
// Offsets in flight per partition; more is back-pressure (8 bytes each).
constexpr size_t kTrackerCapacity = 16384;

// One assigned partition, owned by the consumer thread. It outlives its assignment while events
// of it are in flight, because they point at its tracker and topic name.
struct Partition {
  Partition(std::string t, int32_t p, uint32_t pl, uint32_t w, size_t capacity)
      : topic(std::move(t)), id(p), pipeline(pl), worker(w), tracker(capacity) {}
  std::string topic;
  int32_t id;
  uint32_t pipeline;
  uint32_t worker;
  runtime::OffsetTracker tracker;
  std::deque<rd_kafka_message_t*> held;  // consumed while its worker was full, in order
  bool paused = false;
  std::chrono::steady_clock::time_point paused_at;
  bool listed = false;  // in Impl::blocked
  int64_t committed = -1;
  // The group's committed offset when the partition was assigned (-1: none): where fetching
  // starts, which the status line's lag counts from until a record of it arrives.
  int64_t start = -1;
};

using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

uint64_t fnv1a(const void* data, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i)
    h = (h ^ static_cast<const unsigned char*>(data)[i]) * 0x100000001b3ULL;
  return h;
}

// Consumer defaults; the properties given override them.
constexpr std::pair<const char*, const char*> kConsumerDefaults[] = {
    {"auto.offset.reset", "earliest"},
    {"partition.assignment.strategy", "cooperative-sticky"},
    // librdkafka 2.0 stops fetching for a second when its local queue reaches either bound:
    // both hold more than a second of input, so that the workers never starve meanwhile.
    {"queued.min.messages", "1000000"},
    {"queued.max.messages.kbytes", "524288"},
    // A broker may hold a fetch that finds nothing new for this long; librdkafka's mock cluster
    // holds it the whole time even when records arrive meanwhile, which would be added latency.
    {"fetch.wait.max.ms", "10"},
};

// Offsets are committed by the runner, from the watermarks, and by nothing else.
constexpr std::pair<const char*, const char*> kConsumerFixed[] = {
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
};

}  // namespace

std::string check_run_property(const std::string& key, const std::string& value) {
  if (key == "bootstrap.servers" || key == "metadata.broker.list")
    return "set by --brokers (brokers: in a config)";
  if (key == "group.id") return "set by --group (group: in a config)";
  if (std::string why = fixed_property_problem(key, value, kConsumerFixed,
                                               "offsets are committed once outputs are delivered");
      !why.empty())
    return why;
  return check_property(key, value);
}

struct Runner::Impl {
  RunnerOptions options;
  std::vector<runtime::Pipeline> pipelines;
  std::vector<Route> routes;
  std::unordered_map<std::string, uint32_t> topic_pipeline;
  std::unique_ptr<Producer> producer;
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  vm::SystemClock clock;
  std::atomic<bool> give_up{false};
  std::vector<std::unique_ptr<KafkaSink>> sinks;
  std::vector<std::unique_ptr<runtime::Worker>> workers;

  std::vector<std::unique_ptr<Partition>> owned;    // assigned now
  std::vector<std::unique_ptr<Partition>> retired;  // revoked, events still in flight
  std::unordered_map<std::string, std::vector<Partition*>> by_topic;
  const rd_kafka_topic_t* last_rkt = nullptr;  // by_topic lookups repeat: batches come by partition
  std::vector<Partition*>* last_topic = nullptr;
  std::vector<Partition*> blocked;  // partitions with held records
  size_t held_total = 0;
  bool stalled = false;  // every worker full: consuming nothing
  Clock::time_point stalled_since;
  // The current kLopsidedWindow: since when, and for how long of it back-pressure was lopsided.
  Clock::time_point window_start = Clock::now();
  Clock::time_point last_pass = window_start;
  Clock::duration lopsided_for{0};
  std::vector<std::vector<runtime::Event>> staged;  // per worker: dispatched, not yet pushed
  bool closing = false;
  bool commit_failed = false;
  uint64_t consumed = 0;
  std::atomic<size_t> assigned{0};    // partitions owned, for ready() on other threads
  std::atomic<bool> draining{false};  // shutdown has begun: not ready
  metrics::KafkaStatsParser stats;

  ~Impl() {
    for (auto& w : workers)
      w->stop();
    if (options.metrics != nullptr) {  // the sources point into this runner
      options.metrics->set_queue_depth_source(nullptr);
      options.metrics->set_produced_source(nullptr);
      options.metrics->set_consumer_lag({});
    }
    release_held_all();
    if (queue != nullptr) rd_kafka_queue_destroy(queue);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }

  // ---- setup ----

  bool init(std::span<const PipelineSpec> specs, std::string& error) {
    for (const auto& spec : specs) {
      auto index = static_cast<uint32_t>(pipelines.size());
      pipelines.push_back(spec.pipeline);
      for (const auto& t : spec.input_topics)
        topic_pipeline.emplace(t, index);
    }
    Properties common = options.properties;
    common.insert(common.begin(), {"bootstrap.servers", options.brokers});
    producer = Producer::create(common, error);
    if (!producer) return false;
    for (size_t i = 0; i < specs.size(); ++i) {
      Route r;
      r.output = producer->topic(specs[i].output_topic);
      if (!specs[i].dlq_topic.empty()) r.dead_letters = producer->topic(specs[i].dlq_topic);
      r.state_machine = specs[i].pipeline.name;
      r.output_headers = specs[i].output_headers;
      routes.push_back(std::move(r));
    }
    if (!create_consumer(common, error)) return false;
    metrics::Metrics* m = options.metrics;
    if (m != nullptr && (m->setup().workers != options.workers ||
                         m->setup().state_machines.size() != pipelines.size())) {
      error = "the metrics were set up for other workers or pipelines";
      return false;
    }
    if (!options.log_writers.empty() && m == nullptr) {
      error = "execution logs need metrics, to count the records they drop";
      return false;
    }
    for (size_t i = 0; i < options.workers; ++i) {
      runtime::WorkerHooks hooks;
      if (m != nullptr) hooks.metrics = &m->slot(static_cast<uint32_t>(i));
      for (logs::LogWriter* w : options.log_writers)
        hooks.logs.push_back(w->producer(static_cast<uint32_t>(i)));
      sinks.push_back(std::make_unique<KafkaSink>(*producer, routes, give_up));
      sinks.back()->set_metrics(hooks.metrics);
      workers.push_back(std::make_unique<runtime::Worker>(
          pipelines, *sinks.back(), clock, options.max_in_flight, 0x5eed + i, std::move(hooks)));
    }
    if (m != nullptr) {
      m->set_queue_depth_source(
          [this](uint32_t w) { return static_cast<int64_t>(workers[w]->in_flight()); });
      m->set_produced_source(
          [p = producer.get()] { return p->outputs_acked() + p->dead_letters_acked(); });
    }
    staged.resize(workers.size());
    rd_kafka_topic_partition_list_t* topics =
        rd_kafka_topic_partition_list_new(static_cast<int>(topic_pipeline.size()));
    for (const auto& [t, p] : topic_pipeline)
      rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = std::string("cannot subscribe: ") + rd_kafka_err2str(err);
      return false;
    }
    return true;
  }

  bool create_consumer(const Properties& common, std::string& error) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    bool ok = true;
    auto set = [&](const std::string& key, const std::string& value) {
      if (!ok) return;
      if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK) {
        error = errstr;
        ok = false;
      }
    };
    for (const auto& [k, v] : kConsumerDefaults)
      set(k, v);
    if (options.metrics != nullptr) set("statistics.interval.ms", "5000");  // consumer lag
    set("group.id", options.group);
    for (const auto& [k, v] : common)
      set(k, v);
    for (const auto& [k, v] : kConsumerFixed)
      set(k, v);
    if (!ok) {
      rd_kafka_conf_destroy(conf);
      return false;
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_rebalance_cb(conf, &Impl::on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf, &Impl::on_commit);
    if (options.metrics != nullptr) rd_kafka_conf_set_stats_cb(conf, &Impl::on_stats);
    set_log(conf);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (rk == nullptr) {
      rd_kafka_conf_destroy(conf);
      error = errstr;
      return false;
    }
    rd_kafka_poll_set_consumer(rk);
    queue = rd_kafka_queue_get_consumer(rk);
    return true;
  }

  // ---- the hot path: a record to its worker ----

  Partition* find(const rd_kafka_message_t* m) {
    if (m->rkt != last_rkt) {
      auto it = by_topic.find(rd_kafka_topic_name(m->rkt));
      last_topic = it == by_topic.end() ? nullptr : &it->second;
      last_rkt = m->rkt;
    }
    if (last_topic == nullptr || m->partition < 0 ||
        static_cast<size_t>(m->partition) >= last_topic->size())
      return nullptr;
    return (*last_topic)[static_cast<size_t>(m->partition)];
  }

  void handle(rd_kafka_message_t* m) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        std::fprintf(stderr, "stepstream run: kafka: %s (%s/%d/%lld)\n", rd_kafka_message_errstr(m),
                     m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "-", m->partition,
                     static_cast<long long>(m->offset));
      rd_kafka_message_destroy(m);
      return;
    }
    Partition* p = find(m);
    if (p == nullptr) {  // not assigned (any more): never begun, so never committed
      rd_kafka_message_destroy(m);
      return;
    }
    if (!p->held.empty() || !dispatch(*p, m)) hold(*p, m);
  }

  // Hands `m` to its worker; false (and nothing done) when the worker or the partition's
  // tracker is full.
  bool dispatch(Partition& p, rd_kafka_message_t* m) {
    if (m->offset < p.tracker.next()) {  // a redelivery of an offset already in hand
      rd_kafka_message_destroy(m);
      return true;
    }
    size_t w = options.route_by_key && m->key_len != 0 ? fnv1a(m->key, m->key_len) % workers.size()
                                                       : p.worker;
    runtime::Worker& worker = *workers[w];
    std::vector<runtime::Event>& stage = staged[w];
    if (worker.in_flight() + stage.size() >= worker.max_in_flight()) return false;
    if (p.tracker.full()) {
      p.tracker.advance();
      if (p.tracker.full()) return false;
    }
    runtime::Event e;
    e.payload = std::string_view(static_cast<const char*>(m->payload), m->len);
    e.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
    e.topic = p.topic;
    e.offset = m->offset;
    e.partition = m->partition;
    e.pipeline = p.pipeline;
    e.record = m;
    e.slot = p.tracker.begin(m->offset);
    stage.push_back(e);
    ++consumed;
    return true;
  }

  // Hands the staged events to their workers, one enqueue per worker.
  void flush_staged() {
    for (size_t w = 0; w < workers.size(); ++w) {
      workers[w]->push(staged[w].data(), staged[w].size());
      staged[w].clear();
    }
  }

  // A record whose worker (or offset tracker) is full waits here, behind its partition's earlier
  // ones. Once too many are held the consumer stops taking more (run()). A partition is not
  // paused for being behind, because a pause drops what librdkafka prefetched for it, to be
  // fetched again on resume: only when back-pressure is lopsided (watch_lopsided).
  void hold(Partition& p, rd_kafka_message_t* m) {
    list_blocked(p);
    p.held.push_back(m);
    ++held_total;
  }

  void pause(Partition& p) {
    if (p.paused) return;
    p.paused = true;
    p.paused_at = Clock::now();
    set_paused(p, true);
    list_blocked(p);
  }

  void list_blocked(Partition& p) {
    if (p.listed) return;
    p.listed = true;
    blocked.push_back(&p);
  }

  // Listed as blocked, so that retry_blocked resumes them.
  void pause_all() {
    for (auto& p : owned)
      pause(*p);
  }

  // Records held by partitions that are not paused: the ones more records can still join.
  size_t active_held() const {
    size_t n = 0;
    for (const Partition* p : blocked)
      n += p->paused ? 0 : p->held.size();
    return n;
  }

  bool any_worker_has_room() const {
    for (const auto& w : workers)
      if (!w->full()) return true;
    return false;
  }

  // Called once a pass: whether the consumer waits now while some worker has room.
  void watch_lopsided(bool lopsided) {
    const Clock::time_point now = Clock::now();
    if (lopsided) lopsided_for += now - last_pass;
    last_pass = now;
    if (now - window_start < std::chrono::milliseconds(kLopsidedWindow)) return;
    if (2 * lopsided_for >= now - window_start)
      for (Partition* p : blocked)
        if (!p->held.empty()) pause(*p);
    lopsided_for = Clock::duration(0);
    window_start = now;
  }

  void set_paused(const Partition& p, bool pause) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p.topic.c_str(), p.id);
    if (pause) {
      rd_kafka_pause_partitions(rk, l);
    } else {
      rd_kafka_resume_partitions(rk, l);
    }
    rd_kafka_topic_partition_list_destroy(l);
  }

  // Feeds held records to workers that have room again; resumes paused partitions left with none.
  void retry_blocked() {
    for (size_t i = 0; i < blocked.size();) {
      Partition& p = *blocked[i];
      while (!p.held.empty() && dispatch(p, p.held.front())) {
        p.held.pop_front();
        --held_total;
      }
      if (!p.held.empty()) {
        ++i;
        continue;
      }
      if (p.paused) {
        // Hysteresis: resuming costs a fetch (librdkafka dropped what it had prefetched). By
        // key, a partition's records go to every worker: any with room will do.
        const runtime::Worker& w = *workers[p.worker];
        const bool room = options.route_by_key ? any_worker_has_room() : !w.full();
        const bool drained = options.route_by_key || w.in_flight() <= options.max_in_flight / 2;
        p.tracker.advance();
        if (!room || p.tracker.full() || (!drained && ms_since(p.paused_at) < kResumeAfter)) {
          ++i;
          continue;
        }
        p.paused = false;
        set_paused(p, false);
      }
      p.listed = false;
      blocked[i] = blocked.back();
      blocked.pop_back();
    }
  }

  void release_held(Partition& p) {
    for (rd_kafka_message_t* m : p.held)
      rd_kafka_message_destroy(m);
    held_total -= p.held.size();
    p.held.clear();
  }

  void release_held_all() {
    for (Partition* p : blocked) {
      release_held(*p);
      p->listed = false;
    }
    blocked.clear();
  }

  // ---- offsets ----

  // Commits every partition in `ps` whose watermark moved.
  void commit(const std::vector<Partition*>& ps, bool sync) {
    if (commit_failed) {  // resend everything: the failed commit may have been the last one
      commit_failed = false;
      for (auto& p : owned)
        p->committed = -1;
    }
    rd_kafka_topic_partition_list_t* l =
        rd_kafka_topic_partition_list_new(static_cast<int>(ps.size()));
    for (Partition* p : ps) {
      int64_t pos = p->tracker.advance();
      if (pos <= p->committed) continue;
      rd_kafka_topic_partition_list_add(l, p->topic.c_str(), p->id)->offset = pos;
      p->committed = pos;
    }
    if (l->cnt > 0) {
      rd_kafka_resp_err_t err = rd_kafka_commit(rk, l, sync ? 0 : 1);
      if (sync && err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        std::fprintf(stderr, "stepstream run: commit failed: %s\n", rd_kafka_err2str(err));
        commit_failed = true;
      }
    }
    rd_kafka_topic_partition_list_destroy(l);
  }

  std::vector<Partition*> owned_ptrs() const {
    std::vector<Partition*> ps;
    for (const auto& p : owned)
      ps.push_back(p.get());
    return ps;
  }

  void commit_all(bool sync) { commit(owned_ptrs(), sync); }

  static void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*,
                        void* opaque) {
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
    std::fprintf(stderr, "stepstream run: commit failed: %s\n", rd_kafka_err2str(err));
    static_cast<Impl*>(opaque)->commit_failed = true;
  }

  // librdkafka's statistics, served on the consumer thread: the consumer lag gauge.
  static int on_stats(rd_kafka_t*, char* json, size_t len, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    metrics::KafkaStatsResult r = self->stats.parse(std::string_view(json, len));
    if (r.ok()) {
      self->options.metrics->set_consumer_lag(std::move(r.lags));
    } else {
      std::fprintf(stderr, "stepstream run: kafka statistics: %s\n", r.error.c_str());
    }
    return 0;  // librdkafka frees `json`
  }

  // Frees revoked partitions whose last events have finished.
  void reap_retired() {
    for (size_t i = 0; i < retired.size();) {
      retired[i]->tracker.advance();
      if (retired[i]->tracker.in_flight() == 0) {
        retired[i] = std::move(retired.back());
        retired.pop_back();
      } else {
        ++i;
      }
    }
  }

  // Waits (serving delivery reports) until every event of `ps` has finished, or `timeout_ms`.
  bool drain(const std::vector<Partition*>& ps, int timeout_ms) {
    auto start = Clock::now();
    for (;;) {
      bool busy = false;
      for (Partition* p : ps) {
        p->tracker.advance();
        busy = busy || p->tracker.in_flight() != 0;
      }
      if (!busy) return true;
      if (ms_since(start) >= timeout_ms || producer->failed()) return false;
      producer->poll(5);
    }
  }

  // ---- rebalances ----

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      self->assign(parts);
      rd_kafka_error_t* e = nullptr;
      if (cooperative) {
        e = rd_kafka_incremental_assign(rk, parts);
      } else {
        rd_kafka_assign(rk, parts);
      }
      if (e != nullptr) {
        std::fprintf(stderr, "stepstream run: assign failed: %s\n", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
      self->learn_starts(parts);
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      self->revoke(parts, rd_kafka_assignment_lost(rk) != 0);
    } else {
      std::fprintf(stderr, "stepstream run: rebalance failed: %s\n", rd_kafka_err2str(err));
      self->revoke_all(true);
    }
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

  void assign(const rd_kafka_topic_partition_list_t* parts) {
    for (int i = 0; i < parts->cnt; ++i) {
      const auto& tp = parts->elems[i];
      auto it = topic_pipeline.find(tp.topic);
      if (it == topic_pipeline.end()) continue;
      auto& slots = by_topic[tp.topic];
      if (static_cast<size_t>(tp.partition) >= slots.size())
        slots.resize(static_cast<size_t>(tp.partition) + 1, nullptr);
      if (slots[static_cast<size_t>(tp.partition)] != nullptr) continue;
      auto w = static_cast<uint32_t>(
          (std::hash<std::string_view>{}(tp.topic) + static_cast<size_t>(tp.partition)) %
          workers.size());
      owned.push_back(
          std::make_unique<Partition>(tp.topic, tp.partition, it->second, w, kTrackerCapacity));
      slots[static_cast<size_t>(tp.partition)] = owned.back().get();
    }
    last_rkt = nullptr;
    assigned.store(owned.size(), std::memory_order_relaxed);
  }

  Partition* owned_partition(const char* topic, int32_t id) {
    auto it = by_topic.find(topic);
    if (it == by_topic.end() || id < 0 || static_cast<size_t>(id) >= it->second.size())
      return nullptr;
    return it->second[static_cast<size_t>(id)];
  }

  // Reads where the group left the partitions just assigned (a round trip to the coordinator).
  void learn_starts(const rd_kafka_topic_partition_list_t* parts) {
    rd_kafka_topic_partition_list_t* c = rd_kafka_topic_partition_list_copy(parts);
    if (rd_kafka_committed(rk, c, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
      for (int i = 0; i < c->cnt; ++i)
        if (Partition* p = owned_partition(c->elems[i].topic, c->elems[i].partition))
          p->start = c->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(c);
  }

  // Lets go of `parts`: drop held records, finish what is in flight (unless the partitions are
  // already lost, or the consumer is closing after its own drain), commit, forget.
  void revoke(const rd_kafka_topic_partition_list_t* parts, bool lost) {
    std::vector<Partition*> ps;
    for (int i = 0; i < parts->cnt; ++i)
      if (Partition* p = owned_partition(parts->elems[i].topic, parts->elems[i].partition))
        ps.push_back(p);
    let_go(ps, lost);
  }

  void revoke_all(bool lost) { let_go(owned_ptrs(), lost); }

  void let_go(const std::vector<Partition*>& ps, bool lost) {
    flush_staged();  // a rebalance can come in the middle of a batch
    for (Partition* p : ps) {
      release_held(*p);
      if (p->paused) {  // a pause outlives the assignment in librdkafka
        set_paused(*p, false);
        p->paused = false;
      }
      if (p->listed) {
        std::erase(blocked, p);
        p->listed = false;
      }
    }
    if (!lost) {
      if (!closing && !drain(ps, options.drain_timeout_ms))
        std::fprintf(stderr,
                     "stepstream run: revoked partitions still had events in flight after "
                     "%d ms; their offsets stay uncommitted and the next owner runs them again\n",
                     options.drain_timeout_ms);
      commit(ps, true);
    }
    for (Partition* p : ps) {
      by_topic[p->topic][static_cast<size_t>(p->id)] = nullptr;
      for (auto& o : owned) {
        if (o.get() != p) continue;
        retired.push_back(std::move(o));
        o = std::move(owned.back());
        owned.pop_back();
        break;
      }
    }
    last_rkt = nullptr;
    assigned.store(owned.size(), std::memory_order_relaxed);
    reap_retired();
  }

  // ---- status ----

  RunnerStatus status() {
    RunnerStatus s;
    s.consumed = consumed;
    s.outputs = producer->outputs_acked();
    s.dead_letters = producer->dead_letters_acked();
    for (auto* list : {&owned, &retired}) {
      for (auto& p : *list) {
        p->tracker.advance();
        s.in_flight += p->tracker.in_flight();
      }
    }
    for (auto& sink : sinks)
      s.dead_letters += sink->dropped();
    s.partitions = owned.size();
    // Lag: from the first unfinished offset, or where the consumer will fetch from when it has
    // consumed nothing yet (its position, else where the group left it, else the earliest
    // offset kept), to the end of the partition (as last seen by a fetch).
    rd_kafka_topic_partition_list_t* l =
        rd_kafka_topic_partition_list_new(static_cast<int>(owned.size()));
    for (auto& p : owned)
      rd_kafka_topic_partition_list_add(l, p->topic.c_str(), p->id)->offset = p->tracker.advance();
    rd_kafka_topic_partition_list_t* fetch = rd_kafka_topic_partition_list_copy(l);
    rd_kafka_position(rk, fetch);
    for (int i = 0; i < l->cnt; ++i) {
      int64_t lo = 0, hi = 0;
      if (rd_kafka_get_watermark_offsets(rk, l->elems[i].topic, l->elems[i].partition, &lo, &hi) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          hi < 0)
        continue;
      int64_t pos = l->elems[i].offset >= 0 ? l->elems[i].offset : fetch->elems[i].offset;
      if (pos < 0) pos = owned[static_cast<size_t>(i)]->start;
      if (pos < lo) pos = lo;
      if (hi > pos) s.lag += hi - pos;
    }
    rd_kafka_topic_partition_list_destroy(fetch);
    rd_kafka_topic_partition_list_destroy(l);
    return s;
  }

  // ---- the loop and the shutdown ----

  int run(const std::atomic<bool>& stop, const std::function<void(const RunnerStatus&)>& tick) {
    for (size_t i = 0; i < workers.size(); ++i)
      workers[i]->start(options.pin_workers ? static_cast<int>(i) : -1);
    std::vector<rd_kafka_message_t*> batch(kBatch);
    auto last_commit = Clock::now(), last_tick = Clock::now();
    // Delivery reports are served by the workers (KafkaSink::poll), not here.
    while (!stop.load(std::memory_order_acquire) && !producer->failed()) {
      if (!blocked.empty()) retry_blocked();
      const bool wait =
          held_total >= options.max_in_flight && active_held() >= options.max_in_flight;
      watch_lopsided(wait && any_worker_has_room());
      if (wait) {
        // Too many records held: consume nothing until the workers take them. librdkafka's
        // queue fills meanwhile and its fetcher stops at queued.min.messages, which costs
        // nothing to undo (unlike a pause, which drops what was prefetched).
        flush_staged();
        if (!stalled) {
          stalled = true;
          stalled_since = Clock::now();
        }
        if (ms_since(stalled_since) >= kStallBeforePause) {
          // Full for long (executions parked in Waits, say): pause everything, so that polling
          // can go on (rebalances, group membership) without taking records.
          pause_all();
          if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 5)) handle(m);
        } else {
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
      } else {
        stalled = false;
        ssize_t n = rd_kafka_consume_batch_queue(queue, 0, batch.data(), kBatch);
        if (n > 0) {
          for (ssize_t i = 0; i < n; ++i)
            handle(batch[static_cast<size_t>(i)]);
        } else if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, blocked.empty() ? 20 : 1)) {
          handle(m);
        }
        flush_staged();
      }
      if (ms_since(last_commit) >= options.commit_interval_ms) {
        commit_all(false);
        reap_retired();
        last_commit = Clock::now();
      }
      if (tick && ms_since(last_tick) >= 1000) {
        last_tick = Clock::now();
        tick(status());
      }
    }
    return shutdown(tick);
  }

  int shutdown(const std::function<void(const RunnerStatus&)>& tick) {
    draining.store(true, std::memory_order_relaxed);
    flush_staged();
    // Stop fetching. Held records were never begun: a later owner (or restart) reads them again.
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(rk, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_pause_partitions(rk, assignment);
      rd_kafka_topic_partition_list_destroy(assignment);
    }
    release_held_all();
    for (auto& p : owned)
      p->paused = true;
    // Drain: every event handed to a worker finishes and its record is acknowledged.
    auto start = Clock::now();
    while (!producer->failed()) {
      bool busy = false;
      for (auto* list : {&owned, &retired})
        for (auto& p : *list) {
          p->tracker.advance();
          busy = busy || p->tracker.in_flight() != 0;
        }
      if (!busy) break;
      if (ms_since(start) >= options.drain_timeout_ms) {
        std::fprintf(stderr,
                     "stepstream run: events still in flight after %d ms (parked executions?); "
                     "their offsets stay uncommitted and run again after a restart\n",
                     options.drain_timeout_ms);
        break;
      }
      producer->poll(5);
      // Serve rebalances meanwhile; a record that still arrives was never begun.
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 0)) rd_kafka_message_destroy(m);
    }
    give_up.store(true, std::memory_order_release);
    for (auto& w : workers)
      w->stop();
    producer->flush(5000);
    producer->poll(0);
    commit_all(true);
    if (tick) tick(status());
    closing = true;
    rd_kafka_consumer_close(rk);  // revokes (nothing left to drain), leaves the group
    if (producer->failed()) {
      std::fprintf(stderr, "stepstream run: %s; the inputs from there on were not committed\n",
                   producer->failure().c_str());
      return 3;
    }
    return 0;
  }
};

Runner::Runner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runner::~Runner() = default;

std::unique_ptr<Runner> Runner::create(std::span<const PipelineSpec> pipelines,
                                       const RunnerOptions& options, std::string& error) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (impl->options.workers == 0) impl->options.workers = 1;
  if (impl->options.max_in_flight == 0) impl->options.max_in_flight = 1;
  if (!impl->init(pipelines, error)) return nullptr;
  return std::unique_ptr<Runner>(new Runner(std::move(impl)));
}

bool Runner::ready() const {
  return impl_->assigned.load(std::memory_order_relaxed) != 0 &&
         !impl_->draining.load(std::memory_order_relaxed) && impl_->producer->connected(1000);
}

int Runner::run(const std::atomic<bool>& stop,
                const std::function<void(const RunnerStatus&)>& tick) {
  return impl_->run(stop, tick);
}

}  // namespace stepstream::kafka
