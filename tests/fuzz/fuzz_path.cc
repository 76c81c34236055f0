// Fuzzes JSONPath: bytes -> json::Path::parse, then evaluation against fixed documents, the
// not-found wording, ResultPath assignment and the Program image encoding of the path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/json/parse.h"
#include "engine/json/path.h"
#include "engine/json/write.h"
#include "tests/fuzz/fuzz_support.h"

namespace stepstream::fuzz {
namespace {

// Jayway's store example with the shapes ASL inputs have: nesting, every scalar type, empty
// containers, keys that need quoting.
constexpr std::string_view kDocuments[] = {
    R"({"store":{"book":[
      {"category":"reference","author":"Nigel Rees","title":"Sayings","price":8.95},
      {"category":"fiction","author":"Evelyn Waugh","title":"Sword","price":12.99,"tags":["a","b"]},
      {"category":"fiction","isbn":"0-553-21311-3","price":8,"in":null,"ok":true}],
      "bicycle":{"color":"red","price":19.95}},"expensive":10,
      "a":{"b":{"c":[1,[2,3],{"d":-4}]}},"e":{},"f":[],"weird key":{"$":"x","'":1,".":2}})",
    R"([0,1.5,"two",null,true,[5,[6]],{"k":"v"}])",
    R"("text")",
};

void fuzz_one(std::string_view text) {
  json::Path path;
  std::string error;
  if (!json::Path::parse(text, path, error)) {
    check(!error.empty(), "a refused path says why");
    return;
  }
  const bool definite = path.is_definite();
  if (path.is_reference()) check(definite, "a reference path is definite");

  std::string image;
  path.encode(image);
  json::Path decoded;
  check(json::Path::decode(image, decoded), "an encoded path decodes");
  std::string again;
  decoded.encode(again);
  check(again == image, "encode(decode(encode(p))) == encode(p)");
  check(decoded.text() == path.text(), "a decoded path keeps its text");

  json::Arena arena;
  json::Value value = json::Value::string("new");
  for (std::string_view document : kDocuments) {
    json::ParseResult doc = json::parse(document, arena);
    check(doc.ok(), "the fixed documents parse");
    json::Value out, out_decoded;
    json::EvalStatus status = json::evaluate(path, doc.value, arena, out);
    check(json::evaluate(decoded, doc.value, arena, out_decoded) == status,
          "a decoded path finds what the parsed one finds");
    if (status == json::EvalStatus::kOk) {
      check(json::to_string(out) == json::to_string(out_decoded),
            "a decoded path yields what the parsed one yields");
      if (!definite) check(out.is_array(), "an indefinite path yields an array");
      value = out;
    } else {
      check(definite, "only a definite path finds nothing");
      check(!json::not_found_message(path, doc.value).empty(), "not found says where");
    }
    if (path.is_reference() && !path.is_context()) {
      json::Value assigned;
      std::string cause;
      if (!json::assign(path, doc.value, value, arena, assigned, cause)) {
        check(!cause.empty(), "a failed ResultPath says why");
        continue;
      }
      json::Value placed;
      check(json::evaluate(path, assigned, arena, placed) == json::EvalStatus::kOk &&
                json::equal(placed, value),
            "ResultPath puts the value where the path then finds it");
    }
  }
}

}  // namespace
}  // namespace stepstream::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stepstream::fuzz::fuzz_one({reinterpret_cast<const char*>(data), size});
  return 0;
}
