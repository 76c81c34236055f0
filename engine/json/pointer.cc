// JSON pointer steps.
#include "engine/json/pointer.h"

namespace stepstream::json {

std::string pointer_child(std::string_view base, std::string_view key) {
  std::string s(base);
  s.reserve(base.size() + 1 + key.size());
  s += '/';
  for (char c : key) {
    if (c == '~')
      s += "~0";
    else if (c == '/')
      s += "~1";
    else
      s += c;
  }
  return s;
}

std::string pointer_child(std::string_view base, size_t index) {
  std::string s(base);
  s += '/';
  s += std::to_string(index);
  return s;
}

}  // namespace stepstream::json
