// Builds Values straight from simdjson's On-Demand iteration: one pass, no intermediate DOM.
// Children are gathered on scratch stacks (kept across documents) and copied into the arena
// once their count is known.
#include "engine/json/parse.h"

#include <simdjson.h>

#include <charconv>
#include <cstdlib>

namespace stepstream::json {

namespace od = simdjson::ondemand;

namespace {

// An integer beyond int64 followed only by JSON whitespace: a number simdjson 3.0 rejects.
bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_big_integer(std::string_view raw) {
  size_t i = 0;
  if (i < raw.size() && raw[i] == '-') ++i;
  if (i >= raw.size() || raw[i] < '1' || raw[i] > '9') return false;
  while (i < raw.size() && raw[i] >= '0' && raw[i] <= '9')
    ++i;
  size_t digits_end = i;
  for (; i < raw.size(); ++i)
    if (!is_json_space(raw[i])) return false;
  int64_t fits;
  auto r = std::from_chars(raw.data(), raw.data() + digits_end, fits);
  return r.ec == std::errc::result_out_of_range;
}

}  // namespace

struct Parser::Impl {
  od::parser parser;
  std::string padded;  // the input copied with simdjson's padding; capacity reused
  std::vector<Value> item_stack;
  std::vector<Member> member_stack;
  Arena* arena = nullptr;

  // Numbers: int64 when they fit, double otherwise (big integers included).
  template <class V>
  simdjson::error_code number(V& v, Value& out) {
    od::number n;
    auto err = v.get_number().get(n);
    if (err == simdjson::NUMBER_ERROR) {
      // simdjson 3.0 refuses integers beyond 64 bits; JSON allows them, so read them as doubles.
      std::string_view raw = v.raw_json_token();
      if (!is_big_integer(raw) || raw.size() > 400) return err;
      std::string tmp(raw);
      out = Value::number(std::strtod(tmp.c_str(), nullptr));
      return simdjson::SUCCESS;
    }
    if (err) return err;
    switch (n.get_number_type()) {
      case od::number_type::signed_integer:
        out = Value::integer(n.get_int64());
        break;
      case od::number_type::unsigned_integer:
        out = Value::number(static_cast<double>(n.get_uint64()));
        break;
      default:
        out = Value::number(n.get_double());
        break;
    }
    return simdjson::SUCCESS;
  }

  template <class V>
  simdjson::error_code build(V& v, Value& out) {
    od::json_type t;
    if (auto e = v.type().get(t)) return e;
    switch (t) {
      case od::json_type::object: {
        od::object obj;
        if (auto e = v.get_object().get(obj)) return e;
        size_t base = member_stack.size();
        for (auto field : obj) {
          std::string_view key;
          if (auto e = field.unescaped_key().get(key)) return e;
          std::string_view owned_key = arena->copy(key);
          od::value child;
          if (auto e = field.value().get(child)) return e;
          Value cv;
          if (auto e = build(child, cv)) return e;
          member_stack.push_back({owned_key, cv});
        }
        uint32_t n = static_cast<uint32_t>(member_stack.size() - base);
        Member* ms = arena->alloc_array<Member>(n);
        std::copy(member_stack.begin() + static_cast<ptrdiff_t>(base), member_stack.end(), ms);
        member_stack.resize(base);
        out = Value::object(ms, n);
        return simdjson::SUCCESS;
      }
      case od::json_type::array: {
        od::array arr;
        if (auto e = v.get_array().get(arr)) return e;
        size_t base = item_stack.size();
        for (auto element : arr) {
          od::value child;
          if (auto e = element.get(child)) return e;
          Value cv;
          if (auto e = build(child, cv)) return e;
          item_stack.push_back(cv);
        }
        uint32_t n = static_cast<uint32_t>(item_stack.size() - base);
        Value* items = arena->alloc_array<Value>(n);
        std::copy(item_stack.begin() + static_cast<ptrdiff_t>(base), item_stack.end(), items);
        item_stack.resize(base);
        out = Value::array(items, n);
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        std::string_view raw = v.raw_json_token();
        std::string_view s;
        if (auto e = v.get_string().get(s)) return e;
        // JSON must escape '"', '\\' and control characters, and every escape is longer than
        // what it stands for: text exactly two quotes longer than its value had no escapes,
        // so it holds nothing the writer must escape.
        while (!raw.empty() && is_json_space(raw.back()))
          raw.remove_suffix(1);
        out = Value::string(arena->copy(s), raw.size() == s.size() + 2);
        return simdjson::SUCCESS;
      }
      case od::json_type::number:
        return number(v, out);
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return e;
        out = Value::boolean(b);
        return simdjson::SUCCESS;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = v.is_null().get(is_null)) return e;
        if (!is_null) return simdjson::N_ATOM_ERROR;
        out = Value::null();
        return simdjson::SUCCESS;
      }
    }
    return simdjson::INCORRECT_TYPE;
  }
};

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;
Parser::Parser(Parser&&) noexcept = default;
Parser& Parser::operator=(Parser&&) noexcept = default;

ParseResult Parser::parse(std::string_view text, Arena& arena) {
  Impl& p = *impl_;
  p.arena = &arena;
  p.padded.assign(text);
  p.padded.append(simdjson::SIMDJSON_PADDING, '\0');
  od::document doc;
  if (auto e = p.parser.iterate(p.padded.data(), text.size(), p.padded.size()).get(doc))
    return {Value(), simdjson::error_message(e)};
  Value out;
  // A scalar document is read through the document API (simdjson has no value view of it).
  bool scalar = false;
  if (auto e = doc.is_scalar().get(scalar)) return {Value(), simdjson::error_message(e)};
  simdjson::error_code err;
  if (scalar) {
    // A big integer alone: the raw-token fallback cannot tell trailing content from it here.
    std::string_view trimmed = text;
    while (!trimmed.empty() && is_json_space(trimmed.front()))
      trimmed.remove_prefix(1);
    if (is_big_integer(trimmed)) {
      std::string tmp(trimmed);
      return {Value::number(std::strtod(tmp.c_str(), nullptr)), {}};
    }
    err = p.build(doc, out);
  } else {
    od::value root;
    err = doc.get_value().get(root);
    if (!err) err = p.build(root, out);
  }
  if (err) return {Value(), simdjson::error_message(err)};
  // simdjson 3.0 has no document::at_end(); a location still in bounds means trailing content.
  // (Its scalar getters check the end of a scalar document themselves.)
  const char* rest = nullptr;
  if (!scalar && !doc.current_location().get(rest))
    return {Value(), "unexpected content after the JSON value"};
  return {out, {}};
}

ParseResult parse(std::string_view text, Arena& arena) {
  Parser parser;
  return parser.parse(text, arena);
}

}  // namespace stepstream::json
