// The one road from a file's bytes to a Program, shared by the CLI, the runtime and the tests.
#include "engine/compile/build.h"

#include <string>

#include "engine/compile/compiler.h"
#include "engine/json/parse.h"

namespace stepstream::compile {

bool build_program(std::string_view source, const asl::ValidateOptions& options,
                   bytecode::Program& out, std::vector<asl::Problem>& problems) {
  std::string error;
  if (bytecode::is_image(source)) {
    if (bytecode::load(source, out, error)) return true;
    problems.push_back({"", error});
    return false;
  }
  json::Arena arena;
  json::ParseResult parsed = json::parse(source, arena);
  if (!parsed.ok()) {
    problems.push_back({"", "not valid JSON: " + std::string(parsed.error)});
    return false;
  }
  std::vector<asl::Problem> found = asl::validate(parsed.value, options);
  if (!found.empty()) {
    problems.insert(problems.end(), found.begin(), found.end());
    return false;
  }
  if (!compile(parsed.value, out, error)) {
    problems.push_back({"", error, asl::Problem::Kind::kUnsupported});
    return false;
  }
  return true;
}

}  // namespace stepstream::compile
