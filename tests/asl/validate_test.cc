// The validator: one test per case file in cases/ (a definition and the exact problems it must
// raise, in order), a few properties of the API, robustness on hostile input, and the
// `stepstream validate` command.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "engine/asl/validate.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "tests/support/case_files.h"
#include "tests/support/run_command.h"

namespace {

namespace fs = std::filesystem;
using stepstream::asl::MachineType;
using stepstream::asl::Problem;
using stepstream::asl::to_string;
using stepstream::asl::validate;
using stepstream::json::Arena;
using stepstream::json::Value;

const fs::path kCases = fs::path(STEPSTREAM_SOURCE_DIR) / "tests" / "asl" / "cases";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> case_names() {
  return stepstream::test::case_names(kCases, ".json");
}

std::vector<std::string> lines(const std::vector<Problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems)
    out.push_back(to_string(p));
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v)
    s += "    " + l + "\n";
  return s.empty() ? "    (none)\n" : s;
}

// An expected line ending in '*' matches any problem line that starts with the rest (for
// messages that quote a parser's detail).
bool matches(const std::string& expected, const std::string& actual) {
  if (!expected.empty() && expected.back() == '*')
    return actual.compare(0, expected.size() - 1, expected, 0, expected.size() - 1) == 0;
  return expected == actual;
}

// A case file:
//   { "description": "...", "type": "EXPRESS" (optional, default STANDARD),
//     "definition": { ... }            -- or "definition_text": "raw text to parse",
//     "problems": [ "/pointer: message", ... ] }   -- to_string() of each problem, in order
class ValidateCase : public testing::TestWithParam<std::string> {};

TEST_P(ValidateCase, RaisesExactlyTheExpectedProblems) {
  fs::path file = kCases / (GetParam() + ".json");
  std::string text = read(file);
  Arena arena;
  auto parsed = stepstream::json::parse(text, arena);
  ASSERT_TRUE(parsed.ok()) << file << ": " << parsed.error;
  const Value& c = parsed.value;
  ASSERT_TRUE(c.is_object()) << file;

  Value definition;
  if (const Value* raw = c.find("definition_text")) {
    ASSERT_TRUE(raw->is_string());
    auto inner = stepstream::json::parse(raw->as_string(), arena);
    ASSERT_TRUE(inner.ok()) << "definition_text must parse: " << inner.error;
    definition = inner.value;
  } else {
    const Value* d = c.find("definition");
    ASSERT_NE(d, nullptr) << file << " has no definition";
    definition = *d;
  }
  MachineType type = MachineType::kStandard;
  if (const Value* t = c.find("type");
      t != nullptr && t->is_string() && t->as_string() == "EXPRESS")
    type = MachineType::kExpress;

  std::vector<std::string> expected;
  const Value* e = c.find("problems");
  ASSERT_NE(e, nullptr) << file << " has no problems list";
  for (const auto& p : e->items())
    expected.emplace_back(p.as_string());

  std::vector<std::string> actual = lines(validate(definition, {type}));
  bool same = expected.size() == actual.size();
  for (size_t i = 0; same && i < expected.size(); ++i)
    same = matches(expected[i], actual[i]);
  EXPECT_TRUE(same) << file.filename().string() << "\n  expected:\n"
                    << joined(expected) << "  actual:\n"
                    << joined(actual);
}

INSTANTIATE_TEST_SUITE_P(Cases, ValidateCase, testing::ValuesIn(case_names()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(Validate, CaseDirectoryIsNotEmpty) {
  EXPECT_GT(case_names().size(), 20u);
}

Value parse_ok(const std::string& text, Arena& arena) {
  auto r = stepstream::json::parse(text, arena);
  EXPECT_TRUE(r.ok()) << r.error;
  return r.value;
}

TEST(Validate, ToStringOfTheRootIsTheMessageAlone) {
  EXPECT_EQ(to_string({"", "Workflow has no terminal state", Problem::Kind::kInvalid}),
            "Workflow has no terminal state");
  EXPECT_EQ(to_string({"/States/A/Next", "x", Problem::Kind::kInvalid}), "/States/A/Next: x");
  EXPECT_EQ(to_string({"/QueryLanguage", "JSONata", Problem::Kind::kUnsupported}),
            "/QueryLanguage: not supported yet: JSONata");
}

TEST(Validate, PointersEscapeTildeAndSlash) {
  Arena arena;
  Value v =
      parse_ok(R"({"StartAt":"a/b~c","States":{"a/b~c":{"Type":"Pass","Next":"nope"}}})", arena);
  auto problems = validate(v);
  ASSERT_EQ(problems.size(), 2u);  // no terminal state, and the missing target
  EXPECT_EQ(problems[1].pointer, "/States/a~1b~0c/Next");
}

TEST(Validate, ExpressOnlyChangesTaskResourceRules) {
  Arena arena;
  Value v = parse_ok(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","End":true}}})",
                     arena);
  EXPECT_TRUE(validate(v, {MachineType::kStandard}).empty());
  auto problems = validate(v, {MachineType::kExpress});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].pointer, "/States/T/Resource");
}

