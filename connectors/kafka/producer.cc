// librdkafka's producer: configuration, delivery reports, and the records a worker writes.
#include "connectors/kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "connectors/kafka/produce.h"
#include "engine/runtime/offset_tracker.h"

namespace stepstream::kafka {

namespace {

// A record's opaque is its input's offset slot, tagged in the low bit (slots are 8-byte aligned)
// when the record is a dead letter.
void* tag(runtime::OffsetTracker::Slot* slot, bool dead_letter) {
  return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(slot) | (dead_letter ? 1 : 0));
}

// How much of a cause a dead letter keeps when even without its payload it is too large.
constexpr size_t kCutCause = 1024;

// The longest prefix of `s` of at most `n` bytes that ends on a UTF-8 character boundary.
std::string_view utf8_prefix(std::string_view s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  return s.substr(0, n);
}

// Large batches: the broker round trip is amortized over many records. The properties given
// override these.
constexpr std::pair<const char*, const char*> kDefaults[] = {
    {"linger.ms", "5"},
    {"batch.num.messages", "10000"},
    {"queue.buffering.max.messages", "1000000"},
    {"queue.buffering.max.kbytes", "1048576"},
};

// At-least-once needs every record on every in-sync replica before its input is committed, and
// retries that can neither duplicate nor reorder: these override the properties given.
constexpr std::pair<const char*, const char*> kFixed[] = {
    {"enable.idempotence", "true"},
    {"acks", "all"},
};

}  // namespace

void set_log(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t* rk, int level, const char* fac,
                                    const char* buf) {
    if (std::strcmp(fac, "CONFWARN") == 0 &&
        (std::strstr(buf, "is a consumer property") != nullptr ||
         std::strstr(buf, "is a producer property") != nullptr))
      return;
    std::fprintf(stderr, "stepstream: kafka %s %d %s: %s\n", rd_kafka_name(rk), level, fac, buf);
  });
}

std::string fixed_property_problem(std::string_view key, std::string_view value,
                                   std::span<const std::pair<const char*, const char*>> fixed,
                                   std::string_view why) {
  // librdkafka's other names for the properties fixed here.
  if (key == "request.required.acks") key = "acks";
  if (key == "auto.commit.enable") key = "enable.auto.commit";
  std::string v(value);
  for (char& c : v)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [name, fixed_value] : fixed) {
    if (key != name) continue;
    const std::string_view f = fixed_value;
    const bool same = v == f || (f == "all" && v == "-1") ||
                      (f == "true" && (v == "t" || v == "1")) ||
                      (f == "false" && (v == "f" || v == "0"));
    return same ? std::string() : "stays " + std::string(f) + ": " + std::string(why);
  }
  return {};
}

std::string check_property(const std::string& key, const std::string& value) {
  if (std::string why = fixed_property_problem(key, value, kFixed, "at-least-once needs it");
      !why.empty())
    return why;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  bool ok = rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) ==
            RD_KAFKA_CONF_OK;
  rd_kafka_conf_destroy(conf);
  return ok ? std::string() : std::string(errstr);
}

std::string topic_problem(std::string_view name) {
  if (name.empty()) return "a topic's name cannot be empty";
  if (name.size() > 249) return "a topic's name has at most 249 characters";
  if (name == "." || name == "..") return "a topic cannot be named \"" + std::string(name) + "\"";
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return "a topic's name has only letters, digits, '.', '_' and '-': not \"" +
             std::string(name) + "\"";
  return {};
}

std::unique_ptr<Producer> Producer::create(const Properties& properties, std::string& error) {
  std::unique_ptr<Producer> p(new Producer());
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) ==
        RD_KAFKA_CONF_OK)
      return true;
    error = errstr;
    return false;
  };
  bool ok = true;
  for (const auto& [key, value] : kDefaults)
    ok = ok && set(key, value);
  for (const auto& [key, value] : properties)
    ok = ok && set(key, value);
  for (const auto& [key, value] : kFixed)
    ok = ok && set(key, value);
  if (!ok) {
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, &Producer::on_delivery);
  set_log(conf);
  rd_kafka_conf_set_opaque(conf, p.get());
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    error = errstr;
    return nullptr;
  }
  return p;
}

