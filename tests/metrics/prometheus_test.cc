// A real Prometheus server (Debian's prometheus package) scrapes the engine's /metrics and answers
// queries for its series through its HTTP API. Everything lives in a directory of this process's
// own, on ports the kernel picked, so parallel test runs do not meet.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/metrics/collector.h"
#include "engine/metrics/http_server.h"
#include "tests/metrics/http_get.h"

extern char** environ;

namespace stepstream::metrics {
namespace {

namespace fs = std::filesystem;
using testing_support::http_get;

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
    if (!dir_.empty()) fs::remove_all(dir_, ec);
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
  fs::path dir_;
};

// The result vector of an instant query, once it has `want` series; empty until then.
std::vector<json::Value> query(uint16_t port, const std::string& promql, json::Arena& arena) {
  auto a = http_get(port, "/api/v1/query?query=" + promql);
  if (a.status != 200) return {};
  auto parsed = json::parse(a.body, arena);
  if (!parsed.ok()) return {};
  const json::Value* data = parsed.value.find("data");
  const json::Value* result = data != nullptr ? data->find("result") : nullptr;
  if (result == nullptr || !result->is_array()) return {};
  return {result->items().begin(), result->items().end()};
}

std::string label(const json::Value& series, std::string_view name) {
  const json::Value* metric = series.find("metric");
  const json::Value* v = metric != nullptr ? metric->find(name) : nullptr;
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "<none>";
}

// [ <time>, "<value>" ]
std::string value(const json::Value& series) {
  const json::Value* v = series.find("value");
  if (v == nullptr || !v->is_array() || v->size() != 2 || !v->items()[1].is_string()) return "?";
  return std::string(v->items()[1].as_string());
}

TEST(Prometheus, ScrapesTheEngineAndAnswersQueriesForItsSeries) {
  metrics::Setup setup;
  setup.state_machines = {{"orders", {"Validate", "Done"}}};
  setup.workers = 2;
  setup.version = "1.2.3-it";
  std::string error;
  auto m = Metrics::create(setup, error);
  ASSERT_NE(m, nullptr) << error;
  for (uint32_t w = 0; w < 2; ++w) {
    for (int i = 0; i < 5; ++i) {
      m->slot(w).execution_started(0);
      m->slot(w).state_ended(0, 0, 2'000);
      m->slot(w).state_ended(0, 1, 3'000);
      m->slot(w).execution_finished(0, Status::kSucceeded, 5'000);
    }
  }
  HttpOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  auto server = HttpServer::start(o, {std::make_shared<Collector>(*m)}, nullptr, error);
  ASSERT_NE(server, nullptr) << error;

  PrometheusServer prometheus;
  ASSERT_TRUE(prometheus.start(server->port(), error)) << error;

  // Prometheus needs a moment to start and a scrape interval to scrape: poll its API, bounded.
  json::Arena arena;
  std::vector<json::Value> info;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (info.empty() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_FALSE(prometheus.exited()) << "prometheus ended:\n" << prometheus.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    info = query(prometheus.port(), "stepstream_build_info", arena);
  }
  ASSERT_EQ(info.size(), 1u) << "no stepstream_build_info series; prometheus log:\n"
                             << prometheus.log();
  EXPECT_EQ(label(info[0], "__name__"), "stepstream_build_info");
  EXPECT_EQ(label(info[0], "version"), "1.2.3-it");
  EXPECT_EQ(label(info[0], "job"), "stepstream");
  EXPECT_EQ(label(info[0], "instance"), "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(value(info[0]), "1");

  // The same scrape brought the counters and histograms in, summed over both workers.
  auto started = query(prometheus.port(), "stepstream_executions_started_total", arena);
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(label(started[0], "state_machine"), "orders");
  EXPECT_EQ(value(started[0]), "10");
  auto buckets = query(
      prometheus.port(),
      "stepstream_state_duration_seconds_bucket%7Bstate=%22Done%22,le=%22%2BInf%22%7D", arena);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(value(buckets[0]), "10");
  auto up = query(prometheus.port(), "up%7Bjob=%22stepstream%22%7D", arena);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(value(up[0]), "1");
}

}  // namespace
}  // namespace stepstream::metrics
