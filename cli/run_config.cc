// The YAML config loader: the one file that uses yaml-cpp. yaml-cpp reports errors by throwing;
// they are caught here and become problems like every other one.
#include "cli/run_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <set>

namespace stepstream::cli {

std::optional<double> parse_number(const std::string& s, double max) {
  char* end = nullptr;
  double r = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != 0 || !(r >= 0 && r <= max)) return std::nullopt;
  return r;
}

namespace {

class Loader {
 public:
  Loader(const std::string& file, const EnvLookup& env, std::vector<std::string>& problems)
      : file_(file), env_(env), problems_(problems) {}

  void load(const YAML::Node& root, RunConfig& out) {
    if (root.IsNull()) return;
    if (!root.IsMap()) return problem(root, "", "the configuration must be a map of settings");
    std::set<std::string> seen;
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (!once(seen, kv.first, key)) continue;
      if (key == "brokers") {
        set_string(v, key, out.brokers);
        if (out.brokers && out.brokers->empty())
          problem(v, key, "empty: give HOST:PORT,... or leave brokers out for the embedded broker");
      } else if (key == "group") {
        set_string(v, key, out.group);
      } else if (key == "workers") {
        set_number(v, key, 1, 1024, out.workers);
      } else if (key == "metrics_port") {
        set_number(v, key, 0, 65535, out.metrics_port);
      } else if (key == "metrics_host") {
        set_string(v, key, out.metrics_host);
      } else if (key == "demo_rate") {
        std::string s;
        if (!scalar(v, key, s)) continue;
        if (auto r = parse_demo_rate(s)) {
          out.demo_rate = r;
        } else {
          problem(v, key,
                  "must be a number of events per second up to 10000000, not \"" + s + "\"");
        }
      } else if (key == "partitions") {
        set_number(v, key, 1, 10000, out.partitions);
      } else if (key == "max_in_flight") {
        set_number(v, key, 1, uint64_t{1} << 24, out.max_in_flight);
      } else if (key == "route_by") {
        std::optional<std::string> r;
        set_string(v, key, r);
        if (r && *r != "partition" && *r != "key") {
          problem(v, key, "must be partition or key, not \"" + *r + "\"");
        } else {
          out.route_by = r;
        }
      } else if (key == "limits") {
        load_limits(v, out);
      } else if (key == "kafka") {
        load_kafka(v, out);
      } else if (key == "tasks") {
        load_tasks(v, out);
      } else if (key == "pipelines") {
        load_pipelines(v, out);
      } else {
        problem(kv.first, key,
                "unknown setting (known: brokers, group, workers, metrics_port, metrics_host, "
                "demo_rate, "
                "partitions, max_in_flight, route_by, limits, kafka, tasks, pipelines)");
      }
    }
  }

  void problem(const YAML::Node& at, const std::string& path, const std::string& what) {
    std::string p = location(at);
    if (!path.empty()) p += path + ": ";
    problems_.push_back(p + what);
  }

  // Whether the key `at` is the first of its name in its map: yaml-cpp keeps both of two.
  bool once(std::set<std::string>& seen, const YAML::Node& at, const std::string& path) {
    if (seen.insert(at.Scalar()).second) return true;
    problem(at, path, "given twice");
    return false;
  }

  // A relative path, from the config file's directory; from the working directory when the config
  // comes through a pipe or a device (--config <(...), /dev/stdin).
  std::string from_file(const std::string& path) const {
    if (path.empty() || std::filesystem::path(path).is_absolute() || file_.starts_with("/dev/") ||
        file_.starts_with("/proc/"))
      return path;
    return (std::filesystem::path(file_).parent_path() / path).lexically_normal().string();
  }

  // "FILE:LINE: ", what problems found later open with.
  std::string location(const YAML::Node& at) const {
    std::string p = file_;
    if (at.Mark().line >= 0) {
      p += ':';
      p += std::to_string(at.Mark().line + 1);
    }
    p += ": ";
    return p;
  }

