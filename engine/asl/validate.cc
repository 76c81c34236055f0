// The ASL validator: walks the machine, its scopes (the top level, Parallel branches, Map
// processors) and their states, checks each field, then the graph of every scope (transition
// targets, reachability, a terminal state). Single-value checks live in validate_fields.cc.
#include "engine/asl/validate.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/asl/validate_internal.h"

namespace stepstream::asl {

namespace {

using detail::check_bool;
using detail::check_enum;
using detail::check_exclusive;
using detail::check_integer;
using detail::check_known_fields;
using detail::check_number;
using detail::check_object;
using detail::check_path;
using detail::check_payload_template;
using detail::check_required;
using detail::check_string;
using detail::is_jsonata_expression;
using detail::PathRules;
using detail::Problems;
using detail::Transition;
using json::pointer_child;
using json::Value;

constexpr int64_t kMaxSeconds = 99999999;  // AWS's bound on every *Seconds field
constexpr size_t kMaxStateNameLength = 80;

enum StateType : uint8_t { kPass, kTask, kChoice, kWait, kSucceed, kFail, kParallel, kMap };

constexpr std::string_view kTypeNames[] = {"Pass",    "Task", "Choice",   "Wait",
                                           "Succeed", "Fail", "Parallel", "Map"};

// One bit per state type, for the field table.
enum : uint16_t {
  P = 1 << kPass,
  T = 1 << kTask,
  C = 1 << kChoice,
  W = 1 << kWait,
  S = 1 << kSucceed,
  F = 1 << kFail,
  Pa = 1 << kParallel,
  M = 1 << kMap,
  kAll = 0xff,
};

enum class Lang : uint8_t { kBoth, kJsonPath, kJsonata };

struct FieldRule {
  std::string_view name;
  uint16_t types;  // state types that accept the field
  Lang lang;       // query language that accepts it
};

// Every state field of the language: which state types accept it, in which query language.
constexpr FieldRule kFields[] = {
    {"Type", kAll, Lang::kBoth},
    {"Comment", kAll, Lang::kBoth},
    {"QueryLanguage", kAll, Lang::kBoth},
    {"Next", P | T | W | Pa | M, Lang::kBoth},
    {"End", P | T | W | Pa | M, Lang::kBoth},
    {"InputPath", P | T | C | W | S | Pa | M, Lang::kJsonPath},
    {"OutputPath", P | T | C | W | S | Pa | M, Lang::kJsonPath},
    {"ResultPath", P | T | Pa | M, Lang::kJsonPath},
    {"Parameters", P | T | Pa | M, Lang::kJsonPath},
    {"ResultSelector", T | Pa | M, Lang::kJsonPath},
    {"Result", P, Lang::kJsonPath},
    {"Retry", T | Pa | M, Lang::kBoth},
    {"Catch", T | Pa | M, Lang::kBoth},
    {"Assign", P | T | C | W | Pa | M, Lang::kBoth},
    {"Arguments", T | Pa, Lang::kJsonata},
    {"Output", kAll & ~F, Lang::kJsonata},
    {"Resource", T, Lang::kBoth},
    {"TimeoutSeconds", T, Lang::kBoth},
    {"TimeoutSecondsPath", T, Lang::kJsonPath},
    {"HeartbeatSeconds", T, Lang::kBoth},
    {"HeartbeatSecondsPath", T, Lang::kJsonPath},
    {"Credentials", T, Lang::kBoth},
    {"Choices", C, Lang::kBoth},
    {"Default", C, Lang::kBoth},
    {"Seconds", W, Lang::kBoth},
    {"SecondsPath", W, Lang::kJsonPath},
    {"Timestamp", W, Lang::kBoth},
    {"TimestampPath", W, Lang::kJsonPath},
    {"Error", F, Lang::kBoth},
    {"ErrorPath", F, Lang::kJsonPath},
    {"Cause", F, Lang::kBoth},
    {"CausePath", F, Lang::kJsonPath},
    {"Branches", Pa, Lang::kBoth},
    {"Iterator", M, Lang::kBoth},
    {"ItemProcessor", M, Lang::kBoth},
    {"ItemsPath", M, Lang::kJsonPath},
    {"Items", M, Lang::kJsonata},
    {"ItemSelector", M, Lang::kBoth},
    {"ItemReader", M, Lang::kBoth},
    {"ItemBatcher", M, Lang::kBoth},
    {"ResultWriter", M, Lang::kBoth},
    {"MaxConcurrency", M, Lang::kBoth},
    {"MaxConcurrencyPath", M, Lang::kJsonPath},
    {"ToleratedFailureCount", M, Lang::kBoth},
    {"ToleratedFailureCountPath", M, Lang::kJsonPath},
    {"ToleratedFailurePercentage", M, Lang::kBoth},
    {"ToleratedFailurePercentagePath", M, Lang::kJsonPath},
    {"Label", M, Lang::kBoth},
};

const FieldRule* find_field(std::string_view name) {
  for (const auto& f : kFields)
    if (f.name == name) return &f;
  return nullptr;
}

// Where a set of states lives; each has its own StartAt and its own transition namespace.
enum class ScopeKind : uint8_t { kMachine, kBranch, kProcessor /* ItemProcessor, Iterator */ };

// What the graph checks need to know of one state.
struct StateNode {
  std::string_view name;
  std::string pointer;
  bool terminal = false;
  std::vector<Transition> targets;  // Next, Default, Choices[].Next, Catch[].Next
};

class Validator {
 public:
  Validator(const ValidateOptions& options, Problems& out) : options_(options), out_(out) {}

