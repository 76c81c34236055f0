// `stepstream exec`: run one execution, or one per line of a JSONL file, and print the results.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/util.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/vm/mock_config.h"
#include "engine/vm/vm.h"

namespace stepstream::cli {

namespace {

// A random (v4) UUID, the way AWS names executions that were given no name.
std::string make_uuid(vm::Random& random) {
  std::string s(36, '\0');
  random.uuid(s.data());
  return s;
}

// {"status":..., "output"|"error","cause", ["history"]} as one line.
void write_result(const vm::Execution& x, bool history, std::string& out) {
  out.append("{\"status\":");
  json::write_string(vm::name(x.status()), out);
  if (x.status() == vm::Status::kSucceeded) {
    out.append(",\"output\":");
    json::write(x.output(), out);
  } else {
    if (x.error()) {
      out.append(",\"error\":");
      json::write_string(*x.error(), out);
    }
    if (x.cause()) {
      out.append(",\"cause\":");
      json::write_string(*x.cause(), out);
    }
  }
  if (history) {
    out.append(",\"history\":[");
    bool first = true;
    for (const auto& e : x.history()) {
      if (!first) out.push_back(',');
      first = false;
      json::write(e, out);
    }
    out.push_back(']');
  }
  out.append("}\n");
}

// Replaces `tasks` with the mock config's handler for `test_case`, which answers the states the
// test case mocks and hands every other state to the --task patterns it was given. The state
// machine is looked up by name, as Step Functions Local keys its configs; without
// --state-machine-name, a config naming a single state machine means that one.
int use_mock_config(const std::string& file, const std::string& test_case,
                    std::optional<std::string>& machine_name, vm::TaskRegistry& tasks) {
  auto text = read_file(file);
  if (!text) return kExitFailure;
  vm::MockConfigResult loaded = vm::MockConfig::parse(*text);
  for (const auto& p : loaded.problems)
    std::fprintf(stderr, "%s: %s\n", file.c_str(), vm::to_string(p).c_str());
  if (!loaded.ok()) return kExitFailure;
  if (!machine_name) {
    const auto& machines = loaded.config->state_machines();
    if (machines.size() != 1) {
      std::fprintf(stderr,
                   "stepstream exec: %s names %zu state machines; choose one with "
                   "--state-machine-name\n",
                   file.c_str(), machines.size());
      return kExitFailure;
    }
    machine_name = std::string(machines[0].name);
  }
  std::string error;
  auto handler = vm::make_mock_handler(loaded.config, *machine_name, test_case, tasks, error);
  if (!handler) {
    std::fprintf(stderr, "stepstream exec: %s: %s\n", file.c_str(), error.c_str());
    return kExitFailure;
  }
  tasks = vm::TaskRegistry();
  tasks.add("*", std::move(handler));
  return kExitOk;
}

void write_rejected(std::string_view why, std::string& out) {
  out.append("{\"status\":\"REJECTED\",\"error\":\"InvalidExecutionInput\",\"cause\":");
  json::write_string(why, out);
  out.append("}\n");
}

}  // namespace

int run_exec(const CommandSpec&, const Args& args) {
  auto type = parse_machine_type(args.get("type").value_or("STANDARD"));
  if (!type) {
    std::fprintf(stderr, "stepstream exec: --type must be STANDARD or EXPRESS\n");
    return kExitFailure;
  }
  int sources = args.has("input") + args.has("input-file") + args.has("inputs-file");
  if (sources > 1) {
    std::fprintf(stderr,
                 "stepstream exec: give only one of --input, --input-file, --inputs-file\n");
    return kExitFailure;
  }
  vm::Limits limits;
  if (auto limit = args.get("payload-limit")) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(limit->c_str(), &end, 10);
    if (limit->empty() || *end != 0 || n == 0) {
      std::fprintf(stderr, "stepstream exec: --payload-limit takes a positive number of bytes\n");
      return kExitFailure;
    }
    limits.payload_bytes = n;
  }
  vm::TaskRegistry tasks;
  for (const auto& spec : args.all("task")) {
    std::string error;
    if (!tasks.add_spec(spec, error)) {
      std::fprintf(stderr, "stepstream exec: --task: %s\n", error.c_str());
      return kExitFailure;
    }
  }
  auto machine_name = args.get("state-machine-name");
  if (args.has("mock-config") != args.has("test-case")) {
    std::fprintf(stderr, "stepstream exec: give --mock-config and --test-case together\n");
    return kExitFailure;
  }
  if (args.has("mock-config")) {
    if (int rc =
            use_mock_config(*args.get("mock-config"), *args.get("test-case"), machine_name, tasks);
        rc != kExitOk)
      return rc;
  }

  std::string input_text = "{}";
  if (auto in = args.get("input")) input_text = *in;
  if (auto file = args.get("input-file")) {
    auto text = read_file(*file);
    if (!text) return kExitFailure;
    input_text = std::move(*text);
  }
  std::unique_ptr<std::ifstream> lines;
  if (auto file = args.get("inputs-file")) {
    lines = std::make_unique<std::ifstream>(*file);
    if (!*lines) {
      std::fprintf(stderr, "%s: cannot read file\n", file->c_str());
      return kExitFailure;
    }
  }

  bytecode::Program program;
  if (int rc = load_program(args.positional()[0], *type, program); rc != kExitOk) return rc;

  vm::SystemClock system_clock;
  std::unique_ptr<vm::VirtualClock> virtual_clock;
  vm::Clock* clock = &system_clock;
  if (args.has("virtual-time")) {
    virtual_clock = std::make_unique<vm::VirtualClock>(system_clock.now());
    clock = virtual_clock.get();
  }
  vm::Random random(static_cast<uint64_t>(system_clock.now()));
  vm::Vm machine(program, *clock, random, limits, &tasks);
  const bool history = args.has("history");
  const auto fixed_name = args.get("name");
  vm::Identity id;
  id.express = *type == asl::MachineType::kExpress;
  if (machine_name) id.state_machine_name = *machine_name;

  json::Parser parser;
  vm::Execution exec;
  std::string name, out;
  auto run_one = [&](std::string_view text) {
    exec.reset();
    json::ParseResult in = parser.parse(text, exec.arena());
    if (!in.ok()) {
      write_rejected("the input is not valid JSON: " + std::string(in.error), out);
      return false;
    }
    name = fixed_name ? *fixed_name : make_uuid(random);
    id.execution_name = name;
    machine.start(exec, in.value, id, history);
    machine.finish(exec);
    write_result(exec, history, out);
    return true;
  };

  if (!lines) {
    bool ok = run_one(input_text);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return ok ? kExitOk : kExitFailure;
  }
  std::string line;
  while (std::getline(*lines, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    run_one(line);
    if (out.size() > (1u << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace stepstream::cli
