// The serializer: one recursive walk appending to a caller-owned buffer.
#include "engine/json/write.h"

#include <algorithm>
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

void write_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending run of characters that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
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
  switch (v.type()) {
    case Type::kNull:
      out.append("null");
      return;
    case Type::kBool:
      out.append(v.as_bool() ? "true" : "false");
      return;
    case Type::kInt:
    case Type::kDouble:
      write_number(v, out);
      return;
    case Type::kString:
      write_string(v.as_string(), out);
      return;
    case Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        write(item, out);
      }
      out.push_back(']');
      return;
    }
    case Type::kObject: {
      out.push_back('{');
      bool first = true;
      for (const Member& m : v.members()) {
        if (!first) out.push_back(',');
        first = false;
        write_string(m.key, out);
        out.push_back(':');
        write(m.value, out);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string to_string(const Value& v) {
  std::string s;
  write(v, s);
  return s;
}

}  // namespace stepstream::json

namespace stepstream::json {

namespace {

// How many characters of `s` write_string() escapes. A loop the compiler vectorizes.
size_t escapes(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c < 0x20) | (c == '"') | (c == '\\');
  return n;
}

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

// An upper bound of serialized_size that costs little: numbers count as their longest text,
// escaped characters as the longest escape.
size_t size_bound(const Value& v) {
  switch (v.type()) {
    case Type::kNull:
      return 4;
    case Type::kBool:
      return 5;
    case Type::kInt:
    case Type::kDouble:
      return 24;
    case Type::kString:
      return v.as_string().size() + 2 + 5 * escapes(v.as_string());
    case Type::kArray: {
      size_t n = 2 + v.size();
      for (const Value& item : v.items())
        n += size_bound(item);
      return n;
    }
    case Type::kObject: {
      size_t n = 2 + v.size();
      for (const Member& m : v.members())
        n += m.key.size() + 3 + 5 * escapes(m.key) + size_bound(m.value);
      return n;
    }
  }
  return 0;
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
      return exact_string_size(v.as_string());
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
      for (const Member& m : v.members()) {
        n += exact_string_size(m.key) + 1 + exact_size(m.value, limit);
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

bool exceeds_size(const Value& v, size_t limit) {
  // Most documents are far below the limit: a cheap upper bound settles them.
  return size_bound(v) > limit && exact_size(v, limit) > limit;
}

}  // namespace stepstream::json