 private:
  // ${VAR} and ${VAR:-default}; an unset VAR without a default is a problem, and $${ is ${.
  bool interpolate(const YAML::Node& at, const std::string& path, std::string& s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
      size_t open = s.find("${", i);
      if (open == std::string::npos) break;
      if (open > i && s[open - 1] == '$') {  // $${: a literal ${
        out.append(s, i, open - 1 - i);
        out.append("${");
        i = open + 2;
        continue;
      }
      size_t close = s.find('}', open);
      if (close == std::string::npos) {
        problem(at, path, "unclosed ${ in \"" + s + "\"");
        return false;
      }
      out.append(s, i, open - i);
      std::string inner = s.substr(open + 2, close - open - 2);
      std::optional<std::string> fallback;
      if (size_t dash = inner.find(":-"); dash != std::string::npos) {
        fallback = inner.substr(dash + 2);
        inner.resize(dash);
      }
      if (inner.empty() || inner.find_first_of("${ ") != std::string::npos ||
          (fallback && fallback->find("${") != std::string::npos)) {
        std::string what(1, '"');
        what.append(s, open, close - open + 1);
        what += "\" is not ${NAME} or ${NAME:-default} (a default is plain text)";
        problem(at, path, what);
        return false;
      }
      const char* value = env_(inner.c_str());
      if (value != nullptr && (*value != 0 || !fallback)) {
        out.append(value);
      } else if (fallback) {
        out.append(*fallback);
      } else {
        problem(at, path, "the environment variable " + inner + " is not set");
        return false;
      }
      i = close + 1;
    }
    out.append(s, i, std::string::npos);
    s = std::move(out);
    return true;
  }

  bool scalar(const YAML::Node& v, const std::string& path, std::string& s) {
    if (!v.IsScalar()) {
      problem(v, path, "must be a single value");
      return false;
    }
    s = v.Scalar();
    return interpolate(v, path, s);
  }

  void set_string(const YAML::Node& v, const std::string& path, std::optional<std::string>& out) {
    std::string s;
    if (scalar(v, path, s)) out = std::move(s);
  }

  void set_string(const YAML::Node& v, const std::string& path, std::string& out) {
    std::string s;
    if (scalar(v, path, s)) out = std::move(s);
  }

  void set_number(const YAML::Node& v, const std::string& path, uint64_t lo, uint64_t hi,
                  std::optional<uint64_t>& out) {
    std::string s;
    if (!scalar(v, path, s)) return;
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < lo || n > hi) {
      problem(v, path,
              "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                  ", not \"" + s + "\"");
      return;
    }
    out = n;
  }

  bool set_bool(const YAML::Node& v, const std::string& path, bool& out) {
    std::string s;
    if (!scalar(v, path, s)) return false;
    if (s == "true" || s == "yes" || s == "on") {
      out = true;
    } else if (s == "false" || s == "no" || s == "off") {
      out = false;
    } else {
      problem(v, path, "must be true or false, not \"" + s + "\"");
      return false;
    }
    return true;
  }

  void load_limits(const YAML::Node& v, RunConfig& out) {
    if (!v.IsMap()) return problem(v, "limits", "must be a map");
    std::set<std::string> seen;
    for (const auto& kv : v) {
      const std::string key = kv.first.Scalar();
      if (!once(seen, kv.first, "limits." + key)) continue;
      if (key == "payload_bytes") {
        set_number(kv.second, "limits.payload_bytes", 1, uint64_t{1} << 30, out.payload_limit);
      } else if (key == "max_duration_seconds") {
        set_number(kv.second, "limits.max_duration_seconds", 1, uint64_t{1} << 31,
                   out.max_duration_seconds);
      } else {
        problem(kv.first, "limits." + key,
                "unknown limit (known: payload_bytes, max_duration_seconds)");
      }
    }
  }

  void load_kafka(const YAML::Node& v, RunConfig& out) {
    if (!v.IsMap()) return problem(v, "kafka", "must be a map of librdkafka properties");
    std::set<std::string> seen;
    for (const auto& kv : v) {
      std::string key = kv.first.Scalar();
      if (!once(seen, kv.first, "kafka." + key)) continue;
      std::string value;
      if (!scalar(kv.second, "kafka." + key, value)) continue;
      out.kafka.emplace_back(key, value);
      out.kafka_where.push_back(location(kv.first) + "kafka." + key);
    }
  }

  void load_tasks(const YAML::Node& v, RunConfig& out) {
    if (!v.IsMap()) return problem(v, "tasks", "must be a map of resource pattern to handler");
    std::set<std::string> seen;
    for (const auto& kv : v) {
      std::string pattern = kv.first.Scalar();
      if (!once(seen, kv.first, "tasks." + pattern)) continue;
      std::string handler;
      if (scalar(kv.second, "tasks." + pattern, handler))
        out.tasks.push_back(pattern + "=" + handler);
    }
  }

  // A pipeline's `logging:` map; the values are checked with the flags' (cmd_run).
  void load_logging(const YAML::Node& v, const std::string& path, PipelineConfig& pc) {
    if (!v.IsMap())
      return problem(v, path, "must be a map (level, include_execution_data, destination)");
    std::set<std::string> seen;
    for (const auto& kv : v) {
      const std::string key = kv.first.Scalar();
      if (!once(seen, kv.first, path + "." + key)) continue;
      pc.at["logging." + key] = location(kv.first);
      if (key == "level") {
        set_string(kv.second, path + ".level", pc.log_level);
      } else if (key == "include_execution_data") {
        bool b = false;
        if (set_bool(kv.second, path + ".include_execution_data", b)) pc.log_execution_data = b;
      } else if (key == "destination") {
        set_string(kv.second, path + ".destination", pc.log_destination);
        if (pc.log_destination.starts_with("file:"))
          pc.log_destination = "file:" + from_file(pc.log_destination.substr(5));
      } else {
        problem(kv.first, path + "." + key,
                "unknown setting (known: level, include_execution_data, destination)");
      }
    }
  }

  void load_pipelines(const YAML::Node& v, RunConfig& out) {
    if (!v.IsSequence()) return problem(v, "pipelines", "must be a list of pipelines");
    for (size_t i = 0; i < v.size(); ++i) {
      const YAML::Node& p = v[i];
      PipelineConfig pc;
      pc.where = "pipelines[" + std::to_string(i) + "]";
      pc.location = location(p);
      if (!p.IsMap()) {
        problem(p, pc.where, "must be a map (definition, input_topics, output_topic, ...)");
        continue;
      }
      std::set<std::string> seen;
      for (const auto& kv : p) {
        const std::string key = kv.first.Scalar();
        const std::string path = pc.where + "." + key;
        const YAML::Node& f = kv.second;
        // input_topic is input_topics by another name: the two are one setting.
        const std::string name = key == "input_topic" ? "input_topics" : key;
        if (!seen.insert(name).second) {
          problem(kv.first, path, "given twice");
          continue;
        }
        pc.at[name] = location(kv.first);
        if (key == "name") {
          set_string(f, path, pc.name);
        } else if (key == "definition") {
          set_string(f, path, pc.definition);
          pc.definition = from_file(pc.definition);
        } else if (key == "input_topics" || key == "input_topic") {
          if (f.IsSequence()) {
            for (size_t k = 0; k < f.size(); ++k) {
              std::string t;
              if (scalar(f[k], path + "[" + std::to_string(k) + "]", t))
                pc.input_topics.push_back(t);
            }
          } else {
            std::string t;
            if (scalar(f, path, t)) pc.input_topics.push_back(t);
          }
        } else if (key == "output_topic") {
          set_string(f, path, pc.output_topic);
        } else if (key == "dlq_topic") {
          set_string(f, path, pc.dlq_topic);
        } else if (key == "drop_failures") {
          set_bool(f, path, pc.drop_failures);
        } else if (key == "output_headers") {
          bool b = true;
          if (set_bool(f, path, b)) pc.output_headers = b;
        } else if (key == "logging") {
          load_logging(f, path, pc);
        } else {
          problem(kv.first, path,
                  "unknown setting (known: name, definition, input_topics, output_topic, "
                  "dlq_topic, drop_failures, output_headers, logging)");
        }
      }
      out.pipelines.push_back(std::move(pc));
    }
  }

  const std::string& file_;
  const EnvLookup& env_;
  std::vector<std::string>& problems_;
};

}  // namespace

bool parse_run_config(std::string_view text, const std::string& file, const EnvLookup& env,
                      RunConfig& out, std::vector<std::string>& problems) {
  size_t before = problems.size();
  Loader loader(file, env, problems);
  try {
    loader.load(YAML::Load(std::string(text)), out);
  } catch (const YAML::Exception& e) {
    std::string where = file;
    if (e.mark.line >= 0) where += ":" + std::to_string(e.mark.line + 1);
    problems.push_back(where + ": not valid YAML: " + e.msg);
  }
  return problems.size() == before;
}

}  // namespace stepstream::cli
