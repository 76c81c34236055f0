// Builds Values in one pass, no intermediate DOM: a scalar parser for the common case (plain
// ASCII documents), else simdjson's On-Demand iteration, which judges everything else. Children
// are gathered on scratch stacks (kept across documents) and copied into the arena once their
// count is known.
#include "engine/json/parse.h"

#include <simdjson.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// What a container's loop gathered on `stack` since `base`, moved into the arena (the stack keeps
// its capacity for the next container); sets `n` to how many.
template <typename T>
T* move_to_arena(std::vector<T>& stack, size_t base, Arena& arena, uint32_t& n) {
  n = static_cast<uint32_t>(stack.size() - base);
  T* out = arena.alloc_array<T>(n);
  std::copy(stack.begin() + static_cast<ptrdiff_t>(base), stack.end(), out);
  stack.resize(base);
  return out;
}

// The common case in one scalar pass, without simdjson's stage 1: ASCII text whose strings hold
// no escape, numbers that fit an int64 or parse to a finite double, nesting below kMaxDepth.
// It declines anything else, valid or not (returning false, possibly having used some arena),
// and simdjson parses the document: simdjson remains the judge of every error and of every
// document outside this subset, so both paths give the same values for what this one accepts.
// The text is followed by zero padding, and a zero byte stops every scan below.
class FastParser {
 public:
  FastParser(const char* begin, const char* end, Arena& arena, std::vector<Value>& items,
             std::vector<Member>& members)
      : p_(begin), end_(end), arena_(arena), items_(items), members_(members) {}

  bool document(Value& out) {
    skip_space();
    if (!value(out)) return false;
    skip_space();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void skip_space() {
    // One test for the usual byte, which is no space at all.
    while (static_cast<unsigned char>(*p_) <= ' ' &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t'))
      ++p_;
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  // p_ at the opening quote; on success past the closing one. Reads up to 15 bytes past the
  // first zero byte, within the padding.
  bool string(std::string_view& out) {
    const char* begin = ++p_;
    for (;;) {
#if defined(__SSE2__)
      // 16 bytes at a time: '"', '\\', and (as signed bytes) controls and non-ASCII below 0x20.
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
      const __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('"')),
                                                     _mm_cmpeq_epi8(w, _mm_set1_epi8('\\'))),
                                        _mm_cmplt_epi8(w, _mm_set1_epi8(0x20)));
      const uint32_t stops = static_cast<uint32_t>(_mm_movemask_epi8(hits));
      if (stops == 0) {
        p_ += 16;
        continue;
      }
      p_ += __builtin_ctz(stops);
#else
      uint64_t w;
      std::memcpy(&w, p_, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
      auto zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
      // Lowest set bit exact: each term's spurious bits lie above a true one of its own.
      const uint64_t stops = ((w - kOnes * 0x20) & ~w & kHigh) | zero_byte(w ^ (kOnes * '"')) |
                             zero_byte(w ^ (kOnes * '\\')) | (w & kHigh);
      if (stops == 0) {
        p_ += 8;
        continue;
      }
      p_ += __builtin_ctzll(stops) / 8;
#endif
      if (*p_ != '"') return false;
      out = std::string_view(begin, static_cast<size_t>(p_ - begin));
      ++p_;
      return true;
    }
  }

  // Clinger's fast path: a decimal of at most 15 digits with a power of ten up to 22 is one
  // exact integer and one exact power, so a single (correctly rounded) multiplication or
  // division gives the correctly rounded value. [begin, end) is a valid unsigned JSON number.
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  static bool exact_decimal(const char* begin, const char* end, double& out) {
    int64_t mantissa = 0;
    int digits = 0, exponent = 0;
    const char* q = begin;
    for (; q < end && is_digit(*q); ++q) {
      if (++digits > 15) return false;
      mantissa = mantissa * 10 + (*q - '0');
    }
    if (q < end && *q == '.') {
      for (++q; q < end && is_digit(*q); ++q, --exponent) {
        if (++digits > 15) return false;
        mantissa = mantissa * 10 + (*q - '0');
      }
    }
    if (q < end) {  // an exponent: 'e' or 'E', an optional sign, digits
      ++q;
      const bool minus = *q == '-';
      if (*q == '-' || *q == '+') ++q;
      if (end - q > 3) return false;
      int e = 0;
      for (; q < end; ++q)
        e = e * 10 + (*q - '0');
      exponent += minus ? -e : e;
    }
    if (exponent < -22 || exponent > 22) return false;
    const double m = static_cast<double>(mantissa);
    out = exponent < 0 ? m / kPow10[-exponent] : m * kPow10[exponent];
    return true;
  }

  bool number(Value& out) {
    const char* begin = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    uint64_t magnitude = 0;  // of the integer part; wraps beyond 19 digits (then unused)
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      do {
        magnitude = magnitude * 10 + static_cast<uint64_t>(*p_ - '0');
        ++p_;
      } while (is_digit(*p_));
    } else {
      return false;
    }
    const size_t int_digits = static_cast<size_t>(p_ - begin) - (negative ? 1 : 0);
    bool integral = true, exponent = false;
    size_t frac_digits = 0;
    if (*p_ == '.') {
      ++p_;
      if (!is_digit(*p_)) return false;
      const char* const frac = p_;
      do {
        magnitude = magnitude * 10 + static_cast<uint64_t>(*p_ - '0');  // as above
        ++p_;
      } while (is_digit(*p_));
      frac_digits = static_cast<size_t>(p_ - frac);
      integral = false;
    }
    if (*p_ == 'e' || *p_ == 'E') {
      ++p_;
      if (*p_ == '+' || *p_ == '-') ++p_;
      if (!is_digit(*p_)) return false;
      while (is_digit(*p_))
        ++p_;
      integral = false;
      exponent = true;
    }
    ++numbers_;
    if (integral) {
      // 18 digits always fit an int64; "-0" is left to simdjson's judgement.
      if (int_digits > 18) return false;
      const auto v = static_cast<int64_t>(magnitude);
      if (negative && v == 0) return false;
      out = Value::integer(negative ? -v : v);
      return true;
    }
    // Correctly rounded, as simdjson's; overflow and underflow are left to simdjson.
    double d;
    if (!exponent && int_digits + frac_digits <= 15) {
      // exact_decimal() without reading the digits again: they are the mantissa already.
      d = static_cast<double>(magnitude) / kPow10[frac_digits];
      out = Value::number(negative ? -d : d);
      return true;
    }
    if (exact_decimal(begin + (negative ? 1 : 0), p_, d)) {
      out = Value::number(negative ? -d : d);
      return true;
    }
    auto r = std::from_chars(begin, p_, d);
    if (r.ec != std::errc() || r.ptr != p_) return false;
    out = Value::number(d);
    return true;
  }

