// Compares what stepstream produced with what AWS recorded, up to the corpus's placeholders
// (../shared/conformance/README.md): recordings mask run-dependent values with tokens that match
// any value of the right kind, and nothing else does.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json/value.h"

namespace stepstream::conformance {

// One case's placeholders, built from its `placeholders` member. Two sorts:
//  - tokens in angle brackets ("<ArnPart_0idx>", "<uuid:1>", "<json-input:1>", "<region>") may
//    stand anywhere inside a string and match a run of characters of their kind; a token that
//    occurs twice stands for the same text both times (the recorder numbered distinct values);
//  - bare words ("date", "start-time", "RandomNumberGenerated", "sfn_role_arn") replaced a
//    whole value and match a whole value of their kind, independently each time.
// Everything else, numbers by value and objects regardless of member order, must be equal. A
// string equal to the expected text matches even when that text holds placeholders: it is the
// recording's own value, passed through (Tasks mocked from the history return such values).
class ExpectedMatcher {
 public:
  // `placeholders` is the case's `placeholders` object (or null).
  explicit ExpectedMatcher(const json::Value& placeholders);

  // True when `got` matches `expected`; otherwise `why` says where and how they first differ
  // ("$.a[1].b: expected \"x\", got 2"). Angle-token bindings made here hold for later calls.
  bool match(const json::Value& expected, const json::Value& got, std::string& why);
  // The same for one string (an error or a cause).
  bool match_string(std::string_view expected, std::string_view got);

 private:
  struct Segment {
    bool token;
    std::string_view text;  // the literal text or the token
  };
  bool match_at(const json::Value& expected, const json::Value& got, std::string& path,
                std::string& why);
  bool match_segments(const std::vector<Segment>& segs, size_t i, std::string_view text,
                      size_t pos);

  std::vector<std::string> angle_;  // longest first, so that a longer token wins at a position
  std::set<std::string, std::less<>> whole_;
  std::set<std::string, std::less<>> any_;  // of whole_: stand for a value of any kind
  std::map<std::string, std::string, std::less<>> bound_;
};

// Kinds, exposed for the matcher's own tests.
bool is_uuid(std::string_view s);
// "2024-07-15T13:00:19" with an optional fraction and an optional "Z" or "+hh:mm" offset.
bool is_timestamp_text(std::string_view s);

}  // namespace stepstream::conformance
