// Builds Values straight from simdjson's On-Demand iteration: one pass, no intermediate DOM.
// Children are gathered on scratch stacks (kept across documents) and copied into the arena
// once their count is known.
#include "engine/json/parse.h"

#include <simdjson.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

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

// A string's text straight from the input when it holds no escape: `p` points just past its
// opening quote; the text runs to the closing quote unless a backslash comes first (then the
// caller unescapes). Stage 1 has validated the document (UTF-8, control characters, closed
// strings), so plain text needs no further checks; `end` only bounds the scan.
bool plain_text(const char* p, const char* end, std::string_view& out) {
  for (const char* q = p; q < end; ++q) {
    if (*q == '"') {
      out = std::string_view(p, static_cast<size_t>(q - p));
      return true;
    }
    if (*q == '\\') return false;
  }
  return false;
}

}  // namespace

struct Parser::Impl {
  od::parser parser;
  // The input copied into the arena with simdjson's padding: strings and keys without escapes
  // are views of it, never copied again.
  const char* buf_end = nullptr;
  std::vector<Value> item_stack;
  std::vector<Member> member_stack;
  Arena* arena = nullptr;
  // Nesting of the container being built. build() recurses once per level, and On-Demand does
  // not limit depth outside its debug checks, so the limit is kept here: below simdjson's
  // DEFAULT_MAX_DEPTH, which those checks count with the level inside the deepest container.
  size_t depth = 0;

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
        if (++depth >= simdjson::DEFAULT_MAX_DEPTH) return simdjson::DEPTH_ERROR;
        od::object obj;
        if (auto e = v.get_object().get(obj)) return e;
        size_t base = member_stack.size();
        for (auto member : obj) {
          od::field field;
          if (auto e = std::move(member).get(field)) return e;
          std::string_view owned_key;
          if (!plain_text(field.key().raw(), buf_end, owned_key)) {
            std::string_view key;
            if (auto e = field.unescaped_key().get(key)) return e;
            owned_key = arena->copy(key);
          }
          od::value child = field.value();
          Value cv;
          if (auto e = build(child, cv)) return e;
          member_stack.push_back({owned_key, cv});
        }
        uint32_t n = static_cast<uint32_t>(member_stack.size() - base);
        Member* ms = arena->alloc_array<Member>(n);
        std::copy(member_stack.begin() + static_cast<ptrdiff_t>(base), member_stack.end(), ms);
        member_stack.resize(base);
        out = Value::object(ms, n);
        --depth;
        return simdjson::SUCCESS;
      }
      case od::json_type::array: {
        if (++depth >= simdjson::DEFAULT_MAX_DEPTH) return simdjson::DEPTH_ERROR;
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
        --depth;
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        // JSON must escape '"', '\\' and control characters: text without escapes holds
        // nothing the writer must escape (it is "plain").
        if constexpr (std::is_same_v<V, od::value>) {
          // (Not for a scalar document: reading it is what checks that nothing follows.)
          std::string_view raw = v.raw_json_token(), text;
          if (plain_text(raw.data() + 1, buf_end, text)) {
            out = Value::string(text, true);
            return simdjson::SUCCESS;  // On-Demand skips the unread value as it moves on
          }
        }
        std::string_view s;
        if (auto e = v.get_string().get(s)) return e;
        out = Value::string(arena->copy(s));
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
  // A failed parse returns from inside build(): drop what it left (capacity stays for reuse).
  p.item_stack.clear();
  p.member_stack.clear();
  p.depth = 0;
  const size_t capacity = text.size() + simdjson::SIMDJSON_PADDING;
  char* buf = arena.alloc_array<char>(capacity);
  if (!text.empty()) std::memcpy(buf, text.data(), text.size());
  std::memset(buf + text.size(), 0, simdjson::SIMDJSON_PADDING);
  p.buf_end = buf + text.size();
  od::document doc;
  if (auto e = p.parser.iterate(buf, text.size(), capacity).get(doc))
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
