// `stepstream run` with its HTTP port on a port of the kernel's choosing, for the observability
// tests: starts it against a broker and learns the port from its start-up line.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/kafka/process.h"

namespace stepstream::testing_support {

struct ObservedEngine {
  std::unique_ptr<Process> process;
  uint16_t port = 0;  // 0: the engine never said where it serves
};

// Runs tests/kafka/cases/flaky-device.asl.json on topic "in" (outputs to "out", dead letters to
// "dlq") with two workers and `extra` flags, serving /metrics on 127.0.0.1.
inline ObservedEngine start_observed(const TempDir& dir, const std::string& brokers,
                                     const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {
      STEPSTREAM_BINARY,
      "run",
      "--brokers",
      brokers,
      "--definition",
      std::string(STEPSTREAM_SOURCE_DIR) + "/tests/kafka/cases/flaky-device.asl.json",
      "--input-topic",
      "in",
      "--output-topic",
      "out",
      "--dlq-topic",
      "dlq",
      "--group",
      "observed",
      "--workers",
      "2",
      "-X",
      "session.timeout.ms=6000",
      "-X",
      "statistics.interval.ms=500",
      "--status-interval",
      "0",
      "--metrics-host",
      "127.0.0.1",
      "--metrics-port",
      "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
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
