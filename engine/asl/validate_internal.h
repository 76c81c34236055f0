// Shared by the validator's files: the problem collector, JSON pointer building, and the checks
// of single field values (types, paths, payload templates, Choice rules) that states reuse.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/asl/validate.h"
#include "engine/json/pointer.h"
#include "engine/json/value.h"

namespace stepstream::asl::detail {

// RFC 6901: `base` + "/" + `token` with '~' and '/' escaped.
using json::pointer_child;

// Number of Unicode code points in UTF-8 text (invalid bytes count one each).
size_t code_points(std::string_view text);

// A Value's kind for messages: "a string", "a number", "an object", ...
std::string_view a_type_name(const json::Value& v);

// Collects problems; every check reports through it.
class Problems {
 public:
  void invalid(std::string pointer, std::string message) {
    list_.push_back({std::move(pointer), std::move(message), Problem::Kind::kInvalid});
  }
  void unsupported(std::string pointer, std::string message) {
    list_.push_back({std::move(pointer), std::move(message), Problem::Kind::kUnsupported});
  }
  std::vector<Problem>& list() { return list_; }

 private:
  std::vector<Problem> list_;
};

// What a path-valued field may hold.
struct PathRules {
  bool reference = false;   // a reference path: one node, fields and indexes only
  bool allow_null = false;  // null is meaningful (InputPath, OutputPath, ResultPath)
  bool context = true;      // $$... may be used
  bool intrinsic = false;   // an intrinsic function call is accepted too (ErrorPath, CausePath)
};

// Field checks. Each reports its own problem at `pointer` and returns whether the value passed.
bool check_string(Problems& out, const json::Value& v, const std::string& pointer,
                  std::string_view field);
bool check_bool(Problems& out, const json::Value& v, const std::string& pointer,
                std::string_view field);
bool check_object(Problems& out, const json::Value& v, const std::string& pointer,
                  std::string_view field);
// An integer in [min, max]; integral doubles (10.0) are accepted as their integer.
bool check_integer(Problems& out, const json::Value& v, const std::string& pointer,
                   std::string_view field, int64_t min, int64_t max);
bool check_number(Problems& out, const json::Value& v, const std::string& pointer,
                  std::string_view field, double min, double max);
bool check_path(Problems& out, const json::Value& v, const std::string& pointer,
                std::string_view field, const PathRules& rules);
// An RFC 3339 timestamp string, as Wait.Timestamp and the Timestamp* operators need.
bool check_timestamp(Problems& out, const json::Value& v, const std::string& pointer,
                     std::string_view field);
// `value` must be one of `allowed`; the message lists them as AWS does.
bool check_enum(Problems& out, const json::Value& v, const std::string& pointer,
                std::string_view field, std::initializer_list<std::string_view> allowed);

// A payload template (Parameters, ResultSelector, ItemSelector): every "key.$" value, however
// deep, must be a JSONPath or an intrinsic call; reported at the object holding the key.
void check_payload_template(Problems& out, const json::Value& v, const std::string& pointer,
                            std::string_view field);

// Workflow variables ($name...) in a JSONPath field: AWS accepts them, stepstream cannot run
// them yet. True when `text` is one.
bool is_variable_reference(std::string_view text);

// A JSONata expression string: "{% ... %}".
bool is_jsonata_expression(const json::Value& v);

// Retry and Catch arrays. Catch targets are returned as (name, pointer) for the graph checks.
struct Transition {
  std::string_view target;
  std::string pointer;
};
void check_retry(Problems& out, const json::Value& v, const std::string& pointer);
void check_catch(Problems& out, const json::Value& v, const std::string& pointer, bool jsonata,
                 std::vector<Transition>& targets);

// Choices (top-level rules with Next) of a Choice state.
void check_choices(Problems& out, const json::Value& v, const std::string& pointer, bool jsonata,
                   std::vector<Transition>& targets);

// A Task's Resource URI, including what an EXPRESS machine may not call.
void check_resource(Problems& out, const json::Value& v, const std::string& pointer,
                    MachineType type);

// A Distributed Map's Label.
void check_label(Problems& out, const json::Value& v, const std::string& pointer);

// Every member key of `object` must be in `allowed`; others get "Field 'X' is not supported".
void check_known_fields(Problems& out, const json::Value& object, const std::string& pointer,
                        std::initializer_list<std::string_view> allowed);

// "These fields are required: [A, B]" at `pointer` for each of `required` that is missing.
// Returns whether all were present.
bool check_required(Problems& out, const json::Value& object, const std::string& pointer,
                    std::initializer_list<std::string_view> required);

// At most one of `fields` may be present; returns how many are.
int check_exclusive(Problems& out, const json::Value& object, const std::string& pointer,
                    std::initializer_list<std::string_view> fields);

}  // namespace stepstream::asl::detail