  void run(const Value& root) {
    if (!root.is_object()) {
      out_.invalid("", "Definition must be a valid JSON object");
      return;
    }
    collect_names(root, "");
    machine_jsonata_ = false;
    if (const Value* ql = root.find("QueryLanguage"))
      machine_jsonata_ = ql->is_string() && ql->as_string() == "JSONata";
    scope(root, "", ScopeKind::kMachine);
  }

 private:
  // First pass: every state name of the whole machine, for duplicates (names are unique across
  // the machine, branches included) and for telling a missing target from one in another scope.
  void collect_names(const Value& scope_object, const std::string& pointer) {
    const Value* states = scope_object.find("States");
    if (states == nullptr || !states->is_object()) return;
    std::string states_pointer = pointer_child(pointer, "States");
    for (const auto& m : states->members()) {
      std::string p = pointer_child(states_pointer, m.key);
      auto [it, inserted] = names_.emplace(m.key, p);
      if (!inserted)
        out_.invalid(p, "Duplicate State name: \"" + std::string(m.key) + "\" is also defined at " +
                            it->second + "; state names must be unique in the whole machine");
      if (!m.value.is_object()) continue;
      if (const Value* b = m.value.find("Branches"); b != nullptr && b->is_array())
        for (size_t i = 0; i < b->items().size(); ++i)
          collect_names(b->items()[i], pointer_child(pointer_child(p, "Branches"), i));
      for (std::string_view key : {"Iterator", "ItemProcessor"})
        if (const Value* sub = m.value.find(key)) collect_names(*sub, pointer_child(p, key));
    }
  }

