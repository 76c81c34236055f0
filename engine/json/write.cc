// The serializer: one reservation for an upper bound of the text, then one recursive walk
// writing through a plain pointer. Also the exact size of a value's text, for the payload limit.
#include "engine/json/write.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace stepstream::json {

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

// An upper bound of serialized_size that costs one step per value, none per character: numbers
// count as their longest text, every character of a string as the longest escape (\u0000).
// Scalars are bounded inline; containers recurse through size_bound.
inline size_t scalar_bound(const Value& v) {
  switch (v.type()) {
    case Type::kNull:
      return 4;
    case Type::kBool:
      return 5;
    case Type::kInt:
    case Type::kDouble:
      return 40;  // format_number writes at most 40
    case Type::kString:
      return (v.is_plain_string() ? 1 : 6) * v.as_string().size() + 2;
    default:
      return size_bound(v);
  }
}

}  // namespace

size_t size_bound(const Value& v) {
  if (const size_t known = v.known_bound()) return known;
  switch (v.type()) {
    case Type::kArray: {
      size_t n = 2 + v.size();
      for (const Value& item : v.items())
        n += scalar_bound(item);
      return n;
    }
    case Type::kObject: {
      size_t n = 2 + v.size();
      const size_t key_factor = v.has_plain_keys() ? 1 : 6;
      for (const Member& m : v.members())
        n += key_factor * m.key.size() + 3 + scalar_bound(m.value);
      return n;
    }
    default:
      return scalar_bound(v);
  }
}

namespace {

// SWAR test of eight bytes for any that write_string must escape.
bool needs_escape8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return (below_space | zero_byte(w ^ (kOnes * '"')) | zero_byte(w ^ (kOnes * '\\'))) != 0;
}

// The bytes JSON text must escape: control characters, '"' and '\\'.
constexpr auto kEscaped = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c)
    t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

char* write_string_raw(std::string_view s, char* p) {
  static constexpr char kHex[] = "0123456789abcdef";
  *p++ = '"';
  size_t i = 0;
  while (i < s.size()) {
    // Copy eight plain characters at a time: no byte below 0x20, no '"', no '\\'.
    if (i + 8 <= s.size() && !needs_escape8(s.data() + i)) {
      std::memcpy(p, s.data() + i, 8);
      p += 8;
      i += 8;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(s[i++]);
    if (!kEscaped[c]) {
      *p++ = static_cast<char>(c);
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
        *p++ = '"';
        break;
      case '\\':
        *p++ = '\\';
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\r':
        *p++ = 'r';
        break;
      case '\t':
        *p++ = 't';
        break;
      case '\b':
        *p++ = 'b';
        break;
      case '\f':
        *p++ = 'f';
        break;
      default:
        std::memcpy(p, "u00", 3);
        p[3] = kHex[c >> 4];
        p[4] = kHex[c & 15];
        p += 5;
    }
  }
  *p++ = '"';
  return p;
}

// A string known to need no escaping: its quoted text, copied as is.
inline char* write_plain(std::string_view s, char* p) {
  *p = '"';
  copy_bytes(p + 1, s.data(), s.size());
  p += s.size() + 1;
  *p = '"';
  return p + 1;
}

char* write_raw(const Value& v, char* p);

// write_raw() of an item or member value, with plain strings and integers (most of them)
// written without its call.
inline char* write_item(const Value& v, char* p) {
  if (v.is_string() && v.is_plain_string()) return write_plain(v.as_string(), p);
  if (v.is_int()) return std::to_chars(p, p + 24, v.as_int()).ptr;
  return write_raw(v, p);
}

char* write_raw(const Value& v, char* p) {
  switch (v.type()) {
    case Type::kNull:
      std::memcpy(p, "null", 4);
      return p + 4;
    case Type::kBool:
      if (v.as_bool()) {
        std::memcpy(p, "true", 4);
        return p + 4;
      }
      std::memcpy(p, "false", 5);
      return p + 5;
    case Type::kInt:
    case Type::kDouble:
      return p + format_number(v, p);
    case Type::kString:
      if (v.is_plain_string()) return write_plain(v.as_string(), p);
      return write_string_raw(v.as_string(), p);
    case Type::kArray: {
      *p++ = '[';
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) *p++ = ',';
        first = false;
        p = write_item(item, p);
      }
      *p++ = ']';
      return p;
    }
    case Type::kObject: {
      *p++ = '{';
      const bool plain_keys = v.has_plain_keys();
      bool first = true;
      for (const Member& m : v.members()) {
        if (!first) *p++ = ',';
        first = false;
        p = plain_keys ? write_plain(m.key, p) : write_string_raw(m.key, p);
        *p++ = ':';
        p = write_item(m.value, p);
      }
      *p++ = '}';
      return p;
    }
  }
  return p;
}

}  // namespace

void write_string(std::string_view s, std::string& out) {
  size_t old = out.size();
  out.resize(old + 6 * s.size() + 2);  // room for the longest escape of every character
  out.resize(static_cast<size_t>(write_string_raw(s, out.data() + old) - out.data()));
}

