// The Program: one compiled state machine as a flat, position-independent image — code,
// de-duplicated constant pool, compiled paths and their use sites, state table. The compiler
// builds it, the VM runs it, and save()/load() move it through files (versioned, checksummed,
// verified on load so the VM can trust every operand).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bytecode/instr.h"
#include "engine/json/path.h"
#include "engine/json/value.h"

namespace stepstream::bytecode {

inline constexpr uint32_t kImageVersion = 1;

enum class StateType : uint8_t { kPass, kTask, kChoice, kWait, kSucceed, kFail, kParallel, kMap };
std::string_view name(StateType t);  // "Pass", "Task", ...

// Where a path is used: it decides the States.Runtime message when the path matches nothing.
enum class SiteKind : uint8_t {
  kInputPath,
  kOutputPath,
  kResultPath,
  kPayloadField,    // a "key.$" field of Parameters/ResultSelector: field names the key
  kIntrinsicArg,    // a path inside an intrinsic call: field names the enclosing key
  kChoiceVariable,  // Variable of a Choice rule
  kChoiceOperand,   // the operand of a ...Path comparison
  kSecondsPath,
  kTimestampPath,
  kErrorPath,
  kCausePath,
};

struct Site {
  uint32_t path;  // index into Program::paths
  SiteKind kind;
  uint32_t field;  // constant index of the field name shown in messages ("value.$", "ErrorPath")
};

struct StateInfo {
  uint32_t name;  // constant index of the state's name (a string)
  StateType type;
  uint32_t entry_pc;  // first instruction of the state's code
};

struct Program {
  uint32_t start_state = 0;
  uint32_t timeout_seconds = 0;  // machine-level TimeoutSeconds; 0 when absent
  uint32_t num_registers = 0;
  std::vector<Instr> code;
  json::OwnedValue constant_pool;  // an array: constant i is constant_pool.get().items()[i]
  std::vector<json::Path> paths;
  std::vector<Site> sites;
  std::vector<StateInfo> states;

  const json::Value& constant(uint32_t i) const { return constant_pool.get().items()[i]; }
  uint32_t num_constants() const { return constant_pool.get().size(); }
  std::string_view state_name(uint32_t s) const { return constant(states[s].name).as_string(); }
};

// Checks every instruction's opcode and operands, every site, state and jump target, so that the
// VM never has to. Returns an empty string when the Program is sound, else the first problem.
std::string verify(const Program& p);

// The image: "SSBC", version, FNV-1a checksum, then the sections.
std::string save(const Program& p);
// Reads and verifies an image. On failure returns false with `error` saying why.
[[nodiscard]] bool load(std::string_view image, Program& out, std::string& error);
// True when `bytes` starts with the image magic (to tell an image from a JSON definition).
bool is_image(std::string_view bytes);

}  // namespace stepstream::bytecode
