// The configuration of `stepstream run`: pipelines (topics -> definition -> output and
// dead-letter topics), the Kafka connection and the runtime's limits, from a YAML file and flags.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stepstream::cli {

struct PipelineConfig {
  std::string where;     // how problems name it: "pipelines[1]", or "flags"
  std::string location;  // where it was written, to open problems with: "run.yaml:12: ", or ""
  std::map<std::string, std::string> at;  // where each of its keys was: "logging.level" -> location
  std::set<std::string> from_flags;       // keys whose values the flags gave: "logging.level"
  std::string name;  // the state machine's name; default: the definition file's stem
  std::string definition;
  std::vector<std::string> input_topics;
  std::string output_topic;
  std::string dlq_topic;
  bool drop_failures = false;  // no dead-letter topic, and failures may be lost: said explicitly
  std::optional<bool> output_headers;  // unset: --no-output-headers says, else true
  // Execution logs, as AWS's LoggingConfiguration: level (ALL, ERROR, FATAL, OFF),
  // includeExecutionData, and a destination: "stdout", "file:PATH" or "kafka:TOPIC".
  // Unset here, each takes the flag's value (--log-level, ...), else the default.
  std::string log_level;  // empty: OFF
  std::optional<bool> log_execution_data;
  std::string log_destination;  // empty: stdout
};

// Absent settings keep the defaults of `stepstream run`.
struct RunConfig {
  std::optional<std::string> brokers;  // absent: the embedded broker
  std::optional<std::string> group;
  std::optional<uint64_t> workers;
  std::optional<uint64_t> metrics_port;
  std::optional<std::string> metrics_host;
  std::optional<double> demo_rate;
  std::optional<uint64_t> partitions;  // of the topics the embedded broker creates
  std::optional<uint64_t> payload_limit;
  std::optional<uint64_t> max_duration_seconds;
  std::optional<uint64_t> max_in_flight;
  std::optional<std::string> route_by;                     // "partition" or "key"
  std::vector<std::pair<std::string, std::string>> kafka;  // librdkafka properties, in order
  std::vector<std::string> kafka_where;  // each property's name in problems: "run.yaml:3: kafka.x"
  std::vector<std::string> tasks;        // "PATTERN=HANDLER"
  std::vector<PipelineConfig> pipelines;
};

// A number from 0 to `max` (a rate, a period), as a flag or a setting gives it; nothing when `s`
// is not one.
std::optional<double> parse_number(const std::string& s, double max);

// The demo feed's rate: events per second, at most kMaxDemoRate.
constexpr double kMaxDemoRate = 10'000'000;
inline std::optional<double> parse_demo_rate(const std::string& s) {
  return parse_number(s, kMaxDemoRate);
}

// Looks up an environment variable; nullptr when it is not set.
using EnvLookup = std::function<const char*(const char*)>;

// Parses the YAML text of `file` into `out`, replacing ${VAR} and ${VAR:-default} in every value
// ($${ is a literal ${). Relative paths (definitions, file: log destinations) are taken from the
// file's directory. Every problem is appended to `problems` as "FILE:LINE: path: message"; false
// when there is any.
[[nodiscard]] bool parse_run_config(std::string_view text, const std::string& file,
                                    const EnvLookup& env, RunConfig& out,
                                    std::vector<std::string>& problems);

}  // namespace stepstream::cli