  void scope(const Value& object, const std::string& pointer, ScopeKind kind) {
    switch (kind) {
      case ScopeKind::kMachine:
        check_known_fields(
            out_, object, pointer,
            {"Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"});
        break;
      case ScopeKind::kBranch:
        check_known_fields(out_, object, pointer, {"Comment", "StartAt", "States"});
        break;
      case ScopeKind::kProcessor:
        check_known_fields(out_, object, pointer,
                           {"Comment", "StartAt", "States", "ProcessorConfig"});
        break;
    }
    check_required(out_, object, pointer, {"States", "StartAt"});
    for (const auto& m : object.members()) {
      std::string p = pointer_child(pointer, m.key);
      bool machine = kind == ScopeKind::kMachine;
      if (m.key == "Comment" || (m.key == "Version" && machine)) {
        check_string(out_, m.value, p, m.key);
      } else if (m.key == "TimeoutSeconds" && machine) {
        check_integer(out_, m.value, p, m.key, 1, kMaxSeconds);
      } else if (m.key == "QueryLanguage" && machine) {
        if (check_enum(out_, m.value, p, m.key, {"JSONPath", "JSONata"}) &&
            m.value.as_string() == "JSONata")
          out_.unsupported(p, "JSONata");
      } else if (m.key == "ProcessorConfig" && kind == ScopeKind::kProcessor) {
        processor_config(m.value, p);
      }
    }

    const Value* states = object.find("States");
    if (states != nullptr && !states->is_object()) {
      out_.invalid(pointer_child(pointer, "States"),
                   "'States' must be an object, not " + std::string(detail::a_type_name(*states)));
      states = nullptr;
    } else if (states != nullptr && states->size() == 0) {
      out_.invalid(pointer_child(pointer, "States"), "Value cannot be empty");
    }

    // The scope's names (the last of a repeated key wins, as AWS's JSON reader does).
    std::unordered_map<std::string_view, size_t> index;
    std::vector<StateNode> nodes;
    if (states != nullptr) {
      for (const auto& m : states->members()) {
        auto [it, inserted] = index.emplace(m.key, nodes.size());
        if (inserted) nodes.emplace_back();
        nodes[it->second] =
            StateNode{m.key, pointer_child(pointer_child(pointer, "States"), m.key), false, {}};
      }
    }

    bool start_ok = false;
    std::string_view start;
    if (const Value* s = object.find("StartAt")) {
      std::string p = pointer_child(pointer, "StartAt");
      if (check_string(out_, *s, p, "StartAt")) {
        start = s->as_string();
        start_ok = index.count(start) != 0;
        if (!start_ok && states != nullptr) missing_target(start, p);
      }
    }

    if (states != nullptr) {
      for (const auto& m : states->members()) {
        StateNode& node = nodes[index[m.key]];
        node.terminal = false;
        node.targets.clear();
        state(m.value, node);
      }
    }

    // Graph checks: every target exists in this scope, every state is reachable from StartAt,
    // and some state ends the scope.
    for (const auto& n : nodes)
      for (const auto& t : n.targets)
        if (index.count(t.target) == 0) missing_target(t.target, t.pointer);
    if (start_ok) {
      std::vector<bool> seen(nodes.size(), false);
      std::vector<size_t> work{index[start]};
      seen[work.back()] = true;
      while (!work.empty()) {
        size_t i = work.back();
        work.pop_back();
        for (const auto& t : nodes[i].targets) {
          auto it = index.find(t.target);
          if (it == index.end() || seen[it->second]) continue;
          seen[it->second] = true;
          work.push_back(it->second);
        }
      }
      for (size_t i = 0; i < nodes.size(); ++i)
        if (!seen[i])
          out_.invalid(nodes[i].pointer,
                       "State \"" + std::string(nodes[i].name) + "\" is not reachable");
    }
    if (!nodes.empty() &&
        std::none_of(nodes.begin(), nodes.end(), [](const StateNode& n) { return n.terminal; }))
      out_.invalid(pointer, kind == ScopeKind::kMachine
                                ? "Workflow has no terminal state"
                                : "This branch has no terminal state: no state has \"End\": "
                                  "true or is a Succeed or Fail state");
  }

  // A transition (StartAt, Next, Default) at `pointer` names no state of its scope.
  void missing_target(std::string_view target, const std::string& pointer) {
    std::string_view field = std::string_view(pointer).substr(pointer.rfind('/') + 1);
    auto it = names_.find(target);
    if (it == names_.end()) {
      out_.invalid(pointer, "Missing '" + std::string(field) + "' target: no state named \"" +
                                std::string(target) + "\"");
    } else {
      out_.invalid(pointer, "Missing '" + std::string(field) + "' target: no state named \"" +
                                std::string(target) + "\" in this scope (it is at " + it->second +
                                "); transitions cannot cross a Parallel branch or Map "
                                "processor boundary");
    }
  }

  void processor_config(const Value& v, const std::string& pointer) {
    if (!check_object(out_, v, pointer, "ProcessorConfig")) return;
    check_known_fields(out_, v, pointer, {"Mode", "ExecutionType"});
    const Value* mode = v.find("Mode");
    if (mode != nullptr)
      check_enum(out_, *mode, pointer_child(pointer, "Mode"), "Mode", {"INLINE", "DISTRIBUTED"});
    if (const Value* e = v.find("ExecutionType"))
      check_enum(out_, *e, pointer_child(pointer, "ExecutionType"), "ExecutionType",
                 {"STANDARD", "EXPRESS"});
    if (mode != nullptr && mode->is_string() && mode->as_string() == "DISTRIBUTED" &&
        v.find("ExecutionType") == nullptr)
      out_.invalid(pointer, "These fields are required: [ExecutionType]");
  }

