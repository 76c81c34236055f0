// `stepstream run`: pipelines over Kafka. Reads the config and flags, checks everything (all
// problems at once), compiles the definitions, then runs the engine until SIGINT/SIGTERM. With no
// brokers it starts the embedded broker, feeds it demo events and prints a live status line.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/demo_definition.h"
#include "cli/run_config.h"
#include "connectors/kafka/broker.h"
#include "connectors/kafka/generator.h"
#include "connectors/kafka/log_sink.h"
#include "connectors/kafka/runner.h"
#include "engine/compile/build.h"
#include "engine/logs/writer.h"
#include "engine/metrics/collector.h"
#include "engine/metrics/http_server.h"

namespace stepstream::cli {

namespace {

constexpr double kDefaultDemoRate = 10000;
constexpr const char* kDemoName = "iot-telemetry";

// ---- signals: the first asks for an orderly stop, the second exits at once ----

std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};

void on_signal(int) {
  if (g_signals.fetch_add(1) >= 1) {
    constexpr char kMsg[] = "stepstream run: second signal, exiting now\n";
    (void)!write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    _exit(130);
  }
  g_stop.store(true);
}

void install_signal_handlers() {
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// ---- flags on top of the config ----

bool number_flag(const Args& args, const char* name, uint64_t lo, uint64_t hi,
                 std::optional<uint64_t>& out, std::vector<std::string>& problems) {
  auto v = args.get(name);
  if (!v) return true;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v->c_str(), &end, 10);
  if (v->empty() || *end != 0 || n < lo || n > hi) {
    problems.push_back("--" + std::string(name) + ": must be a whole number from " +
                       std::to_string(lo) + " to " + std::to_string(hi) + ", not \"" + *v + "\"");
    return false;
  }
  out = n;
  return true;
}

void apply_flags(const Args& args, RunConfig& cfg, std::vector<std::string>& problems) {
  if (auto v = args.get("brokers")) {
    cfg.brokers = *v;
    if (v->empty())
      problems.push_back(
          "--brokers: empty: give HOST:PORT,... or leave it out for the embedded "
          "broker");
  }
  if (auto v = args.get("metrics-host")) cfg.metrics_host = *v;
  if (auto v = args.get("group")) cfg.group = *v;
  number_flag(args, "workers", 1, 1024, cfg.workers, problems);
  number_flag(args, "metrics-port", 0, 65535, cfg.metrics_port, problems);
  number_flag(args, "partitions", 1, 10000, cfg.partitions, problems);
  number_flag(args, "payload-limit", 1, uint64_t{1} << 30, cfg.payload_limit, problems);
  number_flag(args, "max-duration", 1, uint64_t{1} << 31, cfg.max_duration_seconds, problems);
  number_flag(args, "max-in-flight", 1, uint64_t{1} << 24, cfg.max_in_flight, problems);
  if (auto v = args.get("demo-rate")) {
    if (auto r = parse_demo_rate(*v)) {
      cfg.demo_rate = r;
    } else {
      problems.push_back(
          "--demo-rate: must be a number of events per second up to 10000000, not \"" + *v + "\"");
    }
  }
  if (auto v = args.get("route-by")) {
    if (*v != "partition" && *v != "key") {
      problems.push_back("--route-by: must be partition or key, not \"" + *v + "\"");
    } else {
      cfg.route_by = *v;
    }
  }
  for (const auto& x : args.all("kafka-property")) {
    size_t eq = x.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.push_back("-X " + x + ": must be KEY=VALUE");
      continue;
    }
    cfg.kafka.emplace_back(x.substr(0, eq), x.substr(eq + 1));
    cfg.kafka_where.push_back("-X " + x.substr(0, eq));
  }
  for (const auto& t : args.all("task"))
    cfg.tasks.push_back(t);
  // A pipeline from flags, beside those of the config. --name and --drop-failures qualify it: with
  // a config and no such pipeline, they would make one of nothing.
  bool any = false;
  for (const char* f : {"definition", "input-topic", "output-topic", "dlq-topic"})
    any = any || args.has(f);
  if (!any && args.has("config")) {
    for (const char* f : {"drop-failures", "name"})
      if (args.has(f))
        problems.push_back(std::string("--") + f +
                           ": qualifies the pipeline given by flags (--definition, --input-topic, "
                           "...); a pipeline of the config says it in its own settings");
    return;
  }
  if (!any && !args.has("drop-failures") && !args.has("name")) return;
  PipelineConfig p;
  p.where = "flags";
  p.name = args.get("name").value_or("");
  p.definition = args.get("definition").value_or("");
  p.input_topics = args.all("input-topic");
  p.output_topic = args.get("output-topic").value_or("");
  p.dlq_topic = args.get("dlq-topic").value_or("");
  p.drop_failures = args.has("drop-failures");
  cfg.pipelines.push_back(std::move(p));
}

