// Checks of single field values: types, numbers, paths, timestamps, payload templates, Retry and
// Catch, Choice rules, Task resources and Map labels. States are walked in validate.cc.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_set>

#include "engine/asl/intrinsic_parse.h"
#include "engine/asl/validate_internal.h"
#include "engine/json/path.h"
#include "engine/json/timestamp.h"

namespace stepstream::asl::detail {

namespace {

std::string quoted(std::string_view field) {
  std::string s = "'";
  s += field;
  s += "'";
  return s;
}

// "a positive integer", "a non-negative integer (at most 99999999)", ...
std::string integer_range(int64_t min, int64_t max) {
  std::string s;
  if (min == 0)
    s = "a non-negative integer";
  else if (min == 1)
    s = "a positive integer";
  else
    s = "an integer of at least " + std::to_string(min);
  if (max != INT64_MAX) s += " (at most " + std::to_string(max) + ")";
  return s;
}

std::string number_text(double d) {
  std::string s = std::to_string(d);
  // to_string gives six decimals; trim the zeros so that 1.0 reads "1.0" and 0.5 "0.5".
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.')
    s.pop_back();
  return s;
}

// The first workflow variable ($name) used as an argument of an intrinsic call, outside its
// quoted strings; empty when there is none. The intrinsic parser knows only $ and $$ paths.
std::string_view variable_in_intrinsic(std::string_view text) {
  bool quoted_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted_string) {
      if (c == '\\')
        ++i;
      else if (c == '\'')
        quoted_string = false;
    } else if (c == '\'') {
      quoted_string = true;
    } else if (c == '$' && is_variable_reference(text.substr(i))) {
      size_t end = text.find_first_of(",) ", i);
      return text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    }
  }
  return {};
}

constexpr std::string_view kTemplateMessage =
    " must be a valid JSONPath or a valid intrinsic function call";

// One "key.$" value of a payload template: true when valid, else false with `detail` saying why
// when the parser knows. When it uses a workflow variable, `variable` is set and `detail` names
// the variable.
bool template_value_ok(const json::Value& v, std::string& detail, bool& variable) {
  variable = false;
  if (!v.is_string()) {
    detail = std::string("found ") + std::string(a_type_name(v));
    return false;
  }
  std::string_view text = v.as_string();
  bool intrinsic = looks_like_intrinsic(text);
  std::string_view var = intrinsic ? variable_in_intrinsic(text) : text;
  if (is_variable_reference(var)) {
    variable = true;
    detail = std::string(var);
    return true;
  }
  if (intrinsic) {
    IntrinsicCall call;
    return parse_intrinsic(text, call, detail);
  }
  json::Path path;
  return json::Path::parse(text, path, detail);
}

void check_template_node(Problems& out, const json::Value& v, const std::string& pointer) {
  if (v.is_array()) {
    for (size_t i = 0; i < v.items().size(); ++i)
      check_template_node(out, v.items()[i], pointer_child(pointer, i));
    return;
  }
  if (!v.is_object()) return;
  // After ".$" is stripped, no two fields may share a name.
  std::unordered_set<std::string_view> plain;
  for (const auto& m : v.members()) {
    std::string_view key = m.key;
    bool dynamic = key.size() >= 2 && key.substr(key.size() - 2) == ".$";
    if (dynamic) {
      std::string detail;
      bool variable = false;
      if (!template_value_ok(m.value, detail, variable)) {
        std::string msg = "The value for the field " + quoted(key) + std::string(kTemplateMessage);
        if (!detail.empty()) msg += " (" + detail + ")";
        out.invalid(pointer, msg);
      } else if (variable) {
        out.unsupported(pointer_child(pointer, key), "workflow variables (" + detail + ")");
      }
      key.remove_suffix(2);
    } else {
      check_template_node(out, m.value, pointer_child(pointer, key));
    }
    if (!plain.insert(key).second)
      out.invalid(pointer_child(pointer, m.key),
                  "the field " + quoted(key) +
                      " is given twice (a '.$' suffix does not make a "
                      "different field)");
  }
}