size_t format_number(const Value& v, char* buf) {
  char* const begin = buf;
  if (v.is_int()) return static_cast<size_t>(std::to_chars(buf, buf + 32, v.as_int()).ptr - buf);
  double d = v.as_double();
  if (!std::isfinite(d)) {
    std::memcpy(buf, "null", 4);
    return 4;
  }
  // Java switches to scientific notation outside [1e-3, 1e7).
  double mag = std::fabs(d);
  bool sci = mag != 0 && (mag < 1e-3 || mag >= 1e7);
  if (!sci) {
    // Most numbers in events have a few decimals. When i / 10^k == |d| for an integer i and
    // the least k <= 3, "i with k decimals" is the shortest text that reads back as d, which
    // is what to_chars would find: below 1e7 doubles are far closer together than 10^-3, so
    // no other text of that length reads back as d. (No library call for the common case.)
    // Thousandths settle it at once: some k <= 3 reads back iff k = 3 does, and the least k
    // drops the trailing zeros of i.
    // (Divisions by constants only: the compiler makes them multiplications.)
    const auto i = static_cast<int64_t>(mag * 1000 + 0.5);
    if (static_cast<double>(i) / 1000 == mag) {
      const auto frac = static_cast<int>(i % 1000);
      if (std::signbit(d)) *buf++ = '-';
      buf = std::to_chars(buf, buf + 24, i / 1000).ptr;
      *buf++ = '.';
      buf[0] = static_cast<char>('0' + frac / 100);
      buf[1] = static_cast<char>('0' + frac / 10 % 10);
      buf[2] = static_cast<char>('0' + frac % 10);
      buf += frac % 100 != 0 ? (frac % 10 != 0 ? 3 : 2) : 1;  // "1.0" keeps one zero
      return static_cast<size_t>(buf - begin);
    }
  }
  char tmp[32];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, d,
                         sci ? std::chars_format::scientific : std::chars_format::fixed);
  std::string_view text(tmp, static_cast<size_t>(r.ptr - tmp));
  auto put = [&buf](std::string_view s) {
    std::memcpy(buf, s.data(), s.size());
    buf += s.size();
  };
  if (!sci) {
    put(text);
    if (text.find('.') == std::string_view::npos) put(".0");
    return static_cast<size_t>(buf - begin);
  }
  // "1e+21" -> "1.0E21", "1.5e-07" -> "1.5E-7".
  size_t e = text.find('e');
  std::string_view mant = text.substr(0, e);
  put(mant);
  if (mant.find('.') == std::string_view::npos) put(".0");
  put("E");
  std::string_view exp = text.substr(e + 1);
  if (exp.front() == '-') {
    put("-");
    exp.remove_prefix(1);
  } else if (exp.front() == '+') {
    exp.remove_prefix(1);
  }
  while (exp.size() > 1 && exp.front() == '0')
    exp.remove_prefix(1);
  put(exp);
  return static_cast<size_t>(buf - begin);
}

void write_number(const Value& v, std::string& out) {
  char buf[40];
  out.append(buf, format_number(v, buf));
}

void write(const Value& v, std::string& out) {
  // One reservation for the whole document (an upper bound, so no step below checks room),
  // then plain pointer writes: per-string capacity checks were most of the cost.
  size_t old = out.size();
  out.resize(old + size_bound(v));
  out.resize(static_cast<size_t>(write_raw(v, out.data() + old) - out.data()));
}

std::string to_string(const Value& v) {
  std::string s;
  write(v, s);
  return s;
}

namespace {

size_t exact_string_size(std::string_view s) {
  size_t n = 2;
  for (unsigned char c : s) {
    if (c >= 0x20 && c != '"' && c != '\\')
      n += 1;
    else if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f')
      n += 2;
    else
      n += 6;
  }
  return n;
}

size_t exact_size(const Value& v, size_t limit) {
  switch (v.type()) {
    case Type::kNull:
      return 4;
    case Type::kBool:
      return v.as_bool() ? 4 : 5;
    case Type::kInt:
    case Type::kDouble: {
      char buf[40];
      return format_number(v, buf);
    }
    case Type::kString:
      return v.is_plain_string() ? v.as_string().size() + 2 : exact_string_size(v.as_string());
    case Type::kArray: {
      size_t n = 2 + (v.size() ? v.size() - 1 : 0);
      for (const Value& item : v.items()) {
        n += exact_size(item, limit);
        if (n > limit) break;
      }
      return n;
    }
    case Type::kObject: {
      size_t n = 2 + (v.size() ? v.size() - 1 : 0);
      const bool plain_keys = v.has_plain_keys();
      for (const Member& m : v.members()) {
        n += (plain_keys ? m.key.size() + 2 : exact_string_size(m.key)) + 1 +
             exact_size(m.value, limit);
        if (n > limit) break;
      }
      return n;
    }
  }
  return 0;
}

}  // namespace

size_t serialized_size(const Value& v) {
  return exact_size(v, SIZE_MAX);
}

bool exceeds_size_counted(const Value& v, size_t limit) {
  // Most documents are far below the limit: a cheap upper bound settles them.
  return size_bound(v) > limit && exact_size(v, limit) > limit;
}

}  // namespace stepstream::json
