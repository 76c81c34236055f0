// Helpers shared by the subcommands: reading files, turning a definition file into a Program.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/asl/validate.h"
#include "engine/bytecode/program.h"

namespace stepstream::cli {

// The whole file ("-" for stdin), or nullopt with a message printed to stderr.
std::optional<std::string> read_file(const std::string& path);

// Loads FILE (a definition or a .ssb image) into `out`. Prints every problem as
// "FILE: /pointer: message" on stderr; returns 0, or the exit code to leave with
// (kExitFailure when unreadable, kExitInvalidDefinition when it cannot run).
int load_program(const std::string& file, asl::MachineType type, bytecode::Program& out);

// "STANDARD" / "EXPRESS" (case-insensitive); nullopt for anything else.
std::optional<asl::MachineType> parse_machine_type(std::string_view s);

}  // namespace stepstream::cli
