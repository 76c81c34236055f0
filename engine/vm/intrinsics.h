// The runtime of the 18 intrinsic functions: arguments in, a value or States.IntrinsicFailure out.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "engine/bytecode/intrinsics.h"
#include "engine/json/value.h"

namespace stepstream::vm {

// Randomness for States.MathRandom and States.UUID: a per-worker generator, seedable in tests.
class Random {
 public:
  explicit Random(uint64_t seed = 0x9e3779b97f4a7c15ULL) : state_(seed) {}
  uint64_t next();  // 64 random bits (splitmix64)
  // A version 4 UUID: 122 random bits as 36 lowercase characters in the 8-4-4-4-12 layout.
  void uuid(char out[36]);

 private:
  uint64_t state_;
};

struct IntrinsicResult {
  json::Value value;
  bool ok = true;
  std::string cause;  // when !ok: the States.IntrinsicFailure cause, worded as AWS words it
};

// Calls `f` on already-evaluated arguments; every allocation goes to `arena`.
[[nodiscard]] IntrinsicResult call_intrinsic(bytecode::Intrinsic f,
                                             std::span<const json::Value> args, json::Arena& arena,
                                             Random& random);

}  // namespace stepstream::vm
