// JSONPath: the parser (text -> flat segments and filter nodes), the evaluator (Jayway's
// semantics over Values), ResultPath assignment, Jayway's not-found messages, and the byte
// encoding that Program images carry.
#include "engine/json/path.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <regex>
#include <utility>

#include "engine/json/write.h"

namespace stepstream::json {

// Filters are rare in ASL, so std::regex (ECMAScript grammar) stands in for java.util.regex.
struct Path::CompiledRegex {
  std::regex re;
};

namespace {

constexpr int kMaxDepth = 64;  // nesting of brackets, parentheses and literals in one path
constexpr uint8_t kSliceStart = 1, kSliceEnd = 2, kSliceStep = 4;
constexpr uint8_t kDoubleQuoted = 1;
constexpr uint32_t kRegexIgnoreCase = 1, kRegexMultiline = 2;
constexpr uint32_t kEncodingMagic = 0x31485450;  // "PTH1", little-endian

using Op = FilterNode::Op;

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Whether a regex holds a back-reference (\12) or a bound (a{2,5}) of more than 9 digits.
// libstdc++ reads those numbers into a long with no overflow check (undefined behaviour past 18
// digits), so such patterns are refused before std::regex sees them. Other digits are literals.
bool has_long_regex_number(std::string_view pattern) {
  bool in_bound = false;  // between '{' and '}'
  for (size_t i = 0; i < pattern.size(); ++i) {
    size_t from = std::string_view::npos;  // where a number libstdc++ would read may start
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      from = ++i;  // the escaped character: a back-reference's first digit, or skipped
    } else if (pattern[i] == '{') {
      in_bound = true;
      from = i + 1;
    } else if (pattern[i] == '}') {
      in_bound = false;
    } else if (pattern[i] == ',' && in_bound) {
      from = i + 1;
    }
    if (from == std::string_view::npos) continue;
    size_t n = 0;
    while (from + n < pattern.size() && is_digit(pattern[from + n]))
      ++n;
    if (n > 9) return true;
  }
  return false;
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_operand(Op op) {
  return op == Op::kCurrentPath || op == Op::kRootPath || op == Op::kLiteral;
}
bool is_path_operand(Op op) {
  return op == Op::kCurrentPath || op == Op::kRootPath;
}
bool is_boolean(Op op) {
  return !is_operand(op);
}

bool fits_int32(int64_t v) {
  return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
}

// Jayway resolves a negative index from the end; anything outside the array is skipped.
bool resolve_index(int64_t index, uint32_t size, uint32_t& out) {
  int64_t i = index < 0 ? index + size : index;
  if (i < 0 || i >= size) return false;
  out = static_cast<uint32_t>(i);
  return true;
}

// The last member named `key` (the one Value::find returns).
const Member* find_member(const Value& object, std::string_view key) {
  auto ms = object.members();
  for (size_t i = ms.size(); i-- > 0;)
    if (ms[i].key.size() == key.size() && same_bytes(ms[i].key.data(), key.data(), key.size()))
      return &ms[i];
  return nullptr;
}

// A growable array of results in the arena: doubling, so the copies cost at most the result.
class Sink {
 public:
  explicit Sink(Arena& arena) : arena_(arena) {}
  void push(const Value& v) {
    if (size_ == cap_) grow();
    data_[size_++] = v;
  }
  Value build() const { return Value::array(data_, size_); }