Producer::~Producer() {
  for (auto& [name, rkt] : topics_)
    rd_kafka_topic_destroy(rkt);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

rd_kafka_topic_t* Producer::topic(const std::string& name) {
  for (auto& [n, rkt] : topics_)
    if (n == name) return rkt;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
  topics_.emplace_back(name, rkt);
  return rkt;
}

void Producer::poll(int timeout_ms) {
  rd_kafka_poll(rk_, timeout_ms);
}

bool Producer::flush(int timeout_ms) {
  return rd_kafka_flush(rk_, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::string Producer::failure() const {
  std::lock_guard lock(failure_mutex_);
  return failure_;
}

void Producer::fail(std::string why) {
  std::lock_guard lock(failure_mutex_);
  if (failure_.empty()) failure_ = std::move(why);
  failed_.store(true, std::memory_order_release);
}

bool Producer::connected(int timeout_ms) const {
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_, 0, nullptr, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  bool any = md->broker_cnt > 0;
  rd_kafka_metadata_destroy(md);
  return any;
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  auto bits = reinterpret_cast<uintptr_t>(m->_private);
  bool dead_letter = (bits & 1) != 0;
  auto* slot = reinterpret_cast<runtime::OffsetTracker::Slot*>(bits & ~uintptr_t{1});
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // librdkafka has retried what can be retried; the input stays uncommitted and is replayed.
    self->undelivered_.fetch_add(1, std::memory_order_relaxed);
    self->fail(std::string("a record to ") + rd_kafka_topic_name(m->rkt) +
               " was not delivered: " + rd_kafka_err2str(m->err));
    return;
  }
  (dead_letter ? self->dead_letters_acked_ : self->outputs_acked_)
      .fetch_add(1, std::memory_order_relaxed);
  if (slot != nullptr) runtime::OffsetTracker::finish(slot);
}

void KafkaSink::write(const runtime::Result& r) {
  const Route& route = routes_[r.event->pipeline];
  if (r.status == vm::Status::kSucceeded) {
    write_output(r, route);
  } else {
    write_dead_letter(r, route, r.error.value_or(""), r.cause.value_or(""));
  }
}

void KafkaSink::poll() {
  rd_kafka_poll(producer_.handle(), 0);
}

void KafkaSink::abandon(const runtime::Event& e) {
  rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(e.record));
}

void KafkaSink::write_output(const runtime::Result& r, const Route& route) {
  const runtime::Event& e = *r.event;
  std::string_view status = vm::name(r.status);
  for (;;) {
    const Header headers[] = {{"stepstream.execution", r.execution},
                              {"stepstream.status", status},
                              {"stepstream.state-machine", route.state_machine}};
    Record record;
    record.topic = route.output;
    record.value = r.output;
    record.key = e.key;
    record.opaque = tag(e.slot, false);
    record.headers = headers;
    record.header_count = route.output_headers ? 3 : 0;
    rd_kafka_resp_err_t err = produce(producer_.handle(), record);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (give_up_.load(std::memory_order_acquire)) return abandon(e);
      rd_kafka_poll(producer_.handle(), 1);
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      // Too large for the producer (message.max.bytes): the event becomes a dead letter, so
      // that it is not lost.
      if (metrics_ != nullptr)
        metrics_->dead_letter(e.pipeline, metrics::DeadLetter::kOutputTooLarge);
      scratch_ = "Kafka refused the output record: ";
      scratch_ += rd_kafka_err2str(err);
      std::string cause = scratch_;
      return write_dead_letter(r, route, "stepstream.OutputRejected", cause);
    }
    // Any other refusal (an unknown topic, a fatal producer error) is not the event's doing: it
    // stays uncommitted, to run again once the engine is restarted, and the engine stops.
    producer_.fail(std::string("an output for ") + std::string(r.execution) +
                   " was refused: " + rd_kafka_err2str(err));
    break;
  }
  rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(e.record));
}

