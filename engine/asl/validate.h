// The ASL front end's checks: every problem in a definition at once, each with its JSON pointer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/json/value.h"

namespace stepstream::asl {

enum class MachineType : uint8_t { kStandard, kExpress };

struct Problem {
  enum class Kind : uint8_t {
    kInvalid,      // AWS would reject the definition
    kUnsupported,  // valid ASL that stepstream does not run yet (to_string says so plainly)
  };
  std::string pointer;  // JSON pointer (RFC 6901) of the offending node: "/States/X/Next"
  // What is wrong: "Missing 'Next' target: no state named \"Done\"". For kUnsupported, the
  // feature that stepstream cannot run yet: "JSONata", "workflow variables (Assign)".
  std::string message;
  Kind kind = Kind::kInvalid;
};

struct ValidateOptions {
  MachineType type = MachineType::kStandard;
};

// Checks a parsed definition against the Amazon States Language as AWS enforces it at
// CreateStateMachine, for every state type. Returns every problem found, in document order.
[[nodiscard]] std::vector<Problem> validate(const json::Value& definition,
                                            const ValidateOptions& options = {});

// "pointer: message", as `stepstream validate` prints it after the file name:
// "/States/X/Next: Missing 'Next' target: ...", "/QueryLanguage: not supported yet: JSONata".
// The root's pointer is empty, so its problems print as the message alone.
std::string to_string(const Problem& p);

}  // namespace stepstream::asl
