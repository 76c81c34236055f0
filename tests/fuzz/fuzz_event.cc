// Fuzzes the event parser and writer: bytes -> json::Parser into an Arena -> json::write, and
// the text written must be stable: parsing it again writes it identically. The parser's fast
// path must agree with simdjson alone (parse_reference) on every input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "tests/fuzz/fuzz_support.h"

namespace stepstream::fuzz {
namespace {

// As a worker does: one parser and one arena, reused for every event.
json::Parser& parser() {
  static json::Parser p;
  return p;
}
json::Arena& arena() {
  static json::Arena a;
  return a;
}

void fuzz_one(std::string_view text) {
  json::Arena& a = arena();
  a.reset();
  json::ParseResult first = parser().parse(text, a);
  json::ParseResult reference = parser().parse_reference(text, a);
  check(first.ok() == reference.ok() && first.error == reference.error,
        "the fast path accepts and rejects as simdjson does");
  if (!first.ok()) return;

  std::string written;
  json::write(first.value, written);
  check(json::to_string(reference.value) == written, "the fast path reads what simdjson reads");
  check(json::equal(reference.value, first.value), "the fast path reads what simdjson reads");
  check(json::serialized_size(first.value) == written.size(),
        "serialized_size counts what write writes");
  check(!json::exceeds_size(first.value, written.size()), "exceeds_size(v, size) is false");
  check(written.empty() || json::exceeds_size(first.value, written.size() - 1),
        "exceeds_size(v, size - 1) is true");

  json::ParseResult second = parser().parse(written, a);
  check(second.ok(), "what write writes parses");
  std::string rewritten;
  json::write(second.value, rewritten);
  check(rewritten == written, "write(parse(write(v))) == write(v)");

  json::Arena copies;
  check(json::to_string(json::deep_copy(first.value, copies)) == written,
        "a deep copy writes as the original");
}

}  // namespace
}  // namespace stepstream::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stepstream::fuzz::fuzz_one({reinterpret_cast<const char*>(data), size});
  return 0;
}
