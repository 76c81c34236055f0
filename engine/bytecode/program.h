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

inline constexpr uint32_t kImageVersion = 2;

// "None" for optional table fields (sites, registers, constants).
inline constexpr uint32_t kNone = 0xFFFFFFFFu;

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
  kItemsPath,       // Map ItemsPath
  kMapNumberPath,   // MaxConcurrencyPath, ToleratedFailureCountPath/PercentagePath
  kTaskNumberPath,  // TimeoutSecondsPath, HeartbeatSecondsPath
};

struct Site {
  uint32_t path;  // index into Program::paths
  SiteKind kind;
  uint32_t field;  // constant index of the field name shown in messages ("value.$", "ErrorPath")
};

struct StateInfo {
  uint32_t name;  // constant index of the state's name (a string)
  StateType type;
  uint32_t entry_pc;  // first instruction of the state's code (a retry starts here again)
  uint32_t retry_begin = 0, retry_count = 0;  // its Retry rules: Program::retriers
  uint32_t catch_begin = 0, catch_count = 0;  // its Catch rules: Program::catchers
};

// Every table record below is a run of uint32_t fields, which is how images store them.
// One Retry rule. ErrorEquals names are constant indexes in Program::error_names.
struct Retrier {
  uint32_t errors_begin, errors_count;
  uint32_t interval_seconds;   // IntervalSeconds (default 1)
  uint32_t max_attempts;       // MaxAttempts (default 3; 0: never retry)
  uint32_t backoff_rate;       // constant index of BackoffRate (a number, default 2.0)
  uint32_t max_delay_seconds;  // MaxDelaySeconds; 0: no cap
  uint32_t jitter_full;        // JitterStrategy FULL (1) or NONE (0)
};

// One Catch rule. result_path is a ResultPath site, or kNone for "$" (the error output
// replaces the input), or kCatchDiscard for null (the input passes through).
inline constexpr uint32_t kCatchDiscard = 0xFFFFFFFEu;
struct Catcher {
  uint32_t errors_begin, errors_count;
  uint32_t next_state;
  uint32_t result_path;
};

// One Task state's call: its resource and timeouts (seconds, or a site to read them from).
struct TaskInfo {
  uint32_t resource;                           // constant index of the Resource string
  uint32_t timeout_seconds, timeout_site;      // 0 / kNone when absent
  uint32_t heartbeat_seconds, heartbeat_site;  // 0 / kNone when absent
};

// The children of a Parallel or Map state. Each child runs in a frame of its own, starting at
// a prologue (code that computes its input, then BEGINs its machine's start state) with r0 set
// to the state's effective input.
struct Fork {
  uint32_t state;                           // the Parallel or Map state
  uint32_t prologue_begin, prologue_count;  // into Program::prologues: one per branch; Map: one
  uint32_t max_concurrency;                 // Map: 0 for no limit
  uint32_t max_concurrency_site;            // Map: MaxConcurrencyPath, or kNone
  uint32_t tolerated_count;                 // Map: kNone when absent
  uint32_t tolerated_count_site;            // Map: ToleratedFailureCountPath, or kNone
  uint32_t tolerated_percentage;            // Map: constant index of the number, or kNone
  uint32_t tolerated_percentage_site;       // Map: ToleratedFailurePercentagePath, or kNone
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
  std::vector<Retrier> retriers;
  std::vector<Catcher> catchers;
  std::vector<uint32_t> error_names;  // constant indexes of ErrorEquals strings
  std::vector<TaskInfo> tasks;
  std::vector<Fork> forks;
  std::vector<uint32_t> prologues;  // code addresses where children start

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
