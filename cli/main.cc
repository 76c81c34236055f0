// Entry point of the `stepstream` command: global flags, then dispatch to a subcommand.
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "cli/commands.h"

namespace {

using stepstream::cli::commands;

void print_help(std::FILE* out) {
  std::fprintf(
      out,
      "stepstream %s: AWS Step Functions (ASL) workflows compiled to bytecode and run over "
      "event streams.\n\n"
      "Usage: stepstream COMMAND [arguments] [options]\n"
      "       stepstream --help | --version\n\nCommands:\n",
      STEPSTREAM_VERSION);
  for (const auto& c : commands())
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.spec.name.size()), c.spec.name.data(),
                 static_cast<int>(c.spec.summary.size()), c.spec.summary.data());
  std::fprintf(out, "\nRun 'stepstream COMMAND --help' for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace stepstream::cli;
  if (argc < 2) {
    print_help(stderr);
    return kExitFailure;
  }
  std::string_view first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    print_help(stdout);
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    std::printf("stepstream %s\n", STEPSTREAM_VERSION);
    return kExitOk;
  }
  for (const auto& c : commands()) {
    if (c.spec.name != first) continue;
    ParseResult parsed = parse_args(c.spec, std::span<char* const>(argv + 2, argc - 2));
    if (parsed.help) {
      std::fputs(usage(c.spec).c_str(), stdout);
      return kExitOk;
    }
    if (!parsed.errors.empty()) {
      for (const auto& e : parsed.errors)
        std::fprintf(stderr, "stepstream %s: %s\n", argv[1], e.c_str());
      std::fputs(usage(c.spec).c_str(), stderr);
      return kExitFailure;
    }
    return c.run(c.spec, parsed.args);
  }
  std::fprintf(stderr, "stepstream: unknown command '%s'\n\n", argv[1]);
  print_help(stderr);
  return kExitFailure;
}