 private:
  void grow() {
    uint32_t cap = cap_ == 0 ? 8 : cap_ * 2;
    Value* data = arena_.alloc_array<Value>(cap);
    for (uint32_t i = 0; i < size_; ++i)
      data[i] = data_[i];
    data_ = data;
    cap_ = cap;
  }
  Arena& arena_;
  Value* data_ = nullptr;
  uint32_t size_ = 0, cap_ = 0;
};

// Little-endian primitives for the byte encoding.
void put_u8(std::string& out, uint8_t v) {
  out.push_back(static_cast<char>(v));
}
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : b_(bytes) {}
  bool u8(uint8_t& v) {
    if (b_.size() - pos_ < 1) return false;
    v = static_cast<uint8_t>(b_[pos_++]);
    return true;
  }
  bool u32(uint32_t& v) {
    if (b_.size() - pos_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i)
      v |= uint32_t{static_cast<uint8_t>(b_[pos_++])} << (8 * i);
    return true;
  }
  bool u64(uint64_t& v) {
    if (b_.size() - pos_ < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i)
      v |= uint64_t{static_cast<uint8_t>(b_[pos_++])} << (8 * i);
    return true;
  }
  bool i64(int64_t& v) {
    uint64_t u;
    if (!u64(u)) return false;
    v = static_cast<int64_t>(u);
    return true;
  }
  bool str(std::string_view& s) {
    uint32_t n;
    if (!u32(n) || b_.size() - pos_ < n) return false;
    s = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // A count of items each at least `min_bytes` long: rejects counts the input cannot hold, so
  // garbage never makes us reserve gigabytes.
  bool count(uint32_t& n, size_t min_bytes) {
    return u32(n) && uint64_t{n} * min_bytes <= b_.size() - pos_;
  }
  bool done() const { return pos_ == b_.size(); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

void encode_value(const Value& v, std::string& out) {
  put_u8(out, static_cast<uint8_t>(v.type()));
  switch (v.type()) {
    case Type::kNull:
      break;
    case Type::kBool:
      put_u8(out, v.as_bool() ? 1 : 0);
      break;
    case Type::kInt:
      put_u64(out, static_cast<uint64_t>(v.as_int()));
      break;
    case Type::kDouble: {
      uint64_t bits;
      double d = v.as_double();
      std::memcpy(&bits, &d, sizeof bits);
      put_u64(out, bits);
      break;
    }
    case Type::kString:
      put_str(out, v.as_string());
      break;
    case Type::kArray:
      put_u32(out, v.size());
      for (const Value& item : v.items())
        encode_value(item, out);
      break;
    case Type::kObject:
      put_u32(out, v.size());
      for (const Member& m : v.members()) {
        put_str(out, m.key);
        encode_value(m.value, out);
      }
      break;
  }
}

bool decode_value(Reader& r, Arena& arena, int depth, Value& out) {
  if (depth > kMaxDepth) return false;
  uint8_t tag;
  if (!r.u8(tag)) return false;
  switch (static_cast<Type>(tag)) {
    case Type::kNull:
      out = Value::null();
      return true;
    case Type::kBool: {
      uint8_t b;
      if (!r.u8(b) || b > 1) return false;
      out = Value::boolean(b != 0);
      return true;
    }
    case Type::kInt: {
      int64_t i;
      if (!r.i64(i)) return false;
      out = Value::integer(i);
      return true;
    }
    case Type::kDouble: {
      uint64_t bits;
      if (!r.u64(bits)) return false;
      double d;
      std::memcpy(&d, &bits, sizeof d);
      out = Value::number(d);
      return true;
    }
    case Type::kString: {
      std::string_view s;
      if (!r.str(s)) return false;
      out = Value::string(arena.copy(s));
      return true;
    }
    case Type::kArray: {
      uint32_t n;
      if (!r.count(n, 1)) return false;
      Value* items = arena.alloc_array<Value>(n);
      for (uint32_t i = 0; i < n; ++i)
        if (!decode_value(r, arena, depth + 1, items[i])) return false;
      out = Value::array(items, n);
      return true;
    }
    case Type::kObject: {
      uint32_t n;
      if (!r.count(n, 5)) return false;
      Member* ms = arena.alloc_array<Member>(n);
      for (uint32_t i = 0; i < n; ++i) {
        std::string_view key;
        if (!r.str(key)) return false;
        ms[i].key = arena.copy(key);
        if (!decode_value(r, arena, depth + 1, ms[i].value)) return false;
      }
      out = Value::object(ms, n);
      return true;
    }
  }
  return false;
}

void encode_segment(const Segment& s, std::string& out) {
  put_u8(out, static_cast<uint8_t>(s.kind));
  put_u8(out, s.flags);
  put_u32(out, s.str_off);
  put_u32(out, s.str_len);
  put_u64(out, static_cast<uint64_t>(s.a));
  put_u64(out, static_cast<uint64_t>(s.b));
  put_u64(out, static_cast<uint64_t>(s.c));
  put_u32(out, s.count);
}

constexpr size_t kSegmentBytes = 1 + 1 + 4 + 4 + 8 + 8 + 8 + 4;
constexpr size_t kFilterNodeBytes = 1 + 4 * 4;

bool decode_segment(Reader& r, Segment& s) {
  uint8_t kind;
  if (!r.u8(kind) || kind > static_cast<uint8_t>(SegmentKind::kFilter)) return false;
  s.kind = static_cast<SegmentKind>(kind);
  return r.u8(s.flags) && r.u32(s.str_off) && r.u32(s.str_len) && r.i64(s.a) && r.i64(s.b) &&
         r.i64(s.c) && r.u32(s.count);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Parser: one pass over the text with a cursor. The same parser reads a filter's @... and $...
// operands into sub-paths, which stop at the first character that cannot continue them.

class PathParser {
 public:
  PathParser(std::string_view text, std::string& error) : s_(text), error_(error) {}

  bool parse_top(Path& out) {
    size_t b = 0, e = s_.size();
    // Jayway trims the path before compiling it.
    while (b < e && is_ws(s_[b]))
      ++b;
    while (e > b && is_ws(s_[e - 1]))
      --e;
    pos_ = b;
    end_ = e;
    if (b == e) return fail("the path is empty");
    if (s_[pos_] != '$') return fail("a path must start with '$'");
    ++pos_;
    if (pos_ < end_ && s_[pos_] == '$') {
      out.context_ = true;
      ++pos_;
    }
    if (!parse_steps(out, false)) return false;
    if (pos_ != end_) return fail(std::string("unexpected '") + s_[pos_] + "'");
    out.classify();
    return true;
  }

  static void encode(const Path& p, std::string& out);
  static bool decode(Reader& r, Path& out, int depth);
  // Compiles a filter regex; std::regex reports a bad pattern by throwing, which we catch here
  // at parse (or load) time so that evaluation never throws.
  static std::shared_ptr<const Path::CompiledRegex> compile_regex(std::string_view pattern,
                                                                  uint32_t flags,
                                                                  std::string* error) {
    if (has_long_regex_number(pattern)) {
      if (error) *error = "invalid regex /" + std::string(pattern) + "/: a number is too long";
      return nullptr;
    }
    // libstdc++'s polynomial mode matches breadth first: the stack stays as deep as the pattern,
    // not the text (its default matcher recursed once per character, and a 50,000-character
    // string overflowed the stack), and time stays polynomial on patterns like /(a*)*b/. It has
    // no back-references, which it refuses here, at parse time.
    auto syntax = std::regex::ECMAScript | std::regex_constants::__polynomial;
    if (flags & kRegexIgnoreCase) syntax |= std::regex::icase;
    if (flags & kRegexMultiline) syntax |= std::regex::multiline;
    try {
      auto re = std::make_shared<Path::CompiledRegex>();
      re->re = std::regex(pattern.begin(), pattern.end(), syntax);
      return re;
    } catch (const std::regex_error& e) {
      if (error)
        *error = "invalid regex /" + std::string(pattern) + "/: " +
                 (e.code() == std::regex_constants::error_complexity
                      ? std::string("back-references are not supported")
                      : std::string(e.what()));
      return nullptr;
    }
  }

 private:
  bool fail(std::string_view message) {
    if (error_.empty()) {
      error_.assign(message);
      error_ += " at position ";
      error_ += std::to_string(pos_);
    }
    return false;
  }
  bool at(char c) const { return pos_ < end_ && s_[pos_] == c; }
  void skip_ws() {
    while (pos_ < end_ && is_ws(s_[pos_]))
      ++pos_;
  }

  Segment& push(Path& p, SegmentKind kind) {
    p.segments_.push_back(Segment{kind, 0, 0, 0, 0, 0, 0, 0});
    return p.segments_.back();
  }
  Segment& push_name(Path& p, SegmentKind kind, std::string_view name) {
    Segment& s = push(p, kind);
    s.str_off = static_cast<uint32_t>(p.strings_.size());
    s.str_len = static_cast<uint32_t>(name.size());
    p.strings_.append(name);
    return s;
  }

  // Steps after the root: .name .* ..name ..* [...] until the end (top level) or until a
  // character that cannot continue a path (inside a filter).
  bool parse_steps(Path& p, bool in_filter) {
    while (pos_ < end_) {
      char c = s_[pos_];
      if (c == '.') {
        if (pos_ + 1 < end_ && s_[pos_ + 1] == '.') {
          pos_ += 2;
          if (!parse_descent(p, in_filter)) return false;
          continue;
        }
        ++pos_;
        if (pos_ >= end_) return fail("a path must not end with '.'");
        char n = s_[pos_];
        if (n == '[') continue;  // `$.['a b']`, as in AWS's own examples
        if (n == '*') {
          ++pos_;
          push(p, SegmentKind::kWildcard);
          if (!after_star(in_filter)) return false;
          continue;
        }
        std::string_view name;
        if (!read_name(in_filter, name)) return false;
        push_name(p, SegmentKind::kField, name);
      } else if (c == '[') {
        if (!parse_bracket(p, false)) return false;
      } else {
        if (in_filter) return true;
        return fail(std::string("expected '.' or '[' but found '") + c + "'");
      }
    }
    return true;
  }

  bool parse_descent(Path& p, bool in_filter) {
    if (pos_ >= end_) return fail("a path must not end with '..'");
    char c = s_[pos_];
    if (c == '.') return fail("unexpected '.' after '..'");
    if (c == '*') {
      ++pos_;
      push(p, SegmentKind::kDescendWildcard);
      return after_star(in_filter);
    }
    if (c == '[') return parse_bracket(p, true);
    std::string_view name;
    if (!read_name(in_filter, name)) return false;
    push_name(p, SegmentKind::kDescendField, name);
    return true;
  }

  bool after_star(bool in_filter) {
    if (in_filter || pos_ >= end_ || s_[pos_] == '.' || s_[pos_] == '[') return true;
    return fail(std::string("unexpected '") + s_[pos_] + "' after '*'");
  }

  // A dot-notation name. Like Jayway, any character but '.', '[' (and blanks, which need the
  // bracket form) continues it: `$.detail-type` and `$.a:b` are fields.
  bool read_name(bool in_filter, std::string_view& name) {
    size_t start = pos_;
    while (pos_ < end_) {
      char c = s_[pos_];
      if (c == '.' || c == '[') break;
      if (c == '(') return fail("functions such as length() are not supported");
      if (in_filter && (is_ws(c) || c == ')' || c == '<' || c == '>' || c == '=' || c == '!' ||
                        c == '~' || c == '&' || c == '|' || c == ',' || c == ']'))
        break;
      if (is_ws(c)) return fail("a name with blanks needs the bracket form, as in ['a b']");
      ++pos_;
    }
    if (pos_ == start) {
      return fail(pos_ < end_ ? std::string("expected a name but found '") + s_[pos_] + "'"
                              : std::string("expected a name"));
    }
    name = s_.substr(start, pos_ - start);
    return true;
  }

  // A quoted name with Jayway's escapes (\' \" \\ \/ \b \f \n \r \t \uXXXX; any other escaped
  // character stands for itself). The cursor is on the opening quote.
  bool read_quoted(std::string& out) {
    char q = s_[pos_++];
    while (true) {
      if (pos_ >= end_) return fail(std::string("missing closing ") + q);
      char c = s_[pos_++];
      if (c == q) return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= end_) return fail(std::string("missing closing ") + q);
      char e = s_[pos_++];
      switch (e) {
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!read_hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo = 0;
            if (!(pos_ + 1 < end_ && s_[pos_] == '\\' && s_[pos_ + 1] == 'u'))
              return fail("unpaired surrogate in \\u escape");
            pos_ += 2;
            if (!read_hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("unpaired surrogate in \\u escape");
          }
          append_utf8(cp, out);
          break;
        }
        default:
          out.push_back(e);
      }
    }
  }

  bool read_hex4(uint32_t& cp) {
    if (end_ - pos_ < 4) return fail("\\u needs four hex digits");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[pos_++];
      uint32_t d;
      if (is_digit(h)) {
        d = static_cast<uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        d = static_cast<uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        d = static_cast<uint32_t>(h - 'A' + 10);
      } else {
        --pos_;
        return fail("\\u needs four hex digits");
      }
      cp = cp * 16 + d;
    }
    return true;
  }

  // [...] after a step (descent: after `..`). The cursor is on '['.
  bool parse_bracket(Path& p, bool descent) {
    if (++depth_ > kMaxDepth) return fail("the path is nested too deeply");
    ++pos_;
    skip_ws();
    if (pos_ >= end_) return fail("missing ']'");
    char c = s_[pos_];
    bool ok;
    if (c == '\'' || c == '"') {
      ok = parse_names(p, descent);
    } else if (c == '*') {
      ++pos_;
      skip_ws();
      if (!at(']')) return fail("expected ']' after '*'");
      ++pos_;
      push(p, descent ? SegmentKind::kDescendWildcard : SegmentKind::kWildcard);
      ok = true;
    } else if (c == '?') {
      ok = parse_filter(p, descent);
    } else if (is_digit(c) || c == '-' || c == ':') {
      ok = parse_indexes(p, descent);
    } else {
      return fail(std::string("unexpected '") + c + "' after '['");
    }
    --depth_;
    return ok;
  }

  bool parse_names(Path& p, bool descent) {
    struct Name {
      std::string text;
      bool double_quoted;
    };
    std::vector<Name> names;
    while (true) {
      skip_ws();
      if (!(at('\'') || at('"'))) return fail("expected a quoted name");
      Name n{{}, at('"')};
      if (!read_quoted(n.text)) return false;
      names.push_back(std::move(n));
      skip_ws();
      if (pos_ >= end_) return fail("missing ']'");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        break;
      }
      return fail("expected ',' or ']' after a quoted name");
    }
    if (names.size() == 1) {
      Segment& s =
          push_name(p, descent ? SegmentKind::kDescendField : SegmentKind::kField, names[0].text);
      if (names[0].double_quoted && !descent) s.flags = kDoubleQuoted;
      return true;
    }
    if (descent) push(p, SegmentKind::kDescendWildcard).flags = kScanNext;
    uint32_t first = static_cast<uint32_t>(p.union_names_.size());
    for (const Name& n : names) {
      Segment s{SegmentKind::kField,
                n.double_quoted ? kDoubleQuoted : uint8_t{0},
                static_cast<uint32_t>(p.strings_.size()),
                static_cast<uint32_t>(n.text.size()),
                0,
                0,
                0,
                0};
      p.strings_.append(n.text);
      p.union_names_.push_back(s);
    }
    Segment& u = push(p, SegmentKind::kFieldUnion);
    u.a = first;
    u.count = static_cast<uint32_t>(names.size());
    return true;
  }

