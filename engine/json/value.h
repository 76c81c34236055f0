// The JSON value model: immutable 16-byte values whose strings, arrays and objects live in an
// Arena. Values never change once built, so a new document may share any part of an old one
// (ResultPath merges copy only the objects along the path).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine/json/arena.h"

namespace stepstream::json {

enum class Type : uint8_t { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

std::string_view type_name(Type t);  // "null", "boolean", "integer", "number", "string", ...

struct Member;

class Value {
 public:
  constexpr Value() : type_(Type::kNull), size_(0), u_{.i = 0} {}
  static constexpr Value null() { return Value(); }
  static constexpr Value boolean(bool b) { return Value(Type::kBool, b ? 1 : 0, 0); }
  static constexpr Value integer(int64_t i) { return Value(Type::kInt, 0, i); }
  static Value number(double d) {
    Value v(Type::kDouble, 0, 0);
    v.u_.d = d;
    return v;
  }
  // The characters are not copied: they must outlive the value (arena, constant pool, literal).
  // `plain` promises that no character needs escaping in JSON (the writer then copies it as is);
  // the parser knows it for free for most strings.
  static Value string(std::string_view s, bool plain = false) {
    Value v(Type::kString, static_cast<uint32_t>(s.size()), 0);
    v.u_.s = s.data();
    v.flags_ = plain ? kPlain : 0;
    return v;
  }
  static Value array(const Value* items, uint32_t n) {
    Value v(Type::kArray, n, 0);
    v.u_.a = items;
    return v;
  }
  // `plain_keys` promises that no member's key needs escaping in JSON (as `plain` for strings);
  // `unique_keys` that no key repeats (see unique_keys()), so that find() may stop at the first
  // match.
  static Value object(const Member* members, uint32_t n, bool plain_keys = false,
                      bool unique_keys = false) {
    Value v(Type::kObject, n, 0);
    v.u_.m = members;
    v.flags_ = static_cast<uint8_t>((plain_keys ? kPlain : 0) | (unique_keys ? kUnique : 0));
    return v;
  }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_number() const { return type_ == Type::kInt || type_ == Type::kDouble; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool as_bool() const { return size_ != 0; }
  int64_t as_int() const { return u_.i; }
  // Any number as a double.
  double as_double() const { return type_ == Type::kInt ? static_cast<double>(u_.i) : u_.d; }
  std::string_view as_string() const { return {u_.s, size_}; }
  bool is_plain_string() const { return flags_ & kPlain; }
  // An object whose keys need no escaping (see object()).
  bool has_plain_keys() const { return flags_ & kPlain; }
  // An object known to hold no repeated key (see object()); false when unknown.
  bool has_unique_keys() const { return flags_ & kUnique; }
  std::span<const Value> items() const { return {u_.a, size_}; }
  std::span<const Member> members() const;
  // Number of items or members (0 for scalars).
  uint32_t size() const { return type_ == Type::kArray || type_ == Type::kObject ? size_ : 0; }

  // For an array or object: an upper bound of the length of its JSON text (as write() writes
  // it) recorded when it was built, so that payload checks and the writer need not walk it
  // again; 0 when none was recorded.
  size_t known_bound() const {
    return (bound_ & kCoarse) ? static_cast<size_t>(bound_ & ~kCoarse) << 10 : bound_;
  }
  // The same array or object with `bound` recorded (exactly below 32 KiB, then rounded up to
  // KiB; from 32 MiB on, nothing is recorded).
  Value with_bound(size_t bound) const {
    Value v = *this;
    const size_t kib = (bound + 1023) >> 10;
    v.bound_ = bound < kCoarse ? static_cast<uint16_t>(bound)
               : kib < kCoarse ? static_cast<uint16_t>(kCoarse | kib)
                               : 0;
    return v;
  }

  // The same value, not merely an equal one: same type and the same storage.
  bool identical(const Value& o) const {
    return type_ == o.type_ && size_ == o.size_ && u_.i == o.u_.i;
  }

  // The value of member `key` (the last one if a key repeats), or nullptr.
  const Value* find(std::string_view key) const;
  // The same, trying first the member at `hint` (where the caller found the key in an object of
  // the same shape before) and updating it: for objects with unique keys, most lookups of a
  // path step over a stream of similar documents then compare one key.
  const Value* find(std::string_view key, uint32_t& hint) const;

 private:
  constexpr Value(Type t, uint32_t size, int64_t i) : type_(t), size_(size), u_{.i = i} {}
  static constexpr uint16_t kCoarse = 0x8000;  // bound_ counts KiB
  static constexpr uint8_t kPlain = 1;         // strings: see string(); objects: see object()
  static constexpr uint8_t kUnique = 2;        // objects: see object()
  Type type_;
  uint8_t flags_ = 0;   // kPlain, kUnique
  uint16_t bound_ = 0;  // arrays and objects: see known_bound()
  uint32_t size_;       // string length, item or member count, boolean value
  union {
    int64_t i;
    double d;
    const char* s;
    const Value* a;
    const Member* m;
  } u_;
};
static_assert(sizeof(Value) == 16);
// Registers are cleared with memset: Value() must stay all zero bits (value_test checks it).
static_assert(std::is_trivially_copyable_v<Value> && Type::kNull == Type{0});

struct Member {
  std::string_view key;
  Value value;
};

inline std::span<const Member> Value::members() const {
  return {u_.m, size_};
}

// Whether n bytes at a and b are equal, without a library call for the short keys of most
// objects: two loads of each side that overlap when n is not a power of two.
inline bool same_bytes(const char* a, const char* b, size_t n) {
  auto differ = [a, b]<class T>(size_t at, T) {
    T x, y;
    std::memcpy(&x, a + at, sizeof x);
    std::memcpy(&y, b + at, sizeof y);
    return x ^ y;
  };
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    return (differ(0, uint64_t{}) | differ(n - 8, uint64_t{})) == 0;
  }
  if (n >= 4) return (differ(0, uint32_t{}) | differ(n - 4, uint32_t{})) == 0;
  if (n >= 2) return (differ(0, uint16_t{}) | differ(n - 2, uint16_t{})) == 0;
  return n == 0 || *a == *b;
}

// Inline: the hot step of every path. The length rejects most keys before any byte.
inline const Value* Value::find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  const size_t n = key.size();
  // Backwards: the last of repeated keys wins, as in Jackson's object model that AWS uses.
  for (uint32_t i = size_; i-- > 0;) {
    const std::string_view k = u_.m[i].key;
    if (k.size() == n && same_bytes(k.data(), key.data(), n)) return &u_.m[i].value;
  }
  return nullptr;
}

// The same as the loop above, without its backward scan when the object's keys are unique.
inline const Value* Value::find(std::string_view key, uint32_t& hint) const {
  if (type_ != Type::kObject) return nullptr;
  if (!(flags_ & kUnique)) return find(key);
  const size_t n = key.size();
  if (hint < size_) {
    const std::string_view k = u_.m[hint].key;
    if (k.size() == n && same_bytes(k.data(), key.data(), n)) return &u_.m[hint].value;
  }
  for (uint32_t i = 0; i < size_; ++i) {
    const std::string_view k = u_.m[i].key;
    if (k.size() == n && same_bytes(k.data(), key.data(), n)) {
      hint = i;
      return &u_.m[i].value;
    }
  }
  return nullptr;
}

// Whether no key of `ms[0..n)` repeats, at a few steps per key for the small objects of most
// documents: false (unknown, never wrong) beyond kMaxUniqueCheck members.
bool unique_keys(const Member* ms, uint32_t n);
inline constexpr uint32_t kMaxUniqueCheck = 32;
// A key's bucket among 64 from its length, first and last bytes (both '"' for the empty key):
// equal keys share one, so a key whose bucket is still empty repeats none before it.
inline unsigned key_signature(std::string_view key) {
  const auto first = static_cast<unsigned char>(key.empty() ? '"' : key.front());
  const auto last = static_cast<unsigned char>(key.empty() ? '"' : key.back());
  return static_cast<unsigned>(key.size() * 8 + first + last * 3) & 63;
}

// Deep equality as ASL compares values: numbers by value (1 == 1.0), objects by members
// regardless of order, arrays in order.
bool equal(const Value& a, const Value& b);

// Builds an object of a known maximum member count in an arena, in insertion order.
class ObjectBuilder {
 public:
  ObjectBuilder(Arena& arena, uint32_t capacity)
      : members_(arena.alloc_array<Member>(capacity)), capacity_(capacity) {}
  // Appends; a repeated key replaces the earlier member's value in place.
  void set(std::string_view key, const Value& v);
  Value build() const { return Value::object(members_, size_, false, true); }  // see set()
  uint32_t size() const { return size_; }

 private:
  Member* members_;
  uint32_t capacity_;
  uint32_t size_ = 0;
};

// Whether no byte of `s` needs escaping in JSON text (none is a control character, '"' or '\\').
bool is_plain(std::string_view s);

// Copies `v` and everything it references into `arena`. The copy's strings and objects carry
// the plain flags (see string(), object()) that hold, even where `v` lacked them: copies are
// made once (constants, mock results) and written many times.
Value deep_copy(const Value& v, Arena& arena);

// A value that owns its storage: for constants and results that outlive an execution.
class OwnedValue {
 public:
  OwnedValue() : arena_(std::make_unique<Arena>(1024)) {}
  explicit OwnedValue(const Value& v) : arena_(std::make_unique<Arena>(1024)) {
    value_ = deep_copy(v, *arena_);
  }
  const Value& get() const { return value_; }
  Arena& arena() { return *arena_; }
  void set(const Value& v) { value_ = v; }

 private:
  std::unique_ptr<Arena> arena_;
  Value value_;
};

}  // namespace stepstream::json
