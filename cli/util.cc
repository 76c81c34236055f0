// File reading and program loading for the subcommands.
#include "cli/util.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/commands.h"
#include "engine/compile/build.h"

namespace stepstream::cli {

std::optional<std::string> read_file(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read file\n", path.c_str());
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int load_program(const std::string& file, asl::MachineType type, bytecode::Program& out) {
  auto text = read_file(file);
  if (!text) return kExitFailure;
  std::vector<asl::Problem> problems;
  if (compile::build_program(*text, {type}, out, problems)) return kExitOk;
  for (const auto& p : problems)
    std::fprintf(stderr, "%s: %s\n", file.c_str(), asl::to_string(p).c_str());
  return kExitInvalidDefinition;
}

std::optional<asl::MachineType> parse_machine_type(std::string_view s) {
  std::string up;
  for (char c : s)
    up.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c));
  if (up == "STANDARD") return asl::MachineType::kStandard;
  if (up == "EXPRESS") return asl::MachineType::kExpress;
  return std::nullopt;
}

}  // namespace stepstream::cli
