// JSON text -> Value, with simdjson On-Demand; one Parser per thread, reused for every document.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json/value.h"

namespace stepstream::json {

struct ParseResult {
  Value value;
  std::string_view error;  // empty on success; a static description otherwise
  bool ok() const { return error.empty(); }
};

class Parser {
 public:
  Parser();
  ~Parser();
  Parser(Parser&&) noexcept;
  Parser& operator=(Parser&&) noexcept;

  // Parses one complete JSON text (any value at the top); every string is copied into `arena`,
  // so the result does not refer to `text`.
  [[nodiscard]] ParseResult parse(std::string_view text, Arena& arena);
  // The same through simdjson alone, skipping the scalar fast path that parse() tries first:
  // the reference that tests and fuzz targets hold parse() to.
  [[nodiscard]] ParseResult parse_reference(std::string_view text, Arena& arena);

 private:
  ParseResult parse_text(std::string_view text, Arena& arena, bool fast);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience for code off the hot path (tests, definitions, tools): a fresh parser each call.
[[nodiscard]] ParseResult parse(std::string_view text, Arena& arena);

}  // namespace stepstream::json