  // One state: its Type, the fields its type accepts, and each field's value.
  void state(const Value& s, StateNode& node) {
    const std::string& ptr = node.pointer;
    if (detail::code_points(node.name) > kMaxStateNameLength)
      out_.invalid(ptr, "State name is longer than 80 characters");
    if (!s.is_object()) {
      out_.invalid(ptr, "A state must be an object, not " + std::string(detail::a_type_name(s)));
      node.terminal = true;  // as for an unknown Type: one message is enough
      return;
    }
    const Value* type_value = s.find("Type");
    int type = -1;
    if (type_value == nullptr) {
      out_.invalid(ptr, "These fields are required: [Type]");
    } else if (check_enum(
                   out_, *type_value, pointer_child(ptr, "Type"), "Type",
                   {"Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map"})) {
      for (int i = 0; i <= kMap; ++i)
        if (kTypeNames[i] == type_value->as_string()) type = i;
    }
    if (type < 0) {
      // Without a type nothing else can be checked; keep its transition for the graph.
      if (const Value* next = s.find("Next"); next != nullptr && next->is_string())
        node.targets.push_back({next->as_string(), pointer_child(ptr, "Next")});
      node.terminal = true;  // do not also claim that the scope has no end
      return;
    }

    bool jsonata = machine_jsonata_;
    if (const Value* ql = s.find("QueryLanguage")) {
      std::string p = pointer_child(ptr, "QueryLanguage");
      if (check_enum(out_, *ql, p, "QueryLanguage", {"JSONPath", "JSONata"})) {
        if (ql->as_string() == "JSONata") {
          jsonata = true;
          if (!machine_jsonata_) out_.unsupported(p, "JSONata");
        } else if (machine_jsonata_) {
          out_.invalid(ptr,
                       "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state "
                       "machine");
        } else {
          jsonata = false;
        }
      }
    }

    // Fields the type or the query language does not accept.
    uint16_t bit = static_cast<uint16_t>(1u << type);
    for (const auto& m : s.members()) {
      const FieldRule* f = find_field(m.key);
      std::string p = pointer_child(ptr, m.key);
      if (f == nullptr || (f->types & bit) == 0) {
        out_.invalid(p, "Field '" + std::string(m.key) + "' is not supported");
      } else if (f->lang == Lang::kJsonPath && jsonata) {
        out_.invalid(p, "The QueryLanguage is set to 'JSONata', but field '" + std::string(m.key) +
                            "' is only supported for the 'JSONPath' QueryLanguage");
      } else if (f->lang == Lang::kJsonata && !jsonata) {
        out_.invalid(p, "The QueryLanguage is set to 'JSONPath', but field '" + std::string(m.key) +
                            "' is only supported for the 'JSONata' QueryLanguage");
      } else if (m.key == "Assign" && !jsonata) {
        out_.unsupported(p, "workflow variables (Assign)");
      } else if (m.key == "Comment") {
        check_string(out_, m.value, p, m.key);
      }
    }

    if (bit & (P | T | W | Pa | M)) transition(s, node, static_cast<StateType>(type));
    if (type == kSucceed || type == kFail) node.terminal = true;

    if (!jsonata) {
      if (const Value* v = s.find("InputPath"); v != nullptr && (bit & ~F))
        check_path(out_, *v, pointer_child(ptr, "InputPath"), "InputPath", {.allow_null = true});
      if (const Value* v = s.find("OutputPath"); v != nullptr && (bit & ~F))
        check_path(out_, *v, pointer_child(ptr, "OutputPath"), "OutputPath", {.allow_null = true});
      if (const Value* v = s.find("ResultPath"); v != nullptr && (bit & (P | T | Pa | M)))
        check_path(out_, *v, pointer_child(ptr, "ResultPath"), "ResultPath",
                   {.reference = true, .allow_null = true, .context = false});
      if (const Value* v = s.find("Parameters"); v != nullptr && (bit & (P | T | Pa | M)))
        check_payload_template(out_, *v, pointer_child(ptr, "Parameters"), "Parameters");
      if (const Value* v = s.find("ResultSelector"); v != nullptr && (bit & (T | Pa | M)))
        check_payload_template(out_, *v, pointer_child(ptr, "ResultSelector"), "ResultSelector");
    }
    if (bit & (T | Pa | M)) {
      if (const Value* v = s.find("Retry"))
        detail::check_retry(out_, *v, pointer_child(ptr, "Retry"));
      if (const Value* v = s.find("Catch"))
        detail::check_catch(out_, *v, pointer_child(ptr, "Catch"), jsonata, node.targets);
    }

    switch (type) {
      case kTask:
        task(s, ptr, jsonata);
        break;
      case kChoice:
        choice(s, node, jsonata);
        break;
      case kWait:
        wait(s, ptr, jsonata);
        break;
      case kFail:
        fail(s, ptr, jsonata);
        break;
      case kParallel:
        parallel(s, ptr);
        break;
      case kMap:
        map(s, ptr, jsonata);
        break;
      default:
        break;
    }
  }

