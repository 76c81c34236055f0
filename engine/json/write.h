// Value -> compact JSON text, as AWS prints it (no spaces; non-ASCII kept as UTF-8).
#pragma once

#include <cstdint>
#include <cstring>
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

// memcpy without a library call for the short strings and keys of most documents (and of texts made
// from them): two copies that overlap when n is not a power of two.
inline void copy_bytes(char* dst, const char* src, size_t n) {
  auto copy = [dst, src]<class T>(size_t at, T) {
    T x;
    std::memcpy(&x, src + at, sizeof x);
    std::memcpy(dst + at, &x, sizeof x);
  };
  if (n > 16) {
    std::memcpy(dst, src, n);
  } else if (n >= 8) {
    copy(0, uint64_t{});
    copy(n - 8, uint64_t{});
  } else if (n >= 4) {
    copy(0, uint32_t{});
    copy(n - 4, uint32_t{});
  } else if (n >= 2) {
    copy(0, uint16_t{});
    copy(n - 2, uint16_t{});
  } else if (n == 1) {
    *dst = *src;
  }
}

// Appends code point `cp` encoded as UTF-8.
void append_utf8(uint32_t cp, std::string& out);

// An upper bound of serialized_size(v) at one step per value, none per character and none
// inside an array or object that carries a known_bound().
size_t size_bound(const Value& v);
// For builders: the known_bound() of an object once member `key`: `v` is added to one whose
// bound was `bound` (0, unknown, stays 0); `plain_key` as Value::is_plain_string of the key.
inline size_t bound_with_member(size_t bound, std::string_view key, bool plain_key,
                                const Value& v) {
  if (bound == 0) return 0;
  // Inline for scalars (every one but a string within 40 bytes, the longest number).
  const size_t value = v.is_string()     ? (v.is_plain_string() ? 1 : 6) * v.as_string().size() + 2
                       : v.size() == 0   ? 40
                       : v.known_bound() ? v.known_bound()
                                         : size_bound(v);
  return bound + (plain_key ? 1 : 6) * key.size() + 4 + value;
}
inline size_t bound_with_member(size_t bound, const Value& key, const Value& v) {
  return bound_with_member(bound, key.as_string(), key.is_plain_string(), v);
}
// The length of write(v)'s text, counted without writing.
size_t serialized_size(const Value& v);
// exceeds_size() when no known_bound() settles it.
bool exceeds_size_counted(const Value& v, size_t limit);
// Whether write(v)'s text would be longer than `limit` bytes; cheap for documents well below
// the limit (a bound settles them, inline when the value carries it) and for those far above
// it (counting stops early).
inline bool exceeds_size(const Value& v, size_t limit) {
  const size_t known = v.known_bound();
  return (known == 0 || known > limit) && exceeds_size_counted(v, limit);
}

}  // namespace stepstream::json
