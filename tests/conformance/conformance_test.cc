// The execution conformance runner: every in-scope case of the AWS-recorded corpus
// (../shared/conformance/localstack/executions, see its README) is compiled, run on a virtual
// clock and scored against what AWS produced. A failing case that known_failures.txt does not
// list fails the test, and so does a listed case that passes: the list may only shrink.
// Environment: STEPSTREAM_CONFORMANCE_FILTER=<substring> runs only the cases whose name contains
// it; STEPSTREAM_CONFORMANCE_VERBOSE=1 prints every history mismatch, not just the first few;
// STEPSTREAM_CONFORMANCE_DUMP=<file> writes each run's outcome there as one JSON object a line
// (name, status, output or error and cause, event types), for tools that triage failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
#include "engine/vm/vm.h"
#include "tests/conformance/expected_match.h"

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
  id.state_machine_name = "ConformanceStateMachine";
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

// Feature tags (by their first word) of what later issues bring: services, error handling,
// branches, iteration, JSONata and variables.
constexpr std::string_view kOutOfScopeFeatures[] = {
    "Task", "Retry", "Catch", "Parallel", "JSONata", "Variables", "Credentials"};
// The same seen in a definition's fields, which the feature tags may have missed.
constexpr std::string_view kOutOfScopeFields[] = {"QueryLanguage", "Assign", "Arguments", "Output",
                                                  "Credentials",   "Retry",  "Catch"};
constexpr std::string_view kInScopeStateTypes[] = {"Pass", "Choice", "Wait", "Succeed", "Fail"};