  // Exactly one of Next and "End": true.
  void transition(const Value& s, StateNode& node, StateType type) {
    const Value* next = s.find("Next");
    const Value* end = s.find("End");
    bool ends = false;
    if (end != nullptr && check_bool(out_, *end, pointer_child(node.pointer, "End"), "End"))
      ends = end->as_bool();
    if (next != nullptr) {
      std::string p = pointer_child(node.pointer, "Next");
      if (check_string(out_, *next, p, "Next")) node.targets.push_back({next->as_string(), p});
    }
    if (next != nullptr && ends) {
      out_.invalid(node.pointer, "These fields are mutually exclusive: 'Next', 'End'");
    } else if (next == nullptr && !ends) {
      out_.invalid(node.pointer, "A " + std::string(kTypeNames[type]) +
                                     " state needs either 'Next' or \"End\": true");
    }
    // A state with both is reported above; counting it as terminal avoids a second message.
    node.terminal = ends;
  }

  // A number of seconds given as a value or, in JSONata, as an expression.
  bool seconds(const Value& v, const std::string& pointer, std::string_view field, int64_t min,
               bool jsonata) {
    if (jsonata && is_jsonata_expression(v)) return true;
    return check_integer(out_, v, pointer, field, min, kMaxSeconds);
  }

  void task(const Value& s, const std::string& ptr, bool jsonata) {
    check_required(out_, s, ptr, {"Resource"});
    if (const Value* r = s.find("Resource"))
      detail::check_resource(out_, *r, pointer_child(ptr, "Resource"), options_.type);
    check_exclusive(out_, s, ptr, {"TimeoutSeconds", "TimeoutSecondsPath"});
    check_exclusive(out_, s, ptr, {"HeartbeatSeconds", "HeartbeatSecondsPath"});
    const Value* timeout = s.find("TimeoutSeconds");
    const Value* heartbeat = s.find("HeartbeatSeconds");
    bool timeout_ok = timeout != nullptr && seconds(*timeout, pointer_child(ptr, "TimeoutSeconds"),
                                                    "TimeoutSeconds", 1, jsonata);
    bool heartbeat_ok =
        heartbeat != nullptr &&
        seconds(*heartbeat, pointer_child(ptr, "HeartbeatSeconds"), "HeartbeatSeconds", 1, jsonata);
    if (timeout_ok && heartbeat_ok && timeout->is_number() && heartbeat->is_number() &&
        heartbeat->as_double() >= timeout->as_double())
      out_.invalid(pointer_child(ptr, "HeartbeatSeconds"),
                   "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'");
    if (!jsonata) {
      for (std::string_view f : {"TimeoutSecondsPath", "HeartbeatSecondsPath"})
        if (const Value* v = s.find(f))
          check_path(out_, *v, pointer_child(ptr, f), f, {.reference = true});
    }
    if (const Value* c = s.find("Credentials"))
      credentials(*c, pointer_child(ptr, "Credentials"), jsonata);
  }

