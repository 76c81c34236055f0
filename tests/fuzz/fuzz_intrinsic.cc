// Fuzzes intrinsic functions: bytes -> asl::parse_intrinsic, then the call itself, directly when
// its arguments are literals and always through a compiled Pass state whose Parameters use it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/asl/intrinsic_parse.h"
#include "engine/compile/build.h"
#include "engine/json/write.h"
#include "engine/vm/intrinsics.h"
#include "tests/fuzz/fuzz_support.h"

namespace stepstream::fuzz {
namespace {

// The execution input: something of every type for the call's paths to find.
constexpr std::string_view kInput =
    R"({"a":1,"b":-2.5,"s":"a,b;c","t":true,"z":null,"arr":[1,"x",[2],{"k":3},1],"obj":{"k":"v",)"
    R"("n":{"m":[]}},"json":"{\"x\":[1,2]}","b64":"aGVsbG8=","big":9007199254740993,"e":[],"o":{}})";

void call_direct(const asl::IntrinsicCall& call) {
  std::vector<json::Value> args;
  for (const asl::IntrinsicArg& arg : call.args) {
    if (arg.kind != asl::IntrinsicArg::Kind::kLiteral) return;
    args.push_back(arg.literal.get());
  }
  json::Arena arena;
  vm::Random random(7);
  vm::IntrinsicResult r = vm::call_intrinsic(call.function, args, arena, random);
  if (!r.ok) {
    check(!r.cause.empty(), "a failed intrinsic says why");
    return;
  }
  check(json::serialized_size(r.value) == json::to_string(r.value).size(),
        "serialized_size counts what write writes");
}

void fuzz_one(std::string_view text) {
  asl::IntrinsicCall call;
  std::string error;
  if (!asl::parse_intrinsic(text, call, error)) {
    check(!error.empty(), "a refused call says why");
    return;
  }
  check(asl::looks_like_intrinsic(text), "a call that parses looks like one");
  call_direct(call);

  std::string definition = R"({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":)";
  json::write_string(text, definition);
  definition += R"(},"End":true}}})";
  bytecode::Program program;
  std::vector<asl::Problem> problems;
  // The validator may still refuse it (a path it does not allow there): nothing to run then.
  if (!compile::build_program(definition, {}, program, problems)) return;
  run_bounded(program, kInput, /*trusted=*/true);
}

}  // namespace
}  // namespace stepstream::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stepstream::fuzz::fuzz_one({reinterpret_cast<const char*>(data), size});
  return 0;
}