template <size_t N>
bool contains(const std::string_view (&list)[N], std::string_view s) {
  return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

// A reference to a workflow variable ("$name", "$name.x") where a path is expected.
bool is_variable_reference(std::string_view s) {
  return s.size() > 1 && s[0] == '$' &&
         (std::isalpha(static_cast<unsigned char>(s[1])) != 0 || s[1] == '_');
}

// JSONata expressions and variable references anywhere outside Result (whose strings are data).
std::optional<std::string> expression_out_of_scope(const Value& v) {
  if (v.is_string() && v.as_string().starts_with("{%")) return "JSONata expression";
  if (v.is_array())
    for (const Value& item : v.items())
      if (auto r = expression_out_of_scope(item)) return r;
  if (v.is_object())
    for (const json::Member& m : v.members()) {
      if (m.key == "Result") continue;
      bool path_field = m.key.ends_with(".$") || m.key.ends_with("Path") || m.key == "Variable";
      if (path_field && m.value.is_string() && is_variable_reference(m.value.as_string()))
        return "variable reference";
      if (auto r = expression_out_of_scope(m.value)) return r;
    }
  return std::nullopt;
}

std::optional<std::string> choice_rule_out_of_scope(const Value& rule) {
  if (!rule.is_object()) return std::nullopt;
  for (std::string_view field : {"Assign", "Output", "Condition"})
    if (rule.find(field) != nullptr) return "field " + std::string(field);
  for (std::string_view nest : {"And", "Or"})
    if (const Value* rules = rule.find(nest); rules != nullptr && rules->is_array())
      for (const Value& r : rules->items())
        if (auto why = choice_rule_out_of_scope(r)) return why;
  if (const Value* n = rule.find("Not")) return choice_rule_out_of_scope(*n);
  return std::nullopt;
}

std::optional<std::string> definition_out_of_scope(const Value& machine) {
  if (!machine.is_object()) return std::nullopt;  // the build will say what is wrong
  for (const json::Member& m : machine.members())
    if (contains(kOutOfScopeFields, m.key)) return "field " + std::string(m.key);
  if (const Value* states = machine.find("States"); states != nullptr && states->is_object())
    for (const json::Member& s : states->members()) {
      if (!s.value.is_object()) continue;
      std::string_view type = str(s.value.find("Type"));
      if (!contains(kInScopeStateTypes, type)) return "state type " + std::string(type);
      for (const json::Member& f : s.value.members())
        if (contains(kOutOfScopeFields, f.key)) return "field " + std::string(f.key);
      if (const Value* choices = s.value.find("Choices"); choices && choices->is_array())
        for (const Value& rule : choices->items())
          if (auto why = choice_rule_out_of_scope(rule)) return why;
    }
  return expression_out_of_scope(machine);
}

// Why `doc` is not scored by this runner, or nullopt when it is.
std::optional<std::string> out_of_scope(const Value& doc) {
  std::string_view kind = str(member(&doc, "kind"));
  if (kind != "execution" && kind != "sync_execution") return "kind " + std::string(kind);
  if (const Value* ext = member(&doc, "needs_external"); ext && ext->is_bool() && ext->as_bool())
    return "needs_external";
  if (const Value* features = member(&doc, "features"); features && features->is_array())
    for (const Value& f : features->items()) {
      std::string_view tag = str(&f);
      if (tag.starts_with("Map")) return "feature Map";
      std::string_view word = tag.substr(0, tag.find(':'));
      if (contains(kOutOfScopeFeatures, word)) return "feature " + std::string(word);
    }
  if (const Value* def = member(&doc, "definition"))
    if (auto why = definition_out_of_scope(*def)) return "definition: " + *why;
  std::string_view status = str(member(member(&doc, "expected"), "status"));
  if (status == "INCOMPLETE_HISTORY" || status == "ABORTED") return "status " + std::string(status);
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

// `v` with the member at `keys` replaced by `value`; the objects along the way are copied.
std::optional<Value> with_member(const Value& v, std::span<const std::string_view> keys,
                                 const Value& value, Arena& arena) {
  if (keys.empty()) return value;
  if (!v.is_object() || v.find(keys[0]) == nullptr) return std::nullopt;
  json::Member* members = arena.alloc_array<json::Member>(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    members[i] = v.members()[i];
    if (members[i].key != keys[0]) continue;
    auto inner = with_member(members[i].value, keys.subspan(1), value, arena);
    if (!inner) return std::nullopt;
    members[i].value = *inner;
  }
  return Value::object(members, v.size());
}

// Moves each timestamp made from "now" by the time passed since the corpus was written, keeping
// its text after the seconds ("", "Z", ".000000Z"). False with `error` set when it cannot.
bool rebuild_input(const Value& doc, int64_t shift_seconds, Value& input, Arena& arena,
                   std::string& error) {
  for (auto [path, here] : dynamic_timestamps(doc)) {
    std::optional<int64_t> t = leading_seconds(here);
    if (!path.starts_with("$.") || path.find('[') != std::string_view::npos || !t) {
      error = "cannot rebuild the dynamic input at " + std::string(path);
      return false;
    }
    std::vector<std::string_view> keys;
    for (std::string_view rest = path.substr(2); !rest.empty();) {
      size_t dot = rest.find('.');
      keys.push_back(rest.substr(0, dot));
      rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    }
    std::string text = format_leading(*t + shift_seconds) + std::string(here.substr(19));
    auto rebuilt = with_member(input, keys, Value::string(arena.copy(text)), arena);
    if (!rebuilt) {
      error = "the dynamic input has no member at " + std::string(path);
      return false;
    }
    input = *rebuilt;
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

// An error or a cause: absent where AWS has none, else matching AWS's text.
bool match_optional(ExpectedMatcher& m, std::string_view what, const Value* expected,
                    std::optional<std::string_view> got, std::string& why) {
  if (expected == nullptr) {
    if (got) why = std::string(what) + ": expected none, got \"" + excerpt(*got) + "\"";
    return !got;
  }
  if (!expected->is_string()) {
    why = std::string(what) + ": the case's expected value is not a string";
    return false;
  }
  if (!got) {
    why = std::string(what) + ": expected \"" + excerpt(expected->as_string()) + "\", got none";
    return false;
  }
  if (m.match_string(expected->as_string(), *got)) return true;
  why = std::string(what) + ": " + compare_strings(expected->as_string(), *got);
  return false;
}

struct Result {
  bool passed = false;
  std::string why;      // when it failed
  std::string history;  // when the event types differ from AWS's (informational)
  std::string outcome;  // what the run produced, as a JSON object (for STEPSTREAM_CONFORMANCE_DUMP)
};

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

std::string history_difference(const Value* expected, const vm::Execution& exec) {
  if (expected == nullptr || !expected->is_array()) return {};
  const auto& events = exec.history();
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

Result run_case(const Case& c, int64_t input_shift_seconds) {
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
  if (!compile::build_program(json::to_string(*definition), options, program, problems)) {
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

  vm::VirtualClock clock(vm::SystemClock().now());
  vm::Random random;  // the default seed: every run draws the same numbers
  vm::Vm machine(program, clock, random);
  machine.start(exec, input.value,
                identity(express, str(member(&c.doc, "kind")) == "sync_execution"),
                /*record_history=*/true);
  machine.finish(exec);
  r.outcome = outcome_json(c.name, exec);

  ExpectedMatcher m(member(&c.doc, "placeholders") ? *member(&c.doc, "placeholders") : Value());
  std::string_view want = str(member(expected, "status"));
  std::string_view got = vm::name(exec.status());
  r.history = history_difference(member(expected, "history_event_types"), exec);
  if (want != got) {
    r.why = "status: expected " + std::string(want) + ", got " + std::string(got) + " with " +
            outcome_text(exec);
    if (const Value* e = member(expected, "error"))
      r.why += "\n        AWS: error \"" + excerpt(str(e)) + "\", cause \"" +
               excerpt(str(member(expected, "cause"))) + "\"";
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

  std::map<std::string, int> skipped;
  std::vector<std::string> new_failures, fixed, seen;
  int in_scope = 0, passed = 0, failed_known = 0, history_differs = 0;
  constexpr int kHistoryShown = 5;
  Watchdog watchdog;
  for (const Case& c : cases) {
    if (!filter.empty() && c.name.find(filter) == std::string::npos) continue;
    if (c.load_error.empty())
      if (auto why = out_of_scope(c.doc)) {
        ++skipped[*why];
        continue;
      }
    ++in_scope;
    seen.push_back(c.name);
    watchdog.running(c.name);
    Result r = run_case(c, shift);
    if (dump.is_open() && !r.outcome.empty()) dump << r.outcome << "\n";
    auto listed = known.reasons.find(c.name);
    if (!r.history.empty()) {
      if (verbose || history_differs < kHistoryShown)
        std::cout << "  history (informational) " << c.name << ": " << r.history << "\n";
      ++history_differs;
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
            << " (informational)\n";
  int total_skipped = 0;
  for (const auto& [reason, n] : skipped)
    total_skipped += n;
  std::cout << "conformance: " << total_skipped << " skipped:";
  for (const auto& [reason, n] : skipped)
    std::cout << " [" << reason << ": " << n << "]";
  std::cout << (filter.empty() ? "" : " (filter: " + std::string(filter) + ")") << "\n";

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