  void credentials(const Value& v, const std::string& pointer, bool jsonata) {
    if (!check_object(out_, v, pointer, "Credentials")) return;
    if (jsonata) {
      check_known_fields(out_, v, pointer, {"RoleArn"});
      check_required(out_, v, pointer, {"RoleArn"});
      if (const Value* r = v.find("RoleArn"))
        check_string(out_, *r, pointer_child(pointer, "RoleArn"), "RoleArn");
      return;
    }
    check_known_fields(out_, v, pointer, {"RoleArn", "RoleArn.$"});
    if (check_exclusive(out_, v, pointer, {"RoleArn", "RoleArn.$"}) == 0)
      out_.invalid(pointer, "These fields are required: [RoleArn]");
    if (const Value* r = v.find("RoleArn"))
      check_string(out_, *r, pointer_child(pointer, "RoleArn"), "RoleArn");
    // "RoleArn.$" is a payload-template field: a path or an intrinsic.
    if (v.find("RoleArn.$") != nullptr) check_payload_template(out_, v, pointer, "Credentials");
  }

  void choice(const Value& s, StateNode& node, bool jsonata) {
    const std::string& ptr = node.pointer;
    check_required(out_, s, ptr, {"Choices"});
    if (const Value* c = s.find("Choices"))
      detail::check_choices(out_, *c, pointer_child(ptr, "Choices"), jsonata, node.targets);
    if (const Value* d = s.find("Default")) {
      std::string p = pointer_child(ptr, "Default");
      if (check_string(out_, *d, p, "Default")) node.targets.push_back({d->as_string(), p});
    }
  }

