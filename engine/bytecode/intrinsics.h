// The intrinsic functions of ASL: one table is the single source of their names, ids and arity,
// shared by the front end (syntax and arity checks), the compiler and the VM.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace stepstream::bytecode {

// X(Id, "States.Name", min_args, max_args); max -1 means no limit.
#define STEPSTREAM_INTRINSICS(X)                   \
  X(Format, "States.Format", 1, -1)                \
  X(StringToJson, "States.StringToJson", 1, 1)     \
  X(JsonToString, "States.JsonToString", 1, 1)     \
  X(Array, "States.Array", 0, -1)                  \
  X(ArrayPartition, "States.ArrayPartition", 2, 2) \
  X(ArrayContains, "States.ArrayContains", 2, 2)   \
  X(ArrayRange, "States.ArrayRange", 3, 3)         \
  X(ArrayGetItem, "States.ArrayGetItem", 2, 2)     \
  X(ArrayLength, "States.ArrayLength", 1, 1)       \
  X(ArrayUnique, "States.ArrayUnique", 1, 1)       \
  X(Base64Encode, "States.Base64Encode", 1, 1)     \
  X(Base64Decode, "States.Base64Decode", 1, 1)     \
  X(Hash, "States.Hash", 2, 2)                     \
  X(JsonMerge, "States.JsonMerge", 3, 3)           \
  X(MathRandom, "States.MathRandom", 2, 3)         \
  X(MathAdd, "States.MathAdd", 2, 2)               \
  X(StringSplit, "States.StringSplit", 2, 2)       \
  X(UUID, "States.UUID", 0, 0)

enum class Intrinsic : uint8_t {
#define X(id, name, min, max) k##id,
  STEPSTREAM_INTRINSICS(X)
#undef X
      kCount
};

struct IntrinsicInfo {
  std::string_view name;
  int min_args;
  int max_args;  // -1: unbounded
};

inline constexpr IntrinsicInfo kIntrinsicInfo[] = {
#define X(id, name, min, max) {name, min, max},
    STEPSTREAM_INTRINSICS(X)
#undef X
};

constexpr const IntrinsicInfo& info(Intrinsic f) {
  return kIntrinsicInfo[static_cast<int>(f)];
}

constexpr std::optional<Intrinsic> find_intrinsic(std::string_view name) {
  for (int i = 0; i < static_cast<int>(Intrinsic::kCount); ++i)
    if (kIntrinsicInfo[i].name == name) return static_cast<Intrinsic>(i);
  return std::nullopt;
}

}  // namespace stepstream::bytecode