  // value(), with strings and numbers (most members and items) read without its call.
  bool scalar_or_value(Value& out) {
    if (*p_ == '"') {
      std::string_view s;
      if (!string(s)) return false;
      out = Value::string(s, true);
      return true;
    }
    if (*p_ == '-' || is_digit(*p_)) return number(out);
    return value(out);
  }

  bool value(Value& out) {
    switch (*p_) {
      case '{':
        return object(out);
      case '[':
        return array(out);
      case '"': {
        std::string_view s;
        if (!string(s)) return false;
        out = Value::string(s, true);
        return true;
      }
      case 't':
        if (std::memcmp(p_, "true", 4) != 0) return false;
        p_ += 4;
        out = Value::boolean(true);
        return true;
      case 'f':
        if (std::memcmp(p_, "false", 5) != 0) return false;
        p_ += 5;
        out = Value::boolean(false);
        return true;
      case 'n':
        if (std::memcmp(p_, "null", 4) != 0) return false;
        p_ += 4;
        out = Value::null();
        return true;
      default:
        return number(out);
    }
  }

  // Text written back is never longer than the text read, but for numbers (at most 40 bytes
  // each, see format_number): the bound of an array or object.
  size_t bound_since(const char* begin, size_t numbers_before) const {
    return static_cast<size_t>(p_ - begin) + 40 * (numbers_ - numbers_before);
  }

  // Whether `key` is among the members gathered since `base`: the one object being read.
  bool repeats(size_t base, std::string_view key) const {
    if (members_.size() - base >= kMaxUniqueCheck) return true;  // unknown is "repeats"
    for (size_t i = base; i < members_.size(); ++i)
      if (members_[i].key.size() == key.size() &&
          same_bytes(members_[i].key.data(), key.data(), key.size()))
        return true;
    return false;
  }

