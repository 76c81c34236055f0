// Lowers a validated ASL definition to a Program: states to instruction runs, Choice rules to
// compare-and-branch, payload templates to build instructions, paths to compiled path sites.
#pragma once

#include <string>

#include "engine/bytecode/program.h"
#include "engine/json/value.h"

namespace stepstream::compile {

// `definition` must have passed asl::validate(); anything the compiler cannot lower still comes
// back as an error rather than a crash. Returns false with `error` set on failure.
[[nodiscard]] bool compile(const json::Value& definition, bytecode::Program& out,
                           std::string& error);

}  // namespace stepstream::compile