// ErrorEquals: a non-empty array of error names in which States.ALL stands alone; `has_all` says
// whether it names States.ALL (whose retrier or catcher must then be the last).
void check_error_equals(Problems& out, const json::Value& v, const std::string& pointer,
                        bool& has_all) {
  has_all = false;
  if (!v.is_array()) {
    out.invalid(pointer,
                "'ErrorEquals' must be an array of strings, not " + std::string(a_type_name(v)));
    return;
  }
  if (v.items().empty()) {
    out.invalid(pointer, "'ErrorEquals' must not be empty");
    return;
  }
  for (size_t i = 0; i < v.items().size(); ++i) {
    const json::Value& e = v.items()[i];
    if (!e.is_string()) {
      out.invalid(pointer_child(pointer, i),
                  "an error name must be a string, not " + std::string(a_type_name(e)));
    } else if (e.as_string() == "States.ALL") {
      has_all = true;
    }
  }
  if (has_all && v.items().size() > 1)
    out.invalid(pointer, "'States.ALL' must appear alone in 'ErrorEquals'");
}

enum class Operand : uint8_t { kString, kNumber, kBool, kTimestamp, kPath, kIsCheck };

struct Operator {
  std::string_view name;
  Operand operand;
};

constexpr Operator kOperators[] = {
    {"StringEquals", Operand::kString},
    {"StringEqualsPath", Operand::kPath},
    {"StringLessThan", Operand::kString},
    {"StringLessThanPath", Operand::kPath},
    {"StringGreaterThan", Operand::kString},
    {"StringGreaterThanPath", Operand::kPath},
    {"StringLessThanEquals", Operand::kString},
    {"StringLessThanEqualsPath", Operand::kPath},
    {"StringGreaterThanEquals", Operand::kString},
    {"StringGreaterThanEqualsPath", Operand::kPath},
    {"StringMatches", Operand::kString},
    {"NumericEquals", Operand::kNumber},
    {"NumericEqualsPath", Operand::kPath},
    {"NumericLessThan", Operand::kNumber},
    {"NumericLessThanPath", Operand::kPath},
    {"NumericGreaterThan", Operand::kNumber},
    {"NumericGreaterThanPath", Operand::kPath},
    {"NumericLessThanEquals", Operand::kNumber},
    {"NumericLessThanEqualsPath", Operand::kPath},
    {"NumericGreaterThanEquals", Operand::kNumber},
    {"NumericGreaterThanEqualsPath", Operand::kPath},
    {"BooleanEquals", Operand::kBool},
    {"BooleanEqualsPath", Operand::kPath},
    {"TimestampEquals", Operand::kTimestamp},
    {"TimestampEqualsPath", Operand::kPath},
    {"TimestampLessThan", Operand::kTimestamp},
    {"TimestampLessThanPath", Operand::kPath},
    {"TimestampGreaterThan", Operand::kTimestamp},
    {"TimestampGreaterThanPath", Operand::kPath},
    {"TimestampLessThanEquals", Operand::kTimestamp},
    {"TimestampLessThanEqualsPath", Operand::kPath},
    {"TimestampGreaterThanEquals", Operand::kTimestamp},
    {"TimestampGreaterThanEqualsPath", Operand::kPath},
    {"IsNull", Operand::kIsCheck},
    {"IsPresent", Operand::kIsCheck},
    {"IsNumeric", Operand::kIsCheck},
    {"IsString", Operand::kIsCheck},
    {"IsBoolean", Operand::kIsCheck},
    {"IsTimestamp", Operand::kIsCheck},
};

const Operator* find_operator(std::string_view name) {
  for (const auto& op : kOperators)
    if (op.name == name) return &op;
  return nullptr;
}