// Every prefix of every case definition's text, and random byte flips of it, must be handled:
// parse errors are the parser's business, but whatever parses must validate without crashing.
TEST(Validate, NeverCrashesOnMangledDefinitions) {
  std::mt19937 rng(42);
  size_t validated = 0;
  for (const auto& name : case_names()) {
    Arena arena;
    auto parsed = stepstream::json::parse(read(kCases / (name + ".json")), arena);
    ASSERT_TRUE(parsed.ok());
    const Value* d = parsed.value.find("definition");
    if (d == nullptr) continue;
    std::string text = stepstream::json::to_string(*d);
    for (int round = 0; round < 40; ++round) {
      std::string t = text;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips && !t.empty(); ++k) {
        size_t at = rng() % t.size();
        constexpr std::string_view kBytes = "{}[]\":,0123456789.-$tfn \\aZ/~";
        t[at] = kBytes[rng() % kBytes.size()];
      }
      Arena a2;
      auto r = stepstream::json::parse(t, a2);
      if (!r.ok()) continue;
      (void)validate(r.value, {MachineType::kExpress});
      ++validated;
    }
  }
  EXPECT_GT(validated, 100u);
}

TEST(Validate, DeeplyNestedChoiceRulesAndTemplates) {
  std::string rule = R"({"Variable":"$.x","IsPresent":true})";
  std::string tmpl = R"({"a.$":"$.x"})";
  for (int i = 0; i < 300; ++i) {
    rule = R"({"Not":)" + rule + "}";
    tmpl = R"({"n":)" + tmpl + "}";
  }
  std::string def = R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[)" +
                    rule.substr(0, rule.size() - 1) + R"(,"Next":"P"}],"Default":"P"},)" +
                    R"("P":{"Type":"Pass","Parameters":)" + tmpl + R"(,"End":true}}})";
  Arena arena;
  auto r = stepstream::json::parse(def, arena);
  ASSERT_TRUE(r.ok()) << r.error;
  for (const auto& p : validate(r.value))
    EXPECT_NE(p.kind, Problem::Kind::kInvalid) << to_string(p);
}

// --- `stepstream validate` ---

struct Result {
  int status;
  std::string out;
  std::string err;
};

// CTest runs tests in parallel processes: each gets a folder of its own.
const fs::path kTmp =
    fs::temp_directory_path() / ("stepstream_validate_test-" + std::to_string(getpid()));

Result run(const std::string& args) {
  fs::create_directories(kTmp);
  fs::path err_file = kTmp / "stderr.txt";
  auto [status, out] = stepstream::testing_support::run_command(
      std::string(STEPSTREAM_BINARY) + " " + args + " 2>" + err_file.string());
  return Result{status, out, read(err_file)};
}

std::string write_file(const std::string& name, const std::string& text) {
  fs::create_directories(kTmp);
  fs::path p = kTmp / name;
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

constexpr const char* kValid = R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})";

TEST(ValidateCommand, ValidFilePrintsValid) {
  std::string f = write_file("ok.json", kValid);
  Result r = run("validate " + f);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, f + ": valid\n");
  EXPECT_EQ(r.err, "");
}

TEST(ValidateCommand, QuietPrintsNothingOnSuccess) {
  std::string f = write_file("ok.json", kValid);
  Result r = run("validate --quiet " + f);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(ValidateCommand, EveryProblemOnStderrWithPointer) {
  std::string f = write_file(
      "bad.json",
      R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nope"},"B":{"Type":"Succeed"}}})");
  Result r = run("validate " + f);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, f + ": /States/A/Next: Missing 'Next' target: no state named \"Nope\"\n" + f +
                       ": /States/B: State \"B\" is not reachable\n");
}

TEST(ValidateCommand, ManyFilesExitNonZeroIfAnyIsInvalid) {
  std::string ok = write_file("ok.json", kValid);
  std::string bad = write_file("nostates.json", R"({"StartAt":"A"})");
  Result r = run("validate " + ok + " " + bad);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, ok + ": valid\n");
  EXPECT_EQ(r.err, bad + ": These fields are required: [States]\n");
}

TEST(ValidateCommand, ParseErrorIsAProblemAtTheRoot) {
  std::string f = write_file("syntax.json", R"({"StartAt": )");
  Result r = run("validate " + f);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind(f + ": ", 0), 0u) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(ValidateCommand, UnsupportedFeaturesFailAndSaySo) {
  std::string f = write_file(
      "jsonata.json",
      R"({"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})");
  Result r = run("validate " + f);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, f + ": /QueryLanguage: not supported yet: JSONata\n");
}

TEST(ValidateCommand, TypeExpress) {
  std::string f = write_file(
      "sync.json",
      R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","End":true}}})");
  EXPECT_EQ(run("validate " + f).status, 0);
  Result r = run("validate --type EXPRESS " + f);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, f + ": /States/T/Resource: Express state machine does not support '.sync' "
                       "service integration\n");
  Result bad = run("validate --type SIDEWAYS " + f);
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("--type"), std::string::npos) << bad.err;
}

TEST(ValidateCommand, UnreadableFile) {
  Result r = run("validate " + (kTmp / "does-not-exist.json").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("does-not-exist.json"), std::string::npos) << r.err;
}

}  // namespace
