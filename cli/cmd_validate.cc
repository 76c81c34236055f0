// `stepstream validate FILE... [--type STANDARD|EXPRESS] [--quiet]`: parses and checks each
// definition, printing every problem as "FILE: /pointer: message" on stderr.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/util.h"
#include "engine/asl/validate.h"
#include "engine/json/parse.h"

namespace stepstream::cli {

namespace {

// Validates one file; true when it is valid and runnable (no problem of any kind).
bool validate_file(const std::string& file, asl::MachineType type, bool quiet) {
  auto text = read_file(file);  // prints its own message when unreadable
  if (!text) return false;
  json::Arena arena;
  json::ParseResult parsed = json::parse(*text, arena);
  std::vector<asl::Problem> problems;
  if (!parsed.ok())
    problems.push_back({"", "not valid JSON: " + std::string(parsed.error)});
  else
    problems = asl::validate(parsed.value, {type});
  for (const auto& p : problems)
    std::fprintf(stderr, "%s: %s\n", file.c_str(), asl::to_string(p).c_str());
  if (problems.empty() && !quiet) std::printf("%s: valid\n", file.c_str());
  return problems.empty();
}

}  // namespace

int run_validate(const CommandSpec& spec, const Args& args) {
  asl::MachineType type = asl::MachineType::kStandard;
  if (auto t = args.get("type")) {
    auto parsed = parse_machine_type(*t);
    if (!parsed) {
      std::fprintf(stderr, "stepstream %.*s: --type must be STANDARD or EXPRESS, not '%s'\n",
                   static_cast<int>(spec.name.size()), spec.name.data(), t->c_str());
      return kExitFailure;
    }
    type = *parsed;
  }
  bool quiet = args.has("quiet");
  bool all_valid = true;
  for (const auto& file : args.positional())
    all_valid &= validate_file(file, type, quiet);
  std::fflush(stdout);
  return all_valid ? kExitOk : kExitFailure;
}

}  // namespace stepstream::cli