void check_operand(Problems& out, const Operator& op, const json::Value& v,
                   const std::string& pointer) {
  switch (op.operand) {
    case Operand::kString:
      check_string(out, v, pointer, op.name);
      break;
    case Operand::kNumber:
      if (!v.is_number())
        out.invalid(pointer,
                    quoted(op.name) + " must be a number, not " + std::string(a_type_name(v)));
      break;
    case Operand::kBool:
    case Operand::kIsCheck:
      check_bool(out, v, pointer, op.name);
      break;
    case Operand::kTimestamp:
      check_timestamp(out, v, pointer, op.name);
      break;
    case Operand::kPath:
      check_path(out, v, pointer, op.name, {.reference = true});
      break;
  }
}

// One JSONPath-mode Choice rule; `top` rules carry Next (and Assign), nested ones may not.
void check_rule(Problems& out, const json::Value& rule, const std::string& pointer, bool top,
                std::vector<Transition>& targets) {
  if (!rule.is_object()) {
    out.invalid(pointer, "a choice rule must be an object, not " + std::string(a_type_name(rule)));
    return;
  }
  std::vector<std::string_view> kinds;  // operators, And, Or, Not, in document order
  const Operator* op = nullptr;
  const json::Value* op_value = nullptr;
  std::string op_pointer;
  for (const auto& m : rule.members()) {
    std::string p = pointer_child(pointer, m.key);
    if (const Operator* o = find_operator(m.key)) {
      kinds.push_back(m.key);
      op = o;
      op_value = &m.value;
      op_pointer = p;
    } else if (m.key == "And" || m.key == "Or" || m.key == "Not") {
      kinds.push_back(m.key);
    } else if (m.key == "Variable" || m.key == "Comment") {
      // checked below
    } else if (m.key == "Next") {
      if (!top)
        out.invalid(p, "'Next' is only allowed in a top-level choice rule");
      else if (check_string(out, m.value, p, "Next"))
        targets.push_back({m.value.as_string(), p});
    } else if (m.key == "Assign" && top) {
      out.unsupported(p, "workflow variables (Assign)");
    } else if (m.key == "Condition") {
      out.invalid(p,
                  "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only "
                  "supported for the 'JSONata' QueryLanguage");
    } else {
      out.invalid(p, "Field " + quoted(m.key) + " is not supported");
    }
  }
  if (top) check_required(out, rule, pointer, {"Next"});
  if (const json::Value* c = rule.find("Comment"))
    check_string(out, *c, pointer_child(pointer, "Comment"), "Comment");
  const json::Value* variable = rule.find("Variable");
  if (kinds.empty()) {
    out.invalid(pointer,
                "a choice rule needs one comparison operator (with 'Variable'), 'And', 'Or' or "
                "'Not'");
    return;
  }
  if (kinds.size() > 1) {
    std::string found;
    for (auto k : kinds)
      found += (found.empty() ? "" : ", ") + std::string(k);
    out.invalid(pointer,
                "a choice rule must have exactly one comparison operator, 'And', 'Or' or "
                "'Not'; found " +
                    found);
    return;
  }
  if (op != nullptr) {
    if (variable == nullptr)
      out.invalid(pointer, "These fields are required: [Variable]");
    else
      check_path(out, *variable, pointer_child(pointer, "Variable"), "Variable",
                 {.reference = true});
    check_operand(out, *op, *op_value, op_pointer);
    return;
  }
  std::string_view kind = kinds.front();
  if (variable != nullptr)
    out.invalid(
        pointer_child(pointer, "Variable"),
        "'Variable' cannot be used with " + quoted(kind) + "; it belongs to the comparisons");
  std::string p = pointer_child(pointer, kind);
  const json::Value& operand = *rule.find(kind);
  if (kind == "Not") {
    if (!operand.is_object())
      out.invalid(p,
                  "'Not' must be a choice rule object, not " + std::string(a_type_name(operand)));
    else
      check_rule(out, operand, p, false, targets);
    return;
  }
  if (!operand.is_array()) {
    out.invalid(p, quoted(kind) + " must be an array of choice rules, not " +
                       std::string(a_type_name(operand)));
    return;
  }
  if (operand.items().empty()) {
    out.invalid(p, "Value cannot be empty");
    return;
  }
  for (size_t i = 0; i < operand.items().size(); ++i)
    check_rule(out, operand.items()[i], pointer_child(p, i), false, targets);
}

