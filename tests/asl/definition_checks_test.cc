// The validator against what AWS itself decided: every definition AWS rejected at
// CreateStateMachine (or failed in ValidateStateMachineDefinition) must be rejected, at the place
// AWS named, and every definition AWS accepted and ran must raise no kInvalid problem.
// The corpus is ../shared/conformance/localstack (see its README); absent, the tests skip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/asl/validate.h"
#include "engine/json/parse.h"

namespace {

namespace fs = std::filesystem;
using stepstream::asl::MachineType;
using stepstream::asl::Problem;
using stepstream::json::Arena;
using stepstream::json::Member;
using stepstream::json::ObjectBuilder;
using stepstream::json::Value;

const fs::path kCorpus = fs::path(STEPSTREAM_SHARED_DIR) / "conformance" / "localstack";

// Cases that cannot be scored here, each with the reason. This list may only shrink.
const std::map<std::string, std::string> kOutOfScope = {
    {"test_sfn_api.TestSnfApi.test_start_sync_execution",
     "kind start_rejected: StartSyncExecution on a STANDARD machine, not a definition check"},
};

// Accepted definitions that still raise a kInvalid problem; may only shrink.
const std::map<std::string, std::string> kKnownFalseRejections = {};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// "${ext:...}" stands for a resource the recording created. Put a value of the same kind in its
// place so that the definition reads as AWS saw it: an activity ARN for create_activity (the
// EXPRESS activity case depends on it), ARNs for Lambda and SNS, and a plain word otherwise.
std::string substitute(std::string_view s) {
  std::string out;
  for (;;) {
    size_t at = s.find("${ext:");
    if (at == std::string_view::npos) break;
    // The closing brace, past any braces nested inside (placeholders quote Python calls).
    size_t end = at + 2, depth = 1;
    for (; end < s.size() && depth > 0; ++end)
      depth += s[end] == '{' ? 1 : s[end] == '}' ? -1 : 0;
    if (depth != 0) break;
    --end;  // at the closing brace
    std::string_view ph = s.substr(at, end + 1 - at);
    out += s.substr(0, at);
    bool whole = at == 0 && end + 1 == s.size();
    if (!whole)
      out += "x";
    else if (ph.find("create_activity") != std::string_view::npos)
      out += "arn:aws:states:us-east-1:000000000000:activity:activity-uid0000";
    else if (ph.find("LambdaArn") != std::string_view::npos)
      out += "arn:aws:lambda:us-east-1:000000000000:function:fn";
    else if (ph.find("SnsTopicArn") != std::string_view::npos)
      out += "arn:aws:sns:us-east-1:000000000000:topic";
    else
      out += "placeholder";
    s = s.substr(end + 1);
  }
  out += s;
  return out;
}

Value substitute(const Value& v, Arena& arena) {
  if (v.is_string()) {
    if (v.as_string().find("${ext:") == std::string_view::npos) return v;
    return Value::string(arena.copy(substitute(v.as_string())));
  }
  if (v.is_array()) {
    Value* items = arena.alloc_array<Value>(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      items[i] = substitute(v.items()[i], arena);
    return Value::array(items, v.size());
  }
  if (v.is_object()) {
    // Members are copied one by one so that repeated keys survive, as the validator needs.
    Member* members = arena.alloc_array<Member>(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      members[i] = {v.members()[i].key, substitute(v.members()[i].value, arena)};
    return Value::object(members, v.size());
  }
  return v;
}

std::string str(const Value* v) {
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The pointer AWS put after " at " in its message ("/" is the root), or nullopt when it gave none.
std::optional<std::string> aws_pointer(std::string_view message) {
  size_t at = message.rfind(" at /");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view p = message.substr(at + 4);
  size_t end = p.find_first_of("',");
  if (end != std::string_view::npos) p = p.substr(0, end);
  while (!p.empty() && p.back() == ' ')
    p.remove_suffix(1);
  if (p == "/") return std::string();
  return std::string(p);
}

std::string listing(const std::vector<Problem>& problems) {
  std::string s;
  for (const auto& p : problems)
    s += "    " + stepstream::asl::to_string(p) + "\n";
  return s.empty() ? "    (none)\n" : s;
}

struct Case {
  std::string name;
  std::string kind;
  std::string type;
  Value definition;
  Value expected;
};

bool load(const fs::path& file, Arena& arena, Case& c) {
  std::string text = read(file);
  auto parsed = stepstream::json::parse(text, arena);
  if (!parsed.ok() || !parsed.value.is_object()) return false;
  const Value& doc = parsed.value;
  c.name = file.stem().string();
  c.kind = str(doc.find("kind"));
  c.type = str(doc.find("state_machine_type"));
  const Value* def = doc.find("definition");
  c.definition = def != nullptr ? substitute(*def, arena) : Value();
  const Value* exp = doc.find("expected");
  c.expected = exp != nullptr ? *exp : Value();
  return true;
}

MachineType machine_type(const Case& c) {
  // The ValidateStateMachineDefinition cases of test_..._type_express were validated with
  // type EXPRESS (their ILLEGAL_WFTT diagnostic says so); the recording kept the default.
  if (c.type == "EXPRESS" || c.name.find("_type_express_") != std::string::npos)
    return MachineType::kExpress;
  return MachineType::kStandard;
}

size_t invalid_count(const std::vector<Problem>& problems) {
  size_t n = 0;
  for (const auto& p : problems)
    n += p.kind == Problem::Kind::kInvalid;
  return n;
}

bool has_invalid_at(const std::vector<Problem>& problems, const std::string& pointer) {
  for (const auto& p : problems)
    if (p.kind == Problem::Kind::kInvalid && p.pointer == pointer) return true;
  return false;
}

TEST(DefinitionChecks, RejectedByAwsAreRejected) {
  fs::path dir = kCorpus / "definition_checks";
  if (!fs::is_directory(dir)) {
    std::printf("*** conformance corpus not found at %s: skipping ***\n", dir.c_str());
    GTEST_SKIP() << "no corpus at " << dir;
  }
  size_t scored = 0, right = 0, skipped = 0;
  for (const auto& file : files(dir)) {
    Arena arena;
    Case c;
    ASSERT_TRUE(load(file, arena, c)) << file;
    if (auto it = kOutOfScope.find(c.name); it != kOutOfScope.end()) {
      ++skipped;
      continue;
    }
    std::vector<Problem> problems = stepstream::asl::validate(c.definition, {machine_type(c)});
    if (c.kind == "create_rejected") {
      ++scored;
      std::string message = str(c.expected.find("message"));
      bool ok = invalid_count(problems) > 0;
      EXPECT_TRUE(ok) << c.name << ": AWS rejected it: " << message << "\n  we found:\n"
                      << listing(problems);
      if (auto where = aws_pointer(message); ok && where) {
        EXPECT_TRUE(has_invalid_at(problems, *where))
            << c.name << ": AWS reported a problem at \"" << *where << "\": " << message
            << "\n  we found:\n"
            << listing(problems);
      }
      right += ok;
    } else if (c.kind == "validate") {
      ++scored;
      std::string result = str(c.expected.find("result"));
      if (result == "OK") {
        EXPECT_EQ(invalid_count(problems), 0u) << c.name << ": AWS found it valid; we found:\n"
                                               << listing(problems);
        right += invalid_count(problems) == 0;
      } else {
        bool ok = invalid_count(problems) > 0;
        EXPECT_TRUE(ok) << c.name << ": AWS failed it; we found:\n" << listing(problems);
        right += ok;
        const Value* diags = c.expected.find("diagnostics");
        if (ok && diags != nullptr && diags->is_array()) {
          for (const auto& d : diags->items()) {
            std::string where = str(d.find("location"));
            if (where.empty() || where[0] != '/') continue;  // no pointer (a JSON syntax error)
            if (where == "/") where.clear();
            EXPECT_TRUE(has_invalid_at(problems, where))
                << c.name << ": AWS reported at \"" << where << "\": " << str(d.find("message"))
                << "\n  we found:\n"
                << listing(problems);
          }
        }
      }
    } else {
      ADD_FAILURE() << c.name << ": kind '" << c.kind
                    << "' is neither scored nor listed in kOutOfScope";
    }
  }
  std::printf("definition checks: %zu of %zu scored cases right, %zu listed out of scope\n", right,
              scored, skipped);
}

TEST(DefinitionChecks, AcceptedByAwsRaiseNoInvalidProblem) {
  fs::path dir = kCorpus / "executions";
  if (!fs::is_directory(dir)) {
    std::printf("*** conformance corpus not found at %s: skipping ***\n", dir.c_str());
    GTEST_SKIP() << "no corpus at " << dir;
  }
  size_t clean = 0, total = 0;
  for (const auto& file : files(dir)) {
    Arena arena;
    Case c;
    ASSERT_TRUE(load(file, arena, c)) << file;
    ++total;
    std::vector<Problem> problems = stepstream::asl::validate(c.definition, {machine_type(c)});
    bool ok = invalid_count(problems) == 0;
    if (kKnownFalseRejections.count(c.name) != 0) {
      EXPECT_FALSE(ok) << c.name << " now passes: remove it from kKnownFalseRejections";
      continue;
    }
    EXPECT_TRUE(ok) << c.name << ": AWS ran it, we found:\n" << listing(problems);
    clean += ok;
  }
  std::printf("accepted definitions: %zu of %zu raise no kInvalid problem\n", clean, total);
}

}  // namespace
