// Value -> compact JSON text, as AWS prints it (no spaces; non-ASCII kept as UTF-8).
#pragma once

#include <string>

#include "engine/json/value.h"

namespace stepstream::json {

// Appends the JSON text of `v` to `out` (whose capacity callers reuse across events).
void write(const Value& v, std::string& out);
// Appends `s` as a quoted, escaped JSON string.
void write_string(std::string_view s, std::string& out);
// Appends a number the way Java prints it in JSON: integers plainly, doubles shortest
// round-trip with a fraction or exponent ("1.0", "0.1", "1.0E21").
void write_number(const Value& v, std::string& out);

std::string to_string(const Value& v);

}  // namespace stepstream::json