// One JSONata-mode Choice rule: { "Condition": "{% ... %}", "Next": ... }.
void check_jsonata_rule(Problems& out, const json::Value& rule, const std::string& pointer,
                        std::vector<Transition>& targets) {
  if (!rule.is_object()) {
    out.invalid(pointer, "a choice rule must be an object, not " + std::string(a_type_name(rule)));
    return;
  }
  for (const auto& m : rule.members()) {
    std::string p = pointer_child(pointer, m.key);
    if (m.key == "Next") {
      if (check_string(out, m.value, p, "Next")) targets.push_back({m.value.as_string(), p});
    } else if (m.key == "Comment") {
      check_string(out, m.value, p, "Comment");
    } else if (m.key == "Condition") {
      if (!m.value.is_string() && !m.value.is_bool())
        out.invalid(p, "'Condition' must be a JSONata expression string or a boolean");
    } else if (m.key == "Assign" || m.key == "Output") {
      // JSONata itself is reported once for the state.
    } else if (m.key == "Variable" || find_operator(m.key) != nullptr || m.key == "And" ||
               m.key == "Or" || m.key == "Not") {
      out.invalid(p, "The QueryLanguage is set to 'JSONata', but field " + quoted(m.key) +
                         " is only supported for the 'JSONPath' QueryLanguage");
    } else {
      out.invalid(p, "Field " + quoted(m.key) + " is not supported");
    }
  }
  check_required(out, rule, pointer, {"Condition", "Next"});
}

bool is_label_forbidden(uint32_t c) {
  if (c <= 0x20 || (c >= 0x7f && c <= 0x9f)) return true;  // controls and space
  // Java's Character.isWhitespace beyond ASCII (no-break spaces excluded, as there).
  if (c == 0x1680 || (c >= 0x2000 && c <= 0x2006) || (c >= 0x2008 && c <= 0x200a) || c == 0x2028 ||
      c == 0x2029 || c == 0x205f || c == 0x3000)
    return true;
  constexpr std::string_view kSpecial = "?*<>{}[]:;,\\|^~$#%&`\"";
  return c < 0x80 && kSpecial.find(static_cast<char>(c)) != std::string_view::npos;
}

// Decodes one UTF-8 sequence at `i`, advancing it; invalid bytes decode as themselves.
uint32_t next_code_point(std::string_view s, size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  int extra = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
  uint32_t c = extra == 0 ? b : b & (0x3f >> extra);
  size_t start = i++;
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
      i = start + 1;
      return b;
    }
    c = (c << 6) | (static_cast<unsigned char>(s[i++]) & 0x3f);
  }
  return c;
}

std::string describe_char(uint32_t c) {
  char buf[16];
  if (c == ' ') return "' ' (space)";
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c > 0x7f) {
    std::snprintf(buf, sizeof buf, "U+%04X", c);
    return buf;
  }
  return std::string("'") + static_cast<char>(c) + "'";
}

struct Integration {
  std::string_view service;
  std::string_view action;
  bool sync;      // .sync (and .sync:2 for states:startExecution)
  bool callback;  // .waitForTaskToken
};