// How a problem names a pipeline's setting: "run.yaml:7: pipelines[1].definition" (the line of the
// key, else of the pipeline) or "--definition".
std::string setting(const PipelineConfig& p, const char* yaml_key, const char* flag) {
  if (p.where == "flags" || p.where == "demo" || p.from_flags.count(yaml_key))
    return std::string("--") + flag;
  auto at = p.at.find(yaml_key);
  return (at != p.at.end() ? at->second : p.location) + p.where + "." + yaml_key;
}

// A file's whole text, or nothing when it cannot be read; the caller says so among its problems.
std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The execution-log flags fill in what every pipeline's logging settings leave out;
// --no-output-headers holds for every pipeline.
void apply_pipeline_defaults(const Args& args, RunConfig& cfg) {
  auto fill = [&](PipelineConfig& p, std::string& value, const char* key, const char* flag) {
    if (!value.empty() || !args.has(flag)) return;
    value = *args.get(flag);
    p.from_flags.insert(key);
  };
  for (auto& p : cfg.pipelines) {
    fill(p, p.log_level, "logging.level", "log-level");
    fill(p, p.log_destination, "logging.destination", "log-destination");
    if (!p.log_execution_data) p.log_execution_data = args.has("log-execution-data");
    if (args.has("no-output-headers")) p.output_headers = false;
  }
}

struct Built {
  std::deque<bytecode::Program> programs;  // stable addresses: pipelines point at them
  vm::TaskRegistry tasks;
  std::vector<kafka::PipelineSpec> specs;
  std::vector<std::string> log_destinations;  // distinct, as Pipeline::log_destination indexes
};

// A pipeline's logging settings into its Pipeline; problems to `problems`. `inputs` and `outputs`
// are every pipeline's input topics, and output and dead-letter topics.
void build_logging(const PipelineConfig& p, const std::set<std::string>& inputs,
                   const std::set<std::string>& outputs, runtime::Pipeline& out, Built& built,
                   std::vector<std::string>& problems) {
  auto level = logs::parse_level(p.log_level.empty() ? "OFF" : p.log_level);
  if (!level)
    problems.push_back(setting(p, "logging.level", "log-level") +
                       ": must be ALL, ERROR, FATAL or OFF, not \"" + p.log_level + "\"");
  out.log.level = level.value_or(logs::Level::kOff);
  out.log.include_execution_data = p.log_execution_data.value_or(false);
  if (level == logs::Level::kOff) return;
  const std::string where = setting(p, "logging.destination", "log-destination");
  std::string dest = p.log_destination.empty() ? "stdout" : p.log_destination;
  if (!(dest == "stdout" || (dest.starts_with("file:") && dest.size() > 5) ||
        (dest.starts_with("kafka:") && dest.size() > 6))) {
    problems.push_back(where + ": must be stdout, file:PATH or kafka:TOPIC, not \"" + dest + "\"");
    return;
  }
  if (dest.starts_with("kafka:")) {
    const std::string topic = dest.substr(6);
    if (std::string why = kafka::topic_problem(topic); !why.empty())
      problems.push_back(where + ": " + why);
    if (inputs.count(topic)) {
      problems.push_back(where + ": " + topic +
                         " is an input topic: execution logs would run as events, without end");
    } else if (outputs.count(topic)) {
      problems.push_back(where + ": " + topic +
                         " is an output or dead-letter topic: its readers would find execution "
                         "logs among the records");
    }
  }
  if (!level) return;
  auto it = std::find(built.log_destinations.begin(), built.log_destinations.end(), dest);
  out.log_destination = static_cast<uint32_t>(it - built.log_destinations.begin());
  if (it == built.log_destinations.end()) built.log_destinations.push_back(dest);
}