void KafkaSink::write_dead_letter(const runtime::Result& r, const Route& route,
                                  std::string_view error, std::string_view cause) {
  const runtime::Event& e = *r.event;
  auto* input = static_cast<rd_kafka_message_t*>(e.record);
  if (route.dead_letters == nullptr) {  // the pipeline was told failures may be dropped
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    runtime::OffsetTracker::finish(e.slot);
    rd_kafka_message_destroy(input);
    return;
  }
  // A dead letter over the producer's message.max.bytes (an input near that size, plus the
  // headers) goes without its payload, which stays readable at its source offset; if it is
  // still too large, also without the input's headers and with its cause cut short. Failing
  // instead would stop the engine on the same input after every restart.
  enum class Cut { kNothing, kPayload, kMore } cut = Cut::kNothing;
  for (;;) {
    // The input's own headers first, then ours: the dead letter is the input plus why.
    rd_kafka_headers_t* in_headers = nullptr;
    rd_kafka_headers_t* headers =
        cut != Cut::kMore &&
                rd_kafka_message_headers(input, &in_headers) == RD_KAFKA_RESP_ERR_NO_ERROR
            ? rd_kafka_headers_copy(in_headers)
            : rd_kafka_headers_new(8);
    auto add = [&](const char* name, std::string_view value) {
      rd_kafka_header_add(headers, name, -1, value.data(), static_cast<ssize_t>(value.size()));
    };
    char number[24];
    add("stepstream.execution", r.execution);
    add("stepstream.status", vm::name(r.status));
    add("stepstream.state-machine", route.state_machine);
    add("stepstream.error", error);
    add("stepstream.cause", cut == Cut::kMore ? utf8_prefix(cause, kCutCause) : cause);
    if (!r.failed_state.empty()) add("stepstream.failed-state", r.failed_state);
    add("stepstream.source-topic", e.topic);
    add("stepstream.source-partition",
        std::string_view(number, std::to_chars(number, number + 24, e.partition).ptr - number));
    add("stepstream.source-offset",
        std::string_view(number, std::to_chars(number, number + 24, e.offset).ptr - number));
    if (cut != Cut::kNothing)
      add("stepstream.payload-omitted",
          cut == Cut::kPayload ? "the dead letter with its payload is over the producer's "
                                 "message.max.bytes"
                               : "the dead letter with its payload is over the producer's "
                                 "message.max.bytes, and so it is with the input's headers and "
                                 "the whole cause: they are left out, the cause cut short");
    Record record;
    record.topic = route.dead_letters;
    // An empty value rather than none: a null value is a tombstone to a compacted topic.
    record.value = cut == Cut::kNothing
                       ? std::string_view(static_cast<const char*>(input->payload), input->len)
                       : std::string_view("");
    record.key = std::string_view(static_cast<const char*>(input->key), input->key_len);
    record.opaque = tag(e.slot, true);
    record.header_list = headers;
    rd_kafka_resp_err_t err = produce(producer_.handle(), record);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;  // the headers now belong to the record
    rd_kafka_headers_destroy(headers);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (give_up_.load(std::memory_order_acquire)) return abandon(e);
      rd_kafka_poll(producer_.handle(), 1);
      continue;
    }
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE && cut != Cut::kMore) {
      cut = cut == Cut::kNothing ? Cut::kPayload : Cut::kMore;
      continue;
    }
    // Nowhere left to put the event: it stays uncommitted and the engine stops.
    producer_.fail(std::string("a dead letter for ") + std::string(r.execution) +
                   " was refused: " + rd_kafka_err2str(err));
    break;
  }
  rd_kafka_message_destroy(input);
}

}  // namespace stepstream::kafka