// The optimized integrations (arn:<partition>:states:::service:action) of the services whose
// whole action list is known here; other services are accepted as written.
constexpr Integration kIntegrations[] = {
    {"lambda", "invoke", false, true},        {"sns", "publish", false, true},
    {"sqs", "sendMessage", false, true},      {"dynamodb", "getItem", false, false},
    {"dynamodb", "putItem", false, false},    {"dynamodb", "updateItem", false, false},
    {"dynamodb", "deleteItem", false, false}, {"states", "startExecution", true, true},
    {"events", "putEvents", false, true},     {"apigateway", "invoke", false, true},
    {"ecs", "runTask", true, true},           {"batch", "submitJob", true, true},
    {"glue", "startJobRun", true, true},      {"http", "invoke", false, false},
};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

}  // namespace

size_t code_points(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    next_code_point(text, i);
    ++n;
  }
  return n;
}

std::string_view a_type_name(const json::Value& v) {
  switch (v.type()) {
    case json::Type::kNull:
      return "null";
    case json::Type::kBool:
      return "a boolean";
    case json::Type::kInt:
      return "an integer";
    case json::Type::kDouble:
      return "a number";
    case json::Type::kString:
      return "a string";
    case json::Type::kArray:
      return "an array";
    case json::Type::kObject:
      return "an object";
  }
  return "a value";
}

bool is_variable_reference(std::string_view text) {
  if (text.size() < 2 || text[0] != '$') return false;
  auto c = static_cast<unsigned char>(text[1]);
  return std::isalpha(c) || c == '_' || c >= 0x80;
}

bool is_jsonata_expression(const json::Value& v) {
  if (!v.is_string()) return false;
  std::string_view s = v.as_string();
  return s.size() >= 4 && s.substr(0, 2) == "{%" && s.substr(s.size() - 2) == "%}";
}

bool check_string(Problems& out, const json::Value& v, const std::string& pointer,
                  std::string_view field) {
  if (v.is_string()) return true;
  out.invalid(pointer, quoted(field) + " must be a string, not " + std::string(a_type_name(v)));
  return false;
}

bool check_bool(Problems& out, const json::Value& v, const std::string& pointer,
                std::string_view field) {
  if (v.is_bool()) return true;
  out.invalid(pointer, quoted(field) + " must be a boolean, not " + std::string(a_type_name(v)));
  return false;
}

bool check_object(Problems& out, const json::Value& v, const std::string& pointer,
                  std::string_view field) {
  if (v.is_object()) return true;
  out.invalid(pointer, quoted(field) + " must be an object, not " + std::string(a_type_name(v)));
  return false;
}

bool check_integer(Problems& out, const json::Value& v, const std::string& pointer,
                   std::string_view field, int64_t min, int64_t max) {
  bool integral = v.is_int();
  int64_t n = v.is_int() ? v.as_int() : 0;
  if (v.type() == json::Type::kDouble) {
    double d = v.as_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      integral = true;
      n = static_cast<int64_t>(d);
    }
  }
  if (integral && n >= min && n <= max) return true;
  std::string msg = quoted(field) + " must be " + integer_range(min, max);
  if (!integral) msg += ", not " + std::string(a_type_name(v));
  out.invalid(pointer, msg);
  return false;
}

bool check_number(Problems& out, const json::Value& v, const std::string& pointer,
                  std::string_view field, double min, double max) {
  if (v.is_number() && v.as_double() >= min && v.as_double() <= max) return true;
  std::string msg = quoted(field) + " must be a number";
  if (max == HUGE_VAL)
    msg += " of at least " + number_text(min);
  else
    msg += " between " + number_text(min) + " and " + number_text(max);
  if (!v.is_number()) msg += ", not " + std::string(a_type_name(v));
  out.invalid(pointer, msg);
  return false;
}