// Checks every pipeline and compiles its definition; every problem goes to `problems`.
void build_pipelines(const RunConfig& cfg, bool embedded, Built& out,
                     std::vector<std::string>& problems) {
  for (const auto& spec : cfg.tasks) {
    std::string error;
    if (!out.tasks.add_spec(spec, error)) problems.push_back("tasks: " + error);
  }
  vm::Limits limits;
  limits.payload_bytes = cfg.payload_limit.value_or(256 * 1024);
  limits.max_duration_ns =
      static_cast<int64_t>(cfg.max_duration_seconds.value_or(300)) * 1'000'000'000;
  std::set<std::string> inputs, outputs;
  for (const auto& p : cfg.pipelines) {
    inputs.insert(p.input_topics.begin(), p.input_topics.end());
    for (const std::string* t : {&p.output_topic, &p.dlq_topic})
      if (!t->empty()) outputs.insert(*t);
  }
  std::set<std::string> seen;
  // Kafka's rules for a topic's name; `key`/`flag` name the setting.
  auto check_topic = [&](const PipelineConfig& p, const char* key, const char* flag,
                         const std::string& t) {
    if (std::string why = kafka::topic_problem(t); !why.empty())
      problems.push_back(setting(p, key, flag) + ": " + why);
  };
  for (const auto& p : cfg.pipelines) {
    kafka::PipelineSpec spec;
    std::string source;
    if (p.definition.empty() && embedded && p.where == "demo") {
      source = kDemoDefinition;
    } else if (p.definition.empty()) {
      problems.push_back(setting(p, "definition", "definition") +
                         ": missing: the state machine to run (a definition or a .ssb image)");
    } else if (auto text = read_text(p.definition)) {
      source = std::move(*text);
    } else {
      problems.push_back(setting(p, "definition", "definition") + ": cannot read " + p.definition);
    }
    if (!source.empty()) {
      std::vector<asl::Problem> ps;
      out.programs.emplace_back();
      if (!compile::build_program(source, {asl::MachineType::kExpress}, out.programs.back(), ps)) {
        for (const auto& q : ps)
          problems.push_back(setting(p, "definition", "definition") + ": " + p.definition + ": " +
                             asl::to_string(q));
      }
      spec.pipeline.program = &out.programs.back();
    }
    if (p.input_topics.empty())
      problems.push_back(setting(p, "input_topics", "input-topic") +
                         ": missing: at least one topic to consume");
    std::set<std::string> own;
    for (const auto& t : p.input_topics) {
      check_topic(p, "input_topics", "input-topic", t);
      if (!own.insert(t).second) {
        problems.push_back(setting(p, "input_topics", "input-topic") + ": topic " + t +
                           " is listed twice");
      } else if (!seen.insert(t).second) {
        problems.push_back(setting(p, "input_topics", "input-topic") + ": topic " + t +
                           " feeds another pipeline already");
      }
    }
    if (p.output_topic.empty()) {
      problems.push_back(setting(p, "output_topic", "output-topic") +
                         ": missing: the topic for execution outputs");
    } else if (inputs.count(p.output_topic)) {
      problems.push_back(setting(p, "output_topic", "output-topic") + ": " + p.output_topic +
                         " is an input topic: outputs would run again");
    } else {
      check_topic(p, "output_topic", "output-topic", p.output_topic);
    }
    if (p.dlq_topic.empty() && !p.drop_failures) {
      problems.push_back(
          setting(p, "dlq_topic", "dlq-topic") +
          ": missing: without a dead-letter topic, failed executions and bad "
          "events would be lost; give one, or say " +
          (p.where == "flags" ? "--drop-failures" : p.where + ".drop_failures: true") +
          " to drop them knowingly");
    } else if (!p.dlq_topic.empty() && inputs.count(p.dlq_topic)) {
      problems.push_back(setting(p, "dlq_topic", "dlq-topic") + ": " + p.dlq_topic +
                         " is an input topic");
    } else if (!p.dlq_topic.empty()) {
      check_topic(p, "dlq_topic", "dlq-topic", p.dlq_topic);
    }
    spec.pipeline.name = !p.name.empty() ? p.name
                         : p.definition.empty()
                             ? std::string(kDemoName)
                             : std::filesystem::path(p.definition).stem().stem().string();
    spec.pipeline.limits = limits;
    spec.pipeline.tasks = &out.tasks;
    build_logging(p, inputs, outputs, spec.pipeline, out, problems);
    spec.input_topics = p.input_topics;
    spec.output_topic = p.output_topic;
    spec.dlq_topic = p.dlq_topic;
    spec.output_headers = p.output_headers.value_or(true);
    out.specs.push_back(std::move(spec));
  }
}

