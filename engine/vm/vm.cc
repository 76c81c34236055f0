// The interpreter loop and everything an instruction may need: state entry and exit, the
// context object, history events, waits, and the errors AWS raises, worded as AWS words them.
#include "engine/vm/vm.h"

#include <cassert>
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
  input_ = output_ = context_ = Value();
  error_.reset();
  cause_.reset();
  status_ = Status::kRunning;
  flag_ = context_valid_ = record_history_ = false;
  pc_ = state_ = event_id_ = entered_event_ = 0;
  start_time_ = entered_time_ = wake_at_ = deadline_ = 0;
}

// ---- history -------------------------------------------------------------------------------

void Vm::event(Execution& x, std::string_view type, std::string_view details_key,
               const Value& details) {
  uint32_t id = ++x.event_id_;
  if (!x.record_history_) return;
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

// {"name":..., "<key>": <json text of v>, "<key>Details": {"truncated": false}}
Value io_details(json::Arena& arena, std::string_view name, std::string_view key,
                 std::string_view details_key, const Value& v) {
  json::ObjectBuilder truncated(arena, 1);
  truncated.set("truncated", Value::boolean(false));
  json::ObjectBuilder d(arena, 3);
  if (!name.empty()) d.set("name", Value::string(name));
  d.set(key, Value::string(arena.copy(json::to_string(v))));
  d.set(details_key, truncated.build());
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

const Value& Vm::context(Execution& x) {
  if (x.context_valid_) return x.context_;
  json::Arena& a = x.arena_;
  const Identity& id = x.id_;
  std::string prefix = "arn:aws:states:" + std::string(id.region) + ":" + std::string(id.account);
  std::string sm_arn = prefix + ":stateMachine:" + std::string(id.state_machine_name);
  std::string exec_arn = prefix + (id.express ? ":express:" : ":execution:") +
                         std::string(id.state_machine_name) + ":" + std::string(id.execution_name);
  // An Express execution's ARN ends in a run id of its own after the name.
  if (id.express) {
    if (x.run_id_[0] == 0) random_.uuid(x.run_id_);  // drawn once, on first use
    exec_arn += ":" + std::string(x.run_id_, sizeof x.run_id_);
  }
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
  json::ObjectBuilder state(a, 2);
  state.set("Name", Value::string(p_.state_name(x.state_)));
  state.set("EnteredTime", Value::string(a.copy(json::format_timestamp_millis(x.entered_time_))));
  json::ObjectBuilder ctx(a, 3);
  ctx.set("Execution", exec.build());
  ctx.set("StateMachine", sm.build());
  ctx.set("State", state.build());
  x.context_ = ctx.build();
  x.context_valid_ = true;
  return x.context_;
}

// ---- ends and errors ------------------------------------------------------------------------

Status Vm::succeed(Execution& x, const Value& output) {
  if (!exit_state(x, output)) return x.status_;
  x.output_ = output;
  if (x.record_history_) {
    event(x, "ExecutionSucceeded", "executionSucceededEventDetails",
          io_details(x.arena_, {}, "output", "outputDetails", output));
  } else {
    ++x.event_id_;
  }
  return x.status_ = Status::kSucceeded;
}

Status Vm::fail(Execution& x, std::optional<std::string_view> error,
                std::optional<std::string_view> cause) {
  x.error_ = error;
  x.cause_ = cause;
  if (x.record_history_) {
    json::ObjectBuilder d(x.arena_, 2);
    if (cause) d.set("cause", Value::string(*cause));
    if (error) d.set("error", Value::string(*error));
    event(x, "ExecutionFailed", "executionFailedEventDetails", d.build());
  } else {
    ++x.event_id_;
  }
  return x.status_ = Status::kFailed;
}

// Where every error raised in a state lands: the one place Catch will route from. There is no
// Catch yet, so it ends the execution.
Status Vm::throw_error(Execution& x, std::string_view error, std::string_view cause) {
  return fail(x, error, cause);
}

// An error the engine itself raises in the current state, with AWS's cause prefix.
Status Vm::raise(Execution& x, std::string_view error, std::string_view message) {
  std::string cause = "An error occurred while executing the state '" +
                      std::string(p_.state_name(x.state_)) + "' (entered at the event id #" +
                      std::to_string(x.entered_event_) + "). " + std::string(message);
  return throw_error(x, error, x.arena_.copy(cause));
}

Status Vm::corrupt(Execution& x, uint32_t pc) {
  return raise(x, "States.Runtime",
               "The program is corrupt: a builder overflows at pc " + std::to_string(pc) + ".");
}

Status Vm::raise_path_error(Execution& x, const bytecode::Site& site, const Value& root) {
  const json::Path& path = p_.paths[site.path];
  std::string_view field = p_.constant(site.field).as_string();
  std::string text(path.text());
  std::string message;
  switch (site.kind) {
    case SiteKind::kInputPath:
    case SiteKind::kOutputPath:
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
  return raise(x, "States.Runtime", message);
}

Status Vm::timed_out(Execution& x) {
  x.error_ = "States.Timeout";
  x.cause_.reset();
  if (x.record_history_) {
    json::ObjectBuilder d(x.arena_, 1);
    d.set("error", Value::string("States.Timeout"));
    event(x, "ExecutionTimedOut", "executionTimedOutEventDetails", d.build());
  } else {
    ++x.event_id_;
  }
  return x.status_ = Status::kTimedOut;
}

// ---- states ---------------------------------------------------------------------------------

Status Vm::enter_state(Execution& x, uint32_t state, const Value& input) {
  // Only a deadline or the context object ($$.State.EnteredTime) needs the time of entry.
  int64_t now = x.deadline_ != 0 || uses_context_ ? clock_.now() : 0;
  if (x.deadline_ != 0 && now >= x.deadline_) return timed_out(x);
  x.state_ = state;
  x.pc_ = p_.states[state].entry_pc;
  x.regs_[0] = input;
  x.entered_time_ = now;
  x.context_valid_ = false;
  if (x.record_history_) {
    event(x, kEntered[static_cast<int>(p_.states[state].type)], "stateEnteredEventDetails",
          io_details(x.arena_, p_.state_name(state), "input", "inputDetails", input));
  } else {
    ++x.event_id_;
  }
  x.entered_event_ = x.event_id_;
  return Status::kRunning;
}

// Checks the payload limit and records StateExited; false when the state failed instead.
bool Vm::exit_state(Execution& x, const Value& output) {
  // Only a state that built something new can have outgrown the limit.
  if (!output.identical(x.regs_[0]) && json::exceeds_size(output, limits_.payload_bytes)) {
    raise(x, "States.DataLimitExceeded",
          "The state/task '" + std::string(p_.state_name(x.state_)) +
              "' returned a result with a size exceeding the maximum number of bytes service "
              "limit.");
    return false;
  }
  StateType t = p_.states[x.state_].type;
  if (t == StateType::kFail) return true;
  if (x.record_history_) {
    event(x, kExited[static_cast<int>(t)], "stateExitedEventDetails",
          io_details(x.arena_, p_.state_name(x.state_), "output", "outputDetails", output));
  } else {
    ++x.event_id_;
  }
  return true;
}

Status Vm::wait(Execution& x, const Value& v, uint32_t mode, uint32_t site) {
  int64_t now = clock_.now();
  int64_t wake = now;
  const bool is_path = mode >= 2;
  const bool is_timestamp = mode == 1 || mode == 3;
  if (is_path && !x.flag_) return raise_path_error(x, p_.sites[site], x.regs_[1]);
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
  if ((wake - now) / kNanos > kMaxWaitSeconds)
    return raise(x, "States.Runtime", "Wait state delay is too long.");
  if (wake <= now) return Status::kRunning;
  x.wake_at_ = x.deadline_ != 0 && x.deadline_ < wake ? x.deadline_ : wake;
  return x.status_ = Status::kWaiting;
}

Vm::Vm(const bytecode::Program& program, Clock& clock, Random& random, Limits limits,
       const TaskRegistry* tasks)
    : p_(program), clock_(clock), random_(random), limits_(limits) {
  for (const bytecode::Site& site : p_.sites)
    uses_context_ |= p_.paths[site.path].is_context();
  handlers_.assign(p_.num_constants(), nullptr);
  for (Instr in : p_.code)
    if (bytecode::op_of(in) == Op::INVOKE && tasks != nullptr)
      handlers_[b_of(in)] = tasks->resolve(p_.constant(b_of(in)).as_string());
}

// A Task call: TaskScheduled, TaskStarted, then TaskSucceeded or TaskFailed.
Status Vm::invoke(Execution& x, uint32_t dst, uint32_t resource, const Value& input) {
  std::string_view arn = p_.constant(resource).as_string();
  x.event_id_ += 2;  // TaskScheduled, TaskStarted (recorded in full with the Task issue)
  const TaskHandler* h = handlers_[resource];
  if (h == nullptr) {
    ++x.event_id_;
    return raise(x, "States.TaskFailed",
                 "No task handler for resource '" + std::string(arn) +
                     "'; map it with --task PATTERN=HANDLER");
  }
  TaskError err;
  Value out;
  ++x.event_id_;
  if (!h->invoke(input, x.arena_, out, err)) return throw_error(x, err.error, err.cause);
  x.regs_[dst] = out;
  return Status::kRunning;
}

// ---- the loop -------------------------------------------------------------------------------

Status Vm::run(Execution& x) {
  const Instr* code = p_.code.data();
  for (;;) {
    Value* R = x.regs_.data();
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
        const bytecode::Site& site = p_.sites[c];
        const json::Path& path = p_.paths[site.path];
        const Value root = path.is_context() ? context(x) : R[b];
        const bool found = json::evaluate(path, root, x.arena_, R[a]) == json::EvalStatus::kOk;
        if (bytecode::op_of(in) == Op::PATHOPT) {
          x.flag_ = found;
          if (!found) R[a] = Value();
        } else if (!found) {
          return raise_path_error(x, site, root);
        }
        break;
      }
      case Op::ASSIGN: {
        const json::Path& path = p_.paths[p_.sites[c].path];
        Value out;
        std::string error;
        if (!json::assign(path, R[a], R[b], x.arena_, out, error))
          return raise(x, json::kResultPathError, error);
        R[a] = out;
        break;
      }
      case Op::NEWOBJ:
        R[a] = Value::object(x.arena_.alloc_array<json::Member>(b), 0);
        x.builder_room_[a] = b;
        break;
      case Op::NEWARR:
        R[a] = Value::array(x.arena_.alloc_array<Value>(b), 0);
        x.builder_room_[a] = b;
        break;
      case Op::SETK:
      case Op::SETR: {
        // The verifier cannot follow builders through the code, so room is checked here: a
        // corrupt image gets an error, never a write past the builder.
        if (!R[a].is_object() || x.builder_room_[a] == 0) return corrupt(x, x.pc_ - 1);
        --x.builder_room_[a];
        auto* members = const_cast<json::Member*>(R[a].members().data());
        uint32_t n = R[a].size();
        members[n] = {p_.constant(b).as_string(),
                      bytecode::op_of(in) == Op::SETK ? p_.constant(c) : R[c]};
        R[a] = Value::object(members, n + 1);
        break;
      }
      case Op::PUSHK:
      case Op::PUSHR: {
        if (!R[a].is_array() || x.builder_room_[a] == 0) return corrupt(x, x.pc_ - 1);
        --x.builder_room_[a];
        auto* items = const_cast<Value*>(R[a].items().data());
        uint32_t n = R[a].size();
        items[n] = bytecode::op_of(in) == Op::PUSHK ? p_.constant(c) : R[c];
        R[a] = Value::array(items, n + 1);
        break;
      }
      case Op::CALL: {
        IntrinsicResult r = call_intrinsic(static_cast<bytecode::Intrinsic>(b),
                                           std::span<const Value>(R + a, c), x.arena_, random_);
        if (!r.ok) return raise(x, "States.IntrinsicFailure", r.cause);
        R[a] = r.value;
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
        if (Status s = wait(x, R[a], b, c); s != Status::kRunning) return s;
        break;
      case Op::INVOKE:
        if (Status s = invoke(x, a, b, R[c]); s != Status::kRunning) return s;
        break;
      case Op::GOTO: {
        const Value out = R[b];
        if (!exit_state(x, out)) return x.status_;
        if (Status s = enter_state(x, a, out); s != Status::kRunning) return s;
        break;
      }
      case Op::SUCCEED:
        return succeed(x, R[b]);
      case Op::FAIL: {
        std::optional<std::string_view> error, cause;
        if (a != bytecode::kNoReg)
          error = R[a].is_string() ? R[a].as_string() : x.arena_.copy(json::to_string(R[a]));
        if (b != bytecode::kNoReg)
          cause = R[b].is_string() ? R[b].as_string() : x.arena_.copy(json::to_string(R[b]));
        return fail(x, error, cause);
      }
      case Op::THROW:
        return raise(x, p_.constant(b).as_string(), p_.constant(c).as_string());
      case Op::kCount:
        assert(false && "verified programs hold no such opcode");
        return x.status_;
    }
  }
}

Status Vm::start(Execution& x, const Value& input, const Identity& id, bool record_history) {
  x.regs_.assign(p_.num_registers, Value());
  x.builder_room_.assign(p_.num_registers, 0);
  x.id_ = id;
  x.run_id_[0] = 0;
  x.input_ = input;
  x.record_history_ = record_history;
  x.status_ = Status::kRunning;
  x.start_time_ = clock_.now();
  int64_t timeout = int64_t{p_.timeout_seconds} * kNanos;
  if (limits_.max_duration_ns != 0 && (timeout == 0 || limits_.max_duration_ns < timeout))
    timeout = limits_.max_duration_ns;
  x.deadline_ = timeout ? x.start_time_ + timeout : 0;
  if (record_history) {
    json::ObjectBuilder d(x.arena_, 3);
    d.set("input", Value::string(x.arena_.copy(json::to_string(input))));
    json::ObjectBuilder truncated(x.arena_, 1);
    truncated.set("truncated", Value::boolean(false));
    d.set("inputDetails", truncated.build());
    d.set("roleArn", Value::string(id.role_arn));
    event(x, "ExecutionStarted", "executionStartedEventDetails", d.build());
  } else {
    ++x.event_id_;
  }
  if (json::exceeds_size(input, limits_.payload_bytes)) {
    x.state_ = p_.start_state;
    return fail(x, "States.DataLimitExceeded",
                "The input to the execution exceeds the maximum number of bytes service limit.");
  }
  if (Status s = enter_state(x, p_.start_state, input); s != Status::kRunning) return s;
  return run(x);
}

Status Vm::resume(Execution& x) {
  assert(x.status_ == Status::kWaiting);
  if (x.deadline_ != 0 && clock_.now() >= x.deadline_) return timed_out(x);
  x.status_ = Status::kRunning;
  return run(x);
}

Status Vm::finish(Execution& x) {
  while (x.status_ == Status::kWaiting) {
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