bool check_path(Problems& out, const json::Value& v, const std::string& pointer,
                std::string_view field, const PathRules& rules) {
  if (v.is_null() && rules.allow_null) return true;
  if (!v.is_string()) {
    out.invalid(pointer, quoted(field) + " must be a string" +
                             (rules.allow_null ? " or null" : "") + ", not " +
                             std::string(a_type_name(v)));
    return false;
  }
  std::string_view text = v.as_string();
  std::string what = rules.reference ? "ReferencePath" : "JSONPath";
  bool intrinsic = rules.intrinsic && looks_like_intrinsic(text);
  if (std::string_view var = intrinsic ? variable_in_intrinsic(text) : text;
      is_variable_reference(var)) {
    out.unsupported(pointer, "workflow variables (" + std::string(var) + ")");
    return true;
  }
  if (intrinsic) {
    IntrinsicCall call;
    std::string error;
    if (parse_intrinsic(text, call, error)) return true;
    out.invalid(pointer, "The value for the field " + quoted(field) + " must be a valid " + what +
                             " or a valid intrinsic function call (" + error + ")");
    return false;
  }
  json::Path path;
  std::string error;
  if (!json::Path::parse(text, path, error)) {
    out.invalid(pointer, "The value for the field " + quoted(field) + " must be a valid " + what +
                             (rules.intrinsic ? " or a valid intrinsic function call" : "") +
                             (error.empty() ? "" : " (" + error + ")"));
    return false;
  }
  if (path.is_context() && !rules.context) {
    out.invalid(pointer, quoted(field) + " cannot refer to the context object ($$)");
    return false;
  }
  if (rules.reference && !path.is_reference()) {
    out.invalid(pointer, "The value for the field " + quoted(field) +
                             " must be a valid ReferencePath (one node, named by fields and "
                             "indexes only): " +
                             std::string(text));
    return false;
  }
  return true;
}

bool check_timestamp(Problems& out, const json::Value& v, const std::string& pointer,
                     std::string_view field) {
  if (!check_string(out, v, pointer, field)) return false;
  int64_t nanos = 0;
  if (json::parse_timestamp(v.as_string(), nanos)) return true;
  out.invalid(pointer, "String does not match RFC3339 timestamp");
  return false;
}

bool check_enum(Problems& out, const json::Value& v, const std::string& pointer,
                std::string_view field, std::initializer_list<std::string_view> allowed) {
  if (v.is_string())
    for (auto a : allowed)
      if (v.as_string() == a) return true;
  std::string list;
  for (auto a : allowed)
    list += (list.empty() ? "" : ", ") + std::string(a);
  out.invalid(pointer,
              "The field " + quoted(field) + " should have one of these values: [" + list + "]");
  return false;
}

void check_payload_template(Problems& out, const json::Value& v, const std::string& pointer,
                            std::string_view field) {
  if (!check_object(out, v, pointer, field)) return;
  check_template_node(out, v, pointer);
}

void check_known_fields(Problems& out, const json::Value& object, const std::string& pointer,
                        std::initializer_list<std::string_view> allowed) {
  for (const auto& m : object.members())
    if (std::find(allowed.begin(), allowed.end(), m.key) == allowed.end())
      out.invalid(pointer_child(pointer, m.key), "Field " + quoted(m.key) + " is not supported");
}

