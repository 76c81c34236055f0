// Value helpers: lookup, equality, copying.
#include "engine/json/value.h"

#include <cassert>

#include "engine/json/write.h"

namespace stepstream::json {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kInt:
      return "integer";
    case Type::kDouble:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "?";
}

bool equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return a.as_bool() == b.as_bool();
    case Type::kString:
      return a.as_string() == b.as_string();
    case Type::kArray: {
      if (a.size() != b.size()) return false;
      for (uint32_t i = 0; i < a.size(); ++i)
        if (!equal(a.items()[i], b.items()[i])) return false;
      return true;
    }
    case Type::kObject: {
      // As Jackson (and so AWS) sees objects: a repeated key counts once, with its last value.
      // Without repeats this is the plain member-by-member test; with them, still reflexive.
      for (const Member& m : a.members()) {
        const Value* other = b.find(m.key);
        if (other == nullptr || !equal(*a.find(m.key), *other)) return false;
      }
      for (const Member& m : b.members())
        if (a.find(m.key) == nullptr) return false;
      return true;
    }
    default:
      return false;
  }
}

void ObjectBuilder::set(std::string_view key, const Value& v) {
  for (uint32_t i = 0; i < size_; ++i) {
    if (members_[i].key == key) {
      members_[i].value = v;
      return;
    }
  }
  assert(size_ < capacity_);
  members_[size_++] = {key, v};
}

bool unique_keys(const Member* ms, uint32_t n) {
  if (n > kMaxUniqueCheck) return false;
  // Equal keys have equal signatures: only a key whose signature was seen is compared with the
  // keys before it.
  uint64_t seen = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const std::string_view k = ms[i].key;
    const uint64_t bit = uint64_t{1} << key_signature(k);
    if (seen & bit) {
      for (uint32_t j = 0; j < i; ++j)
        if (ms[j].key.size() == k.size() && same_bytes(ms[j].key.data(), k.data(), k.size()))
          return false;
    }
    seen |= bit;
  }
  return true;
}

bool is_plain(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == '"' || c == '\\') return false;
  return true;
}

Value deep_copy(const Value& v, Arena& arena) {
  switch (v.type()) {
    case Type::kString:
      return Value::string(arena.copy(v.as_string()),
                           v.is_plain_string() || is_plain(v.as_string()));
    case Type::kArray: {
      Value* items = arena.alloc_array<Value>(v.size());
      for (uint32_t i = 0; i < v.size(); ++i)
        items[i] = deep_copy(v.items()[i], arena);
      const Value copy = Value::array(items, v.size());
      return copy.with_bound(size_bound(copy));
    }
    case Type::kObject: {
      Member* ms = arena.alloc_array<Member>(v.size());
      bool plain_keys = true;
      for (uint32_t i = 0; i < v.size(); ++i) {
        ms[i] = {arena.copy(v.members()[i].key), deep_copy(v.members()[i].value, arena)};
        plain_keys = plain_keys && is_plain(ms[i].key);
      }
      const Value copy = Value::object(ms, v.size(), plain_keys, unique_keys(ms, v.size()));
      return copy.with_bound(size_bound(copy));
    }
    default:
      return v;
  }
}

}  // namespace stepstream::json
