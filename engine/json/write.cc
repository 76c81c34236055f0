// The serializer: one recursive walk appending to a caller-owned buffer.
#include "engine/json/write.h"

#include <charconv>
#include <cmath>

namespace stepstream::json {

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

void write_number(const Value& v, std::string& out) {
  char buf[32];
  if (v.is_int()) {
    auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
    out.append(buf, r.ptr);
    return;
  }
  double d = v.as_double();
  if (!std::isfinite(d)) {
    out.append("null");
    return;
  }
  // Java switches to scientific notation outside [1e-3, 1e7).
  double mag = std::fabs(d);
  bool sci = mag != 0 && (mag < 1e-3 || mag >= 1e7);
  auto r = std::to_chars(buf, buf + sizeof buf, d,
                         sci ? std::chars_format::scientific : std::chars_format::fixed);
  std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
  if (!sci) {
    out.append(text);
    if (text.find('.') == std::string_view::npos) out.append(".0");
    return;
  }
  // "1e+21" -> "1.0E21", "1.5e-07" -> "1.5E-7".
  size_t e = text.find('e');
  std::string_view mant = text.substr(0, e);
  out.append(mant);
  if (mant.find('.') == std::string_view::npos) out.append(".0");
  out.push_back('E');
  std::string_view exp = text.substr(e + 1);
  if (exp.front() == '-') {
    out.push_back('-');
    exp.remove_prefix(1);
  } else if (exp.front() == '+') {
    exp.remove_prefix(1);
  }
  while (exp.size() > 1 && exp.front() == '0')
    exp.remove_prefix(1);
  out.append(exp);
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
