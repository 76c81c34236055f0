// `stepstream run` as the integration tests start it, and with its HTTP port on a port of the
// kernel's choosing for the observability tests (the port learnt from its start-up line).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/kafka/process.h"

namespace stepstream::testing_support {

inline const std::string kFlakyDevice =
    std::string(STEPSTREAM_SOURCE_DIR) + "/tests/kafka/cases/flaky-device.asl.json";

// Runs kFlakyDevice on topic "in" (outputs to "out", dead letters to "dlq") in `group`, with two
// workers and a session timeout short enough for tests; then `extra` flags.
inline std::vector<std::string> run_argv(const std::string& brokers, const std::string& group,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {STEPSTREAM_BINARY,
                                   "run",
                                   "--brokers",
                                   brokers,
                                   "--definition",
                                   kFlakyDevice,
                                   "--input-topic",
                                   "in",
                                   "--output-topic",
                                   "out",
                                   "--dlq-topic",
                                   "dlq",
                                   "--group",
                                   group,
                                   "--workers",
                                   "2",
                                   "-X",
                                   "session.timeout.ms=6000",
                                   "--status-interval",
                                   "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

struct ObservedEngine {
  std::unique_ptr<Process> process;
  uint16_t port = 0;  // 0: the engine never said where it serves
};

// run_argv's engine in group "observed", serving /metrics on 127.0.0.1, lag every 0.5 s.
inline ObservedEngine start_observed(const TempDir& dir, const std::string& brokers,
                                     std::vector<std::string> extra) {
  extra.insert(extra.begin(), {"-X", "statistics.interval.ms=500", "--metrics-host", "127.0.0.1",
                               "--metrics-port", "0"});
  std::vector<std::string> argv = run_argv(brokers, "observed", extra);
  ObservedEngine e;
  e.process = std::make_unique<Process>(argv, dir.file("engine.out"), dir.file("engine.err"));
  const std::string marker = "metrics on http://127.0.0.1:";
  eventually(
      [&] {
        std::string err = e.process->err();
        size_t at = err.find(marker);
        if (at == std::string::npos) return !e.process->running();
        e.port = static_cast<uint16_t>(std::stoi(err.substr(at + marker.size())));
        return true;
      },
      std::chrono::seconds(30));
  return e;
}

}  // namespace stepstream::testing_support
