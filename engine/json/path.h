// JSONPath as AWS Step Functions evaluates it (Jayway JsonPath semantics), and reference paths.
// A path is parsed once into a flat list of segments; evaluation never re-reads text.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json/value.h"

namespace stepstream::json {

// One step of a path. Flat and position-independent so that a Program image can hold it:
// names refer to `Path::strings` by offset, filters to `Path::filters` by index.
enum class SegmentKind : uint8_t {
  kField,         // .name or ['name']                 str_off/str_len
  kIndex,         // [n] (n may be negative: from the end)  a
  kWildcard,      // .* or [*]
  kSlice,         // [a:b:c]                           a, b, c; flags say which were given
  kFieldUnion,    // ['a','b']                         a = first of `count` consecutive kField
                  //                                   entries in Path::union_names
  kIndexUnion,    // [1,2,3]                           a = first of `count` in Path::union_indexes
  kDescendField,  // ..name
  kDescendWildcard,  // ..* or ..[*]; flags kScanNext: a bare `..` applying the next segment
                     //                                   (..[0], ..[?(...)], ..['a','b'])
  kFilter,           // [?(...)]                          a = index into Path::filters
};
inline constexpr uint8_t kScanNext = 1;

struct Segment {
  SegmentKind kind;
  uint8_t flags;     // for kSlice: bit0 start given, bit1 end given, bit2 step given;
                     // for kField: bit0 written ["name"] (Jayway quotes it back that way)
  uint32_t str_off;  // kField, kDescendField: name in Path::strings
  uint32_t str_len;
  int64_t a, b, c;  // see SegmentKind
  uint32_t count;   // for unions
};

// A parsed filter expression: a small tree stored flat (nodes refer to children by index).
struct FilterNode {
  enum class Op : uint8_t {
    kOr,
    kAnd,
    kNot,
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
    kRegex,
    kIn,
    kNin,
    kExists,
    kCurrentPath,  // @.x.y: `path` indexes Path::subpaths
    kRootPath,     // $.x.y: `path` indexes Path::subpaths
    kLiteral,      // literal JSON value: `literal` indexes Path::literals
  };
  // Relational ops take two operand nodes (kCurrentPath, kRootPath, kLiteral) as lhs and rhs;
  // kExists and kNot take one child in lhs. kRegex: lhs is the operand, `literal` the pattern
  // source (a string literal), `rhs` its index among the compiled patterns, `path` the flags
  // (bit0 i, bit1 m). Children always have smaller indexes than their parent.
  Op op;
  uint32_t lhs = 0, rhs = 0;  // child node indexes (binary/unary ops)
  uint32_t path = 0;
  uint32_t literal = 0;
};

class Path {
 public:
  // Parses `text`. On failure returns false and sets `error` to a message naming what is wrong.
  [[nodiscard]] static bool parse(std::string_view text, Path& out, std::string& error);

  std::string_view text() const { return text_; }
  bool is_context() const { return context_; }  // starts with $$ (the context object)
  // A reference path identifies at most one node: only fields and non-negative indexes.
  bool is_reference() const;
  // A definite path yields at most one value: fields and single indexes only, except that, as
  // in Jayway, a field union as the last step (`$.a['b','c']`) is definite and yields one object
  // holding those of the fields that are present.
  bool is_definite() const { return definite_; }
  // Only kField steps (`$.a.b`): evaluation is a chain of member lookups.
  bool is_field_chain() const { return field_chain_; }
  // No kField name needs escaping in JSON (see Value::object's plain keys).
  bool has_plain_names() const { return plain_names_; }
  std::span<const Segment> segments() const { return segments_; }
  // The name of a kField or kDescendField segment (or of an entry of a field union).
  std::string_view field_name(const Segment& s) const {
    return std::string_view(strings_.data() + s.str_off, s.str_len);  // checked by parse, decode
  }

  // Stable byte encoding, for the Program image; decode() validates what it reads.
  void encode(std::string& out) const;
  [[nodiscard]] static bool decode(std::string_view bytes, Path& out);

 private:
  friend class PathParser;
  friend class PathEvaluator;
  struct CompiledRegex;
  // Caches the shape flags below; called once the segments are final (parse, decode).
  void classify();
  std::string text_;
  bool context_ = false;
  bool definite_ = true;
  bool field_chain_ = true;
  bool plain_names_ = true;
  std::vector<Segment> segments_;
  std::string strings_;
  std::vector<Segment> union_names_;
  std::vector<int64_t> union_indexes_;
  std::vector<FilterNode> filters_;  // filter expression nodes; a filter's root is the last
                                     // node added for it (Segment::a points at the root)
  std::vector<Path> subpaths_;       // @... and $... operands inside filters
  std::vector<OwnedValue> literals_;
  std::vector<std::shared_ptr<const CompiledRegex>> regexes_;  // for kRegex nodes, by `rhs`
};

enum class EvalStatus : uint8_t { kOk, kNotFound };

// Evaluates `path` against `root`. A definite path yields the one value it names, or kNotFound
// when any step is missing (AWS then raises States.Runtime). An indefinite path yields an array
// (allocated in `arena`) of every match, possibly empty, in document order as Jayway returns it.
[[nodiscard]] EvalStatus evaluate(const Path& path, const Value& root, Arena& arena, Value& out);
// evaluate() of any path but a field chain (which evaluate() does inline).
[[nodiscard]] EvalStatus evaluate_general(const Path& path, const Value& root, Arena& arena,
                                          Value& out);

// Inline: most paths of most states are `$.a.b`, a chain of member lookups (forced, as
// compilers otherwise call an outlined copy whose prologue costs as much as a short lookup).
[[gnu::always_inline]] inline EvalStatus evaluate(const Path& path, const Value& root, Arena& arena,
                                                  Value& out) {
  if (!path.is_field_chain()) return evaluate_general(path, root, arena, out);
  const Value* cur = &root;
  for (const Segment& s : path.segments()) {
    cur = cur->find(path.field_name(s));
    if (cur == nullptr) return EvalStatus::kNotFound;
  }
  out = *cur;
  return EvalStatus::kOk;
}

// Why a definite path found nothing, in the words of Jayway's PathNotFoundException that AWS
// quotes in States.Runtime causes ("Invalid path '$.x' : No results for path: $['x']"):
// "Missing property in path $['a']" when a step before the last is missing, "No results for
// path: $['a']['b']" when the last one is. Off the hot path: call it only after kNotFound.
std::string not_found_message(const Path& path, const Value& root);

// The error AWS raises when ResultPath cannot be applied (the cause is assign()'s message).
inline constexpr std::string_view kResultPathError = "States.ReferencePathConflict";

// ResultPath: returns a copy of `root` with the node named by reference path `path` set to
// `value`, creating missing objects along the way and sharing every untouched subtree.
// `$` replaces the whole document. Fails (returning false, with `error` set to AWS's cause,
// e.g. `Unable to apply ReferencePath $.x to input "text"`) when a step crosses a value that is
// not an object (or, for an index, an array holding that index).
[[nodiscard]] bool assign(const Path& path, const Value& root, const Value& value, Arena& arena,
                          Value& out, std::string& error);

}  // namespace stepstream::json
