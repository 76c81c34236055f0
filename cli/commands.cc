// The command table: every subcommand's arguments, options and handler, in one place.
#include "cli/commands.h"

#include <cstdio>

namespace stepstream::cli {

namespace {

constexpr OptionSpec kValidateOptions[] = {
    {"quiet", 'q', "", "print nothing on success"},
    {"type", 0, "STANDARD|EXPRESS", "the state machine type (default STANDARD)"},
};

constexpr OptionSpec kCompileOptions[] = {
    {"output", 'o', "OUT.ssb", "where to write the compiled Program (default: FILE.ssb)"},
    {"type", 0, "STANDARD|EXPRESS", "the state machine type to validate for (default STANDARD)"},
};

constexpr OptionSpec kExecOptions[] = {
    {"input", 0, "JSON", "the execution input (default {})"},
    {"input-file", 0, "FILE", "read the execution input from FILE"},
    {"inputs-file", 0, "FILE.jsonl", "run every line as one execution; one result per line"},
    {"type", 0, "STANDARD|EXPRESS", "the state machine type (default STANDARD)"},
    {"name", 0, "NAME", "the execution name"},
    {"virtual-time", 0, "", "run waits on a virtual clock: they pass instantly"},
    {"history", 0, "", "add the execution's history events to the result"},
    {"task", 0, "PATTERN=HANDLER", "answer Task resources matching PATTERN with a built-in handler",
     true},
    {"payload-limit", 0, "BYTES", "States.DataLimitExceeded beyond this (default 262144)"},
    {"mock-config", 0, "FILE", "a Step Functions Local mock config"},
    {"test-case", 0, "CASE", "the mock config's test case to run"},
    {"state-machine-name", 0, "NAME",
     "the state machine's name, for $$ and --mock-config (default: the config's only one)"},
};

constexpr OptionSpec kRunOptions[] = {
    {"config", 'c', "FILE", "YAML pipeline configuration (flags override its settings)"},
    {"definition", 'd', "FILE|FILE.ssb", "the state machine to run"},
    {"brokers", 'b', "HOST:PORT,...", "Kafka bootstrap servers (default: an embedded broker)"},
    {"input-topic", 'i', "TOPIC", "topic to consume", true},
    {"output-topic", 'o', "TOPIC", "topic for execution outputs"},
    {"dlq-topic", 0, "TOPIC", "dead-letter topic for failed executions and bad events"},
    {"group", 'g', "GROUP", "consumer group id"},
    {"workers", 'w', "N", "worker threads (default: one per core)"},
    {"metrics-port", 0, "PORT", "serve /metrics, /healthz, /readyz on PORT (0: any free one)"},
    {"metrics-host", 0, "ADDRESS", "the address /metrics listens on (default 0.0.0.0)"},
    {"log-level", 0, "ALL|ERROR|FATAL|OFF", "execution logs as AWS logs Express (default OFF)"},
    {"log-execution-data", 0, "", "execution logs include inputs and outputs"},
    {"log-destination", 0, "stdout|file:PATH|kafka:TOPIC",
     "where execution logs go (default stdout)"},
    {"demo-rate", 0, "N", "events per second fed by the built-in generator (embedded broker)"},
    {"kafka-property", 'X', "KEY=VALUE", "librdkafka property passed through", true},
    {"name", 0, "NAME", "the state machine's name (default: the definition's file name)"},
    {"drop-failures", 0, "", "no dead-letter topic: drop failed executions and bad events"},
    {"no-output-headers", 0, "",
     "outputs without the stepstream.* headers (dead letters keep theirs)"},
    {"partitions", 0, "N", "partitions of the topics the embedded broker creates (default 4)"},
    {"payload-limit", 0, "BYTES", "the payload limit for inputs and states (default 262144)"},
    {"max-duration", 0, "SECONDS", "the execution time cap (default 300, as Express)"},
    {"max-in-flight", 0, "N", "events per worker before its partitions pause (default 32768)"},
    {"route-by", 0, "partition|key", "how events pick their worker (default partition)"},
    {"task", 0, "PATTERN=HANDLER", "answer Task resources matching PATTERN with a built-in handler",
     true},
    {"status-interval", 0, "SECONDS", "status line period on stderr (default 1 embedded, else 10)"},
    {"pin-workers", 0, "", "pin worker i to CPU i"},
};

constexpr OptionSpec kBrokerOptions[] = {
    {"partitions", 'p', "N", "partitions per topic"},
    {"topics", 't', "A,B,...", "topics to create"},
};

const Command kCommands[] = {
    {{"validate", "Check state machine definitions; report every problem with its JSON pointer.",
      "FILE...", 1, 1u << 20, kValidateOptions},
     run_validate},
    {{"compile", "Compile a definition to a Program image (.ssb).", "FILE", 1, 1, kCompileOptions},
     run_compile},
    {{"disasm",
      "Print the bytecode listing of a definition or a Program image.",
      "FILE|FILE.ssb",
      1,
      1,
      {}},
     run_disasm},
    {{"exec", "Run one execution (or a batch) and print the result as JSON.", "DEF", 1, 1,
      kExecOptions},
     run_exec},
    {{"run", "Run pipelines: Kafka topics in, executions, output and dead-letter topics out.", "",
      0, 0, kRunOptions},
     run_run},
    {{"broker", "Run the embedded Kafka-protocol broker alone and print its bootstrap address.", "",
      0, 0, kBrokerOptions},
     run_broker},
};

}  // namespace

std::span<const Command> commands() {
  return kCommands;
}

int not_implemented(const CommandSpec& spec, const Args&) {
  std::fprintf(stderr, "stepstream %.*s: not implemented yet\n", static_cast<int>(spec.name.size()),
               spec.name.data());
  return kExitFailure;
}

}  // namespace stepstream::cli
