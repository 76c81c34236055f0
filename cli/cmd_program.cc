// `stepstream compile` and `stepstream disasm`: definitions to images, images to listings.
#include <cstdio>
#include <fstream>
#include <string>

#include "cli/commands.h"
#include "cli/util.h"
#include "engine/bytecode/disasm.h"

namespace stepstream::cli {

int run_compile(const CommandSpec&, const Args& args) {
  const std::string& file = args.positional()[0];
  auto type = parse_machine_type(args.get("type").value_or("STANDARD"));
  if (!type) {
    std::fprintf(stderr, "stepstream compile: --type must be STANDARD or EXPRESS\n");
    return kExitFailure;
  }
  std::string output = args.get("output").value_or("");
  if (output.empty()) {
    size_t dot = file.rfind('.');
    output = (dot == std::string::npos || file.find('/', dot) != std::string::npos
                  ? file
                  : file.substr(0, dot)) +
             ".ssb";
  }
  bytecode::Program program;
  if (int rc = load_program(file, *type, program); rc != kExitOk) return rc;
  std::string image = bytecode::save(program);
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  if (!out || !out.write(image.data(), static_cast<std::streamsize>(image.size()))) {
    std::fprintf(stderr, "%s: cannot write file\n", output.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

int run_disasm(const CommandSpec&, const Args& args) {
  bytecode::Program program;
  if (int rc = load_program(args.positional()[0], asl::MachineType::kStandard, program);
      rc != kExitOk)
    return rc;
  std::string text = bytecode::disassemble(program);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace stepstream::cli
