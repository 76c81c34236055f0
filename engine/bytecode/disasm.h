// The disassembler: a stable, human-readable listing of a Program (a golden-test format).
#pragma once

#include <string>

#include "engine/bytecode/program.h"

namespace stepstream::bytecode {

std::string disassemble(const Program& p);

}  // namespace stepstream::bytecode