  // One index of an index list or slice: an optional '-' then digits, within Java's int.
  bool parse_int(std::string_view text, int64_t& out) {
    size_t b = 0, e = text.size();
    while (b < e && is_ws(text[b]))
      ++b;
    while (e > b && is_ws(text[e - 1]))
      --e;
    text = text.substr(b, e - b);
    if (text.empty()) return fail("missing index");
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    if (r.ec == std::errc::result_out_of_range) return fail("index out of range");
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || text[0] == '+')
      return fail("invalid index '" + std::string(text) + "'");
    if (!fits_int32(out)) return fail("index out of range");
    return true;
  }

  // [1], [-1], [0,2,5], [1:3], [:2], [-2:], [::2]. The cursor is on the first character.
  bool parse_indexes(Path& p, bool descent) {
    size_t close = s_.find(']', pos_);
    if (close == std::string_view::npos || close >= end_) return fail("missing ']'");
    std::string_view body = s_.substr(pos_, close - pos_);
    for (char c : body) {
      if (!is_digit(c) && c != '-' && c != ':' && c != ',' && !is_ws(c))
        return fail(std::string("unexpected '") + c + "' in an index");
    }
    if (descent) push(p, SegmentKind::kDescendWildcard).flags = kScanNext;
    if (body.find(':') != std::string_view::npos) {
      if (body.find(',') != std::string_view::npos) return fail("a slice cannot be a list");
      int64_t part[3] = {0, 0, 0};
      uint8_t given = 0;
      size_t start = 0;
      for (int i = 0; i < 3; ++i) {
        size_t colon = body.find(':', start);
        std::string_view t = body.substr(
            start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
        bool blank = true;
        for (char c : t)
          blank = blank && is_ws(c);
        if (!blank) {
          if (!parse_int(t, part[i])) return false;
          given |= static_cast<uint8_t>(1 << i);
        }
        if (colon == std::string_view::npos) break;
        start = colon + 1;
        if (i == 2) return fail("a slice has at most three parts");
      }
      if ((given & kSliceStep) && part[2] <= 0) return fail("a slice step must be positive");
      if (given == 0) return fail("a slice needs a start, an end or a step");
      Segment& s = push(p, SegmentKind::kSlice);
      s.flags = given;
      s.a = part[0];
      s.b = part[1];
      s.c = (given & kSliceStep) ? part[2] : 1;
    } else if (body.find(',') != std::string_view::npos) {
      uint32_t first = static_cast<uint32_t>(p.union_indexes_.size());
      size_t start = 0;
      while (true) {
        size_t comma = body.find(',', start);
        int64_t v;
        if (!parse_int(body.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                          : comma - start),
                       v))
          return false;
        p.union_indexes_.push_back(v);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      Segment& s = push(p, SegmentKind::kIndexUnion);
      s.a = first;
      s.count = static_cast<uint32_t>(p.union_indexes_.size() - first);
    } else {
      int64_t v;
      if (!parse_int(body, v)) return false;
      push(p, SegmentKind::kIndex).a = v;
    }
    pos_ = close + 1;
    return true;
  }

  // [?( expression )]. The cursor is on '?'.
  bool parse_filter(Path& p, bool descent) {
    ++pos_;
    skip_ws();
    if (!at('(')) return fail("expected '(' after '[?'");
    ++pos_;
    uint32_t root;
    if (!parse_or(p, root)) return false;
    skip_ws();
    if (!at(')')) {
      return fail(pos_ < end_ ? std::string("unexpected '") + s_[pos_] + "' in a filter"
                              : std::string("missing ')'"));
    }
    ++pos_;
    skip_ws();
    if (!at(']')) return fail("expected ']' after a filter");
    ++pos_;
    if (descent) push(p, SegmentKind::kDescendWildcard).flags = kScanNext;
    push(p, SegmentKind::kFilter).a = root;
    return true;
  }

  uint32_t add(Path& p, Op op, uint32_t lhs = 0, uint32_t rhs = 0) {
    FilterNode n;
    n.op = op;
    n.lhs = lhs;
    n.rhs = rhs;
    p.filters_.push_back(n);
    return static_cast<uint32_t>(p.filters_.size() - 1);
  }

  bool match(std::string_view token) {
    skip_ws();
    if (s_.substr(pos_, std::min(token.size(), end_ - pos_)) != token) return false;
    pos_ += token.size();
    return true;
  }

  // or := and ('||' and)* ; and := unary ('&&' unary)*
  bool parse_or(Path& p, uint32_t& out) {
    if (++depth_ > kMaxDepth) return fail("the filter is nested too deeply");
    if (!parse_and(p, out)) return false;
    while (match("||")) {
      uint32_t rhs;
      if (!parse_and(p, rhs)) return false;
      out = add(p, Op::kOr, out, rhs);
    }
    --depth_;
    return true;
  }

  bool parse_and(Path& p, uint32_t& out) {
    if (!parse_unary(p, out)) return false;
    while (match("&&")) {
      uint32_t rhs;
      if (!parse_unary(p, rhs)) return false;
      out = add(p, Op::kAnd, out, rhs);
    }
    return true;
  }

  // unary := '!' unary | '(' or ')' | relational. `!@.x` (a negated path) is an existence test
  // and belongs to the relational rule, as in Jayway.
  bool parse_unary(Path& p, uint32_t& out) {
    skip_ws();
    if (pos_ >= end_) return fail("unexpected end of the filter");
    if (s_[pos_] == '!') {
      size_t q = pos_ + 1;
      while (q < end_ && is_ws(s_[q]))
        ++q;
      if (!(q < end_ && (s_[q] == '@' || s_[q] == '$'))) {
        ++pos_;
        if (++depth_ > kMaxDepth) return fail("the filter is nested too deeply");
        uint32_t inner;
        if (!parse_unary(p, inner)) return false;
        --depth_;
        out = add(p, Op::kNot, inner);
        return true;
      }
    }
    if (s_[pos_] == '(') {
      ++pos_;
      if (!parse_or(p, out)) return false;
      skip_ws();
      if (!at(')')) return fail("missing ')'");
      ++pos_;
      return true;
    }
    return parse_relational(p, out);
  }

  struct Operand {
    uint32_t node = 0;  // filter node, unless this is a pattern
    bool is_path = false;
    bool is_pattern = false;
    std::string pattern;
    uint32_t flags = 0;
  };

  bool parse_relational(Path& p, uint32_t& out) {
    bool negated = false;
    if (at('!')) {
      negated = true;
      ++pos_;
      skip_ws();
    }
    Operand left;
    if (!parse_operand(p, left)) return false;
    skip_ws();
    Op op = Op::kExists;
    if (pos_ < end_) {
      char c = s_[pos_];
      auto is_op_char = [](char ch) {
        return ch == '<' || ch == '>' || ch == '=' || ch == '!' || ch == '~';
      };
      if (is_op_char(c)) {
        size_t start = pos_;
        while (pos_ < end_ && is_op_char(s_[pos_]))
          ++pos_;
        std::string_view t = s_.substr(start, pos_ - start);
        if (t == "==") {
          op = Op::kEq;
        } else if (t == "!=") {
          op = Op::kNe;
        } else if (t == "<") {
          op = Op::kLt;
        } else if (t == "<=") {
          op = Op::kLe;
        } else if (t == ">") {
          op = Op::kGt;
        } else if (t == ">=") {
          op = Op::kGe;
        } else if (t == "=~") {
          op = Op::kRegex;
        } else {
          pos_ = start;
          return fail("unknown operator '" + std::string(t) + "'");
        }
      } else if (is_alpha(c)) {
        size_t start = pos_;
        while (pos_ < end_ && is_alpha(s_[pos_]))
          ++pos_;
        std::string_view t = s_.substr(start, pos_ - start);
        if (t == "in") {
          op = Op::kIn;
        } else if (t == "nin") {
          op = Op::kNin;
        } else {
          pos_ = start;
          return fail("unsupported operator '" + std::string(t) + "'");
        }
      }
    }
    if (op == Op::kExists) {
      if (!left.is_path) return fail("a filter needs a comparison or a path to test");
      out = add(p, Op::kExists, left.node);
      if (negated) out = add(p, Op::kNot, out);
      return true;
    }
    // Jayway drops a '!' before the left operand of a comparison; so do we.
    Operand right;
    if (!parse_operand(p, right)) return false;
    if (op == Op::kRegex) {
      if (left.is_pattern == right.is_pattern)
        return fail("=~ needs a /regex/ on exactly one side");
      Operand& pat = left.is_pattern ? left : right;
      Operand& val = left.is_pattern ? right : left;
      std::string err;
      auto re = compile_regex(pat.pattern, pat.flags, &err);
      if (!re) return fail(err);
      p.literals_.emplace_back();
      OwnedValue& lit = p.literals_.back();
      lit.set(Value::string(lit.arena().copy(pat.pattern)));
      FilterNode n;
      n.op = Op::kRegex;
      n.lhs = val.node;
      n.rhs = static_cast<uint32_t>(p.regexes_.size());
      n.literal = static_cast<uint32_t>(p.literals_.size() - 1);
      n.path = pat.flags;
      p.regexes_.push_back(std::move(re));
      p.filters_.push_back(n);
      out = static_cast<uint32_t>(p.filters_.size() - 1);
      return true;
    }
    if (left.is_pattern || right.is_pattern) return fail("a /regex/ only goes with =~");
    out = add(p, op, left.node, right.node);
    return true;
  }

  bool parse_operand(Path& p, Operand& o) {
    skip_ws();
    if (pos_ >= end_) return fail("expected a value in the filter");
    char c = s_[pos_];
    if (c == '@' || c == '$') {
      if (c == '$' && pos_ + 1 < end_ && s_[pos_ + 1] == '$')
        return fail("'$$' is not allowed in a filter");
      size_t start = pos_;
      Path sub;
      ++pos_;
      if (!parse_steps(sub, true)) return false;
      sub.text_.assign(s_.substr(start, pos_ - start));
      sub.classify();
      p.subpaths_.push_back(std::move(sub));
      FilterNode n;
      n.op = c == '@' ? Op::kCurrentPath : Op::kRootPath;
      n.path = static_cast<uint32_t>(p.subpaths_.size() - 1);
      p.filters_.push_back(n);
      o.node = static_cast<uint32_t>(p.filters_.size() - 1);
      o.is_path = true;
      return true;
    }
    if (c == '/') return parse_pattern(o);
    p.literals_.emplace_back();
    OwnedValue& lit = p.literals_.back();
    Value v;
    if (!parse_literal(lit.arena(), v)) return false;
    lit.set(v);
    FilterNode n;
    n.op = Op::kLiteral;
    n.literal = static_cast<uint32_t>(p.literals_.size() - 1);
    p.filters_.push_back(n);
    o.node = static_cast<uint32_t>(p.filters_.size() - 1);
    return true;
  }

  // /pattern/flags: the pattern runs to the next unescaped '/'; flags i and m are supported.
  bool parse_pattern(Operand& o) {
    ++pos_;
    size_t start = pos_;
    while (pos_ < end_ && s_[pos_] != '/')
      pos_ += s_[pos_] == '\\' ? 2 : 1;
    if (pos_ >= end_) return fail("missing closing '/' of a regex");
    o.pattern.assign(s_.substr(start, pos_ - start));
    ++pos_;
    while (pos_ < end_ && is_alpha(s_[pos_])) {
      char f = s_[pos_];
      if (f == 'i') {
        o.flags |= kRegexIgnoreCase;
      } else if (f == 'm') {
        o.flags |= kRegexMultiline;
      } else {
        return fail(std::string("unsupported regex flag '") + f + "'");
      }
      ++pos_;
    }
    o.is_pattern = true;
    return true;
  }

  // A literal: 'string', "string", a number, true, false, null, or a JSON array or object
  // (whose strings may use single quotes, as json-smart allows).
  bool parse_literal(Arena& arena, Value& out) {
    skip_ws();
    if (pos_ >= end_) return fail("expected a value in the filter");
    char c = s_[pos_];
    if (c == '\'' || c == '"') {
      std::string text;
      if (!read_quoted(text)) return false;
      out = Value::string(arena.copy(text));
      return true;
    }
    if (c == '[' || c == '{') {
      if (++depth_ > kMaxDepth) return fail("the filter is nested too deeply");
      bool ok = c == '[' ? parse_array_literal(arena, out) : parse_object_literal(arena, out);
      --depth_;
      return ok;
    }
    if (c == '-' || is_digit(c)) return parse_number(out);
    if (is_alpha(c)) {
      size_t start = pos_;
      while (pos_ < end_ && (is_alpha(s_[pos_]) || is_digit(s_[pos_]) || s_[pos_] == '_'))
        ++pos_;
      std::string_view word = s_.substr(start, pos_ - start);
      if (word == "true") {
        out = Value::boolean(true);
      } else if (word == "false") {
        out = Value::boolean(false);
      } else if (word == "null") {
        out = Value::null();
      } else {
        pos_ = start;
        return fail("unexpected '" + std::string(word) + "' in a filter");
      }
      return true;
    }
    return fail(std::string("unexpected '") + c + "' in a filter");
  }

  bool parse_array_literal(Arena& arena, Value& out) {
    ++pos_;
    std::vector<Value> items;
    skip_ws();
    if (at(']')) {
      ++pos_;
      out = Value::array(nullptr, 0);
      return true;
    }
    while (true) {
      Value v;
      if (!parse_literal(arena, v)) return false;
      items.push_back(v);
      skip_ws();
      if (at(',')) {
        ++pos_;
        continue;
      }
      if (at(']')) {
        ++pos_;
        break;
      }
      return fail("expected ',' or ']' in an array");
    }
    Value* data = arena.alloc_array<Value>(items.size());
    std::copy(items.begin(), items.end(), data);
    out = Value::array(data, static_cast<uint32_t>(items.size()));
    return true;
  }

  bool parse_object_literal(Arena& arena, Value& out) {
    ++pos_;
    std::vector<Member> members;
    skip_ws();
    if (at('}')) {
      ++pos_;
      out = Value::object(nullptr, 0);
      return true;
    }
    while (true) {
      skip_ws();
      if (!(at('\'') || at('"'))) return fail("expected a quoted key in an object");
      std::string key;
      if (!read_quoted(key)) return false;
      skip_ws();
      if (!at(':')) return fail("expected ':' in an object");
      ++pos_;
      Value v;
      if (!parse_literal(arena, v)) return false;
      members.push_back(Member{arena.copy(key), v});
      skip_ws();
      if (at(',')) {
        ++pos_;
        continue;
      }
      if (at('}')) {
        ++pos_;
        break;
      }
      return fail("expected ',' or '}' in an object");
    }
    Member* data = arena.alloc_array<Member>(members.size());
    std::copy(members.begin(), members.end(), data);
    out = Value::object(data, static_cast<uint32_t>(members.size()));
    return true;
  }

  bool parse_number(Value& out) {
    size_t start = pos_;
    bool integral = true;
    while (pos_ < end_) {
      char c = s_[pos_];
      if (c == '.' || c == 'e' || c == 'E' || c == '+') {
        integral = false;
      } else if (!is_digit(c) && c != '-') {
        break;
      }
      ++pos_;
    }
    std::string_view t = s_.substr(start, pos_ - start);
    const char* e = t.data() + t.size();
    if (integral) {
      int64_t i;
      auto r = std::from_chars(t.data(), e, i);
      if (r.ec == std::errc() && r.ptr == e) {
        out = Value::integer(i);
        return true;
      }
    }
    double d;
    auto r = std::from_chars(t.data(), e, d);
    if (r.ec != std::errc() || r.ptr != e) {
      pos_ = start;
      return fail("invalid number '" + std::string(t) + "'");
    }
    out = Value::number(d);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  size_t end_ = 0;
  int depth_ = 0;
  std::string& error_;
};

// ---------------------------------------------------------------------------------------------
// Encoding: magic, then the tables in declaration order; sub-paths nest with a length prefix.

void PathParser::encode(const Path& p, std::string& out) {
  put_u32(out, kEncodingMagic);
  put_u8(out, p.context_ ? 1 : 0);
  put_str(out, p.text_);
  put_str(out, p.strings_);
  put_u32(out, static_cast<uint32_t>(p.segments_.size()));
  for (const Segment& s : p.segments_)
    encode_segment(s, out);
  put_u32(out, static_cast<uint32_t>(p.union_names_.size()));
  for (const Segment& s : p.union_names_)
    encode_segment(s, out);
  put_u32(out, static_cast<uint32_t>(p.union_indexes_.size()));
  for (int64_t i : p.union_indexes_)
    put_u64(out, static_cast<uint64_t>(i));
  put_u32(out, static_cast<uint32_t>(p.filters_.size()));
  for (const FilterNode& n : p.filters_) {
    put_u8(out, static_cast<uint8_t>(n.op));
    put_u32(out, n.lhs);
    put_u32(out, n.rhs);
    put_u32(out, n.path);
    put_u32(out, n.literal);
  }
  put_u32(out, static_cast<uint32_t>(p.subpaths_.size()));
  for (const Path& sub : p.subpaths_) {
    std::string bytes;
    encode(sub, bytes);
    put_str(out, bytes);
  }
  put_u32(out, static_cast<uint32_t>(p.literals_.size()));
  for (const OwnedValue& lit : p.literals_)
    encode_value(lit.get(), out);
}

bool PathParser::decode(Reader& r, Path& p, int depth) {
  if (depth > kMaxDepth) return false;
  uint32_t magic, n;
  uint8_t context;
  std::string_view text, strings;
  if (!r.u32(magic) || magic != kEncodingMagic || !r.u8(context) || context > 1 || !r.str(text) ||
      !r.str(strings))
    return false;
  p.context_ = context != 0;
  p.text_.assign(text);
  p.strings_.assign(strings);
  auto name_ok = [&p](const Segment& s) {
    return uint64_t{s.str_off} + s.str_len <= p.strings_.size();
  };

  if (!r.count(n, kSegmentBytes)) return false;
  p.segments_.resize(n);
  for (Segment& s : p.segments_)
    if (!decode_segment(r, s)) return false;
  if (!r.count(n, kSegmentBytes)) return false;
  p.union_names_.resize(n);
  for (Segment& s : p.union_names_)
    if (!decode_segment(r, s) || s.kind != SegmentKind::kField || !name_ok(s)) return false;
  if (!r.count(n, 8)) return false;
  p.union_indexes_.resize(n);
  for (int64_t& i : p.union_indexes_)
    if (!r.i64(i) || !fits_int32(i)) return false;
  if (!r.count(n, kFilterNodeBytes)) return false;
  p.filters_.resize(n);
  for (FilterNode& f : p.filters_) {
    uint8_t op;
    if (!r.u8(op) || op > static_cast<uint8_t>(Op::kLiteral)) return false;
    f.op = static_cast<Op>(op);
    if (!r.u32(f.lhs) || !r.u32(f.rhs) || !r.u32(f.path) || !r.u32(f.literal)) return false;
  }
  if (!r.count(n, 4)) return false;
  p.subpaths_.resize(n);
  for (Path& sub : p.subpaths_) {
    std::string_view bytes;
    if (!r.str(bytes)) return false;
    Reader inner(bytes);
    if (!decode(inner, sub, depth + 1) || !inner.done()) return false;
  }
  if (!r.count(n, 1)) return false;
  p.literals_.resize(n);
  for (OwnedValue& lit : p.literals_) {
    Value v;
    if (!decode_value(r, lit.arena(), 0, v)) return false;
    lit.set(v);
  }

  // Every index must point inside its table, and the shapes must be the ones the parser makes,
  // so that evaluation can trust them.
  const size_t nseg = p.segments_.size();
  for (size_t i = 0; i < nseg; ++i) {
    const Segment& s = p.segments_[i];
    switch (s.kind) {
      case SegmentKind::kField:
        if (s.flags > kDoubleQuoted || !name_ok(s)) return false;
        break;
      case SegmentKind::kDescendField:
        if (s.flags != 0 || !name_ok(s)) return false;
        break;
      case SegmentKind::kIndex:
        if (!fits_int32(s.a)) return false;
        break;
      case SegmentKind::kWildcard:
        break;
      case SegmentKind::kSlice:
        if (s.flags == 0 || s.flags > 7 || !fits_int32(s.a) || !fits_int32(s.b) ||
            !fits_int32(s.c) || s.c <= 0)
          return false;
        break;
      case SegmentKind::kFieldUnion:
        if (s.count < 2 || s.a < 0 || uint64_t(s.a) + s.count > p.union_names_.size()) return false;
        break;
      case SegmentKind::kIndexUnion:
        if (s.count < 2 || s.a < 0 || uint64_t(s.a) + s.count > p.union_indexes_.size())
          return false;
        break;
      case SegmentKind::kDescendWildcard:
        if (s.flags > kScanNext) return false;
        if (s.flags == kScanNext) {
          if (i + 1 >= nseg) return false;
          SegmentKind t = p.segments_[i + 1].kind;
          if (t != SegmentKind::kIndex && t != SegmentKind::kSlice &&
              t != SegmentKind::kIndexUnion && t != SegmentKind::kFieldUnion &&
              t != SegmentKind::kFilter)
            return false;
        }
        break;
      case SegmentKind::kFilter:
        if (s.a < 0 || uint64_t(s.a) >= p.filters_.size() || !is_boolean(p.filters_[s.a].op))
          return false;
        break;
    }
  }
  uint32_t regexes = 0;
  for (uint32_t j = 0; j < p.filters_.size(); ++j) {
    const FilterNode& f = p.filters_[j];
    auto child = [&](uint32_t k, bool boolean) {
      return k < j && is_boolean(p.filters_[k].op) == boolean;
    };
    switch (f.op) {
      case Op::kOr:
      case Op::kAnd:
        if (!child(f.lhs, true) || !child(f.rhs, true)) return false;
        break;
      case Op::kNot:
        if (!child(f.lhs, true)) return false;
        break;
      case Op::kExists:
        if (!child(f.lhs, false) || !is_path_operand(p.filters_[f.lhs].op)) return false;
        break;
      case Op::kEq:
      case Op::kNe:
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe:
      case Op::kIn:
      case Op::kNin:
        if (!child(f.lhs, false) || !child(f.rhs, false)) return false;
        break;
      case Op::kRegex: {
        if (!child(f.lhs, false) || f.rhs != regexes || f.path > 3 ||
            f.literal >= p.literals_.size() || !p.literals_[f.literal].get().is_string())
          return false;
        auto re = compile_regex(p.literals_[f.literal].get().as_string(), f.path, nullptr);
        if (!re) return false;
        p.regexes_.push_back(std::move(re));
        ++regexes;
        break;
      }
      case Op::kCurrentPath:
      case Op::kRootPath:
        if (f.path >= p.subpaths_.size()) return false;
        break;
      case Op::kLiteral:
        if (f.literal >= p.literals_.size()) return false;
        break;
    }
  }
  p.classify();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Evaluation. A definite path walks one chain of steps with no allocation. An indefinite path
// collects every match into an arena array, following Jayway's token-by-token evaluation: a
// step that does not apply to a value (a field of an array, an index of an object, anything
// missing) contributes nothing.

class PathEvaluator {
 public:
  PathEvaluator(const Value& root, Arena& arena) : root_(root), arena_(arena) {}

  static bool definite(const Path& p, const Value& start, Arena& arena, Value& out) {
    Value cur = start;
    const size_t n = p.segments_.size();
    for (size_t i = 0; i < n; ++i) {
      const Segment& s = p.segments_[i];
      switch (s.kind) {
        case SegmentKind::kField: {
          const Value* v = cur.find(p.field_name(s));
          if (v == nullptr) return false;
          cur = *v;
          break;
        }
        case SegmentKind::kIndex: {
          uint32_t idx;
          if (!cur.is_array() || !resolve_index(s.a, cur.size(), idx)) return false;
          cur = cur.items()[idx];
          break;
        }
        case SegmentKind::kFieldUnion:
          if (!cur.is_object()) return false;
          cur = merge(p, s, cur, arena);
          break;
        default:
          return false;  // not definite: callers check is_definite() first
      }
    }
    out = cur;
    return true;
  }

  void collect(const Path& p, size_t i, const Value& node, Sink& out) {
    if (i == p.segments_.size()) {
      out.push(node);
      return;
    }
    const Segment& s = p.segments_[i];
    switch (s.kind) {
      case SegmentKind::kField:
        if (const Value* v = node.find(p.field_name(s))) collect(p, i + 1, *v, out);
        break;
      case SegmentKind::kIndex: {
        uint32_t idx;
        if (node.is_array() && resolve_index(s.a, node.size(), idx))
          collect(p, i + 1, node.items()[idx], out);
        break;
      }
      case SegmentKind::kWildcard:
        children(p, i + 1, node, out);
        break;
      case SegmentKind::kSlice:
        if (node.is_array()) slice(p, i, node, out);
        break;
      case SegmentKind::kFieldUnion:
        if (!node.is_object()) break;
        if (i + 1 == p.segments_.size()) {
          out.push(merge(p, s, node, arena_));
        } else {
          for (uint32_t k = 0; k < s.count; ++k) {
            const Value* v = node.find(p.field_name(p.union_names_[s.a + k]));
            if (v != nullptr) collect(p, i + 1, *v, out);
          }
        }
        break;
      case SegmentKind::kIndexUnion:
        if (!node.is_array()) break;
        for (uint32_t k = 0; k < s.count; ++k) {
          uint32_t idx;
          if (resolve_index(p.union_indexes_[s.a + k], node.size(), idx))
            collect(p, i + 1, node.items()[idx], out);
        }
        break;
      case SegmentKind::kDescendField:
        descend_field(p, i, node, out);
        break;
      case SegmentKind::kDescendWildcard:
        if (s.flags & kScanNext) {
          scan(p, i + 1, node, out);
        } else {
          descend_wildcard(p, i, node, out);
        }
        break;
      case SegmentKind::kFilter:
        if (node.is_object()) {
          // Jayway applies a filter on an object to the object itself.
          if (test(p, static_cast<uint32_t>(s.a), node)) collect(p, i + 1, node, out);
        } else if (node.is_array()) {
          for (const Value& item : node.items())
            if (test(p, static_cast<uint32_t>(s.a), item)) collect(p, i + 1, item, out);
        }
        break;
    }
  }

  // Jayway's text for one step: ['name'] (or ["name"] as written), [3], ['a','b'].
  static std::string fragment(const Path& p, const Segment& s) {
    auto quoted = [&p](const Segment& f) {
      char q = (f.flags & kDoubleQuoted) ? '"' : '\'';
      return std::string(1, q) + std::string(p.field_name(f)) + q;
    };
    switch (s.kind) {
      case SegmentKind::kField:
        return "[" + quoted(s) + "]";
      case SegmentKind::kIndex:
        return "[" + std::to_string(s.a) + "]";
      case SegmentKind::kFieldUnion: {
        std::string out = "[";
        for (uint32_t k = 0; k < s.count; ++k) {
          if (k > 0) out += ",";
          out += quoted(p.union_names_[s.a + k]);
        }
        return out + "]";
      }
      default:
        return {};
    }
  }

  // Jayway's merge of a field union at the end of a path: one object with the fields present.
  static Value merge(const Path& p, const Segment& s, const Value& object, Arena& arena) {
    ObjectBuilder b(arena, s.count);
    for (uint32_t k = 0; k < s.count; ++k) {
      const Member* m = find_member(object, p.field_name(p.union_names_[s.a + k]));
      if (m != nullptr) b.set(m->key, m->value);
    }
    return b.build();
  }

 private:
  void children(const Path& p, size_t next, const Value& node, Sink& out) {
    if (node.is_object()) {
      for (const Member& m : node.members())
        collect(p, next, m.value, out);
    } else if (node.is_array()) {
      for (const Value& item : node.items())
        collect(p, next, item, out);
    }
  }

  // Jayway's slices: [from:] and [:to] count negative bounds from the end; [from:to] uses the
  // bounds as written (each index then resolved on its own), so [1:-1] is empty, as in Jayway.
  // The step (our extension; Jayway has none) strides from the start.
  void slice(const Path& p, size_t i, const Value& array, Sink& out) {
    const Segment& s = p.segments_[i];
    const int64_t len = array.size();
    int64_t from = 0, to = len;
    bool has_from = s.flags & kSliceStart, has_to = s.flags & kSliceEnd;
    if (has_from && has_to) {
      from = s.a;
      to = std::min(len, s.b);
    } else if (has_from) {
      from = s.a < 0 ? std::max<int64_t>(0, len + s.a) : s.a;
    } else if (has_to) {
      to = std::min(len, s.b < 0 ? len + s.b : s.b);
    }
    // Indexes below -len resolve to nothing: skip them in whole strides, so that a huge
    // negative start costs nothing.
    if (from < -len) from += (-len - from + s.c - 1) / s.c * s.c;
    for (int64_t k = from; k < to; k += s.c) {
      uint32_t idx;
      if (resolve_index(k, array.size(), idx)) collect(p, i + 1, array.items()[idx], out);
    }
  }

  void descend_field(const Path& p, size_t i, const Value& node, Sink& out) {
    if (node.is_object()) {
      if (const Value* v = node.find(p.field_name(p.segments_[i]))) collect(p, i + 1, *v, out);
      for (const Member& m : node.members())
        descend_field(p, i, m.value, out);
    } else if (node.is_array()) {
      for (const Value& item : node.items())
        descend_field(p, i, item, out);
    }
  }

  // ..* : every node's children, parents before their descendants (Jayway's walk order).
  void descend_wildcard(const Path& p, size_t i, const Value& node, Sink& out) {
    if (!node.is_object() && !node.is_array()) return;
    children(p, i + 1, node, out);
    if (node.is_object()) {
      for (const Member& m : node.members())
        descend_wildcard(p, i, m.value, out);
    } else {
      for (const Value& item : node.items())
        descend_wildcard(p, i, item, out);
    }
  }

  // A bare `..` before segment t (index, slice, union or filter): Jayway visits every object and
  // array, applying t where its scan predicate holds. On an array with more steps after t,
  // Jayway's walk applies those steps to every item, skipping t itself; we keep that quirk.
  void scan(const Path& p, size_t t, const Value& node, Sink& out) {
    const Segment& target = p.segments_[t];
    if (node.is_object()) {
      bool match = false;
      if (target.kind == SegmentKind::kFilter) {
        match = test(p, static_cast<uint32_t>(target.a), node);
      } else if (target.kind == SegmentKind::kFieldUnion) {
        match = true;
        if (t + 1 == p.segments_.size()) {
          for (uint32_t k = 0; k < target.count && match; ++k)
            match = node.find(p.field_name(p.union_names_[target.a + k])) != nullptr;
        }
      }
      if (match) collect(p, t, node, out);
      for (const Member& m : node.members())
        scan(p, t, m.value, out);
    } else if (node.is_array()) {
      bool match =
          target.kind == SegmentKind::kIndex || target.kind == SegmentKind::kSlice ||
          target.kind == SegmentKind::kIndexUnion ||
          (target.kind == SegmentKind::kFilter && test(p, static_cast<uint32_t>(target.a), node));
      if (match) {
        if (t + 1 == p.segments_.size()) {
          collect(p, t, node, out);
        } else {
          for (const Value& item : node.items())
            collect(p, t + 1, item, out);
        }
      }
      for (const Value& item : node.items())
        scan(p, t, item, out);
    }
  }

  // A filter operand: nullopt when a path finds nothing (Jayway's UNDEFINED).
  std::optional<Value> operand(const Path& p, uint32_t k, const Value& item) {
    const FilterNode& n = p.filters_[k];
    if (n.op == Op::kLiteral) return p.literals_[n.literal].get();
    const Path& sub = p.subpaths_[n.path];
    const Value& base = n.op == Op::kCurrentPath ? item : root_;
    if (sub.is_definite()) {
      Value v;
      if (!definite(sub, base, arena_, v)) return std::nullopt;
      return v;
    }
    Sink sink(arena_);
    collect(sub, 0, base, sink);
    return sink.build();
  }

  static bool is_container(const Value& v) { return v.is_array() || v.is_object(); }

  // A string that spells a number, for Jayway's 1 == '1'.
  static bool string_number(std::string_view s, double& d) {
    if (s.empty()) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), d);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  }

  static int compare_numbers(const Value& a, const Value& b) {
    if (a.is_int() && b.is_int()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
    double x = a.as_double(), y = b.as_double();
    return x < y ? -1 : x > y;
  }

  // Jayway's ==: undefined equals nothing; numbers by value (also against a numeric string);
  // arrays and objects deeply.
  static bool eq(const std::optional<Value>& l, const std::optional<Value>& r) {
    if (!l || !r) return false;
    const Value &a = *l, &b = *r;
    if (is_container(a) || is_container(b)) return equal(a, b);
    if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
    double d;
    if (a.is_number() && b.is_string())
      return string_number(b.as_string(), d) && d == a.as_double();
    if (a.is_string() && b.is_number())
      return string_number(a.as_string(), d) && d == b.as_double();
    return equal(a, b);
  }

  // <, <=, >, >=: numbers with numbers, strings with strings (by code point); else false.
  static bool order(Op op, const std::optional<Value>& l, const std::optional<Value>& r) {
    if (!l || !r) return false;
    int c;
    if (l->is_number() && r->is_number()) {
      c = compare_numbers(*l, *r);
    } else if (l->is_string() && r->is_string()) {
      int k = l->as_string().compare(r->as_string());
      c = k < 0 ? -1 : k > 0;
    } else {
      return false;
    }
    switch (op) {
      case Op::kLt:
        return c < 0;
      case Op::kLe:
        return c <= 0;
      case Op::kGt:
        return c > 0;
      default:
        return c >= 0;
    }
  }

  static bool in(const std::optional<Value>& l, const std::optional<Value>& r) {
    if (!l || !r || !r->is_array()) return false;
    for (const Value& item : r->items())
      if (eq(l, item)) return true;
    return false;
  }

  bool regex_match(const Path& p, const FilterNode& n, const Value& item) {
    std::optional<Value> v = operand(p, n.lhs, item);
    std::string text;
    if (v && v->is_string()) {
      text.assign(v->as_string());
    } else if (v && v->is_number()) {
      write_number(*v, text);
    } else if (v && v->is_bool()) {
      text = v->as_bool() ? "true" : "false";
    }
    // Java's Matcher.matches(): the whole input must match.
    return std::regex_match(text, p.regexes_[n.rhs]->re);
  }

  bool test(const Path& p, uint32_t k, const Value& item) {
    const FilterNode& n = p.filters_[k];
    switch (n.op) {
      case Op::kOr:
        return test(p, n.lhs, item) || test(p, n.rhs, item);
      case Op::kAnd:
        return test(p, n.lhs, item) && test(p, n.rhs, item);
      case Op::kNot:
        return !test(p, n.lhs, item);
      case Op::kExists: {
        // A definite path exists when it names a value (null included); an indefinite one when
        // it matches anything.
        std::optional<Value> v = operand(p, n.lhs, item);
        const Path& sub = p.subpaths_[p.filters_[n.lhs].path];
        return v && (sub.is_definite() || v->size() > 0);
      }
      case Op::kEq:
        return eq(operand(p, n.lhs, item), operand(p, n.rhs, item));
      case Op::kNe:
        return !eq(operand(p, n.lhs, item), operand(p, n.rhs, item));
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe:
        return order(n.op, operand(p, n.lhs, item), operand(p, n.rhs, item));
      case Op::kIn:
        return in(operand(p, n.lhs, item), operand(p, n.rhs, item));
      case Op::kNin:
        return !in(operand(p, n.lhs, item), operand(p, n.rhs, item));
      case Op::kRegex:
        return regex_match(p, n, item);
      default:
        return false;  // operands are not conditions; decode() rejects such trees
    }
  }

  const Value& root_;
  Arena& arena_;
};

// ---------------------------------------------------------------------------------------------
// Jayway's wording for a definite path that found nothing.

namespace {

std::string fragment(const Path& p, const Segment& s) {
  return PathEvaluator::fragment(p, s);
}

// The Java class Jayway's default provider (json-smart) holds a value as.
std::string_view java_class(const Value& v) {
  switch (v.type()) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "java.lang.Boolean";
    case Type::kInt:
      return fits_int32(v.as_int()) ? "java.lang.Integer" : "java.lang.Long";
    case Type::kDouble:
      return "java.lang.Double";
    case Type::kString:
      return "java.lang.String";
    case Type::kArray:
      return "net.minidev.json.JSONArray";
    case Type::kObject:
      return "net.minidev.json.JSONObject";
  }
  return "?";
}

}  // namespace

std::string not_found_message(const Path& path, const Value& root) {
  auto segs = path.segments();
  std::string full = "$";
  for (const Segment& s : segs)
    full += fragment(path, s);
  std::string cur = "$";
  Value node = root;
  for (size_t i = 0; i < segs.size(); ++i) {
    const Segment& s = segs[i];
    std::string frag = fragment(path, s);
    if (s.kind == SegmentKind::kField || s.kind == SegmentKind::kFieldUnion) {
      if (!node.is_object()) {
        return "Expected to find an object with property " + frag + " in path " + cur +
               " but found '" + std::string(java_class(node)) +
               "'. This is not a json object according to the JsonProvider: "
               "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.";
      }
      if (s.kind == SegmentKind::kFieldUnion) break;  // merges whatever is there
      const Value* v = node.find(path.field_name(s));
      if (v == nullptr) {
        return i + 1 == segs.size() ? "No results for path: " + full
                                    : "Missing property in path " + cur + frag;
      }
      cur += frag;
      node = *v;
    } else if (s.kind == SegmentKind::kIndex) {
      if (node.is_null()) return "The path " + cur + " is null";
      if (!node.is_array()) {
        std::string rest;
        for (size_t j = i; j < segs.size(); ++j)
          rest += fragment(path, segs[j]);
        return "Filter: " + rest +
               " can only be applied to arrays. Current context is: " + to_string(node);
      }
      uint32_t idx;
      if (!resolve_index(s.a, node.size(), idx)) return "No results for path: " + full;
      cur += frag;
      node = node.items()[idx];
    } else {
      break;
    }
  }
  return "No results for path: " + full;
}

// ---------------------------------------------------------------------------------------------
// ResultPath.

namespace {

// AWS's two causes: a step that meets an array or object of the wrong kind names the step and
// that value; a scalar in the way names the whole reference path and the whole input.
bool assign_error(const Path& path, const Segment& s, const Value& node, const Value& root,
                  std::string& error) {
  if (node.is_array() || node.is_object()) {
    error = "Unable to apply step \"";
    error += s.kind == SegmentKind::kField ? std::string(path.field_name(s)) : std::to_string(s.a);
    error += "\" to input ";
    error += to_string(node);
  } else {
    error = "Unable to apply ReferencePath ";
    error += path.text();
    error += " to input ";
    error += to_string(root);
  }
  return false;
}

constexpr uint32_t kAbsent = 0xFFFFFFFFu;

// Replaces `node`'s step `s` (a field or an index it is known to allow) with `child`; a missing
// node (nullptr) becomes a new object holding just that field. For a field, `at` is the index of
// its member in `node` (the last if the key repeats), or kAbsent.
Value rebuild_node(const Path& path, const Segment& s, const Value* node, uint32_t at,
                   const Value& child, Arena& arena) {
  if (node == nullptr) {
    Member* m = arena.alloc_array<Member>(1);
    m[0] = {arena.copy(path.field_name(s)), child};
    return Value::object(m, 1, path.has_plain_names(), true);
  }
  if (s.kind == SegmentKind::kIndex) {
    auto items = node->items();
    Value* copy = arena.alloc_array<Value>(items.size());
    std::copy(items.begin(), items.end(), copy);
    copy[s.a] = child;
    return Value::array(copy, static_cast<uint32_t>(items.size()));
  }
  auto ms = node->members();
  uint32_t n = static_cast<uint32_t>(ms.size()) + (at != kAbsent ? 0 : 1);
  Member* copy = arena.alloc_array<Member>(n);
  std::copy(ms.begin(), ms.end(), copy);
  if (at != kAbsent) {
    copy[at].value = child;
    return Value::object(copy, n, node->has_plain_keys(), node->has_unique_keys());
  }
  copy[n - 1] = {arena.copy(path.field_name(s)), child};
  // The key was absent: appending it keeps the keys unique.
  return Value::object(copy, n, node->has_plain_keys() && path.has_plain_names(),
                       node->has_unique_keys());
}

// rebuild_node(), with the result's bound recorded so that payload checks of the document need
// not walk it: grown by the one member when a field is added, else one step per member (every
// level below has its own).
Value rebuild(const Path& path, const Segment& s, const Value* node, uint32_t at,
              const Value& child, Arena& arena) {
  const Value v = rebuild_node(path, s, node, at, child, arena);
  size_t bound = 0;
  if (node == nullptr || v.size() > node->size()) {
    bound = bound_with_member(node ? node->known_bound() : 2,
                              Value::string(path.field_name(s), path.has_plain_names()), child);
  }
  return v.with_bound(bound ? bound : size_bound(v));
}

}  // namespace

bool assign(const Path& path, const Value& root, const Value& value, Arena& arena, Value& out,
            std::string& error) {
  if (!path.is_reference()) {
    error = "ResultPath must be a reference path: ";
    error += path.text();
    return false;
  }
  // Down: find the node each step applies to (nullptr where the path leaves the document),
  // checking every step before anything is built. Up: rebuild only those nodes.
  auto segs = path.segments();
  const size_t n = segs.size();
  const Value* local[16];
  uint32_t local_at[16];
  const Value** nodes = n < 16 ? local : arena.alloc_array<const Value*>(n + 1);
  uint32_t* at = n < 16 ? local_at : arena.alloc_array<uint32_t>(n);  // see rebuild_node
  nodes[0] = &root;
  for (size_t i = 0; i < n; ++i) {
    const Segment& s = segs[i];
    const Value* node = nodes[i];
    at[i] = kAbsent;
    if (node == nullptr) {
      // Missing objects are created; an index cannot conjure an array.
      if (s.kind != SegmentKind::kField) return assign_error(path, s, Value(), root, error);
      nodes[i + 1] = nullptr;
    } else if (s.kind == SegmentKind::kField) {
      if (!node->is_object()) return assign_error(path, s, *node, root, error);
      const Member* m = find_member(*node, path.field_name(s));
      nodes[i + 1] = m ? &m->value : nullptr;
      if (m) at[i] = static_cast<uint32_t>(m - node->members().data());
    } else {
      if (!node->is_array() || s.a >= node->size())
        return assign_error(path, s, *node, root, error);
      nodes[i + 1] = &node->items()[s.a];
    }
  }
  Value cur = value;
  for (size_t i = n; i-- > 0;)
    cur = rebuild(path, segs[i], nodes[i], at[i], cur, arena);
  out = cur;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Entry points.

bool Path::parse(std::string_view text, Path& out, std::string& error) {
  out = Path();
  error.clear();
  out.text_.assign(text);
  PathParser parser(text, error);
  if (parser.parse_top(out)) return true;
  out = Path();
  return false;
}

bool Path::is_reference() const {
  for (const Segment& s : segments_) {
    if (s.kind == SegmentKind::kField) continue;
    if (s.kind == SegmentKind::kIndex && s.a >= 0) continue;
    return false;
  }
  return true;
}

void Path::classify() {
  definite_ = field_chain_ = plain_names_ = true;
  for (size_t i = 0; i < segments_.size(); ++i) {
    SegmentKind k = segments_[i].kind;
    field_chain_ &= k == SegmentKind::kField;
    if (k == SegmentKind::kField) plain_names_ &= is_plain(field_name(segments_[i]));
    if (k == SegmentKind::kField || k == SegmentKind::kIndex) continue;
    if (k == SegmentKind::kFieldUnion && i + 1 == segments_.size()) continue;
    definite_ = false;
  }
}

void Path::encode(std::string& out) const {
  PathParser::encode(*this, out);
}

bool Path::decode(std::string_view bytes, Path& out) {
  out = Path();
  Reader r(bytes);
  if (PathParser::decode(r, out, 0) && r.done()) return true;
  out = Path();
  return false;
}

EvalStatus evaluate_general(const Path& path, const Value& root, Arena& arena, Value& out) {
  if (path.is_definite()) {
    return PathEvaluator::definite(path, root, arena, out) ? EvalStatus::kOk
                                                           : EvalStatus::kNotFound;
  }
  Sink sink(arena);
  PathEvaluator(root, arena).collect(path, 0, root, sink);
  out = sink.build();
  return EvalStatus::kOk;
}

}  // namespace stepstream::json