  void wait(const Value& s, const std::string& ptr, bool jsonata) {
    int n = check_exclusive(out_, s, ptr, {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"});
    if (n == 0)
      out_.invalid(ptr,
                   "A Wait state needs one of 'Seconds', 'SecondsPath', 'Timestamp' or "
                   "'TimestampPath'");
    if (const Value* v = s.find("Seconds"))
      seconds(*v, pointer_child(ptr, "Seconds"), "Seconds", 0, jsonata);
    if (const Value* v = s.find("Timestamp");
        v != nullptr && !(jsonata && is_jsonata_expression(*v)))
      detail::check_timestamp(out_, *v, pointer_child(ptr, "Timestamp"), "Timestamp");
    if (!jsonata)
      for (std::string_view f : {"SecondsPath", "TimestampPath"})
        if (const Value* v = s.find(f))
          check_path(out_, *v, pointer_child(ptr, f), f, {.reference = true});
  }

  void fail(const Value& s, const std::string& ptr, bool jsonata) {
    check_exclusive(out_, s, ptr, {"Error", "ErrorPath"});
    check_exclusive(out_, s, ptr, {"Cause", "CausePath"});
    for (std::string_view f : {"Error", "Cause"})
      if (const Value* v = s.find(f)) check_string(out_, *v, pointer_child(ptr, f), f);
    if (!jsonata)
      for (std::string_view f : {"ErrorPath", "CausePath"})
        if (const Value* v = s.find(f))
          check_path(out_, *v, pointer_child(ptr, f), f, {.reference = true, .intrinsic = true});
  }

  void parallel(const Value& s, const std::string& ptr) {
    check_required(out_, s, ptr, {"Branches"});
    const Value* b = s.find("Branches");
    if (b == nullptr) return;
    std::string p = pointer_child(ptr, "Branches");
    if (!b->is_array()) {
      out_.invalid(p, "'Branches' must be an array, not " + std::string(detail::a_type_name(*b)));
      return;
    }
    if (b->items().empty()) out_.invalid(p, "Value cannot be empty");
    for (size_t i = 0; i < b->items().size(); ++i) {
      const Value& branch = b->items()[i];
      std::string bp = pointer_child(p, i);
      if (!branch.is_object()) {
        out_.invalid(bp,
                     "A branch must be an object, not " + std::string(detail::a_type_name(branch)));
        continue;
      }
      scope(branch, bp, ScopeKind::kBranch);
    }
  }

  void map(const Value& s, const std::string& ptr, bool jsonata) {
    int processors = check_exclusive(out_, s, ptr, {"ItemProcessor", "Iterator"});
    if (processors == 0) out_.invalid(ptr, "These fields are required: [ItemProcessor]");
    for (std::string_view f : {"ItemProcessor", "Iterator"}) {
      const Value* v = s.find(f);
      if (v == nullptr) continue;
      std::string p = pointer_child(ptr, f);
      if (check_object(out_, *v, p, f)) scope(*v, p, ScopeKind::kProcessor);
    }
    check_exclusive(out_, s, ptr, {"ItemSelector", "Parameters"});
    if (const Value* v = s.find("ItemSelector"); v != nullptr && !jsonata)
      check_payload_template(out_, *v, pointer_child(ptr, "ItemSelector"), "ItemSelector");
    if (const Value* v = s.find("ItemsPath"); v != nullptr && !jsonata)
      check_path(out_, *v, pointer_child(ptr, "ItemsPath"), "ItemsPath", {.reference = true});

    struct Bounded {
      std::string_view field, path_field;
      bool percentage;
    };
    for (const Bounded& b :
         {Bounded{"MaxConcurrency", "MaxConcurrencyPath", false},
          Bounded{"ToleratedFailureCount", "ToleratedFailureCountPath", false},
          Bounded{"ToleratedFailurePercentage", "ToleratedFailurePercentagePath", true}}) {
      check_exclusive(out_, s, ptr, {b.field, b.path_field});
      if (const Value* v = s.find(b.field);
          v != nullptr && !(jsonata && is_jsonata_expression(*v))) {
        if (b.percentage)
          check_number(out_, *v, pointer_child(ptr, b.field), b.field, 0, 100);
        else
          check_integer(out_, *v, pointer_child(ptr, b.field), b.field, 0, INT64_MAX);
      }
      if (const Value* v = s.find(b.path_field); v != nullptr && !jsonata)
        check_path(out_, *v, pointer_child(ptr, b.path_field), b.path_field, {.reference = true});
    }
    if (const Value* v = s.find("Label"))
      detail::check_label(out_, *v, pointer_child(ptr, "Label"));
    for (std::string_view f : {"ItemReader", "ItemBatcher", "ResultWriter"}) {
      const Value* v = s.find(f);
      if (v == nullptr) continue;
      std::string p = pointer_child(ptr, f);
      if (check_object(out_, *v, p, f))
        out_.unsupported(p, "'" + std::string(f) + "' (Distributed Map)");
    }
  }

  const ValidateOptions& options_;
  Problems& out_;
  bool machine_jsonata_ = false;
  std::unordered_map<std::string_view, std::string> names_;  // state name -> first pointer
};

// Pre-order position of every node, so that problems can be listed in document order.
void index_nodes(const Value& v, std::string& pointer,
                 std::unordered_map<std::string, size_t>& order) {
  order.emplace(pointer, order.size());
  size_t len = pointer.size();
  if (v.is_object()) {
    for (const auto& m : v.members()) {
      pointer = pointer_child(pointer, m.key);
      index_nodes(m.value, pointer, order);
      pointer.resize(len);
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.items().size(); ++i) {
      pointer = pointer_child(pointer, i);
      index_nodes(v.items()[i], pointer, order);
      pointer.resize(len);
    }
  }
}

void sort_by_document_order(const Value& root, std::vector<Problem>& problems) {
  std::unordered_map<std::string, size_t> order;
  std::string pointer;
  index_nodes(root, pointer, order);
  auto position = [&](const std::string& p) {
    std::string_view s = p;
    for (;;) {
      if (auto it = order.find(std::string(s)); it != order.end()) return it->second;
      size_t slash = s.rfind('/');
      if (slash == std::string_view::npos) return size_t{0};
      s = s.substr(0, slash);
    }
  };
  std::vector<std::pair<size_t, size_t>> keys;  // (position, original index)
  keys.reserve(problems.size());
  for (size_t i = 0; i < problems.size(); ++i)
    keys.emplace_back(position(problems[i].pointer), i);
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Problem> sorted;
  sorted.reserve(problems.size());
  for (const auto& k : keys)
    sorted.push_back(std::move(problems[k.second]));
  problems = std::move(sorted);
}

}  // namespace

std::vector<Problem> validate(const json::Value& definition, const ValidateOptions& options) {
  Problems out;
  Validator(options, out).run(definition);
  sort_by_document_order(definition, out.list());
  return std::move(out.list());
}

std::string to_string(const Problem& p) {
  std::string s = p.pointer.empty() ? std::string() : p.pointer + ": ";
  if (p.kind == Problem::Kind::kUnsupported) s += "not supported yet: ";
  return s + p.message;
}

}  // namespace stepstream::asl
