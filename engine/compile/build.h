// From source text to a runnable Program: a saved image is loaded and verified; a JSON
// definition is parsed, validated and compiled. Every problem comes back at once.
#pragma once

#include <string_view>
#include <vector>

#include "engine/asl/validate.h"
#include "engine/bytecode/program.h"

namespace stepstream::compile {

// False when the source cannot run: `problems` then says why (an image's problems and compile
// errors have the pointer ""). kUnsupported problems also stop it.
[[nodiscard]] bool build_program(std::string_view source, const asl::ValidateOptions& options,
                                 bytecode::Program& out, std::vector<asl::Problem>& problems);

}  // namespace stepstream::compile
