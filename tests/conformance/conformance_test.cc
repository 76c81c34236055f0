// The execution conformance runner: every in-scope case of the AWS-recorded corpus
// (../shared/conformance/localstack/executions, see its README) is compiled, run on a virtual
// clock and scored against what AWS produced. A failing case that known_failures.txt does not
// list fails the test, and so does a listed case that passes: the list may only shrink.
// Scope is switched by feature (kEnabledFeatures): a case using a feature the engine does not run
// yet is skipped and counted, never listed as a known failure. Cases that call services run with
// their Task states answered by a Step Functions Local mock config made from their recorded
// history (history_mocks.h), and their Activity states by the workers' recorded answers.
// Environment: STEPSTREAM_CONFORMANCE_FEATURES=Task,external turns features on for one run (to
// preview a feature's cases before switching it on); STEPSTREAM_CONFORMANCE_FILTER=<substring>
// runs only the cases whose name contains it; STEPSTREAM_CONFORMANCE_VERBOSE=1 prints every history
// and Task input mismatch, not just the first few; STEPSTREAM_CONFORMANCE_DUMP=<file> writes each
// run's outcome there as one JSON object a line (name, status, output or error and cause, event
// types), for tools that triage failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <bitset>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/compile/build.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/vm/clock.h"
#include "engine/vm/mock_config.h"
#include "engine/vm/vm.h"
#include "tests/conformance/expected_match.h"
#include "tests/conformance/history_mocks.h"

