// Fuzzes the definition front end: bytes -> build_program (parse, validate, compile, or load an
// image), then the image round trip, the disassembler and a bounded run of the Program.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/asl/validate.h"
#include "engine/bytecode/disasm.h"
#include "engine/bytecode/program.h"
#include "engine/compile/build.h"
#include "engine/json/parse.h"
#include "tests/fuzz/fuzz_support.h"

namespace stepstream::fuzz {
namespace {

// A saved Program loads back to one that saves and disassembles identically.
void check_image_round_trip(const bytecode::Program& p) {
  const std::string image = bytecode::save(p);
  bytecode::Program back;
  std::string error;
  check(bytecode::load(image, back, error), "a saved Program loads");
  check(bytecode::save(back) == image, "save(load(save(p))) == save(p)");
  check(bytecode::disassemble(back) == bytecode::disassemble(p),
        "a loaded Program disassembles as saved");
}

void fuzz_one(std::string_view source) {
  // Every problem prints, and the EXPRESS rules are checked too (build_program uses STANDARD).
  if (!bytecode::is_image(source)) {
    json::Arena arena;
    json::ParseResult parsed = json::parse(source, arena);
    if (parsed.ok()) {
      for (const asl::Problem& problem :
           asl::validate(parsed.value, {.type = asl::MachineType::kExpress}))
        check(!asl::to_string(problem).empty(), "a problem has a message");
    }
  }
  bytecode::Program program;
  std::vector<asl::Problem> problems;
  if (!compile::build_program(source, {}, program, problems)) {
    check(!problems.empty(), "a refused definition says why");
    for (const asl::Problem& problem : problems)
      check(!asl::to_string(problem).empty(), "a problem has a message");
    return;
  }
  check(problems.empty(), "an accepted definition has no problems");
  check(bytecode::verify(program).empty(), "a built Program verifies");
  if (!bytecode::is_image(source))
    check(runs_bounded(program), "compiled code jumps forward and its prologues begin at once");
  check_image_round_trip(program);
  const bool compiled = !bytecode::is_image(source);
  run_bounded(program, "{}", compiled);
  run_bounded(program, R"({"a":1,"s":"text","items":[1,2,{"id":"x"}],"t":"2024-01-01T00:00:00Z"})",
              compiled);
}

}  // namespace
}  // namespace stepstream::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stepstream::fuzz::fuzz_one({reinterpret_cast<const char*>(data), size});
  return 0;
}
