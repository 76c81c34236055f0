// Value -> compact JSON text, as AWS prints it (no spaces; non-ASCII kept as UTF-8).
#pragma once

#include <cstdint>
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
// The same into `buf` (at least 40 bytes), returning the length.
size_t format_number(const Value& v, char* buf);

std::string to_string(const Value& v);

// Appends code point `cp` encoded as UTF-8.
void append_utf8(uint32_t cp, std::string& out);

// The length of write(v)'s text, counted without writing.
size_t serialized_size(const Value& v);
// Whether write(v)'s text would be longer than `limit` bytes; cheap for documents well below
// the limit (a bound settles them) and for those far above it (counting stops early).
bool exceeds_size(const Value& v, size_t limit);

}  // namespace stepstream::json