namespace stepstream::conformance {
namespace {

namespace fs = std::filesystem;
using json::Arena;
using json::Value;

const fs::path kExecutions =
    fs::path(STEPSTREAM_SHARED_DIR) / "conformance" / "localstack" / "executions";
const fs::path kKnownFailures =
    fs::path(STEPSTREAM_SOURCE_DIR) / "tests" / "conformance" / "known_failures.txt";

// A case running longer than this has hung (a loop the engine never leaves): the watchdog names
// it and stops the run rather than leave CTest waiting.
constexpr auto kCaseDeadline = std::chrono::seconds(30);
constexpr size_t kExcerpt = 240;  // characters of a value shown in a failure line

// Who runs the cases. The recordings mask the account as 111111111111 and the names, role and
// times with placeholders; these values have the shapes AWS gives them (StartExecution without a
// name names the execution with a UUID).
vm::Identity identity(bool express, bool sync) {
  vm::Identity id;
  id.state_machine_name = kMockStateMachine;
  id.execution_name = "0b5f1d7e-3c2a-4e8f-9a61-7d2c4b8e5f10";
  id.role_arn = "arn:aws:iam::111111111111:role/stepstream-conformance";
  id.region = "us-east-1";
  id.account = "111111111111";
  id.express = express;
  id.sync = sync;
  return id;
}

// ---- reading the corpus ---------------------------------------------------------------------

struct Case {
  std::string name;  // the file name without ".json", as known_failures.txt lists it
  std::unique_ptr<Arena> arena = std::make_unique<Arena>();
  Value doc;
  std::string load_error;  // set when the file is not a JSON object
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const Value* member(const Value* v, std::string_view key) {
  return v != nullptr && v->is_object() ? v->find(key) : nullptr;
}
std::string_view str(const Value* v) {
  return v != nullptr && v->is_string() ? v->as_string() : std::string_view();
}

std::vector<Case> load_cases(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<Case> cases(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    Case& c = cases[i];
    c.name = files[i].stem().string();
    json::ParseResult parsed = json::parse(read(files[i]), *c.arena);
    if (!parsed.ok() || !parsed.value.is_object())
      c.load_error = "case file is not a JSON object: " + std::string(parsed.error);
    else
      c.doc = parsed.value;
  }
  return cases;
}

// known_failures.txt: one case name per line (".json" optional), then its reason; '#' comments.
struct KnownFailures {
  std::map<std::string, std::string, std::less<>> reasons;
  std::vector<std::string> problems;
};

KnownFailures load_known_failures(const fs::path& file) {
  KnownFailures k;
  std::ifstream in(file);
  if (!in) {
    k.problems.push_back("cannot read " + file.string());
    return k;
  }
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::string_view s = line;
    if (size_t hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
    size_t begin = s.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) continue;
    s = s.substr(begin);
    size_t end = s.find_first_of(" \t\r");
    std::string name(s.substr(0, end));
    if (name.ends_with(".json")) name.resize(name.size() - 5);
    std::string_view reason = end == std::string_view::npos ? "" : s.substr(end);
    reason.remove_prefix(std::min(reason.size(), reason.find_first_not_of(" \t")));
    if (!k.reasons.emplace(name, reason).second)
      k.problems.push_back("known_failures.txt:" + std::to_string(n) + ": " + name +
                           " is listed twice");
  }
  return k;
}

// ---- scope ----------------------------------------------------------------------------------

// Every feature the scope switch tells apart, in the order a skipped case names the first one it
// lacks: JSONata and variables (no switch turns them on; they are not part of this engine yet),
// the core states, Task (TaskToken: a .waitForTaskToken resource or $$.Task.Token) and error
// handling, Parallel and Map, and "external": the case calls services, and its Tasks answer from
// mocks made from its recorded history.
constexpr std::string_view kFeatures[] = {
    "JSONata",
    "Variables",
    "Pass",
    "Choice",
    "Wait",
    "Succeed",
    "Fail",
    "Task",
    "TaskToken",
    "Retry",
    "Catch",
    "ResultSelector",
    "TaskTimeouts",
    "Credentials",
    "Parallel",
    "Map",
    "Map:DISTRIBUTED",
    "Map:ToleratedFailure",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "external",
};
constexpr size_t kFeatureCount = std::size(kFeatures);
using Features = std::bitset<kFeatureCount>;

// The features the engine runs today. A case is in scope when it uses only these; widen the list
// as the VM gains features (never list a case in known_failures.txt only because a feature is
// not implemented yet).
constexpr std::string_view kEnabledFeatures[] = {
    "Pass",        "Choice",    "Wait",  "Succeed",         "Fail",
    "Task",        "Retry",     "Catch", "ResultSelector",  "TaskTimeouts",
    "Credentials", "Parallel",  "Map",   "Map:DISTRIBUTED", "Map:ToleratedFailure",
    "external",    "TaskToken",
};

constexpr size_t feature_index(std::string_view name) {
  for (size_t i = 0; i < kFeatureCount; ++i)
    if (kFeatures[i] == name) return i;
  return kFeatureCount;
}

// kEnabledFeatures, and those STEPSTREAM_CONFORMANCE_FEATURES ("Task,Retry") adds for one run.
Features enabled_features() {
  std::vector<std::string_view> names(std::begin(kEnabledFeatures), std::end(kEnabledFeatures));
  const char* extra_env = std::getenv("STEPSTREAM_CONFORMANCE_FEATURES");
  for (std::string_view rest = extra_env != nullptr ? extra_env : ""; !rest.empty();) {
    size_t comma = rest.find(',');
    if (!rest.substr(0, comma).empty()) names.push_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  Features f;
  for (std::string_view name : names) {
    size_t i = feature_index(name);
    EXPECT_LT(i, kFeatureCount) << "no feature named " << name;
    if (i < kFeatureCount) f.set(i);
  }
  return f;
}

// A reference to a workflow variable ("$name", "$name.x") where a path is expected.
bool is_variable_reference(std::string_view s) {
  return s.size() > 1 && s[0] == '$' &&
         (std::isalpha(static_cast<unsigned char>(s[1])) != 0 || s[1] == '_');
}

// What a definition uses, walked through Parallel branches and Map processors.
class FeatureScan {
 public:
  Features features;

  void add(std::string_view name) {
    size_t i = feature_index(name);
    EXPECT_LT(i, kFeatureCount) << "unknown feature " << name;
    if (i < kFeatureCount) features.set(i);
  }

  void machine(const Value& m) {
    if (!m.is_object()) return;  // the build will say what is wrong
    if (str(m.find("QueryLanguage")) == "JSONata") add("JSONata");
    if (const Value* states = m.find("States"); states != nullptr && states->is_object())
      for (const json::Member& s : states->members())
        state(s.value);
    expressions(m);
  }

 private:
  void state(const Value& s) {
    if (!s.is_object()) return;
    std::string_view type = str(s.find("Type"));
    if (feature_index(type) < kFeatureCount) add(type);
    for (const json::Member& f : s.members()) {
      std::string_view k = f.key;
      if (k == "QueryLanguage" && str(&f.value) == "JSONata") add("JSONata");
      if (k == "Arguments" || k == "Output" || k == "Items") add("JSONata");
      if (k == "Assign") add("Variables");
      if (k == "Retry" || k == "Catch" || k == "ResultSelector" || k == "Credentials" ||
          k == "ItemReader" || k == "ItemBatcher" || k == "ResultWriter")
        add(k);
      if (type == "Task" && (k.starts_with("TimeoutSeconds") || k.starts_with("HeartbeatSeconds")))
        add("TaskTimeouts");
      if (type == "Task" && k == "Resource" && str(&f.value).ends_with(".waitForTaskToken"))
        add("TaskToken");
      if (k.starts_with("ToleratedFailure")) add("Map:ToleratedFailure");
    }
    if (const Value* catchers = s.find("Catch"); catchers != nullptr && catchers->is_array())
      for (const Value& c : catchers->items())
        rule_fields(c);
    if (const Value* choices = s.find("Choices"); choices != nullptr && choices->is_array())
      for (const Value& rule : choices->items())
        choice_rule(rule);
    if (const Value* branches = s.find("Branches"); branches != nullptr && branches->is_array())
      for (const Value& b : branches->items())
        machine(b);
    for (std::string_view field : {"ItemProcessor", "Iterator"})
      if (const Value* p = s.find(field); p != nullptr && p->is_object()) {
        if (str(member(member(p, "ProcessorConfig"), "Mode")) == "DISTRIBUTED")
          add("Map:DISTRIBUTED");
        machine(*p);
      }
  }

  void rule_fields(const Value& rule) {
    if (member(&rule, "Assign") != nullptr) add("Variables");
    if (member(&rule, "Output") != nullptr || member(&rule, "Condition") != nullptr) add("JSONata");
  }

  void choice_rule(const Value& rule) {
    if (!rule.is_object()) return;
    rule_fields(rule);
    for (std::string_view nest : {"And", "Or"})
      if (const Value* rules = rule.find(nest); rules != nullptr && rules->is_array())
        for (const Value& r : rules->items())
          choice_rule(r);
    if (const Value* n = rule.find("Not")) choice_rule(*n);
  }

  // JSONata expressions and variable references anywhere outside Result (whose strings are data).
  void expressions(const Value& v) {
    if (v.is_string() && v.as_string().starts_with("{%")) add("JSONata");
    if (v.is_string() && v.as_string().starts_with("$$.Task.Token")) add("TaskToken");
    if (v.is_array())
      for (const Value& item : v.items())
        expressions(item);
    if (v.is_object())
      for (const json::Member& m : v.members()) {
        if (m.key == "Result") continue;
        bool path_field = m.key.ends_with(".$") || m.key.ends_with("Path") || m.key == "Variable";
        if (path_field && m.value.is_string() && is_variable_reference(m.value.as_string()))
          add("Variables");
        expressions(m.value);
      }
  }
};

Features features_of(const Value& doc) {
  FeatureScan scan;
  if (const Value* def = member(&doc, "definition")) scan.machine(*def);
  // The corpus's own tags, for what the walk above may miss.
  if (const Value* tags = member(&doc, "features"); tags && tags->is_array())
    for (const Value& t : tags->items()) {
      std::string_view word = str(&t).substr(0, str(&t).find(':'));
      if (word == "JSONata" || word == "Variables") scan.add(word);
    }
  if (const Value* ext = member(&doc, "needs_external"); ext && ext->is_bool() && ext->as_bool())
    scan.add("external");
  return scan.features;
}

// Why `doc` is not scored by this runner, or nullopt when it is.
std::optional<std::string> out_of_scope(const Value& doc, const Features& used,
                                        const Features& enabled) {
  std::string_view kind = str(member(&doc, "kind"));
  if (kind != "execution" && kind != "sync_execution") return "kind " + std::string(kind);
  std::string_view status = str(member(member(&doc, "expected"), "status"));
  if (status == "INCOMPLETE_HISTORY" || status == "ABORTED") return "status " + std::string(status);
  for (size_t i = 0; i < kFeatureCount; ++i)
    if (used[i] && !enabled[i]) return "feature " + std::string(kFeatures[i]);
  return std::nullopt;
}

// ---- inputs made from "now" -----------------------------------------------------------------

// Seconds since the epoch of the "YYYY-MM-DDTHH:MM:SS" that starts `s`.
std::optional<int64_t> leading_seconds(std::string_view s) {
  auto field = [&](size_t at, size_t n, int& out) {
    return at + n <= s.size() &&
           std::from_chars(s.data() + at, s.data() + at + n, out).ptr == s.data() + at + n;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 19 || !field(0, 4, y) || !field(5, 2, mo) || !field(8, 2, d) || !field(11, 2, h) ||
      !field(14, 2, mi) || !field(17, 2, sec))
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                  std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch() / std::chrono::seconds(1) + h * 3600 +
         mi * 60 + sec;
}

std::string format_leading(int64_t seconds) {
  using namespace std::chrono;
  sys_seconds t{std::chrono::seconds(seconds)};
  sys_days day = floor<days>(t);
  year_month_day ymd(day);
  hh_mm_ss hms(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// The input timestamps of `doc` made from "now", with the value they were given
// (checks.input_placeholder_paths: [{"path": "$.start_at", "here": "2026-11-21T05:25:17Z"}]).
std::vector<std::pair<std::string_view, std::string_view>> dynamic_timestamps(const Value& doc) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  if (member(member(&doc, "notes"), "input_dynamic") == nullptr) return out;
  const Value* paths = member(member(&doc, "checks"), "input_placeholder_paths");
  if (paths != nullptr && paths->is_array())
    for (const Value& p : paths->items())
      if (str(member(&p, "here")).find("${ext:") == std::string_view::npos)
        out.emplace_back(str(member(&p, "path")), str(member(&p, "here")));
  return out;
}

// When the corpus was written: its dynamic timestamps are "now" plus an offset, the smallest
// offset being zero (test_wait_timestamppath waits until "now"), so the earliest of them.
std::optional<int64_t> corpus_now(const std::vector<Case>& cases) {
  std::optional<int64_t> earliest;
  for (const Case& c : cases)
    for (auto [path, here] : dynamic_timestamps(c.doc))
      if (auto t = leading_seconds(here); t && (!earliest || *t < *earliest)) earliest = t;
  return earliest;
}

// One step of an input path: a member name, or an index when `key` is empty.
struct Step {
  std::string_view key;
  size_t index = 0;
};

// "$.a.b[2].c" as steps; nullopt for anything else.
std::optional<std::vector<Step>> parse_steps(std::string_view path) {
  if (!path.starts_with("$")) return std::nullopt;
  std::vector<Step> steps;
  for (std::string_view rest = path.substr(1); !rest.empty();) {
    if (rest[0] == '.') {
      size_t end = rest.find_first_of(".[", 1);
      if (end == 1) return std::nullopt;
      steps.push_back({rest.substr(1, end == std::string_view::npos ? end : end - 1)});
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    } else if (rest[0] == '[') {
      size_t close = rest.find(']');
      Step step;
      if (close == std::string_view::npos ||
          std::from_chars(rest.data() + 1, rest.data() + close, step.index).ptr !=
              rest.data() + close)
        return std::nullopt;
      steps.push_back(step);
      rest = rest.substr(close + 1);
    } else {
      return std::nullopt;
    }
  }
  return steps;
}

// `v` with the value at `steps` replaced by `value`; the containers along the way are copied.
std::optional<Value> replaced(const Value& v, std::span<const Step> steps, const Value& value,
                              Arena& arena) {
  if (steps.empty()) return value;
  const Step& step = steps[0];
  if (step.key.empty()) {
    if (!v.is_array() || step.index >= v.size()) return std::nullopt;
    Value* items = arena.alloc_array<Value>(v.size());
    std::copy(v.items().begin(), v.items().end(), items);
    auto inner = replaced(items[step.index], steps.subspan(1), value, arena);
    if (!inner) return std::nullopt;
    items[step.index] = *inner;
    return Value::array(items, v.size());
  }
  if (!v.is_object() || v.find(step.key) == nullptr) return std::nullopt;
  json::Member* members = arena.alloc_array<json::Member>(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    members[i] = v.members()[i];
    if (members[i].key != step.key) continue;
    auto inner = replaced(members[i].value, steps.subspan(1), value, arena);
    if (!inner) return std::nullopt;
    members[i].value = *inner;
  }
  return Value::object(members, v.size());
}

bool replace_at(std::string_view path, Value& input, const Value& value, Arena& arena,
                std::string& error) {
  auto steps = parse_steps(path);
  auto rebuilt = steps ? replaced(input, *steps, value, arena) : std::nullopt;
  if (!rebuilt) {
    error = "the input has no value at " + std::string(path);
    return false;
  }
  input = *rebuilt;
  return true;
}

// Moves each timestamp made from "now" by the time passed since the corpus was written, keeping
// its text after the seconds ("", "Z", ".000000Z"). Puts in place of each resource the original
// test created ("${ext:SqsQueueUrl:q}") the text the recording shows for it ("<sqs_queue_url>"):
// the mocks made from the history answer with that text too. False with `error` set when it
// cannot.
bool rebuild_input(const Value& doc, int64_t shift_seconds, Value& input, Arena& arena,
                   std::string& error) {
  for (auto [path, here] : dynamic_timestamps(doc)) {
    std::optional<int64_t> t = leading_seconds(here);
    if (!t) {
      error = "cannot rebuild the dynamic input at " + std::string(path);
      return false;
    }
    std::string text = format_leading(*t + shift_seconds) + std::string(here.substr(19));
    if (!replace_at(path, input, Value::string(arena.copy(text)), arena, error)) return false;
  }
  const Value* paths = member(member(&doc, "checks"), "input_placeholder_paths");
  if (paths != nullptr && paths->is_array())
    for (const Value& p : paths->items()) {
      if (str(member(&p, "here")).find("${ext:") == std::string_view::npos) continue;
      const Value* shown = member(&p, "snapshot");
      if (shown == nullptr) {
        error = "no recorded value for the resource at " + std::string(str(member(&p, "path")));
        return false;
      }
      if (!replace_at(str(member(&p, "path")), input, *shown, arena, error)) return false;
    }
  return true;
}

// ---- running and scoring one case -----------------------------------------------------------

std::string excerpt(std::string_view s) {
  if (s.size() <= kExcerpt) return std::string(s);
  return std::string(s.substr(0, kExcerpt)) + "...(" + std::to_string(s.size()) + " chars)";
}

// Two long strings shown from a little before where they part.
std::string compare_strings(std::string_view expected, std::string_view got) {
  size_t same = 0;
  while (same < expected.size() && same < got.size() && expected[same] == got[same])
    ++same;
  size_t from = same > 60 && (expected.size() > kExcerpt || got.size() > kExcerpt) ? same - 40 : 0;
  std::string lead = from > 0 ? "..." : "";
  return "expected \"" + lead + excerpt(expected.substr(from)) + "\"\n        got      \"" + lead +
         excerpt(got.substr(from)) + "\"";
}

std::string outcome_text(const vm::Execution& exec) {
  if (exec.status() == vm::Status::kSucceeded)
    return "output " + excerpt(json::to_string(exec.output()));
  std::string s;
  if (exec.error()) s += "error \"" + excerpt(*exec.error()) + "\"";
  if (exec.cause())
    s += std::string(s.empty() ? "" : ", ") + "cause \"" + excerpt(*exec.cause()) + "\"";
  return s.empty() ? "no error, no cause" : s;
}

// An error or a cause: absent where AWS has none, else matching AWS's text. The recording shows
// a cause that is JSON text (a Lambda error's) parsed: then the text must parse to a match.
bool match_optional(ExpectedMatcher& m, std::string_view what, const Value* expected,
                    std::optional<std::string_view> got, std::string& why) {
  if (expected == nullptr) {
    if (got) why = std::string(what) + ": expected none, got \"" + excerpt(*got) + "\"";
    return !got;
  }
  if (!got) {
    why = std::string(what) + ": expected " + excerpt(json::to_string(*expected)) + ", got none";
    return false;
  }
  if (!expected->is_string()) {
    Arena scratch(1024);
    json::ParseResult parsed = json::parse(*got, scratch);
    std::string where;
    if (parsed.ok() && m.match(*expected, parsed.value, where)) return true;
    why = std::string(what) + ": " + (parsed.ok() ? where + "\n        " : "") + "expected " +
          excerpt(json::to_string(*expected)) + "\n        got      \"" + excerpt(*got) + "\"";
    return false;
  }
  if (m.match_string(expected->as_string(), *got)) return true;
  why = std::string(what) + ": " + compare_strings(expected->as_string(), *got);
  return false;
}

struct Result {
  bool passed = false;
  std::string why;          // when it failed
  std::string history;      // when the event types differ from AWS's (informational)
  std::string task_inputs;  // when a Task was sent other than what AWS sent it (informational)
  std::string outcome;  // what the run produced, as a JSON object (for STEPSTREAM_CONFORMANCE_DUMP)
};

// A case made ready to run: its definition with the resources of the original test resolved,
// and for a case that calls services, the mocks made from its history.
struct Prepared {
  std::string definition;
  std::optional<HistoryMocks> mocks;
};

// Passes Task calls to the mock handler and keeps what each was sent, per state in call order.
// A call the recording shows timed out by its state's own limit is left unanswered, so that the
// limit times it out here too, with the events AWS logs for a timeout.
class RecordingHandler final : public vm::TaskHandler {
 public:
  RecordingHandler(std::shared_ptr<const vm::TaskHandler> inner,
                   std::map<std::string, HistoryMocks::Limits, std::less<>> limits)
      : inner_(std::move(inner)), limits_(std::move(limits)) {}
  vm::TaskOutcome invoke(const vm::TaskCall& call, vm::TaskResult& result) const override {
    sent_[std::string(call.state_name)].push_back(json::to_string(call.input));
    vm::TaskOutcome outcome = inner_->invoke(call, result);
    if (outcome == vm::TaskOutcome::kFailed) {
      auto it = limits_.find(call.state_name);
      // AWS reports a missed heartbeat as States.Timeout too.
      if (it != limits_.end() && result.error == "States.Timeout" &&
          (it->second.timeout || it->second.heartbeat))
        return vm::TaskOutcome::kPending;
    }
    return outcome;
  }
  const std::map<std::string, std::vector<std::string>, std::less<>>& sent() const { return sent_; }

 private:
  std::shared_ptr<const vm::TaskHandler> inner_;
  std::map<std::string, HistoryMocks::Limits, std::less<>> limits_;
  // Written during invoke, which the interface makes const; one execution runs at a time.
  mutable std::map<std::string, std::vector<std::string>, std::less<>> sent_;
};

// Plays the workers of the case's Activity states from the recording (the kActivityWorkers test
// case): each invocation gets what its worker returned or failed with. Registered for activity
// ARNs behind the mock handler, which hands it the states its own test case does not name.
class RecordedWorker final : public vm::TaskHandler {
 public:
  explicit RecordedWorker(std::shared_ptr<const vm::MockConfig> config)
      : config_(std::move(config)),
        test_case_(config_->find_test_case(kMockStateMachine, kActivityWorkers)) {}

  vm::TaskOutcome invoke(const vm::TaskCall& call, vm::TaskResult& result) const override {
    const vm::MockAnswer* a = nullptr;
    if (test_case_ != nullptr)
      for (const auto& [state, response] : test_case_->states)
        if (state == call.state_name) a = config_->responses()[response].find(call.invocation);
    if (a == nullptr) {
      result.error = "States.TaskFailed";
      result.cause = "the recording holds no worker's answer for this activity invocation";
      result.has_cause = true;
      return vm::TaskOutcome::kFailed;
    }
    if (!a->throws) {
      result.output = json::deep_copy(a->value, call.arena);
      return vm::TaskOutcome::kSucceeded;
    }
    result.error = a->error.empty() ? std::string_view() : call.arena.copy(a->error);
    result.has_cause = a->has_cause;
    if (a->has_cause) result.cause = call.arena.copy(a->cause);
    return vm::TaskOutcome::kFailed;
  }

 private:
  std::shared_ptr<const vm::MockConfig> config_;
  const vm::MockTestCase* test_case_;  // in config_
};

// The original tests named the resources they created "...uid0000"; the recording masks such
// names, with tokens its placeholders do not always list.
bool is_created_name(std::string_view s) {
  for (size_t at = s.find("uid"); at != std::string_view::npos; at = s.find("uid", at + 1))
    if (at + 7 <= s.size() && std::all_of(s.begin() + at + 3, s.begin() + at + 7,
                                          [](char c) { return c >= '0' && c <= '9'; }))
      return true;
  return false;
}

// `got` with each created name replaced by what the recording shows in its place.
Value unmask_created_names(const Value& got, const Value& aws, Arena& arena) {
  if (got.is_string() && aws.is_string() && is_created_name(got.as_string())) return aws;
  if (got.is_array() && aws.is_array() && got.size() == aws.size()) {
    Value* items = arena.alloc_array<Value>(got.size());
    for (size_t i = 0; i < got.size(); ++i)
      items[i] = unmask_created_names(got.items()[i], aws.items()[i], arena);
    return Value::array(items, got.size());
  }
  if (got.is_object() && aws.is_object()) {
    json::Member* members = arena.alloc_array<json::Member>(got.size());
    for (size_t i = 0; i < got.size(); ++i) {
      members[i] = got.members()[i];
      if (const Value* a = aws.find(members[i].key))
        members[i].value = unmask_created_names(members[i].value, *a, arena);
    }
    return Value::object(members, got.size());
  }
  return got;
}

// Every "<token>" in the strings of `v`.
void angle_tokens(const Value& v, std::set<std::string, std::less<>>& out) {
  if (v.is_string()) {
    std::string_view s = v.as_string();
    for (size_t open = s.find('<'); open != std::string_view::npos; open = s.find('<', open + 1))
      if (size_t close = s.find_first_of("<>", open + 1);
          close != std::string_view::npos && s[close] == '>')
        out.emplace(s.substr(open, close + 1 - open));
  } else if (v.is_array()) {
    for (const Value& item : v.items())
      angle_tokens(item, out);
  } else if (v.is_object()) {
    for (const json::Member& m : v.members())
      angle_tokens(m.value, out);
  }
}

// A matcher for what Tasks were sent: the case's placeholders, and every token the recorded
// parameters hold (the recording masks more there than its placeholder list says).
ExpectedMatcher sent_matcher(const HistoryMocks& mocks, const Value& placeholders, Arena& arena) {
  std::set<std::string, std::less<>> tokens;
  for (const auto& [state, sent] : mocks.sent)
    for (const Value& v : sent)
      angle_tokens(v, tokens);
  std::string text = "{\"expected\":[";
  for (const std::string& t : tokens) {
    if (text.back() != '[') text += ",";
    json::write_string(t, text);
  }
  if (const Value* listed = member(&placeholders, "expected"); listed && listed->is_array())
    for (const Value& t : listed->items()) {
      if (text.back() != '[') text += ",";
      json::write(t, text);
    }
  text += "],\"expected_transformers\":";
  const Value* transformers = member(&placeholders, "expected_transformers");
  text += transformers != nullptr ? json::to_string(*transformers) : "[]";
  text += "}";
  json::ParseResult parsed = json::parse(text, arena);
  return ExpectedMatcher(parsed.ok() ? parsed.value : placeholders);
}

// The first difference between what the run sent each Task and what AWS sent it.
std::string task_input_difference(const HistoryMocks& mocks, const RecordingHandler& recorder,
                                  const Value& placeholders) {
  Arena scratch(4096);
  ExpectedMatcher m = sent_matcher(mocks, placeholders, scratch);
  for (const auto& [state, aws] : mocks.sent) {
    auto it = recorder.sent().find(state);
    size_t ran = it == recorder.sent().end() ? 0 : it->second.size();
    if (ran != aws.size())
      return "state " + state + ": invoked " + std::to_string(ran) + " times, by AWS " +
             std::to_string(aws.size());
    for (size_t k = 0; k < ran; ++k) {
      json::ParseResult got = json::parse(it->second[k], scratch);
      std::string where;
      if (!got.ok() || !m.match(aws[k], unmask_created_names(got.value, aws[k], scratch), where))
        return "state " + state + " invocation " + std::to_string(k) + ": " + where;
    }
  }
  for (const auto& [state, calls] : recorder.sent())
    if (mocks.sent.find(state) == mocks.sent.end() && !mocks.unrecorded_inputs.contains(state))
      return "state " + state + ": invoked " + std::to_string(calls.size()) +
             " times, never by AWS";
  return {};
}

std::string outcome_json(std::string_view name, const vm::Execution& exec) {
  std::string s = "{\"name\":";
  json::write_string(name, s);
  s += ",\"status\":";
  json::write_string(vm::name(exec.status()), s);
  if (exec.status() == vm::Status::kSucceeded) {
    s += ",\"output\":";
    json::write(exec.output(), s);
  }
  if (exec.error()) {
    s += ",\"error\":";
    json::write_string(*exec.error(), s);
  }
  if (exec.cause()) {
    s += ",\"cause\":";
    json::write_string(*exec.cause(), s);
  }
  s += ",\"history_event_types\":[";
  for (size_t i = 0; i < exec.history().size(); ++i) {
    if (i > 0) s += ",";
    json::write_string(str(member(&exec.history()[i], "type")), s);
  }
  return s + "]}";
}

// Whether the recording masked some event ids ("id": [0]): it then sorts those events (the
// branches of a Parallel), and their order says nothing.
bool history_sorted(const Value* history) {
  if (history == nullptr || !history->is_array()) return false;
  for (const Value& e : history->items())
    if (const Value* id = member(&e, "id"); id != nullptr && !id->is_int()) return true;
  return false;
}

std::string history_difference(const Value* expected, const vm::Execution& exec, bool sorted) {
  if (expected == nullptr || !expected->is_array()) return {};
  const auto& events = exec.history();
  if (sorted) {                                                    // the same events, in any order
    std::map<std::string_view, std::pair<size_t, size_t>> counts;  // type -> (AWS, run)
    for (const Value& t : expected->items())
      ++counts[str(&t)].first;
    for (const Value& e : events)
      ++counts[str(member(&e, "type"))].second;
    for (const auto& [type, n] : counts)
      if (n.first != n.second)
        return std::string(type) + ": " + std::to_string(n.first) + " by AWS, " +
               std::to_string(n.second) + " here (the recording sorts its events)";
    return {};
  }
  size_t n = std::max<size_t>(expected->size(), events.size());
  for (size_t i = 0; i < n; ++i) {
    std::string_view want = i < expected->size() ? str(&expected->items()[i]) : "(end)";
    std::string_view got = i < events.size() ? str(member(&events[i], "type")) : "(end)";
    if (want != got)
      return "event " + std::to_string(i + 1) + ": expected " + std::string(want) + ", got " +
             std::string(got) + " (" + std::to_string(expected->size()) + " vs " +
             std::to_string(events.size()) + " events)";
  }
  return {};
}

Result run_case(const Case& c, const Prepared& prepared, int64_t input_shift_seconds) {
  Result r;
  if (!c.load_error.empty()) {
    r.why = c.load_error;
    return r;
  }
  const Value* definition = member(&c.doc, "definition");
  const Value* expected = member(&c.doc, "expected");
  if (definition == nullptr || expected == nullptr || !expected->is_object()) {
    r.why = "case file lacks definition or expected";
    return r;
  }
  bool express = str(member(&c.doc, "state_machine_type")) == "EXPRESS";
  asl::ValidateOptions options;
  options.type = express ? asl::MachineType::kExpress : asl::MachineType::kStandard;
  bytecode::Program program;
  std::vector<asl::Problem> problems;
  if (!compile::build_program(prepared.definition, options, program, problems)) {
    r.why = "does not build:";
    for (const asl::Problem& p : problems)
      r.why += " [" + excerpt(asl::to_string(p)) + "]";
    return r;
  }

  vm::Execution exec;
  const Value* given = member(&c.doc, "input");
  std::string input_text = given != nullptr ? json::to_string(*given) : "{}";
  json::ParseResult input = json::parse(input_text, exec.arena());
  if (!input.ok()) {
    r.why = "input does not parse: " + std::string(input.error);
    return r;
  }
  if (!rebuild_input(c.doc, input_shift_seconds, input.value, exec.arena(), r.why)) return r;

  // A case that calls services has its Tasks answered by the mocks made from its history,
  // through the same parser and handler `stepstream exec --mock-config` uses.
  vm::TaskRegistry tasks;
  std::shared_ptr<const RecordingHandler> recorder;
  if (prepared.mocks) {
    vm::MockConfigResult config = vm::MockConfig::parse(prepared.mocks->config);
    if (!config.ok()) {
      r.why = "the mock config made from the history is invalid:";
      for (const auto& p : config.problems)
        r.why += " [" + excerpt(vm::to_string(p)) + "]";
      return r;
    }
    vm::TaskRegistry workers;
    if (prepared.mocks->activities)
      workers.add("arn:*:states:*:activity:*", std::make_shared<RecordedWorker>(config.config));
    std::string error;
    auto handler = vm::make_mock_handler(config.config, kMockStateMachine, kMockTestCase,
                                         std::move(workers), error);
    if (handler == nullptr) {
      r.why = "the mock config made from the history has no test case: " + error;
      return r;
    }
    recorder = std::make_shared<RecordingHandler>(std::move(handler), prepared.mocks->limits);
    tasks.add("*", recorder);
  }

  vm::VirtualClock clock(vm::SystemClock().now());
  vm::Random random;  // the default seed: every run draws the same numbers
  vm::Vm machine(program, clock, random, {}, &tasks);
  machine.start(exec, input.value,
                identity(express, str(member(&c.doc, "kind")) == "sync_execution"),
                /*record_history=*/true);
  machine.finish(exec);
  r.outcome = outcome_json(c.name, exec);

  const Value placeholders =
      member(&c.doc, "placeholders") ? *member(&c.doc, "placeholders") : Value();
  if (recorder) r.task_inputs = task_input_difference(*prepared.mocks, *recorder, placeholders);
  ExpectedMatcher m(placeholders);
  std::string_view want = str(member(expected, "status"));
  std::string_view got = vm::name(exec.status());
  r.history = history_difference(member(expected, "history_event_types"), exec,
                                 history_sorted(member(&c.doc, "history")));
  if (want != got) {
    r.why = "status: expected " + std::string(want) + ", got " + std::string(got) + " with " +
            outcome_text(exec);
    if (const Value* e = member(expected, "error")) {
      const Value* cause = member(expected, "cause");
      r.why += "\n        AWS: error \"" + excerpt(str(e)) + "\", cause " +
               (cause == nullptr ? "none" : excerpt(json::to_string(*cause)));
    }
    return r;
  }
  if (exec.status() == vm::Status::kSucceeded) {
    const Value* output = member(expected, "output");
    if (output == nullptr) {
      r.why = "the case records no output";
      return r;
    }
    std::string where;
    if (!m.match(*output, exec.output(), where)) {
      r.why = "output: " + where + "\n        expected " + excerpt(json::to_string(*output)) +
              "\n        got      " + excerpt(json::to_string(exec.output()));
      return r;
    }
  } else if (!match_optional(m, "error", member(expected, "error"), exec.error(), r.why) ||
             !match_optional(m, "cause", member(expected, "cause"), exec.cause(), r.why)) {
    return r;
  }
  r.passed = true;
  return r;
}

// The prefix of the reason a case that calls services is not run: its history holds something no
// mock config can say.
constexpr std::string_view kUnmockable = "cannot be mocked from its history";

// Resolves the definition's resources and, for a case that calls services, makes its mocks.
// The reason it cannot run otherwise.
std::optional<std::string> prepare(const Case& c, bool external, Prepared& out, Arena& arena) {
  const Value* definition = member(&c.doc, "definition");
  out.definition = definition != nullptr ? json::to_string(*definition) : "";
  std::string why;
  if (!resolve_definition_placeholders(out.definition, why))
    return std::string(kUnmockable) + ": " + why;
  if (!external) return std::nullopt;
  HistoryMocks mocks = mocks_from_history(c.doc, arena);
  if (!mocks.why_not.empty()) return std::string(kUnmockable) + ": " + mocks.why_not;
  out.mocks = std::move(mocks);
  return std::nullopt;
}

// Names the case that has run too long and aborts (see kCaseDeadline).
class Watchdog {
 public:
  Watchdog() : thread_([this](std::stop_token stop) { watch(stop); }) {}
  void running(const std::string& name) {
    std::lock_guard lock(mu_);
    name_ = name;
    since_ = std::chrono::steady_clock::now();
  }

 private:
  void watch(std::stop_token stop) {
    std::unique_lock lock(mu_);
    while (!stop.stop_requested()) {
      cv_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
      if (!name_.empty() && std::chrono::steady_clock::now() - since_ > kCaseDeadline) {
        std::fprintf(stderr, "conformance: case %s has run for over %lld s; aborting\n",
                     name_.c_str(), static_cast<long long>(kCaseDeadline.count()));
        std::abort();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable_any cv_;
  std::string name_;
  std::chrono::steady_clock::time_point since_;
  std::jthread thread_;  // last: it starts once the members it reads exist
};

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names)
    s += "\n  " + n;
  return s;
}

TEST(Conformance, Executions) {
  if (!fs::is_directory(kExecutions)) {
    std::cout << "conformance: no corpus at " << kExecutions.string()
              << " -- nothing to run (see ../shared/conformance/README.md)\n";
    GTEST_SKIP() << "corpus not found: " << kExecutions.string();
  }
  KnownFailures known = load_known_failures(kKnownFailures);
  for (const std::string& p : known.problems)
    ADD_FAILURE() << p;

  const char* filter_env = std::getenv("STEPSTREAM_CONFORMANCE_FILTER");
  std::string_view filter = filter_env != nullptr ? filter_env : "";
  const char* dump_env = std::getenv("STEPSTREAM_CONFORMANCE_DUMP");
  std::ofstream dump;
  if (dump_env != nullptr && *dump_env != '\0') dump.open(dump_env);
  const char* verbose_env = std::getenv("STEPSTREAM_CONFORMANCE_VERBOSE");
  bool verbose = verbose_env != nullptr && std::string_view(verbose_env) == "1";

  std::vector<Case> cases = load_cases(kExecutions);
  int64_t now_seconds = vm::SystemClock().now() / 1'000'000'000;
  int64_t shift = now_seconds - corpus_now(cases).value_or(now_seconds);

  const Features enabled = enabled_features();
  const size_t kExternal = feature_index("external");
  struct Tally {
    int used = 0, in_scope = 0, passed = 0;
  };
  std::vector<Tally> by_feature(kFeatureCount);
  int external_used = 0, external_in_scope = 0, external_passed = 0;
  std::vector<std::string> unmockable;  // external cases whose history is no mock config

  std::map<std::string, int> skipped;
  std::vector<std::string> new_failures, fixed, seen;
  int in_scope = 0, passed = 0, failed_known = 0, history_differs = 0, inputs_differ = 0;
  constexpr int kInformationalShown = 5;
  Watchdog watchdog;
  for (const Case& c : cases) {
    if (!filter.empty() && c.name.find(filter) == std::string::npos) continue;
    Features used;
    Prepared prepared;
    Arena mock_arena(4096);  // what the mocks were sent, until the run is scored
    if (c.load_error.empty()) {
      used = features_of(c.doc);
      std::optional<std::string> why = out_of_scope(c.doc, used, enabled);
      // The feature tallies count the cases this runner scores once their features are on.
      if (!why || why->starts_with("feature ")) {
        for (size_t i = 0; i < kFeatureCount; ++i)
          by_feature[i].used += used[i] ? 1 : 0;
        external_used += used[kExternal] ? 1 : 0;
      }
      if (!why) why = prepare(c, used[kExternal], prepared, mock_arena);
      if (why && why->starts_with(kUnmockable)) {
        // In scope, and failing: nothing can answer its Tasks as AWS's services did. Like every
        // in-scope case that does not pass, it must be named in known_failures.txt.
        unmockable.push_back(c.name + why->substr(kUnmockable.size()));
        ++in_scope;
        seen.push_back(c.name);
        for (size_t i = 0; i < kFeatureCount; ++i)
          by_feature[i].in_scope += used[i] ? 1 : 0;
        ++external_in_scope;
        if (known.reasons.count(c.name) != 0) {
          ++failed_known;
        } else {
          std::cout << "  FAIL " << c.name << "\n        " << *why << "\n";
          new_failures.push_back(c.name);
        }
        continue;
      }
      if (why) {
        ++skipped[*why];
        continue;
      }
    }
    ++in_scope;
    seen.push_back(c.name);
    watchdog.running(c.name);
    Result r = run_case(c, prepared, shift);
    if (dump.is_open() && !r.outcome.empty()) dump << r.outcome << "\n";
    auto listed = known.reasons.find(c.name);
    if (!r.history.empty()) {
      if (verbose || history_differs < kInformationalShown)
        std::cout << "  history (informational) " << c.name << ": " << r.history << "\n";
      ++history_differs;
    }
    if (!r.task_inputs.empty()) {
      if (verbose || inputs_differ < kInformationalShown)
        std::cout << "  task input (informational) " << c.name << ": " << r.task_inputs << "\n";
      ++inputs_differ;
    }
    for (size_t i = 0; i < kFeatureCount; ++i)
      if (used[i]) {
        ++by_feature[i].in_scope;
        by_feature[i].passed += r.passed ? 1 : 0;
      }
    if (used[kExternal]) {
      ++external_in_scope;
      external_passed += r.passed ? 1 : 0;
    }
    if (r.passed) {
      ++passed;
      if (listed != known.reasons.end()) fixed.push_back(c.name);
      continue;
    }
    bool is_known = listed != known.reasons.end();
    std::cout << (is_known ? "  FAIL (known) " : "  FAIL ") << c.name << "\n        " << r.why
              << "\n";
    if (is_known)
      ++failed_known;
    else
      new_failures.push_back(c.name);
  }
  watchdog.running("");

  std::vector<std::string> stale;
  for (const auto& [name, reason] : known.reasons)
    if (filter.empty() && std::find(seen.begin(), seen.end(), name) == seen.end())
      stale.push_back(name);

  std::cout << "conformance: " << in_scope << " in scope, " << passed << " passed, " << failed_known
            << " failed (known), " << new_failures.size() << " failed (new), " << fixed.size()
            << " listed but passing; history event types differ in " << history_differs
            << ", Task inputs in " << inputs_differ << " (informational)\n";
  int total_skipped = 0;
  for (const auto& [reason, n] : skipped)
    total_skipped += n;
  std::cout << "conformance: " << total_skipped << " skipped:";
  for (const auto& [reason, n] : skipped)
    std::cout << " [" << reason << ": " << n << "]";
  std::cout << (filter.empty() ? "" : " (filter: " + std::string(filter) + ")") << "\n";
  std::cout << "conformance: by feature (cases in scope/passed, or off and skipped):";
  for (size_t i = 0; i < kFeatureCount; ++i) {
    const Tally& t = by_feature[i];
    if (enabled[i])
      std::cout << " [" << kFeatures[i] << " " << t.in_scope << "/" << t.passed << "]";
    else
      std::cout << " [" << kFeatures[i] << " off: " << t.used << "]";
  }
  std::cout << "\n";
  std::cout << "conformance: external services: " << external_used << " cases call them, "
            << external_in_scope << " in scope (no JSONata, Variables or ItemReader); "
            << external_passed << " passed (" << std::fixed << std::setprecision(1)
            << (external_in_scope > 0 ? 100.0 * external_passed / external_in_scope : 0.0)
            << std::defaultfloat << "%) with mocks made from their history; " << unmockable.size()
            << " cannot be mocked from their history (not run, listed in known_failures.txt):";
  for (const std::string& u : unmockable)
    std::cout << "\n  " << u;
  std::cout << "\n";

  EXPECT_TRUE(new_failures.empty())
      << new_failures.size()
      << " cases fail and are not in known_failures.txt:" << join(new_failures);
  EXPECT_TRUE(fixed.empty()) << fixed.size()
                             << " cases in known_failures.txt now pass; remove them:"
                             << join(fixed);
  EXPECT_TRUE(stale.empty()) << stale.size()
                             << " entries of known_failures.txt name no in-scope case:"
                             << join(stale);
}

}  // namespace
}  // namespace stepstream::conformance
