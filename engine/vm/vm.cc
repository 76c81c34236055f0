// The interpreter loop and everything an instruction may need: state entry and exit, the
// context object, history events, waits, and the errors AWS raises, worded as AWS words them.
#include "engine/vm/vm.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

#include "engine/json/timestamp.h"
#include "engine/json/write.h"

namespace stepstream::vm {

using bytecode::a_of;
using bytecode::b_of;
using bytecode::c_of;
using bytecode::Instr;
using bytecode::Op;
using bytecode::SiteKind;
using bytecode::StateType;
using bytecode::Test;
using json::Value;

namespace {

constexpr int64_t kNanos = 1'000'000'000;
// AWS refuses waits longer than this many seconds ("Wait state delay is too long").
constexpr int64_t kMaxWaitSeconds = 2147483647;

// StringMatches: '*' matches any run of characters; "\*" and "\\" are a literal '*' and '\'.
bool string_matches(std::string_view s, std::string_view pattern) {
  size_t si = 0, pi = 0, star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < pattern.size() && pattern[pi] == '*') {
      star_p = ++pi;
      star_s = si;
      continue;
    }
    if (pi < pattern.size()) {
      char want = pattern[pi];
      size_t width = 1;
      if (want == '\\' && pi + 1 < pattern.size()) {
        want = pattern[pi + 1];
        width = 2;
      }
      if (want == s[si]) {
        pi += width;
        ++si;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < pattern.size() && pattern[pi] == '*')
    ++pi;
  return pi == pattern.size();
}

// -1, 0, 1; both must be numbers.
int compare_numbers(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
  double x = a.as_double(), y = b.as_double();
  return x < y ? -1 : x > y;
}

bool ordered(int cmp, Test t, Test lt, Test gt, Test le, Test ge, Test eq) {
  if (t == eq) return cmp == 0;
  if (t == lt) return cmp < 0;
  if (t == gt) return cmp > 0;
  if (t == le) return cmp <= 0;
  if (t == ge) return cmp >= 0;
  return false;
}

bool is_timestamp(const Value& v, int64_t& ns) {
  return v.is_string() && json::parse_timestamp(v.as_string(), ns);
}

// One Choice comparison. A value of the wrong type never matches; it is not an error.
bool run_test(Test t, const Value& v, const Value& operand) {
  switch (t) {
    case Test::kStringEquals:
      // The most common test: == compares the lengths before calling memcmp, compare() does not.
      return v.is_string() && operand.is_string() && v.as_string() == operand.as_string();
    case Test::kStringLessThan:
    case Test::kStringGreaterThan:
    case Test::kStringLessThanEquals:
    case Test::kStringGreaterThanEquals: {
      if (!v.is_string() || !operand.is_string()) return false;
      int c = v.as_string().compare(operand.as_string());
      return ordered(c < 0 ? -1 : c > 0, t, Test::kStringLessThan, Test::kStringGreaterThan,
                     Test::kStringLessThanEquals, Test::kStringGreaterThanEquals,
                     Test::kStringEquals);
    }
    case Test::kStringMatches:
      return v.is_string() && operand.is_string() &&
             string_matches(v.as_string(), operand.as_string());
    case Test::kNumericEquals:
    case Test::kNumericLessThan:
    case Test::kNumericGreaterThan:
    case Test::kNumericLessThanEquals:
    case Test::kNumericGreaterThanEquals:
      if (!v.is_number() || !operand.is_number()) return false;
      return ordered(compare_numbers(v, operand), t, Test::kNumericLessThan,
                     Test::kNumericGreaterThan, Test::kNumericLessThanEquals,
                     Test::kNumericGreaterThanEquals, Test::kNumericEquals);
    case Test::kBooleanEquals:
      return v.is_bool() && operand.is_bool() && v.as_bool() == operand.as_bool();
    case Test::kTimestampEquals:
    case Test::kTimestampLessThan:
    case Test::kTimestampGreaterThan:
    case Test::kTimestampLessThanEquals:
    case Test::kTimestampGreaterThanEquals: {
      int64_t a, b;
      if (!is_timestamp(v, a) || !is_timestamp(operand, b)) return false;
      return ordered(a < b ? -1 : a > b, t, Test::kTimestampLessThan, Test::kTimestampGreaterThan,
                     Test::kTimestampLessThanEquals, Test::kTimestampGreaterThanEquals,
                     Test::kTimestampEquals);
    }
    case Test::kIsNull:
      return v.is_null() == operand.as_bool();
    case Test::kIsNumeric:
      return v.is_number() == operand.as_bool();
    case Test::kIsString:
      return v.is_string() == operand.as_bool();
    case Test::kIsBoolean:
      return v.is_bool() == operand.as_bool();
    case Test::kIsTimestamp: {
      int64_t ns;
      return is_timestamp(v, ns) == operand.as_bool();
    }
    case Test::kCount:
      break;
  }
  return false;
}

std::string_view copy(json::Arena& arena, std::string_view s) {
  return arena.copy(s);
}

}  // namespace

std::string_view name(Status s) {
  switch (s) {
    case Status::kRunning:
      return "RUNNING";
    case Status::kWaiting:
      return "RUNNING";
    case Status::kSucceeded:
      return "SUCCEEDED";
    case Status::kFailed:
      return "FAILED";
    case Status::kTimedOut:
      return "TIMED_OUT";
  }
  return "?";
}

void Execution::reset() {
  arena_.reset();
  history_.clear();
  // Frame 0 stays for Vm::start, which sets what it reads: made anew, its 168 bytes were cleared
  // with `rep stos`, slow to start for so few.
  frames_.resize(std::min<size_t>(frames_.size(), 1));
  free_frames_.clear();
  runnable_.clear();
  // One at a time: `a = b = Value()` read each value back just after storing it, and the wide
  // load waited for the narrow stores (a store-forwarding stall).
  input_ = Value();
  output_ = Value();
  context_ = Value();
  error_.reset();
  cause_.reset();
  status_ = Status::kRunning;
  flag_ = stop_ = context_valid_ = record_history_ = timed_ = false;
  observer_ = nullptr;
  history_filter_ = nullptr;
  cur_ = base_ = pc_ = state_ = event_id_ = entered_event_ = 0;
  start_time_ = entered_time_ = wake_at_ = deadline_ = 0;
}

// ---- history -------------------------------------------------------------------------------

void Vm::event(Execution& x, std::string_view type, std::string_view details_key,
               const Value& details) {
  uint32_t id = ++x.event_id_;
  if (!keeps(x, type)) return;
  // AWS links a state's first StateEntered to no event (0), everything else to its predecessor.
  bool first_entered = id == 2;
  json::ObjectBuilder e(x.arena_, 5);
  if (!details_key.empty()) e.set(details_key, details);
  e.set("id", Value::integer(id));
  e.set("previousEventId", Value::integer(first_entered ? 0 : id - 1));
  e.set("timestamp", Value::string(copy(x.arena_, json::format_timestamp_millis(clock_.now()))));
  e.set("type", Value::string(type));
  x.history_.push_back(e.build());
}

namespace {

// {"truncated": false}: the engine never truncates what its history holds.
Value untruncated(json::Arena& arena) {
  json::ObjectBuilder truncated(arena, 1);
  truncated.set("truncated", Value::boolean(false));
  return truncated.build();
}

// {"name":..., "<key>": <json text of v>, "<key>Details": {"truncated": false}}
Value io_details(json::Arena& arena, std::string_view name, std::string_view key,
                 std::string_view details_key, const Value& v) {
  json::ObjectBuilder d(arena, 3);
  if (!name.empty()) d.set("name", Value::string(name));
  d.set(key, Value::string(arena.copy(json::to_string(v))));
  d.set(details_key, untruncated(arena));
  return d.build();
}

constexpr std::string_view kEntered[] = {
    "PassStateEntered",    "TaskStateEntered", "ChoiceStateEntered",   "WaitStateEntered",
    "SucceedStateEntered", "FailStateEntered", "ParallelStateEntered", "MapStateEntered"};
constexpr std::string_view kExited[] = {
    "PassStateExited",    "TaskStateExited", "ChoiceStateExited",   "WaitStateExited",
    "SucceedStateExited", "FailStateExited", "ParallelStateExited", "MapStateExited"};

}  // namespace

// ---- the context object ---------------------------------------------------------------------

std::string_view Vm::run_id(Execution& x) {
  if (x.run_id_[0] == 0) random_.uuid(x.run_id_);  // drawn once, on first use
  return std::string_view(x.run_id_, sizeof x.run_id_);
}

const Value& Vm::context(Execution& x) {
  if (x.context_valid_) return x.context_;
  json::Arena& a = x.arena_;
  const Identity& id = x.id_;
  std::string prefix = "arn:aws:states:" + std::string(id.region) + ":" + std::string(id.account);
  std::string sm_arn = prefix + ":stateMachine:" + std::string(id.state_machine_name);
  std::string exec_arn = prefix + (id.express ? ":express:" : ":execution:") +
                         std::string(id.state_machine_name) + ":" + std::string(id.execution_name);
  // An Express execution's ARN ends in a run id of its own after the name.
  if (id.express) exec_arn.append(":").append(run_id(x));
  json::ObjectBuilder exec(a, 6);
  exec.set("Id", Value::string(a.copy(exec_arn)));
  exec.set("Input", x.input_);
  exec.set("StartTime", Value::string(a.copy(json::format_timestamp_millis(x.start_time_))));
  exec.set("Name", Value::string(id.execution_name));
  exec.set("RoleArn", Value::string(id.role_arn));
  if (!id.sync) exec.set("RedriveCount", Value::integer(0));
  json::ObjectBuilder sm(a, 2);
  sm.set("Id", Value::string(a.copy(sm_arn)));
  sm.set("Name", Value::string(id.state_machine_name));
  json::ObjectBuilder state(a, 3);
  state.set("Name", Value::string(p_.state_name(x.state_)));
  state.set("EnteredTime", Value::string(a.copy(json::format_timestamp_millis(x.entered_time_))));
  // States that may retry count their retries so far, over all their Retry rules.
  if (const bytecode::StateInfo& st = p_.states[x.state_]; st.type == StateType::kTask ||
                                                           st.type == StateType::kParallel ||
                                                           st.type == StateType::kMap) {
    int64_t retries = 0;
    for (uint32_t i = 0; i < st.retry_count; ++i)
      retries += x.retries_[x.cur_ * max_retriers_ + i];
    state.set("RetryCount", Value::integer(retries));
  }
  json::ObjectBuilder ctx(a, 5);
  ctx.set("Execution", exec.build());
  ctx.set("StateMachine", sm.build());
  ctx.set("State", state.build());
  // In a Task state: $$.Task.Token, what a .waitForTaskToken integration hands its worker.
  if (p_.states[x.state_].type == StateType::kTask) {
    char token[36];
    random_.uuid(token);
    json::ObjectBuilder task(a, 1);
    task.set("Token", Value::string(a.copy(std::string_view(token, sizeof token))));
    ctx.set("Task", task.build());
  }
  // Inside a Map iteration: $$.Map.Item.Index and $$.Map.Item.Value.
  if (const Frame& f = x.frames_[x.cur_]; f.in_map) {
    json::ObjectBuilder item(a, 2);
    item.set("Index", Value::integer(f.index));
    item.set("Value", f.item);
    json::ObjectBuilder map(a, 1);
    map.set("Item", item.build());
    ctx.set("Map", map.build());
  }
  x.context_ = ctx.build();
  x.context_valid_ = true;
  return x.context_;
}

// ---- frames ---------------------------------------------------------------------------------
// Frame 0 is the execution; Parallel branches and Map iterations get frames of their own. The
// current frame lives in the Execution's pc_/state_/... fields and is saved into frames_ when
// it stops; `stop_` tells the loop to pick another frame (or to park the execution).

void Vm::save_frame(Execution& x) {
  Frame& f = x.frames_[x.cur_];
  f.pc = x.pc_;
  f.state = x.state_;
  f.entered_event = x.entered_event_;
  f.entered_time = x.entered_time_;
}

void Vm::load_frame(Execution& x, uint32_t f) {
  const Frame& fr = x.frames_[f];
  x.cur_ = f;
  x.base_ = f * p_.num_registers;
  x.pc_ = fr.pc;
  x.state_ = fr.state;
  x.entered_event_ = fr.entered_event;
  x.entered_time_ = fr.entered_time;
  x.context_valid_ = false;
}

void Vm::stop_frame(Execution& x, Frame::Run run, int64_t wake_at) {
  save_frame(x);
  x.frames_[x.cur_].run = run;
  x.frames_[x.cur_].wake_at = wake_at;
  x.stop_ = true;
}

uint32_t Vm::alloc_frame(Execution& x) {
  uint32_t f;
  if (!x.free_frames_.empty()) {
    f = x.free_frames_.back();
    x.free_frames_.pop_back();
  } else {
    f = static_cast<uint32_t>(x.frames_.size());
    x.frames_.emplace_back();
    x.regs_.resize(x.regs_.size() + p_.num_registers);
    x.builder_room_.resize(x.builder_room_.size() + p_.num_registers);
    x.retries_.resize(x.retries_.size() + max_retriers_);
  }
  // Only what a child's start does not set is reset here (start_child, fork and invoke set
  // the rest before reading it).
  Frame& fr = x.frames_[f];
  fr.generation = ++x.last_generation_;
  fr.parent = Execution::kNoFrame;
  fr.in_map = fr.heartbeat = false;
  fr.item = Value();
  std::fill_n(x.regs_.begin() + f * p_.num_registers, p_.num_registers, Value());
  std::fill_n(x.builder_room_.begin() + f * p_.num_registers, p_.num_registers, 0);
  return f;
}

void Vm::free_frame(Execution& x, uint32_t f) {
  x.frames_[f].run = Frame::Run::kFree;
  x.free_frames_.push_back(f);
}

// A failed branch ends its siblings (and everything they started).
void Vm::abort_children(Execution& x, uint32_t parent) {
  for (uint32_t f = 0; f < x.frames_.size(); ++f) {
    if (x.frames_[f].run == Frame::Run::kFree || x.frames_[f].parent != parent) continue;
    abort_children(x, f);
    free_frame(x, f);
  }
}

bool Vm::next_frame(Execution& x) {
  x.stop_ = false;
  if (x.status_ != Status::kRunning) return false;
  // A child that parked lets its next sibling start, up to the fork's concurrency.
  if (const Frame& f = x.frames_[x.cur_];
      (f.run == Frame::Run::kWaiting || f.run == Frame::Run::kPending) &&
      f.parent != Execution::kNoFrame) {
    const Frame& parent = x.frames_[f.parent];
    if (parent.started < parent.total && parent.running < parent.limit)
      start_child(x, f.parent, parent.started);
  }
  while (!x.runnable_.empty()) {
    uint32_t f = x.runnable_.back();
    x.runnable_.pop_back();
    if (x.frames_[f].run != Frame::Run::kRunnable) continue;  // ended since it was queued
    load_frame(x, f);
    return true;
  }
  // Nothing can run: park until the earliest timer (or an asynchronous task's answer).
  int64_t wake = INT64_MAX;
  for (const Frame& f : x.frames_)
    if (f.run == Frame::Run::kWaiting || f.run == Frame::Run::kPending)
      wake = std::min(wake, f.wake_at);
  if (x.deadline_ != 0) wake = std::min(wake, x.deadline_);
  x.wake_at_ = wake;
  x.status_ = Status::kWaiting;
  return false;
}

Status Vm::proceed(Execution& x) {
  if (x.stop_ && !next_frame(x)) return x.status_;
  return run(x);
}

// ---- ends and errors ------------------------------------------------------------------------

namespace {

// Whether ErrorEquals name `name` matches `error`, with AWS's rules for the predefined names.
// States.Runtime is never retried or caught, not even by name: AWS fails the execution. A
// failure without an error name (a task may report none) matches only States.ALL.
bool error_matches(std::string_view name, std::optional<std::string_view> error) {
  if (!error) return name == "States.ALL";
  if (*error == "States.Runtime") return false;
  if (name == *error) return true;
  if (name == "States.ALL") return *error != "States.DataLimitExceeded";
  if (name == "States.TaskFailed") return *error != "States.Timeout";
  return false;
}

// What Catch (and a tolerated Map failure) hands on: {"Error", "Cause"}; a failure without an
// error name shows both as null, as AWS shows it.
Value error_output(json::Arena& arena, std::optional<std::string_view> error,
                   std::optional<std::string_view> cause) {
  json::ObjectBuilder b(arena, 2);
  b.set("Error", error ? Value::string(*error) : Value());
  if (cause || !error) b.set("Cause", cause ? Value::string(*cause) : Value());
  return b.build();
}

// AWS applies the paths of Parameters, ResultSelector and Choice rules to a null input as an
// error (awslabs/states-language#29: "intended behaviour", said AWS Support), where InputPath "$"
// passes the null on.
bool null_input_fails(SiteKind kind) {
  return kind == SiteKind::kPayloadField || kind == SiteKind::kIntrinsicArg ||
         kind == SiteKind::kChoiceVariable || kind == SiteKind::kChoiceOperand;
}

bool any_matches(const bytecode::Program& p, uint32_t begin, uint32_t count,
                 std::optional<std::string_view> error) {
  for (uint32_t i = 0; i < count; ++i)
    if (error_matches(p.constant(p.error_names[begin + i]).as_string(), error)) return true;
  return false;
}

}  // namespace

void Vm::succeed(Execution& x, const Value& output) {
  if (!exit_state(x, output)) return;
  if (x.cur_ != 0) {
    child_done(x, true, output, {}, {});
    return;
  }
  x.output_ = output;
  if (keeps(x, "ExecutionSucceeded")) {
    event(x, "ExecutionSucceeded", "executionSucceededEventDetails",
          io_details(x.arena_, {}, "output", "outputDetails", output));
  } else {
    ++x.event_id_;
  }
  x.status_ = Status::kSucceeded;
  x.stop_ = true;
}

void Vm::fail(Execution& x, std::optional<std::string_view> error,
              std::optional<std::string_view> cause) {
  x.error_ = error;
  x.cause_ = cause;
  if (keeps(x, "ExecutionFailed")) {
    json::ObjectBuilder d(x.arena_, 2);
    if (cause) d.set("cause", Value::string(*cause));
    if (error) d.set("error", Value::string(*error));
    event(x, "ExecutionFailed", "executionFailedEventDetails", d.build());
  } else {
    ++x.event_id_;
  }
  x.status_ = Status::kFailed;
  x.stop_ = true;
}

// An error no rule of the state handled: the execution fails, or the branch/iteration does.
void Vm::fail_frame(Execution& x, Text error, Text cause) {
  state_ended(x);
  if (x.cur_ == 0)
    fail(x, error, cause);
  else
    child_done(x, false, Value(), error, cause);
}

bool Vm::names(const Execution& x, uint32_t begin, uint32_t count, Text error) const {
  if (any_matches(p_, begin, count, error)) return true;
  if (!x.heartbeat_timeout_) return false;
  for (uint32_t i = 0; i < count; ++i)
    if (p_.constant(p_.error_names[begin + i]).as_string() == "States.HeartbeatTimeout")
      return true;
  return false;
}

// Retry: the first rule whose ErrorEquals matches decides; an exhausted rule passes the error
// on to Catch. Attempts count per rule, across the state's attempts, as AWS counts them.
bool Vm::retry(Execution& x, Text error) {
  const bytecode::StateInfo& st = p_.states[x.state_];
  for (uint32_t i = 0; i < st.retry_count; ++i) {
    const bytecode::Retrier& r = p_.retriers[st.retry_begin + i];
    if (!names(x, r.errors_begin, r.errors_count, error)) continue;
    uint32_t& attempts = x.retries_[x.cur_ * max_retriers_ + i];
    if (attempts >= r.max_attempts) return false;
    double delay = r.interval_seconds * std::pow(p_.constant(r.backoff_rate).as_double(), attempts);
    if (r.max_delay_seconds != 0) delay = std::min(delay, static_cast<double>(r.max_delay_seconds));
    if (r.jitter_full) delay *= static_cast<double>(random_.next() >> 11) * 0x1.0p-53;
    ++attempts;
    x.context_valid_ = false;  // $$.State.RetryCount
    if (x.observer_ != nullptr) x.observer_->retried(x.state_);
    x.pc_ = st.entry_pc;  // the state runs again on the same input, without a new StateEntered
    stop_frame(x, Frame::Run::kWaiting,
               clock_.now() + static_cast<int64_t>(delay * static_cast<double>(kNanos)));
    return true;
  }
  return false;
}

// Catch: the first matching rule routes {"Error", "Cause"} through its ResultPath to its Next.
bool Vm::catch_error(Execution& x, Text error, Text cause) {
  const bytecode::StateInfo& st = p_.states[x.state_];
  for (uint32_t i = 0; i < st.catch_count; ++i) {
    const bytecode::Catcher& c = p_.catchers[st.catch_begin + i];
    if (!names(x, c.errors_begin, c.errors_count, error)) continue;
    const Value input = regs(x)[0];
    Value out = error_output(x.arena_, error, cause);
    if (c.result_path == bytecode::kCatchDiscard) {
      out = input;
    } else if (c.result_path != bytecode::kNone) {
      std::string why;
      Value merged;
      if (!json::assign(p_.paths[p_.sites[c.result_path].path], input, out, x.arena_, merged,
                        why)) {
        fail_frame(x, json::kResultPathError, x.arena_.copy(why));
        return true;
      }
      out = merged;
    }
    if (exit_state(x, out)) enter_state(x, c.next_state, out);
    return true;
  }
  return false;
}

// Where every error raised in a state lands: its Retry rules, then its Catch rules, then the
// frame fails.
void Vm::throw_error(Execution& x, Text error, Text cause) {
  if (retry(x, error) || catch_error(x, error, cause)) return;
  fail_frame(x, error, cause);
}

// An error the engine itself raises in the current state, with AWS's cause prefix.
void Vm::raise(Execution& x, std::string_view error, std::string_view message) {
  std::string cause = "An error occurred while executing the state '" +
                      std::string(p_.state_name(x.state_)) + "' (entered at the event id #" +
                      std::to_string(x.entered_event_) + "). " + std::string(message);
  throw_error(x, error, x.arena_.copy(cause));
}

void Vm::corrupt(Execution& x, uint32_t pc) {
  raise(x, "States.Runtime",
        "The program is corrupt: a builder overflows at pc " + std::to_string(pc) + ".");
}

void Vm::raise_path_error(Execution& x, const bytecode::Site& site, const Value& root) {
  const json::Path& path = p_.paths[site.path];
  std::string_view field = p_.constant(site.field).as_string();
  std::string text(path.text());
  std::string message;
  switch (site.kind) {
    case SiteKind::kInputPath:
    case SiteKind::kOutputPath:
    case SiteKind::kItemsPath:
      message = "Invalid path '" + text + "' : " + json::not_found_message(path, root);
      break;
    case SiteKind::kChoiceVariable:
    case SiteKind::kChoiceOperand:
      message = "Invalid path '" + text +
                "': The choice state's condition path references an "
                "invalid value.";
      break;
    case SiteKind::kSecondsPath:
    case SiteKind::kTimestampPath:
      message =
          "The " + std::string(field) + " parameter does not reference an input value: " + text;
      break;
    default:
      message = "The JSONPath '" + text + "' specified for the field '" + std::string(field) +
                "' could not be found in the input '" + json::to_string(root) + "'";
      break;
  }
  raise(x, "States.Runtime", message);
}

void Vm::timed_out(Execution& x) {
  x.error_ = "States.Timeout";
  x.cause_.reset();
  if (keeps(x, "ExecutionTimedOut")) {
    json::ObjectBuilder d(x.arena_, 1);
    d.set("error", Value::string("States.Timeout"));
    event(x, "ExecutionTimedOut", "executionTimedOutEventDetails", d.build());
  } else {
    ++x.event_id_;
  }
  x.status_ = Status::kTimedOut;
  x.stop_ = true;
}

// ---- states ---------------------------------------------------------------------------------

void Vm::enter_state(Execution& x, uint32_t state, const Value& input) {
  // Only the context object ($$.State.EnteredTime) or a timed observer needs the time of entry;
  // a deadline, in whole seconds, makes do with the coarse clock (every execution in `run` has
  // one: the Express cap).
  const bool precise = uses_context_ || x.timed_;
  int64_t now = precise ? clock_.now() : 0;
  if (x.deadline_ != 0 && (precise ? now : clock_.coarse_now()) >= x.deadline_) {
    timed_out(x);
    return;
  }
  x.state_ = state;
  x.pc_ = p_.states[state].entry_pc;
  regs(x)[0] = input;
  x.entered_time_ = now;
  x.context_valid_ = false;
  if (max_retriers_ != 0)
    std::fill_n(x.retries_.begin() + x.cur_ * max_retriers_, max_retriers_, 0);
  if (std::string_view type = kEntered[static_cast<int>(p_.states[state].type)]; keeps(x, type)) {
    event(x, type, "stateEnteredEventDetails",
          io_details(x.arena_, p_.state_name(state), "input", "inputDetails", input));
  } else {
    ++x.event_id_;
  }
  x.entered_event_ = x.event_id_;
}

void Vm::state_ended(Execution& x) {
  if (x.observer_ == nullptr) return;
  x.observer_->state_ended(x.state_,
                           x.timed_ ? clock_.now() - x.entered_time_ : Observer::kUntimed);
}

// Checks the payload limit and records StateExited; false when the state failed instead.
bool Vm::exit_state(Execution& x, const Value& output) {
  // Only a state that built something new can have outgrown the limit.
  if (!output.identical(regs(x)[0]) && json::exceeds_size(output, limits_.payload_bytes)) {
    raise(x, "States.DataLimitExceeded",
          "The state/task '" + std::string(p_.state_name(x.state_)) +
              "' returned a result with a size exceeding the maximum number of bytes service "
              "limit.");
    return false;
  }
  state_ended(x);
  StateType t = p_.states[x.state_].type;
  if (t == StateType::kFail) return true;
  if (keeps(x, kExited[static_cast<int>(t)])) {
    event(x, kExited[static_cast<int>(t)], "stateExitedEventDetails",
          io_details(x.arena_, p_.state_name(x.state_), "output", "outputDetails", output));
  } else {
    ++x.event_id_;
  }
  return true;
}

void Vm::wait(Execution& x, const Value& v, uint32_t mode, uint32_t site) {
  int64_t now = clock_.now();
  int64_t wake = now;
  const bool is_path = mode >= 2;
  const bool is_timestamp = mode == 1 || mode == 3;
  if (is_path && !x.flag_) return raise_path_error(x, p_.sites[site], regs(x)[1]);
  std::string where = is_path ? std::string(p_.paths[p_.sites[site].path].text()) : "";
  if (is_timestamp) {
    int64_t ts;
    if (!v.is_string() || !json::parse_timestamp(v.as_string(), ts))
      return raise(x, "States.Runtime",
                   "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                   "offset date-time format string: " +
                       where +
                       " == " + (v.is_string() ? std::string(v.as_string()) : json::to_string(v)));
    wake = ts;
  } else {
    if (!v.is_int() || v.as_int() < 0)
      return raise(x, "States.Runtime",
                   "The SecondsPath parameter cannot be parsed as a long value: " + where +
                       " == " + json::to_string(v));
    if (v.as_int() > kMaxWaitSeconds)
      return raise(x, "States.Runtime", "Wait state delay is too long.");
    wake = now + v.as_int() * kNanos;
  }
  // wake > now first: a time before 1677 saturates to INT64_MIN, where wake - now would overflow.
  if (wake > now && (wake - now) / kNanos > kMaxWaitSeconds)
    return raise(x, "States.Runtime", "Wait state delay is too long.");
  if (wake > now) stop_frame(x, Frame::Run::kWaiting, wake);
}

// A non-negative integer read through a site (MaxConcurrencyPath, TimeoutSecondsPath, ...);
// false after raising States.Runtime.
// A path that begins with "$$" reads the context object, in these fields as in every other.
Value Vm::site_root(Execution& x, const bytecode::Site& s, uint32_t reg) {
  return p_.paths[s.path].is_context() ? context(x) : regs(x)[reg];
}

bool Vm::read_count(Execution& x, uint32_t site, uint32_t root_reg, std::string_view what,
                    uint32_t& out) {
  const bytecode::Site& s = p_.sites[site];
  const Value root = site_root(x, s, root_reg);
  Value v;
  if (json::evaluate(p_.paths[s.path], root, x.arena_, v) != json::EvalStatus::kOk) {
    raise_path_error(x, s, root);
    return false;
  }
  std::string field = std::string(p_.constant(s.field).as_string());
  if (!v.is_int() || v.as_int() > INT32_MAX) {
    raise(x, "States.Runtime",
          "The " + field + " field refers to value \"" +
              (v.is_string() ? std::string(v.as_string()) : json::to_string(v)) +
              "\" which is not a valid integer: " + std::string(p_.paths[s.path].text()));
    return false;
  }
  if (v.as_int() < 0) {
    raise(x, "States.Runtime", std::string(what) + " cannot be negative.");
    return false;
  }
  out = static_cast<uint32_t>(v.as_int());
  return true;
}

Vm::Vm(const bytecode::Program& program, Clock& clock, Random& random, Limits limits,
       const TaskRegistry* tasks)
    : p_(program), clock_(clock), random_(random), limits_(limits) {
  for (const bytecode::Site& site : p_.sites)
    uses_context_ |= p_.paths[site.path].is_context();
  // $$.Map.Item lives in the context object too.
  for (const bytecode::StateInfo& st : p_.states)
    max_retriers_ = std::max(max_retriers_, st.retry_count);
  handlers_.assign(p_.tasks.size(), nullptr);
  for (size_t t = 0; t < p_.tasks.size() && tasks != nullptr; ++t)
    handlers_[t] = tasks->resolve(p_.constant(p_.tasks[t].resource).as_string());
  integrations_.resize(p_.tasks.size());
  families_.resize(p_.tasks.size());
  for (size_t t = 0; t < p_.tasks.size(); ++t) {
    std::string_view resource = p_.constant(p_.tasks[t].resource).as_string();
    integrations_[t] = integration_of(resource);
    families_[t] = event_family(resource);
  }
  // The verifier has checked every PATH's site and the site's path.
  lookups_.resize(p_.code.size());
  for (size_t pc = 0; pc < p_.code.size(); ++pc) {
    const Op op = bytecode::op_of(p_.code[pc]);
    if (op != Op::PATH && op != Op::PATHOPT) continue;
    const json::Path& path = p_.paths[p_.sites[c_of(p_.code[pc])].path];
    Lookup& l = lookups_[pc];
    l.context = path.is_context();
    l.chain = path.is_field_chain();
    if (!l.chain) continue;
    l.first = static_cast<uint32_t>(steps_.size());
    l.count = static_cast<uint32_t>(path.segments().size());
    for (const json::Segment& s : path.segments()) {
      const std::string_view name = path.field_name(s);
      steps_.push_back({name.data(), static_cast<uint32_t>(name.size()), 0});
    }
  }
}

// ---- Task -----------------------------------------------------------------------------------

namespace {

// "arn:aws:states:::lambda:invoke" -> {"lambda", "invoke"}; other ARNs -> {service, the ARN}.
std::pair<std::string_view, std::string_view> resource_parts(std::string_view arn) {
  constexpr std::string_view kStates = "arn:aws:states:::";
  if (arn.starts_with(kStates)) {
    std::string_view rest = arn.substr(kStates.size());
    size_t colon = rest.find(':');
    if (colon != std::string_view::npos) return {rest.substr(0, colon), rest.substr(colon + 1)};
  }
  size_t a = arn.find(':'), b = a == std::string_view::npos ? a : arn.find(':', a + 1);
  size_t c = b == std::string_view::npos ? b : arn.find(':', b + 1);
  if (c != std::string_view::npos) return {arn.substr(b + 1, c - b - 1), arn};
  return {"", arn};
}

// The history events of one family, and their details' keys ("" for an event without details).
struct TaskEventNames {
  std::string_view scheduled, started, succeeded, failed, timed_out;
  std::string_view scheduled_key, started_key, succeeded_key, failed_key, timed_out_key;
};

// By Vm::EventFamily.
constexpr TaskEventNames kTaskEvents[] = {
    {"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskFailed", "TaskTimedOut",
     "taskScheduledEventDetails", "taskStartedEventDetails", "taskSucceededEventDetails",
     "taskFailedEventDetails", "taskTimedOutEventDetails"},
    {"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded",
     "LambdaFunctionFailed", "LambdaFunctionTimedOut", "lambdaFunctionScheduledEventDetails", "",
     "lambdaFunctionSucceededEventDetails", "lambdaFunctionFailedEventDetails",
     "lambdaFunctionTimedOutEventDetails"},
    {"ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "ActivityFailed",
     "ActivityTimedOut", "activityScheduledEventDetails", "activityStartedEventDetails",
     "activitySucceededEventDetails", "activityFailedEventDetails", "activityTimedOutEventDetails"},
};

// A service integration's Task events name its resource in two parts; a Lambda function's or an
// activity's name none (their scheduled event carries the whole ARN).
void set_resource(json::ObjectBuilder& d, bool integration, std::string_view arn) {
  if (!integration) return;
  auto [type, resource] = resource_parts(arn);
  d.set("resourceType", Value::string(type));
  d.set("resource", Value::string(resource));
}

}  // namespace

Vm::EventFamily Vm::event_family(std::string_view arn) {
  auto [service, rest] = resource_parts(arn);
  if (arn.starts_with("arn:") && rest == arn) {  // not an optimized integration
    if (service == "lambda" && arn.find(":function:") != std::string_view::npos)
      return EventFamily::kLambda;
    if (service == "states" && arn.find(":activity:") != std::string_view::npos)
      return EventFamily::kActivity;
  }
  return EventFamily::kTask;
}

void Vm::invoke(Execution& x, uint32_t dst, uint32_t task, const Value& input) {
  const bytecode::TaskInfo& ti = p_.tasks[task];
  std::string_view arn = p_.constant(ti.resource).as_string();
  uint32_t timeout = ti.timeout_seconds, heartbeat = ti.heartbeat_seconds;
  if (ti.timeout_site != bytecode::kNone &&
      !read_count(x, ti.timeout_site, 0, "TimeoutSeconds", timeout))
    return;
  if (ti.heartbeat_site != bytecode::kNone &&
      !read_count(x, ti.heartbeat_site, 0, "HeartbeatSeconds", heartbeat))
    return;
  // Parameters the integration refuses never reach it: the Task is not scheduled.
  if (integrations_[task] != Integration::kOther) {
    if (std::string problem = parameters_problem(integrations_[task], input); !problem.empty())
      return raise(x, "States.Runtime",
                   "The Parameters '" + json::to_string(input) +
                       "' could not be used to start the Task: [" + problem + "]");
  }
  const TaskEventNames& names = kTaskEvents[static_cast<int>(families_[task])];
  if (keeps(x, names.scheduled)) {
    json::ObjectBuilder d(x.arena_, 6);
    set_resource(d, families_[task] == EventFamily::kTask, arn);
    if (families_[task] == EventFamily::kTask) {
      d.set("region", Value::string(x.id_.region));
      d.set("parameters", Value::string(x.arena_.copy(json::to_string(input))));
    } else {
      // A Lambda function or an activity is sent its input as is, named by its whole ARN.
      d.set("resource", Value::string(arn));
      d.set("input", Value::string(x.arena_.copy(json::to_string(input))));
      d.set("inputDetails", untruncated(x.arena_));
    }
    if (timeout) d.set("timeoutInSeconds", Value::integer(timeout));
    if (heartbeat && families_[task] != EventFamily::kLambda)
      d.set("heartbeatInSeconds", Value::integer(heartbeat));
    event(x, names.scheduled, names.scheduled_key, d.build());
  } else {
    ++x.event_id_;
  }
  if (keeps(x, names.started)) {
    json::ObjectBuilder s(x.arena_, 2);
    set_resource(s, families_[task] == EventFamily::kTask, arn);
    event(x, names.started, names.started_key, s.build());
  } else {
    ++x.event_id_;
  }
  const TaskHandler* h = handlers_[task];
  TaskResult result;
  if (h == nullptr) {
    result.error = "States.TaskFailed";
    result.cause = x.arena_.copy("No task handler is mapped to resource '" + std::string(arn) +
                                 "': the service cannot be reached (map it with --task "
                                 "PATTERN=HANDLER or a mock config)");
    result.has_cause = true;
    return task_answered(x, task, dst, TaskOutcome::kFailed, result);
  }
  uint32_t invocation = x.invocations_.empty() ? 0 : x.invocations_[x.state_]++;
  uint64_t ticket = uint64_t{x.cur_} << 32 | x.frames_[x.cur_].generation;
  TaskCall call{arn,
                p_.state_name(x.state_),
                x.id_.execution_name,
                x.id_.state_machine_name,
                input,
                x.arena_,
                invocation,
                x,
                ticket};
  TaskOutcome outcome = h->invoke(call, result);
  if (outcome != TaskOutcome::kPending) return task_answered(x, task, dst, outcome, result);
  // Parked until complete_task; the earlier of the timeout and the heartbeat ends the wait.
  int64_t now = clock_.now(), wake = INT64_MAX;
  bool by_heartbeat = false;
  if (timeout != 0) wake = now + int64_t{timeout} * kNanos;
  if (heartbeat != 0 && now + int64_t{heartbeat} * kNanos < wake) {
    wake = now + int64_t{heartbeat} * kNanos;
    by_heartbeat = true;
  }
  x.frames_[x.cur_].task_dst = dst;
  x.frames_[x.cur_].task = task;
  x.frames_[x.cur_].heartbeat = by_heartbeat;
  stop_frame(x, Frame::Run::kPending, wake);
}

void Vm::task_answered(Execution& x, uint32_t task, uint32_t dst, TaskOutcome outcome,
                       const TaskResult& r) {
  std::string_view arn = p_.constant(p_.tasks[task].resource).as_string();
  if (outcome == TaskOutcome::kSucceeded) {
    if (json::exceeds_size(r.output, limits_.payload_bytes)) {
      ++x.event_id_;  // TaskFailed
      return throw_error(x, "States.DataLimitExceeded",
                         x.arena_.copy("The state/task '" + std::string(arn) +
                                       "' returned a result with a size exceeding the maximum "
                                       "number of bytes service limit."));
    }
    const TaskEventNames& names = kTaskEvents[static_cast<int>(families_[task])];
    if (keeps(x, names.succeeded)) {
      json::ObjectBuilder d(x.arena_, 4);
      set_resource(d, families_[task] == EventFamily::kTask, arn);
      d.set("output", Value::string(x.arena_.copy(json::to_string(r.output))));
      d.set("outputDetails", untruncated(x.arena_));
      event(x, names.succeeded, names.succeeded_key, d.build());
    } else {
      ++x.event_id_;
    }
    regs(x)[dst] = r.output;
    return;
  }
  Text error, cause;
  if (!r.error.empty()) error = r.error;
  if (r.has_cause) cause = r.cause;
  const TaskEventNames& names = kTaskEvents[static_cast<int>(families_[task])];
  if (keeps(x, names.failed)) {
    json::ObjectBuilder d(x.arena_, 4);
    set_resource(d, families_[task] == EventFamily::kTask, arn);
    if (error) d.set("error", Value::string(*error));
    if (cause) d.set("cause", Value::string(*cause));
    event(x, names.failed, names.failed_key, d.build());
  } else {
    ++x.event_id_;
  }
  throw_error(x, error, cause);
}

Status Vm::complete_task(Execution& x, uint64_t ticket, TaskOutcome outcome,
                         const TaskResult& result) {
  uint32_t f = static_cast<uint32_t>(ticket >> 32);
  if (x.status_ != Status::kWaiting || outcome == TaskOutcome::kPending || f >= x.frames_.size() ||
      x.frames_[f].generation != static_cast<uint32_t>(ticket) ||
      x.frames_[f].run != Frame::Run::kPending)
    return x.status_;  // abandoned (its branch failed) or answered twice
  x.status_ = Status::kRunning;
  load_frame(x, f);
  x.frames_[f].run = Frame::Run::kRunnable;
  task_answered(x, x.frames_[f].task, x.frames_[f].task_dst, outcome, result);
  return proceed(x);
}

// ---- Parallel and Map -----------------------------------------------------------------------

void Vm::fork(Execution& x, bool map, uint32_t dst, const Value& input, uint32_t f) {
  const bytecode::Fork& fk = p_.forks[f];
  uint32_t n = fk.prologue_count, limit = 0, tolerated = fk.tolerated_count;
  double percentage = -1;
  Value child_input = input;
  if (map) {
    if (!input.is_array())
      return raise(x, "States.Runtime",
                   "Map state input must be an array but was: " + json::to_string(input));
    n = input.size();
    child_input = regs(x)[1];  // ItemSelector's "$": the state's effective input
    limit = fk.max_concurrency;
    if (fk.max_concurrency_site != bytecode::kNone &&
        !read_count(x, fk.max_concurrency_site, 1, "MaxConcurrency", limit))
      return;
  }
  if (keeps(x, map ? "MapStateStarted" : "ParallelStateStarted")) {
    if (map) {
      json::ObjectBuilder d(x.arena_, 1);
      d.set("length", Value::integer(n));
      event(x, "MapStateStarted", "mapStateStartedEventDetails", d.build());
    } else {
      event(x, "ParallelStateStarted", {}, Value());
    }
  } else {
    ++x.event_id_;
  }
  // AWS reads the tolerated failure paths once the Map has started (its history shows
  // MapStateStarted before a failure there), MaxConcurrencyPath before.
  if (map) {
    if (fk.tolerated_count_site != bytecode::kNone &&
        !read_count(x, fk.tolerated_count_site, 1, "ToleratedFailureCount", tolerated))
      return;
    Value pct;
    if (fk.tolerated_percentage != bytecode::kNone) pct = p_.constant(fk.tolerated_percentage);
    if (fk.tolerated_percentage_site != bytecode::kNone) {
      const bytecode::Site& s = p_.sites[fk.tolerated_percentage_site];
      const Value root = site_root(x, s, 1);
      if (json::evaluate(p_.paths[s.path], root, x.arena_, pct) != json::EvalStatus::kOk)
        return raise_path_error(x, s, root);
      if (!pct.is_number())
        return raise(x, "States.Runtime",
                     "The ToleratedFailurePercentagePath field refers to value \"" +
                         (pct.is_string() ? std::string(pct.as_string()) : json::to_string(pct)) +
                         "\" which is not a valid number: " + std::string(p_.paths[s.path].text()));
    }
    if (pct.is_number()) {
      percentage = pct.as_double();
      if (percentage < 0 || percentage > 100)
        return raise(x, "States.Runtime", "ToleratedFailurePercentage must be between 0 and 100.");
    }
  }
  Value* results = x.arena_.alloc_array<Value>(n);
  uint32_t p = x.cur_;
  Frame& parent = x.frames_[p];
  parent.fork = f;
  parent.dst = dst;
  parent.total = n;
  parent.started = parent.finished = parent.failed = parent.running = 0;
  parent.limit = limit == 0 ? n : limit;
  parent.tolerated_count = tolerated;
  parent.tolerated_percentage = percentage;
  parent.results = results;
  parent.items = input;
  parent.child_input = child_input;
  stop_frame(x, Frame::Run::kForked, 0);
  if (n == 0) return fork_done(x, p);
  // One child at a time: the next starts when one ends or parks (see next_frame), so that a
  // Map over many items needs few frames while Waits inside it still overlap.
  start_child(x, p, 0);
}

void Vm::start_child(Execution& x, uint32_t parent, uint32_t index) {
  uint32_t c = alloc_frame(x);  // may move frames_ and regs_
  Frame& p = x.frames_[parent];
  Frame& child = x.frames_[c];
  const bytecode::Fork& fk = p_.forks[p.fork];
  const bool map = p_.states[fk.state].type == StateType::kMap;
  child.parent = parent;
  child.index = index;
  child.run = Frame::Run::kRunnable;
  child.state = p.state;
  child.entered_event = p.entered_event;
  child.entered_time = p.entered_time;
  child.pc = p_.prologues[fk.prologue_begin + (map ? 0 : index)];
  child.in_map = map;
  if (map) child.item = p.items.items()[index];
  x.regs_[size_t{c} * p_.num_registers] = p.child_input;
  ++p.started;
  ++p.running;
  x.runnable_.push_back(c);
}

void Vm::child_done(Execution& x, bool ok, const Value& output, Text error, Text cause) {
  const uint32_t c = x.cur_, p = x.frames_[c].parent, index = x.frames_[c].index;
  const bool map = x.frames_[c].in_map;
  free_frame(x, c);
  x.stop_ = true;
  Frame& parent = x.frames_[p];
  --parent.running;
  std::string_view name = p_.state_name(parent.state);
  if (map && keeps(x, ok ? "MapIterationSucceeded" : "MapIterationFailed")) {
    json::ObjectBuilder d(x.arena_, 2);
    d.set("index", Value::integer(index));
    d.set("name", Value::string(name));
    event(x, ok ? "MapIterationSucceeded" : "MapIterationFailed",
          ok ? "mapIterationSucceededEventDetails" : "mapIterationFailedEventDetails", d.build());
  } else if (map) {
    ++x.event_id_;
  }
  if (ok) {
    parent.results[index] = output;
  } else {
    ++parent.failed;
    // Without a tolerance, one failure fails the state with the child's own error.
    const bool has_tolerance =
        map && (parent.tolerated_count != bytecode::kNone || parent.tolerated_percentage >= 0);
    const bool exceeded =
        !has_tolerance ||
        (parent.tolerated_count != bytecode::kNone && parent.failed > parent.tolerated_count) ||
        (parent.tolerated_percentage >= 0 &&
         100.0 * parent.failed > parent.tolerated_percentage * parent.total);
    if (exceeded) {
      abort_children(x, p);
      load_frame(x, p);
      x.frames_[p].run = Frame::Run::kRunnable;
      x.stop_ = false;
      const Text err = has_tolerance ? Text("States.ExceedToleratedFailureThreshold") : error;
      const Text why =
          has_tolerance ? Text("The specified tolerated failure threshold was exceeded") : cause;
      // The state fails, in AWS's history, only when no retrier takes the error: a retried
      // attempt starts again with no failed event between.
      if (!retry(x, err)) {
        event(x, map ? "MapStateFailed" : "ParallelStateFailed", {}, Value());
        if (!catch_error(x, err, why)) fail_frame(x, err, why);
      }
      // The parent goes on (a Catch) from the top of the loop, with its own registers.
      if (!x.stop_) {
        save_frame(x);
        x.runnable_.push_back(x.cur_);
        x.stop_ = true;
      }
      return;
    }
    parent.results[index] = error_output(x.arena_, error, cause);
  }
  ++parent.finished;
  if (parent.started < parent.total && parent.running < parent.limit)
    start_child(x, p, parent.started);
  if (x.frames_[p].finished == x.frames_[p].total) fork_done(x, p);
}

void Vm::fork_done(Execution& x, uint32_t p) {
  Frame& parent = x.frames_[p];
  x.regs_[size_t{p} * p_.num_registers + parent.dst] = Value::array(parent.results, parent.total);
  parent.run = Frame::Run::kRunnable;
  // AWS logs MapStateSucceeded, but no ParallelStateSucceeded: none of its recorded Parallel
  // histories has one (../shared/conformance), though the event type exists.
  if (p_.states[parent.state].type == StateType::kMap) event(x, "MapStateSucceeded", {}, Value());
  x.runnable_.push_back(p);
}

// ---- the loop -------------------------------------------------------------------------------

Status Vm::run(Execution& x) {
  for (;;) {
    // Whatever stopped the current frame (an end, a park, a fork) set stop_.
    if (x.stop_ && !next_frame(x)) return x.status_;
    run_frame(x);
  }
}

// Runs the current frame until it stops. Only instructions that can end, park or fork the
// frame test stop_; the registers stay in place until then (only forking moves them).
void Vm::run_frame(Execution& x) {
  const Instr* code = p_.code.data();
  Value* const R = regs(x);
  for (;;) {
    const Instr in = code[x.pc_++];
    const uint32_t a = a_of(in), b = b_of(in), c = c_of(in);
    switch (bytecode::op_of(in)) {
      case Op::LOADK:
        R[a] = p_.constant(b);
        break;
      case Op::MOVE:
        R[a] = R[b];
        break;
      case Op::PATH:
      case Op::PATHOPT: {
        Lookup& l = lookups_[x.pc_ - 1];
        // A reference: R[a] is written only once the path is found, and then from a member.
        const Value& root = l.context ? context(x) : R[b];
        if (root.is_null() && !l.context && null_input_fails(p_.sites[c].kind)) {
          raise(x, "States.Runtime", "Unable to apply Path transformation to null or empty input.");
          if (x.stop_) return;
          break;
        }
        bool found;
        if (l.chain) {
          const Value* cur = &root;
          for (Step *s = steps_.data() + l.first, *end = s + l.count; s != end && cur; ++s)
            cur = cur->find({s->name, s->size}, s->hint);
          found = cur != nullptr;
          if (found) R[a] = *cur;
        } else {
          found = json::evaluate_general(p_.paths[p_.sites[c].path], root, x.arena_, R[a]) ==
                  json::EvalStatus::kOk;
        }
        if (bytecode::op_of(in) == Op::PATHOPT) {
          x.flag_ = found;
          if (!found) R[a] = Value();
        } else if (!found) {
          raise_path_error(x, p_.sites[c], root);
          if (x.stop_) return;
        }
        break;
      }
      case Op::ASSIGN: {
        const json::Path& path = p_.paths[p_.sites[c].path];
        Value out;
        std::string error;
        if (json::assign(path, R[a], R[b], x.arena_, out, error))
          R[a] = out;
        else
          raise(x, json::kResultPathError, error);
        if (x.stop_) return;
        break;
      }
      case Op::NEWOBJ:
        R[a] = Value::object(x.arena_.alloc_array<json::Member>(b), 0, true).with_bound(2);
        x.builder_room_[x.base_ + a] = b;
        break;
      case Op::NEWARR:
        R[a] = Value::array(x.arena_.alloc_array<Value>(b), 0);
        x.builder_room_[x.base_ + a] = b;
        break;
      case Op::SETK:
      case Op::SETR: {
        // The verifier cannot follow builders through the code, so room is checked here: a
        // corrupt image gets an error, never a write past the builder.
        if (!R[a].is_object() || x.builder_room_[x.base_ + a] == 0) {
          corrupt(x, x.pc_ - 1);
          if (x.stop_) return;
          break;
        }
        --x.builder_room_[x.base_ + a];
        auto* members = const_cast<json::Member*>(R[a].members().data());
        uint32_t n = R[a].size();
        const Value& key = p_.constant(b);
        members[n] = {key.as_string(), bytecode::op_of(in) == Op::SETK ? p_.constant(c) : R[c]};
        // The bound grows with each member, so that the payload check and the writer need not
        // walk the object.
        R[a] = Value::object(members, n + 1, R[a].has_plain_keys() && key.is_plain_string())
                   .with_bound(json::bound_with_member(R[a].known_bound(), key, members[n].value));
        break;
      }
      case Op::PUSHK:
      case Op::PUSHR: {
        if (!R[a].is_array() || x.builder_room_[x.base_ + a] == 0) {
          corrupt(x, x.pc_ - 1);
          if (x.stop_) return;
          break;
        }
        --x.builder_room_[x.base_ + a];
        auto* items = const_cast<Value*>(R[a].items().data());
        uint32_t n = R[a].size();
        items[n] = bytecode::op_of(in) == Op::PUSHK ? p_.constant(c) : R[c];
        R[a] = Value::array(items, n + 1);
        break;
      }
      case Op::CALL: {
        IntrinsicResult r = call_intrinsic(static_cast<bytecode::Intrinsic>(b),
                                           std::span<const Value>(R + a, c), x.arena_, random_);
        if (r.ok)
          R[a] = r.value;
        else
          raise(x, "States.IntrinsicFailure", r.cause);
        if (x.stop_) return;
        break;
      }
      case Op::TESTK:
        x.flag_ = run_test(static_cast<Test>(b), R[a], p_.constant(c));
        break;
      case Op::TESTR:
        x.flag_ = run_test(static_cast<Test>(b), R[a], R[c]);
        break;
      case Op::NOT:
        x.flag_ = !x.flag_;
        break;
      case Op::JMP:
        x.pc_ = c;
        break;
      case Op::JMPIF:
        if (x.flag_) x.pc_ = c;
        break;
      case Op::JMPNOT:
        if (!x.flag_) x.pc_ = c;
        break;
      case Op::WAIT:
        wait(x, R[a], b, c);
        if (x.stop_) return;
        break;
      case Op::INVOKE: {
        const Value input = R[c];
        invoke(x, a, b, input);
        if (x.stop_) return;
        break;
      }
      case Op::PARALLEL:
      case Op::MAP: {
        const Value input = R[b];  // forking may move the registers
        fork(x, bytecode::op_of(in) == Op::MAP, a, input, c);
        if (x.stop_) return;
        break;
      }
      case Op::ITEM:
        R[a] = x.frames_[x.cur_].item;
        break;
      case Op::BEGIN: {
        const Value input = R[b];
        if (x.frames_[x.cur_].in_map) {
          if (keeps(x, "MapIterationStarted")) {
            json::ObjectBuilder d(x.arena_, 2);
            d.set("index", Value::integer(x.frames_[x.cur_].index));
            d.set("name", Value::string(p_.state_name(x.state_)));
            event(x, "MapIterationStarted", "mapIterationStartedEventDetails", d.build());
          } else {
            ++x.event_id_;
          }
        }
        enter_state(x, a, input);
        if (x.stop_) return;
        break;
      }
      case Op::GOTO: {
        const Value out = R[b];
        if (exit_state(x, out)) enter_state(x, a, out);
        if (x.stop_) return;
        break;
      }
      case Op::SUCCEED:
        succeed(x, R[b]);
        if (x.stop_) return;
        break;
      case Op::FAIL: {
        std::optional<std::string_view> error, cause;
        if (a != bytecode::kNoReg)
          error = R[a].is_string() ? R[a].as_string() : x.arena_.copy(json::to_string(R[a]));
        if (b != bytecode::kNoReg)
          cause = R[b].is_string() ? R[b].as_string() : x.arena_.copy(json::to_string(R[b]));
        // A Fail state has no Retry or Catch of its own: it ends its frame.
        fail_frame(x, error, cause);
        return;
      }
      case Op::THROW:
        raise(x, p_.constant(b).as_string(), p_.constant(c).as_string());
        if (x.stop_) return;
        break;
      case Op::OBJECT: {
        // A payload template in one step: its keys from the constant, its values computed into
        // consecutive registers (the verifier checked the range). The bound grows with each
        // member, so that the payload check and the writer need not walk the object.
        const Value& keys = p_.constant(b);
        const uint32_t n = keys.size();
        auto* members = x.arena_.alloc_array<json::Member>(n);
        const bool plain_keys = keys.has_plain_keys();
        size_t bound = 2;
        for (uint32_t i = 0; i < n; ++i) {
          members[i] = {keys.members()[i].key, R[c + i]};
          bound = json::bound_with_member(bound, members[i].key, plain_keys, members[i].value);
        }
        R[a] = Value::object(members, n, plain_keys, keys.has_unique_keys()).with_bound(bound);
        break;
      }
      case Op::kCount:
        assert(false && "verified programs hold no such opcode");
        x.stop_ = true;
        x.status_ = Status::kFailed;
        return;
    }
  }
}

Status Vm::start(Execution& x, const Value& input, const Identity& id, bool record_history) {
  // Frame 0, reused: only children come and go through alloc_frame.
  x.frames_.resize(1);
  x.free_frames_.clear();
  x.runnable_.clear();
  Frame& root = x.frames_[0];
  root.run = Frame::Run::kRunnable;
  root.parent = Execution::kNoFrame;
  root.in_map = false;
  root.generation = ++x.last_generation_;
  x.regs_.resize(p_.num_registers);
  // Value() is all zero bits (see value.h): one memset, where a loop of Value() cost as much as
  // a Pass state.
  std::memset(static_cast<void*>(x.regs_.data()), 0, x.regs_.size() * sizeof(Value));
  x.builder_room_.assign(p_.num_registers, 0);
  x.retries_.resize(max_retriers_);
  if (!p_.tasks.empty()) x.invocations_.assign(p_.states.size(), 0);
  load_frame(x, 0);
  x.stop_ = false;
  x.id_ = id;
  x.run_id_[0] = 0;
  x.input_ = input;
  x.record_history_ = record_history;
  x.status_ = Status::kRunning;
  int64_t timeout = int64_t{p_.timeout_seconds} * kNanos;
  if (limits_.max_duration_ns != 0 && (timeout == 0 || limits_.max_duration_ns < timeout))
    timeout = limits_.max_duration_ns;
  // Only the context object ($$.Execution.StartTime) needs the start to the nanosecond; a
  // deadline, in whole seconds, makes do with the coarse clock (as enter_state's checks do),
  // moved on by the coarse clock's lag so that it never falls due early; without either nothing
  // reads it. The precise clock costs about 20 ns, a twentieth of a small execution.
  if (uses_context_) {
    x.start_time_ = clock_.now();
    x.deadline_ = timeout ? x.start_time_ + timeout : 0;
  } else if (timeout != 0) {
    x.start_time_ = clock_.coarse_now();
    x.deadline_ = x.start_time_ + clock_.coarse_lag() + timeout;
  } else {
    x.start_time_ = x.deadline_ = 0;
  }
  if (keeps(x, "ExecutionStarted")) {
    json::ObjectBuilder d(x.arena_, 3);
    d.set("input", Value::string(x.arena_.copy(json::to_string(input))));
    d.set("inputDetails", untruncated(x.arena_));
    d.set("roleArn", Value::string(id.role_arn));
    event(x, "ExecutionStarted", "executionStartedEventDetails", d.build());
  } else {
    ++x.event_id_;
  }
  if (json::exceeds_size(input, limits_.payload_bytes)) {
    x.state_ = p_.start_state;
    fail(x, "States.DataLimitExceeded",
         "The input to the execution exceeds the maximum number of bytes service limit.");
    return x.status_;
  }
  enter_state(x, p_.start_state, input);
  return proceed(x);
}

Status Vm::resume(Execution& x) {
  assert(x.status_ == Status::kWaiting);
  const int64_t now = clock_.now();
  x.status_ = Status::kRunning;
  if (x.deadline_ != 0 && now >= x.deadline_) {
    timed_out(x);
    return x.status_;
  }
  // Due timers make their frames runnable (the lowest index runs first).
  for (uint32_t f = static_cast<uint32_t>(x.frames_.size()); f-- > 0;) {
    if (x.frames_[f].run == Frame::Run::kWaiting && x.frames_[f].wake_at <= now) {
      x.frames_[f].run = Frame::Run::kRunnable;
      x.runnable_.push_back(f);
    }
  }
  // A task past its deadline times out in its state, which may retry or catch it.
  for (uint32_t f = 0; f < x.frames_.size(); ++f) {
    if (x.frames_[f].run != Frame::Run::kPending || x.frames_[f].wake_at > now) continue;
    load_frame(x, f);
    x.frames_[f].run = Frame::Run::kRunnable;
    // AWS reports a missed heartbeat as States.Timeout too; States.HeartbeatTimeout names it
    // alone in Retry and Catch.
    const std::string_view error = "States.Timeout";
    const uint32_t task = x.frames_[f].task;
    const TaskEventNames& names = kTaskEvents[static_cast<int>(families_[task])];
    if (keeps(x, names.timed_out)) {
      json::ObjectBuilder d(x.arena_, 3);
      set_resource(d, families_[task] == EventFamily::kTask,
                   p_.constant(p_.tasks[task].resource).as_string());
      d.set("error", Value::string(error));
      event(x, names.timed_out, names.timed_out_key, d.build());
    } else {
      ++x.event_id_;
    }
    // Whether this frame stopped (parked for a retry, ended, forked) is its own: an earlier
    // frame of this loop may have stopped, and this one must still be queued if it did not.
    x.stop_ = false;
    x.heartbeat_timeout_ = x.frames_[f].heartbeat;
    throw_error(x, error, std::nullopt);
    x.heartbeat_timeout_ = false;
    if (x.status_ != Status::kRunning) return x.status_;
    if (!x.stop_) {
      save_frame(x);
      x.runnable_.push_back(x.cur_);
    }
  }
  x.stop_ = true;
  return proceed(x);
}

Status Vm::finish(Execution& x) {
  while (x.status_ == Status::kWaiting && x.wake_at_ != INT64_MAX) {
    if (auto* virt = dynamic_cast<VirtualClock*>(&clock_)) {
      virt->advance_to(x.wake_at_);
    } else {
      int64_t delay = x.wake_at_ - clock_.now();
      if (delay > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(delay));
    }
    resume(x);
  }
  return x.status_;
}

}  // namespace stepstream::vm