bool check_required(Problems& out, const json::Value& object, const std::string& pointer,
                    std::initializer_list<std::string_view> required) {
  std::string missing;
  for (auto r : required)
    if (object.find(r) == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(r);
  if (missing.empty()) return true;
  out.invalid(pointer, "These fields are required: [" + missing + "]");
  return false;
}

int check_exclusive(Problems& out, const json::Value& object, const std::string& pointer,
                    std::initializer_list<std::string_view> fields) {
  std::string present;
  int n = 0;
  for (auto f : fields) {
    if (object.find(f) == nullptr) continue;
    present += (present.empty() ? "" : ", ") + quoted(f);
    ++n;
  }
  if (n > 1) out.invalid(pointer, "These fields are mutually exclusive: " + present);
  return n;
}

void check_retry(Problems& out, const json::Value& v, const std::string& pointer) {
  if (!v.is_array()) {
    out.invalid(pointer, "'Retry' must be an array, not " + std::string(a_type_name(v)));
    return;
  }
  size_t n = v.items().size();
  for (size_t i = 0; i < n; ++i) {
    const json::Value& r = v.items()[i];
    std::string p = pointer_child(pointer, i);
    if (!r.is_object()) {
      out.invalid(p, "a retrier must be an object, not " + std::string(a_type_name(r)));
      continue;
    }
    check_known_fields(out, r, p,
                       {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
                        "MaxDelaySeconds", "JitterStrategy", "Comment"});
    check_required(out, r, p, {"ErrorEquals"});
    if (const json::Value* e = r.find("ErrorEquals")) {
      bool all = false;
      check_error_equals(out, *e, pointer_child(p, "ErrorEquals"), all);
      if (all && i + 1 != n)
        out.invalid(p, "a retrier with 'States.ALL' must be the last one in 'Retry'");
    }
    if (const json::Value* f = r.find("IntervalSeconds"))
      check_integer(out, *f, pointer_child(p, "IntervalSeconds"), "IntervalSeconds", 1, 99999999);
    if (const json::Value* f = r.find("MaxAttempts"))
      check_integer(out, *f, pointer_child(p, "MaxAttempts"), "MaxAttempts", 0, 99999999);
    if (const json::Value* f = r.find("BackoffRate"))
      check_number(out, *f, pointer_child(p, "BackoffRate"), "BackoffRate", 1.0, HUGE_VAL);
    if (const json::Value* f = r.find("MaxDelaySeconds"))
      check_integer(out, *f, pointer_child(p, "MaxDelaySeconds"), "MaxDelaySeconds", 1, 31622400);
    if (const json::Value* f = r.find("JitterStrategy"))
      check_enum(out, *f, pointer_child(p, "JitterStrategy"), "JitterStrategy", {"FULL", "NONE"});
    if (const json::Value* f = r.find("Comment"))
      check_string(out, *f, pointer_child(p, "Comment"), "Comment");
  }
}

void check_catch(Problems& out, const json::Value& v, const std::string& pointer, bool jsonata,
                 std::vector<Transition>& targets) {
  if (!v.is_array()) {
    out.invalid(pointer, "'Catch' must be an array, not " + std::string(a_type_name(v)));
    return;
  }
  size_t n = v.items().size();
  for (size_t i = 0; i < n; ++i) {
    const json::Value& c = v.items()[i];
    std::string p = pointer_child(pointer, i);
    if (!c.is_object()) {
      out.invalid(p, "a catcher must be an object, not " + std::string(a_type_name(c)));
      continue;
    }
    for (const auto& m : c.members()) {
      std::string mp = pointer_child(p, m.key);
      if (m.key == "ErrorEquals") {
        bool all = false;
        check_error_equals(out, m.value, mp, all);
        if (all && i + 1 != n)
          out.invalid(p, "a catcher with 'States.ALL' must be the last one in 'Catch'");
      } else if (m.key == "Next") {
        if (check_string(out, m.value, mp, "Next")) targets.push_back({m.value.as_string(), mp});
      } else if (m.key == "Comment") {
        check_string(out, m.value, mp, "Comment");
      } else if (m.key == "ResultPath") {
        if (jsonata)
          out.invalid(mp,
                      "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only "
                      "supported for the 'JSONPath' QueryLanguage");
        else
          check_path(out, m.value, mp, "ResultPath",
                     {.reference = true, .allow_null = true, .context = false});
      } else if (m.key == "Output") {
        if (!jsonata)
          out.invalid(mp,
                      "The QueryLanguage is set to 'JSONPath', but field 'Output' is only "
                      "supported for the 'JSONata' QueryLanguage");
      } else if (m.key == "Assign") {
        if (!jsonata) out.unsupported(mp, "workflow variables (Assign)");
      } else {
        out.invalid(mp, "Field " + quoted(m.key) + " is not supported");
      }
    }
    check_required(out, c, p, {"ErrorEquals", "Next"});
  }
}

void check_choices(Problems& out, const json::Value& v, const std::string& pointer, bool jsonata,
                   std::vector<Transition>& targets) {
  if (!v.is_array()) {
    out.invalid(pointer, "'Choices' must be an array, not " + std::string(a_type_name(v)));
    return;
  }
  if (v.items().empty()) {
    out.invalid(pointer, "Value cannot be empty");
    return;
  }
  for (size_t i = 0; i < v.items().size(); ++i) {
    if (jsonata)
      check_jsonata_rule(out, v.items()[i], pointer_child(pointer, i), targets);
    else
      check_rule(out, v.items()[i], pointer_child(pointer, i), true, targets);
  }
}

void check_resource(Problems& out, const json::Value& v, const std::string& pointer,
                    MachineType type) {
  if (!check_string(out, v, pointer, "Resource")) return;
  std::string_view res = v.as_string();
  const std::string not_recognized =
      "The resource provided " + std::string(res) +
      " is not recognized. The value is not a valid resource ARN, or the resource is not "
      "available in this region.";
  std::vector<std::string_view> parts = split(res, ':');
  if (parts.size() < 6 || parts[0] != "arn" || parts[1].empty() || parts[2].empty()) {
    out.invalid(pointer, not_recognized);
    return;
  }
  bool states_service = parts[2] == "states";
  bool activity = states_service && parts.size() >= 7 && parts[5] == "activity";
  // arn:<partition>:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]
  bool integration = states_service && parts[3].empty() && parts[4].empty();
  if (type == MachineType::kExpress) {
    if (activity) {
      out.invalid(pointer, "Express state machine does not support Activity ARN");
      return;
    }
    if (integration) {
      if (res.find(".sync") != std::string_view::npos) {
        out.invalid(pointer, "Express state machine does not support '.sync' service integration");
        return;
      }
      if (res.find(".waitForTaskToken") != std::string_view::npos) {
        out.invalid(pointer,
                    "Express state machine does not support '.waitForTaskToken' service "
                    "integration");
        return;
      }
    }
  }
  if (!integration || parts.size() < 7) return;
  std::string_view service = parts[5];
  if (service == "aws-sdk") {
    if (parts.size() < 8 || parts[6].empty() || parts[7].empty())
      out.invalid(pointer, not_recognized);
    return;
  }
  // The action, and the pattern suffix after its first '.' (".sync:2" spans a colon).
  std::string_view action = parts[6];
  std::string suffix;
  if (size_t dot = action.find('.'); dot != std::string_view::npos) {
    suffix = std::string(action.substr(dot));
    action = action.substr(0, dot);
  }
  for (size_t i = 7; i < parts.size(); ++i)
    suffix += ":" + std::string(parts[i]);
  bool known_service = false;
  for (const auto& in : kIntegrations) {
    if (in.service != service) continue;
    known_service = true;
    if (in.action != action) continue;
    if (suffix.empty() || (suffix == ".waitForTaskToken" && in.callback) ||
        (suffix == ".sync" && in.sync) || (suffix == ".sync:2" && in.sync && service == "states"))
      return;
  }
  if (known_service) out.invalid(pointer, not_recognized);
}

void check_label(Problems& out, const json::Value& v, const std::string& pointer) {
  if (!check_string(out, v, pointer, "Label")) return;
  std::string_view s = v.as_string();
  if (s.empty()) {
    out.invalid(pointer, "Label cannot be empty");
    return;
  }
  if (code_points(s) > 40) out.invalid(pointer, "Label cannot exceed 40 characters");
  for (size_t i = 0; i < s.size();) {
    uint32_t c = next_code_point(s, i);
    if (is_label_forbidden(c)) {
      out.invalid(pointer, "Label contains an invalid character: " + describe_char(c));
      return;
    }
  }
}

}  // namespace stepstream::asl::detail
