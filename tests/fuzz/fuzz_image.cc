// Fuzzes the Program image loader: an untrusted .ssb image must load and verify, or be refused,
// never crash. A loaded image saves back stably, disassembles and runs (bounded).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/bytecode/disasm.h"
#include "engine/bytecode/program.h"
#include "tests/fuzz/fuzz_support.h"

namespace stepstream::fuzz {
namespace {

constexpr size_t kHeaderSize = 16;  // magic, version, checksum, body size

// The image format's FNV-1a over the body, repeated here so that mutated bodies can be given a
// valid header: otherwise nearly every mutation stops at the checksum.
uint32_t fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s)
    h = (h ^ c) * 16777619u;
  return h;
}

void put_u32(std::string& out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out[at + i] = static_cast<char>(v >> (8 * i));
}

void load_one(std::string_view image) {
  bytecode::Program p;
  std::string error;
  if (!bytecode::load(image, p, error)) {
    check(!error.empty(), "a refused image says why");
    return;
  }
  check(bytecode::verify(p).empty(), "a loaded Program verifies");
  const std::string saved = bytecode::save(p);
  bytecode::Program back;
  check(bytecode::load(saved, back, error), "a saved Program loads");
  check(bytecode::save(back) == saved, "save(load(save(p))) == save(p)");
  check(bytecode::disassemble(back) == bytecode::disassemble(p),
        "a loaded Program disassembles as saved");
  run_bounded(p, R"({"a":1,"s":"text","items":[1,2,{"id":"x"}]})", /*trusted=*/false);
}

void fuzz_one(std::string_view bytes) {
  load_one(bytes);
  if (!bytecode::is_image(bytes) || bytes.size() < kHeaderSize) return;
  std::string fixed(bytes);
  std::string_view body = bytes.substr(kHeaderSize);
  put_u32(fixed, 8, fnv1a(body));
  put_u32(fixed, 12, static_cast<uint32_t>(body.size()));
  if (fixed != bytes) load_one(fixed);
}

}  // namespace
}  // namespace stepstream::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stepstream::fuzz::fuzz_one({reinterpret_cast<const char*>(data), size});
  return 0;
}