  bool object(Value& out) {
    if (++depth_ >= kMaxDepth) return false;
    const char* const begin = p_;
    const size_t numbers_before = numbers_;
    ++p_;
    skip_space();
    const size_t base = members_.size();
    uint64_t seen = 0;  // signatures of the keys so far (see key_signature)
    bool unique = true;
    if (*p_ == '}') {
      ++p_;
    } else {
      for (;;) {
        if (*p_ != '"') return false;
        Member m;
        if (!string(m.key)) return false;
        // Equal keys have equal signatures: only a key whose signature was seen is compared
        // with the keys before it.
        const uint64_t bit = uint64_t{1} << key_signature(m.key);
        if (unique && (seen & bit)) unique = !repeats(base, m.key);
        seen |= bit;
        // Spaces are skipped where the expected byte is not found, so that compact text (most)
        // costs one test per separator.
        if (*p_ != ':') {
          skip_space();
          if (*p_ != ':') return false;
        }
        ++p_;
        skip_space();
        if (!scalar_or_value(m.value)) return false;
        members_.push_back(m);
        if (*p_ != ',' && *p_ != '}') skip_space();
        if (*p_ == ',') {
          ++p_;
          if (*p_ != '"') skip_space();
          continue;
        }
        if (*p_ != '}') return false;
        ++p_;
        break;
      }
    }
    uint32_t n;
    const Member* ms = move_to_arena(members_, base, arena_, n);
    out = Value::object(ms, n, true, unique).with_bound(bound_since(begin, numbers_before));
    --depth_;
    return true;
  }

  bool array(Value& out) {
    if (++depth_ >= kMaxDepth) return false;
    const char* const begin = p_;
    const size_t numbers_before = numbers_;
    ++p_;
    skip_space();
    const size_t base = items_.size();
    if (*p_ == ']') {
      ++p_;
    } else {
      for (;;) {
        Value v;
        if (!scalar_or_value(v)) return false;
        items_.push_back(v);
        if (*p_ != ',' && *p_ != ']') skip_space();  // as in object()
        if (*p_ == ',') {
          ++p_;
          skip_space();
          continue;
        }
        if (*p_ != ']') return false;
        ++p_;
        break;
      }
    }
    uint32_t n;
    const Value* items = move_to_arena(items_, base, arena_, n);
    out = Value::array(items, n).with_bound(bound_since(begin, numbers_before));
    --depth_;
    return true;
  }

  const char* p_;
  const char* const end_;
  Arena& arena_;
  std::vector<Value>& items_;
  std::vector<Member>& members_;
  int depth_ = 0;
  size_t numbers_ = 0;  // read so far
};

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
      default: {
        // get_number() of simdjson before 3.6.4 reads a decimal with many significant digits
        // as 0 (simdjson#2099): read the token again, correctly rounded as simdjson would.
        std::string_view raw = v.raw_json_token();
        double d;
        auto r = std::from_chars(raw.data(), raw.data() + raw.size(), d);
        out = Value::number(r.ec == std::errc() ? d : n.get_double());
        break;
      }
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
        bool plain_keys = true;
        for (auto member : obj) {
          od::field field;
          if (auto e = std::move(member).get(field)) return e;
          std::string_view owned_key;
          if (!plain_text(field.key().raw(), buf_end, owned_key)) {
            std::string_view key;
            if (auto e = field.unescaped_key().get(key)) return e;
            owned_key = arena->copy(key);
            plain_keys = plain_keys && is_plain(owned_key);
          }
          od::value child = field.value();
          Value cv;
          if (auto e = build(child, cv)) return e;
          member_stack.push_back({owned_key, cv});
        }
        uint32_t n;
        const Member* ms = move_to_arena(member_stack, base, *arena, n);
        out = Value::object(ms, n, plain_keys, unique_keys(ms, n));
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
        uint32_t n;
        const Value* items = move_to_arena(item_stack, base, *arena, n);
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
  return parse_text(text, arena, true);
}

ParseResult Parser::parse_reference(std::string_view text, Arena& arena) {
  return parse_text(text, arena, false);
}

ParseResult Parser::parse_text(std::string_view text, Arena& arena, bool fast) {
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
  if (fast) {
    Value v;
    if (FastParser(buf, p.buf_end, arena, p.item_stack, p.member_stack).document(v)) return {v, {}};
    p.item_stack.clear();
    p.member_stack.clear();
  }
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
    // simdjson 3.0 refuses `null`, `true` or `false` alone when whitespace follows it.
    while (!trimmed.empty() && is_json_space(trimmed.back()))
      trimmed.remove_suffix(1);
    if (trimmed == "null") return {Value::null(), {}};
    if (trimmed == "true" || trimmed == "false") return {Value::boolean(trimmed == "true"), {}};
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
