// The subcommands of `stepstream`: each is a spec (name, arguments, options) and a handler.
#pragma once

#include <span>

#include "cli/args.h"

namespace stepstream::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // usage error, invalid input for validate, not implemented
inline constexpr int kExitInvalidDefinition = 2;

struct Command {
  CommandSpec spec;
  int (*run)(const CommandSpec& spec, const Args& args);
};

std::span<const Command> commands();

// Prints "stepstream NAME: not implemented yet" and returns kExitFailure.
int not_implemented(const CommandSpec& spec, const Args& args);

int run_validate(const CommandSpec& spec, const Args& args);
int run_exec(const CommandSpec& spec, const Args& args);
int run_compile(const CommandSpec& spec, const Args& args);
int run_disasm(const CommandSpec& spec, const Args& args);
int run_broker(const CommandSpec& spec, const Args& args);
int run_run(const CommandSpec& spec, const Args& args);

}  // namespace stepstream::cli
