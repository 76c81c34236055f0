// Intrinsic function calls in payload templates: "States.Format('{} is {}', $.a, $$.State.Name)"
// parsed into a small tree, checked for syntax and arity, ready for the compiler.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/bytecode/intrinsics.h"
#include "engine/json/path.h"
#include "engine/json/value.h"

namespace stepstream::asl {

struct IntrinsicArg;

struct IntrinsicCall {
  bytecode::Intrinsic function;
  std::vector<IntrinsicArg> args;
};

struct IntrinsicArg {
  enum class Kind : uint8_t { kLiteral, kPath, kCall };
  Kind kind;
  // kLiteral: string, number, boolean or null. A string's escapes (\' \{ \} \\) are resolved,
  // except in the first argument of States.Format, which keeps them: the function itself tells an
  // escaped brace from a {} placeholder, and resolves them as it formats.
  json::OwnedValue literal;
  json::Path path;                      // kPath: $... or $$...
  std::unique_ptr<IntrinsicCall> call;  // kCall: a nested intrinsic
};

// True when `text` looks like an intrinsic call (starts with "States." after optional spaces).
bool looks_like_intrinsic(std::string_view text);

// Parses one call. On failure returns false with `error` describing the first problem
// (unknown function, bad arity, bad literal or escape, bad path, trailing text).
[[nodiscard]] bool parse_intrinsic(std::string_view text, IntrinsicCall& out, std::string& error);

}  // namespace stepstream::asl