// One status line: rates over the last interval, totals since start.
class StatusLine {
 public:
  StatusLine(double interval_s, const kafka::DemoFeed* feed)
      : interval_s_(interval_s), feed_(feed), tty_(isatty(STDERR_FILENO) != 0) {}

  void operator()(const kafka::RunnerStatus& s) {
    if (interval_s_ <= 0) return;
    auto now = std::chrono::steady_clock::now();
    double dt = std::chrono::duration<double>(now - last_).count();
    if (dt + 0.05 < interval_s_) return;
    uint64_t out = s.outputs + s.dead_letters;
    std::fprintf(stderr,
                 "%sstepstream: in %.0f/s  out %.0f/s  dead letters %llu  lag %lld  in flight "
                 "%llu  partitions %zu%s",
                 tty_ ? "\r\033[K" : "", static_cast<double>(s.consumed - last_in_) / dt,
                 static_cast<double>(out - last_out_) / dt,
                 static_cast<unsigned long long>(s.dead_letters), static_cast<long long>(s.lag),
                 static_cast<unsigned long long>(s.in_flight), s.partitions, tty_ ? "" : "\n");
    if (feed_ != nullptr && !tty_)
      std::fprintf(stderr, "stepstream: demo feed produced %llu events\n",
                   static_cast<unsigned long long>(feed_->produced()));
    last_ = now;
    last_in_ = s.consumed;
    last_out_ = out;
  }

  ~StatusLine() {
    if (tty_ && interval_s_ > 0) std::fputc('\n', stderr);
  }

 private:
  double interval_s_;
  const kafka::DemoFeed* feed_;
  bool tty_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  uint64_t last_in_ = 0, last_out_ = 0;
};

}  // namespace

