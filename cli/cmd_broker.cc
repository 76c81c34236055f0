// `stepstream broker`: the embedded Kafka-protocol broker alone, for kcat, other clients and
// other stepstream processes. Prints its bootstrap address as the one line of stdout.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "connectors/kafka/broker.h"

namespace stepstream::cli {

namespace {

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

int run_broker(const CommandSpec&, const Args& args) {
  int partitions = 4;
  if (auto p = args.get("partitions")) {
    char* end = nullptr;
    long n = std::strtol(p->c_str(), &end, 10);
    if (p->empty() || *end != 0 || n < 1 || n > 10000) {
      std::fprintf(stderr, "stepstream broker: --partitions takes a number from 1 to 10000\n");
      return kExitFailure;
    }
    partitions = static_cast<int>(n);
  }
  // Blocked before any thread starts, so that every thread inherits the mask and sigwait below
  // is the one place the signals arrive.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  std::string error;
  auto broker = kafka::EmbeddedBroker::start(1, error);
  if (!broker) {
    std::fprintf(stderr, "stepstream broker: %s\n", error.c_str());
    return kExitFailure;
  }
  for (const auto& topic : split_list(args.get("topics").value_or(""))) {
    if (!broker->create_topic(topic, partitions, error)) {
      std::fprintf(stderr, "stepstream broker: %s\n", error.c_str());
      return kExitFailure;
    }
  }
  std::printf("%s\n", broker->bootstraps().c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "stepstream broker: listening on %s; other topics are created on first use (with "
               "librdkafka's default of 4 partitions); stop with Ctrl-C\n",
               broker->bootstraps().c_str());
  int sig = 0;
  sigwait(&stop, &sig);
  return kExitOk;
}

}  // namespace stepstream::cli
