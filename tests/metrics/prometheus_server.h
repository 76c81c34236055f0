// A real Prometheus server (Debian's prometheus package) for the tests, scraping one target every
// second from a directory of its own on a port the kernel picked, and the queries they ask of it.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/json/parse.h"
#include "tests/metrics/http_get.h"

extern char** environ;

namespace stepstream::testing_support {

class PrometheusServer {
 public:
  // Starts `prometheus` scraping 127.0.0.1:target every second; false when it cannot start.
  bool start(uint16_t target, std::string& error) {
    char tmpl[] = "/tmp/stepstream-prometheus-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      error = "mkdtemp failed";
      return false;
    }
    dir_ = tmpl;
    port_ = testing_support::free_port();
    std::ofstream(dir_ / "prometheus.yml") << "global:\n"
                                              "  scrape_interval: 1s\n"
                                              "  evaluation_interval: 1s\n"
                                              "scrape_configs:\n"
                                              "  - job_name: stepstream\n"
                                              "    static_configs:\n"
                                              "      - targets: ['127.0.0.1:"
                                           << target << "']\n";
    std::vector<std::string> args = {
        "prometheus",
        "--config.file=" + (dir_ / "prometheus.yml").string(),
        "--storage.tsdb.path=" + (dir_ / "data").string(),
        "--web.listen-address=127.0.0.1:" + std::to_string(port_),
        "--log.level=warn",
    };
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string log = (dir_ / "prometheus.log").string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawnp(&pid_, "prometheus", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = 0;
      error =
          "cannot run prometheus (install Debian's prometheus package: "
          "deploy/install-deps.sh): " +
          std::string(strerror(rc));
      return false;
    }
    return true;
  }

  ~PrometheusServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  uint16_t port() const { return port_; }
  // Whether the server process has ended (it could not start, say).
  bool exited() {
    int status;
    return pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_ && (pid_ = 0, true);
  }
  std::string log() const {
    std::ifstream in(dir_ / "prometheus.log");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  pid_t pid_ = 0;
  uint16_t port_ = 0;
  std::filesystem::path dir_;
};

// The result vector of an instant query, once it has `want` series; empty until then.
inline std::vector<json::Value> query(uint16_t port, const std::string& promql,
                                      json::Arena& arena) {
  auto a = http_get(port, "/api/v1/query?query=" + promql);
  if (a.status != 200) return {};
  auto parsed = json::parse(a.body, arena);
  if (!parsed.ok()) return {};
  const json::Value* data = parsed.value.find("data");
  const json::Value* result = data != nullptr ? data->find("result") : nullptr;
  if (result == nullptr || !result->is_array()) return {};
  return {result->items().begin(), result->items().end()};
}

inline std::string label(const json::Value& series, std::string_view name) {
  const json::Value* metric = series.find("metric");
  const json::Value* v = metric != nullptr ? metric->find(name) : nullptr;
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "<none>";
}

// [ <time>, "<value>" ]
inline std::string value(const json::Value& series) {
  const json::Value* v = series.find("value");
  if (v == nullptr || !v->is_array() || v->size() != 2 || !v->items()[1].is_string()) return "?";
  return std::string(v->items()[1].as_string());
}

}  // namespace stepstream::testing_support