int run_run(const CommandSpec&, const Args& args) {
  RunConfig cfg;
  std::vector<std::string> problems;
  if (auto file = args.get("config")) {
    if (auto text = read_text(*file)) {
      (void)parse_run_config(
          *text, *file, [](const char* name) { return std::getenv(name); }, cfg, problems);
    } else {
      problems.push_back(*file + ": cannot read");
    }
  }
  apply_flags(args, cfg, problems);
  double interval = 10;
  if (auto v = args.get("status-interval")) {
    if (auto seconds = parse_number(*v, 86400)) {
      interval = *seconds;
    } else {
      problems.push_back("--status-interval: must be seconds from 0 (none) to 86400, not \"" + *v +
                         "\"");
    }
  } else if (!cfg.brokers) {
    interval = 1;
  }
  const bool embedded = !cfg.brokers;
  bool demo = false;
  if (cfg.pipelines.empty() && embedded) {
    PipelineConfig p;
    p.where = "demo";
    p.input_topics = {"telemetry"};
    p.output_topic = "telemetry-out";
    p.dlq_topic = "telemetry-dlq";
    cfg.pipelines.push_back(std::move(p));
    demo = true;
  } else if (cfg.pipelines.empty()) {
    problems.push_back(
        "no pipeline: give --definition, --input-topic, --output-topic and --dlq-topic, or "
        "--config FILE with pipelines");
  }
  apply_pipeline_defaults(args, cfg);
  for (size_t i = 0; i < cfg.kafka.size(); ++i) {
    std::string why = kafka::check_run_property(cfg.kafka[i].first, cfg.kafka[i].second);
    if (!why.empty()) problems.push_back(cfg.kafka_where[i] + ": " + why);
  }
  Built built;
  build_pipelines(cfg, embedded, built, problems);
  if (!problems.empty()) {
    for (const auto& p : problems)
      std::fprintf(stderr, "stepstream run: %s\n", p.c_str());
    return kExitFailure;
  }
  if (!embedded && (cfg.demo_rate || cfg.partitions))
    std::fprintf(stderr,
                 "stepstream run: --demo-rate and --partitions are for the embedded broker; "
                 "ignored with --brokers\n");

  install_signal_handlers();
  std::string error;
  std::unique_ptr<kafka::EmbeddedBroker> broker;
  std::unique_ptr<kafka::DemoFeed> feed;
  kafka::RunnerOptions options;
  if (embedded) {
    broker = kafka::EmbeddedBroker::start(1, error);
    if (!broker) {
      std::fprintf(stderr, "stepstream run: embedded broker: %s\n", error.c_str());
      return kExitFailure;
    }
    auto partitions = static_cast<int>(cfg.partitions.value_or(4));
    for (const auto& p : cfg.pipelines) {
      std::vector<std::string> topics = p.input_topics;
      topics.push_back(p.output_topic);
      if (!p.dlq_topic.empty()) topics.push_back(p.dlq_topic);
      if (p.log_destination.starts_with("kafka:")) topics.push_back(p.log_destination.substr(6));
      for (const auto& t : topics) {
        if (!broker->create_topic(t, partitions, error)) {
          std::fprintf(stderr, "stepstream run: embedded broker: %s\n", error.c_str());
          return kExitFailure;
        }
      }
    }
    options.brokers = broker->bootstraps();
    std::fprintf(stderr, "stepstream run: embedded broker at %s (kcat -b %s -L)\n",
                 options.brokers.c_str(), options.brokers.c_str());
  } else {
    options.brokers = *cfg.brokers;
  }
  options.group = cfg.group.value_or("stepstream");
  options.properties = cfg.kafka;
  options.workers = cfg.workers.value_or(std::max(1u, std::thread::hardware_concurrency()));
  options.max_in_flight = cfg.max_in_flight.value_or(options.max_in_flight);
  options.route_by_key = cfg.route_by.value_or("partition") == "key";
  options.pin_workers = args.has("pin-workers");

  // Metrics count whenever they are served or execution logs need them (for dropped records);
  // one slot per worker, then one per log writer.
  std::unique_ptr<metrics::Metrics> metrics;
  std::vector<std::unique_ptr<logs::LogWriter>> log_writers;
  if (cfg.metrics_port || !built.log_destinations.empty()) {
    metrics::Setup setup;
    for (const auto& s : built.specs) {
      metrics::StateMachine m{s.pipeline.name, {}};
      for (uint32_t i = 0; i < s.pipeline.program->states.size(); ++i)
        m.states.emplace_back(s.pipeline.program->state_name(i));
      setup.state_machines.push_back(std::move(m));
    }
    setup.workers = static_cast<uint32_t>(options.workers);
    setup.other_threads = static_cast<uint32_t>(built.log_destinations.size());
    metrics = metrics::Metrics::create(std::move(setup), error);
    if (!metrics) {
      std::fprintf(stderr, "stepstream run: metrics: %s\n", error.c_str());
      return kExitFailure;
    }
    options.metrics = metrics.get();
  }
  for (size_t d = 0; d < built.log_destinations.size(); ++d) {
    const std::string& dest = built.log_destinations[d];
    metrics::Slot& slot = metrics->slot(static_cast<uint32_t>(options.workers + d));
    std::unique_ptr<logs::Sink> sink;
    if (dest.starts_with("kafka:")) {
      kafka::Properties props = options.properties;
      props.insert(props.begin(), {"bootstrap.servers", options.brokers});
      sink = kafka::KafkaLogSink::create(props, dest.substr(6), slot, error);
    } else {
      sink = logs::StreamSink::open(dest == "stdout" ? "-" : dest.substr(5), error);
    }
    if (!sink) {
      std::fprintf(stderr, "stepstream run: execution logs to %s: %s\n", dest.c_str(),
                   error.c_str());
      return kExitFailure;
    }
    logs::WriterOptions wo;
    wo.producers = static_cast<uint32_t>(options.workers);
    log_writers.push_back(std::make_unique<logs::LogWriter>(std::move(sink), wo, slot));
    options.log_writers.push_back(log_writers.back().get());
  }

  auto runner = kafka::Runner::create(built.specs, options, error);
  if (!runner) {
    std::fprintf(stderr, "stepstream run: %s\n", error.c_str());
    return kExitFailure;
  }
  std::unique_ptr<metrics::HttpServer> http;
  if (cfg.metrics_port) {
    metrics::HttpOptions ho;
    ho.host = cfg.metrics_host.value_or(ho.host);
    ho.port = static_cast<uint16_t>(*cfg.metrics_port);
    http = metrics::HttpServer::start(
        ho, {std::make_shared<metrics::Collector>(*metrics)},
        [r = runner.get()] { return r->ready(); }, error);
    if (!http) {
      std::fprintf(stderr, "stepstream run: --metrics-port: %s\n", error.c_str());
      return kExitFailure;
    }
    std::fprintf(stderr, "stepstream run: metrics on http://%s:%u/metrics (/healthz, /readyz)\n",
                 ho.host.c_str(), static_cast<unsigned>(http->port()));
  }
  double rate = cfg.demo_rate.value_or(embedded && demo ? kDefaultDemoRate : 0);
  if (embedded && rate > 0) {
    const auto& topic = cfg.pipelines.front().input_topics.front();
    feed = kafka::DemoFeed::start(options.brokers, topic, rate, error);
    if (!feed) {
      std::fprintf(stderr, "stepstream run: demo feed: %s\n", error.c_str());
      return kExitFailure;
    }
    std::fprintf(stderr,
                 "stepstream run: feeding %s with %.0f iot-telemetry events/s (1 in %llu "
                 "malformed, for the dead-letter topic)\n",
                 topic.c_str(), rate,
                 static_cast<unsigned long long>(kafka::DemoFeed::kPoisonEvery));
  }
  for (const auto& s : built.specs)
    std::fprintf(stderr, "stepstream run: pipeline %s: %s -> %s%s, dead letters -> %s\n",
                 s.pipeline.name.c_str(), s.input_topics.front().c_str(), s.output_topic.c_str(),
                 s.output_headers ? "" : " (without headers)",
                 s.dlq_topic.empty() ? "(dropped)" : s.dlq_topic.c_str());
  int rc;
  {
    StatusLine status(interval, feed.get());
    rc = runner->run(g_stop, std::ref(status));
  }
  feed.reset();
  http.reset();  // its /readyz asks the runner
  runner.reset();
  for (auto& w : log_writers)
    w->stop();
  return rc == 0 ? kExitOk : rc;
}

}  // namespace stepstream::cli
