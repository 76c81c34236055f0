// JSON pointers (RFC 6901), the way every stage names where a problem is: "/States/A~1B/Next".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stepstream::json {

// `base` extended by one step: an object key ('~' and '/' escaped) or an array index.
std::string pointer_child(std::string_view base, std::string_view key);
std::string pointer_child(std::string_view base, size_t index);

}  // namespace stepstream::json
