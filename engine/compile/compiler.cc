// The compiler: one pass over the states in definition order, emitting each state's code.
//
// Register conventions inside a state's code:
//   r0  the state's raw input (set by the VM on entry)
//   r1  the effective input (after InputPath, then Parameters)
//   r2  the result
//   r3  the output (after ResultPath, then OutputPath)
//   r4… temporaries, allocated per state
#include "engine/compile/compiler.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/asl/intrinsic_parse.h"
#include "engine/bytecode/intrinsics.h"
#include "engine/json/write.h"

namespace stepstream::compile {

using bytecode::encode;
using bytecode::Instr;
using bytecode::Op;
using bytecode::SiteKind;
using bytecode::StateType;
using bytecode::Test;

namespace {

constexpr uint32_t kInput = 0, kEffective = 1, kResult = 2, kOutput = 3, kFirstTemp = 4;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<StateType> state_type(std::string_view t) {
  static constexpr std::pair<std::string_view, StateType> kTypes[] = {
      {"Pass", StateType::kPass},         {"Task", StateType::kTask},
      {"Choice", StateType::kChoice},     {"Wait", StateType::kWait},
      {"Succeed", StateType::kSucceed},   {"Fail", StateType::kFail},
      {"Parallel", StateType::kParallel}, {"Map", StateType::kMap}};
  for (auto& [n, ty] : kTypes)
    if (n == t) return ty;
  return std::nullopt;
}

// A template needs code only if some object key inside it ends in ".$".
bool is_dynamic(const json::Value& v) {
  if (v.is_object()) {
    for (const auto& m : v.members())
      if (ends_with(m.key, ".$") || is_dynamic(m.value)) return true;
  } else if (v.is_array()) {
    for (const auto& item : v.items())
      if (is_dynamic(item)) return true;
  }
  return false;
}

struct CompileError {
  std::string message;
};

class Compiler {
 public:
  explicit Compiler(bytecode::Program& p) : p_(p) {}

  void run(const json::Value& def) {
    p_.start_state = compile_machine(def);
    if (const json::Value* t = def.find("TimeoutSeconds"); t && t->is_int())
      p_.timeout_seconds = static_cast<uint32_t>(t->as_int());
    finish_constants();
  }

 private:
  // ---- pools -------------------------------------------------------------------------------
  uint32_t constant(const json::Value& v) {
    // The type prefix keeps 1 and 1.0 apart: both print differently, but be explicit.
    std::string key = std::to_string(static_cast<int>(v.type())) + json::to_string(v);
    auto [it, inserted] =
        constant_index_.try_emplace(key, static_cast<uint32_t>(constants_.size()));
    if (inserted) constants_.push_back(json::deep_copy(v, pool_arena_));
    return it->second;
  }
  uint32_t string_constant(std::string_view s) { return constant(json::Value::string(s)); }

  uint32_t site(std::string_view path_text, SiteKind kind, std::string_view field) {
    auto [it, inserted] =
        path_index_.try_emplace(std::string(path_text), static_cast<uint32_t>(p_.paths.size()));
    if (inserted) {
      json::Path path;
      std::string error;
      if (!json::Path::parse(path_text, path, error))
        throw CompileError{"invalid path '" + std::string(path_text) + "': " + error};
      p_.paths.push_back(std::move(path));
    }
    uint32_t f = string_constant(field);
    auto key = std::make_tuple(it->second, static_cast<int>(kind), f);
    auto [sit, sinserted] = site_index_.try_emplace(key, static_cast<uint32_t>(p_.sites.size()));
    if (sinserted) p_.sites.push_back({it->second, kind, f});
    return sit->second;
  }

  void finish_constants() {
    json::Value* items = pool_arena_.alloc_array<json::Value>(constants_.size());
    for (size_t i = 0; i < constants_.size(); ++i)
      items[i] = constants_[i];
    p_.constant_pool =
        json::OwnedValue(json::Value::array(items, static_cast<uint32_t>(constants_.size())));
  }

  // A state machine (the top level, a Parallel branch, a Map processor): its states get
  // indexes in one name scope, then code. Returns the index of its StartAt state.
  uint32_t compile_machine(const json::Value& machine) {
    const json::Value* states = machine.find("States");
    const json::Value* start = machine.find("StartAt");
    if (states == nullptr || !states->is_object() || start == nullptr || !start->is_string())
      throw CompileError{"state machine has no States or StartAt"};
    std::map<std::string, uint32_t> scope;
    std::vector<std::pair<uint32_t, const json::Member*>> order;
    for (const auto& m : states->members()) {
      if (scope.count(std::string(m.key))) continue;  // a repeated key: the validator reports it
      uint32_t s = static_cast<uint32_t>(p_.states.size());
      scope[std::string(m.key)] = s;
      p_.states.push_back({constant(json::Value::string(m.key)), StateType::kPass, 0});
      order.emplace_back(s, &m);
    }
    auto* outer = scope_;
    scope_ = &scope;
    uint32_t start_state = state_of(start->as_string());
    for (const auto& [s, m] : order)
      emit_state(s, m->key, m->value);
    scope_ = outer;
    return start_state;
  }

  uint32_t state_of(std::string_view name) {
    auto it = scope_->find(std::string(name));
    if (it == scope_->end()) throw CompileError{"no state named \"" + std::string(name) + "\""};
    return it->second;
  }

  // ---- emission ----------------------------------------------------------------------------
  uint32_t pc() const { return static_cast<uint32_t>(p_.code.size()); }
  void emit(Op op, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0) {
    if (a > bytecode::kMaxA || b > bytecode::kMaxBC || c > bytecode::kMaxBC)
      throw CompileError{"state machine too large for the instruction format"};
    p_.code.push_back(encode(op, a, b, c));
    if (op == Op::JMP || op == Op::JMPIF || op == Op::JMPNOT) straight_ = false;
    // A path's input changed: what it read there before is stale.
    if (a < kFirstTemp && writes_a(op))
      path_regs_.erase(path_regs_.lower_bound({a, std::string()}),
                       path_regs_.lower_bound({a + 1, std::string()}));
  }
  static bool writes_a(Op op) {
    switch (op) {
      case Op::TESTK:
      case Op::TESTR:
      case Op::NOT:
      case Op::JMP:
      case Op::JMPIF:
      case Op::JMPNOT:
      case Op::WAIT:
      case Op::BEGIN:
      case Op::GOTO:
      case Op::SUCCEED:
      case Op::FAIL:
      case Op::THROW:
        return false;
      default:
        return true;
    }
  }

  // R[fresh] := path `text` on R[input], or the register that already holds it. Within a state,
  // a path read before any jump (so on every way through the state's code, and first) holds the
  // same value for the rest of the state while its input register is not written, and temporary
  // registers are written once: a later read of it is that register. (Had the first read found
  // nothing, the state would have failed there.) Not for $$, which is the VM's to build.
  // emit_path() into register `dst`: a MOVE when another register holds the value. `stays`:
  // nothing writes `dst` after, so that later reads of the path may use it.
  void emit_path_into(uint32_t dst, uint32_t input, std::string_view text, SiteKind kind,
                      std::string_view field, bool stays) {
    const bool context = text.substr(0, 2) == "$$";
    auto key = std::make_pair(input, std::string(text));
    if (auto it = path_regs_.find(key); it != path_regs_.end() && !context) {
      emit(Op::MOVE, dst, it->second);
      return;
    }
    emit(Op::PATH, dst, input, site(text, kind, field));
    if (stays && straight_ && !context) path_regs_.emplace(std::move(key), dst);
  }

  uint32_t emit_path(uint32_t input, std::string_view text, SiteKind kind, std::string_view field) {
    const bool context = text.substr(0, 2) == "$$";
    auto key = std::make_pair(input, std::string(text));
    if (auto it = path_regs_.find(key); it != path_regs_.end() && !context) return it->second;
    uint32_t r = temp();
    emit(Op::PATH, r, input, site(text, kind, field));
    if (straight_ && !context) path_regs_.emplace(std::move(key), r);
    return r;
  }
  void patch_jump(uint32_t at, uint32_t target) {
    p_.code[at] = bytecode::with_c(p_.code[at], target);
    fixed_ = std::max(fixed_, target + 1);
  }
  // The next instruction is where something starts (a state, a child's prologue).
  void label() {
    fixed_ = pc() + 1;
    straight_ = true;
    path_regs_.clear();
  }

  // A transition (GOTO, SUCCEED) of the value in register `src`. The MOVEs just before it that
  // only carried the value into `src` are dropped, so that it reads the register the value was
  // made in: no jump or entry lands on them (fixed_), nothing reads a register after a
  // transition, and every state writes r1-r3 before reading them.
  void emit_exit(Op op, uint32_t a, uint32_t src) {
    std::vector<uint32_t> written;
    while (pc() > fixed_) {
      const Instr last = p_.code.back();
      if (bytecode::op_of(last) != Op::MOVE || bytecode::a_of(last) != src) break;
      const uint32_t from = bytecode::b_of(last);
      if (std::find(written.begin(), written.end(), from) != written.end()) break;
      written.push_back(src);
      src = from;
      p_.code.pop_back();
    }
    emit(op, a, src);
  }

  uint32_t temp() {
    uint32_t r = next_reg_++;
    if (next_reg_ > p_.num_registers) p_.num_registers = next_reg_;
    if (r >= bytecode::kMaxA) throw CompileError{"state needs too many registers"};
    return r;
  }

  // Loads the value of a path or intrinsic string into a fresh register.
  uint32_t emit_expression(std::string_view text, uint32_t input, SiteKind path_kind,
                           std::string_view field) {
    if (asl::looks_like_intrinsic(text)) {
      asl::IntrinsicCall call;
      std::string error;
      if (!asl::parse_intrinsic(text, call, error))
        throw CompileError{"invalid intrinsic '" + std::string(text) + "': " + error};
      return emit_call(call, input, field);
    }
    return emit_path(input, text, path_kind, field);
  }

  uint32_t emit_call(const asl::IntrinsicCall& call, uint32_t input, std::string_view field) {
    uint32_t argc = static_cast<uint32_t>(call.args.size());
    uint32_t base = next_reg_;
    for (uint32_t i = 0; i < (argc ? argc : 1); ++i)
      temp();
    for (uint32_t i = 0; i < argc; ++i) {
      const asl::IntrinsicArg& arg = call.args[i];
      switch (arg.kind) {
        case asl::IntrinsicArg::Kind::kLiteral:
          emit(Op::LOADK, base + i, constant(arg.literal.get()));
          break;
        case asl::IntrinsicArg::Kind::kPath:
          // CALL writes its first argument's register with the result.
          emit_path_into(base + i, input, arg.path.text(), SiteKind::kIntrinsicArg, field, i > 0);
          break;
        case asl::IntrinsicArg::Kind::kCall: {
          uint32_t r = emit_call(*arg.call, input, field);
          emit(Op::MOVE, base + i, r);
          break;
        }
      }
    }
    emit(Op::CALL, base, static_cast<uint32_t>(call.function), argc);
    return base;
  }

  // Builds payload template `t` (Parameters, ResultSelector, ...) over register `input`.
  uint32_t emit_template(const json::Value& t, uint32_t input) {
    uint32_t dst = temp();
    if (!is_dynamic(t)) {
      emit(Op::LOADK, dst, constant(t));
      return dst;
    }
    if (t.is_object()) {
      // The values in order into consecutive registers, then one OBJECT with the keys.
      const uint32_t n = t.size(), base = next_reg_;
      for (uint32_t i = 0; i < n; ++i)
        temp();
      auto* keys = pool_arena_.alloc_array<json::Member>(n);
      for (uint32_t i = 0; i < n; ++i) {
        const json::Member& m = t.members()[i];
        keys[i] = {m.key, json::Value()};
        if (ends_with(m.key, ".$")) {
          keys[i].key = m.key.substr(0, m.key.size() - 2);
          if (!m.value.is_string())
            throw CompileError{"field '" + std::string(m.key) + "' must hold a string"};
          std::string_view text = m.value.as_string();
          if (asl::looks_like_intrinsic(text))
            emit(Op::MOVE, base + i, emit_expression(text, input, SiteKind::kPayloadField, m.key));
          else
            emit_path_into(base + i, input, text, SiteKind::kPayloadField, m.key, true);
        } else if (is_dynamic(m.value)) {
          emit(Op::MOVE, base + i, emit_template(m.value, input));
        } else {
          emit(Op::LOADK, base + i, constant(m.value));
        }
      }
      emit(Op::OBJECT, dst, constant(json::Value::object(keys, n)), base);
    } else {
      emit(Op::NEWARR, dst, t.size());
      for (const auto& item : t.items()) {
        if (is_dynamic(item))
          emit(Op::PUSHR, dst, 0, emit_template(item, input));
        else
          emit(Op::PUSHK, dst, 0, constant(item));
      }
    }
    return dst;
  }

  // InputPath: the effective input (eff_) := InputPath(r0). Absent means "$"; null means {}.
  // The effective input stays where it is found (no copy) unless `in_r1`: the VM reads r1 of
  // Wait, Map and Parallel states.
  void emit_input_path(const json::Value& state, bool in_r1 = false) {
    const json::Value* ip = state.find("InputPath");
    eff_ = kEffective;
    if (ip == nullptr || (ip->is_string() && ip->as_string() == "$")) {
      if (in_r1)
        emit(Op::MOVE, kEffective, kInput);
      else
        eff_ = kInput;
    } else if (ip->is_null()) {
      emit(Op::LOADK, kEffective, constant(empty_object()));
    } else {
      emit(Op::PATH, kEffective, kInput, site(ip->as_string(), SiteKind::kInputPath, "InputPath"));
    }
  }

  // Parameters (or another template field) replaces the effective input (see emit_input_path).
  void emit_parameters(const json::Value& state, std::string_view field, bool in_r1 = false) {
    if (const json::Value* params = state.find(field)) {
      eff_ = emit_template(*params, eff_);
      if (in_r1) {
        emit(Op::MOVE, kEffective, eff_);
        eff_ = kEffective;
      }
    }
  }

  // ResultPath then OutputPath: OutputPath(ResultPath(r0, result)); returns its register.
  uint32_t emit_result_and_output(const json::Value& state) {
    const json::Value* rp = state.find("ResultPath");
    uint32_t from = kOutput;
    if (rp == nullptr || (rp->is_string() && rp->as_string() == "$")) {
      from = res_;
    } else if (rp->is_null()) {
      from = kInput;
    } else {
      emit(Op::MOVE, kOutput, kInput);
      emit(Op::ASSIGN, kOutput, res_, site(rp->as_string(), SiteKind::kResultPath, "ResultPath"));
    }
    return emit_output_path(state, from);
  }

  // OutputPath of the value in `from`; returns the register of the output (`from` for "$").
  uint32_t emit_output_path(const json::Value& state, uint32_t from) {
    const json::Value* op = state.find("OutputPath");
    if (op == nullptr || (op->is_string() && op->as_string() == "$")) return from;
    if (op->is_null()) {
      emit(Op::LOADK, kOutput, constant(empty_object()));
    } else {
      emit(Op::PATH, kOutput, from, site(op->as_string(), SiteKind::kOutputPath, "OutputPath"));
    }
    return kOutput;
  }

  // Next or End, with the output in register `out`.
  void emit_transition(const json::Value& state, uint32_t out) {
    if (const json::Value* next = state.find("Next"); next && next->is_string())
      emit_exit(Op::GOTO, state_of(next->as_string()), out);
    else
      emit_exit(Op::SUCCEED, 0, out);
  }

  static json::Value empty_object() { return json::Value::object(nullptr, 0); }

  void emit_state(uint32_t s, std::string_view name, const json::Value& state) {
    const json::Value* type = state.find("Type");
    auto t = type && type->is_string() ? state_type(type->as_string()) : std::nullopt;
    if (!t) throw CompileError{"state \"" + std::string(name) + "\" has no valid Type"};
    // Children first: their states and code are complete before this state's code begins.
    std::vector<uint32_t> starts;
    if (*t == StateType::kParallel) {
      const json::Value* branches = state.find("Branches");
      if (branches == nullptr || !branches->is_array() || branches->size() == 0)
        throw CompileError{"state \"" + std::string(name) + "\" has no Branches"};
      for (const auto& branch : branches->items())
        starts.push_back(compile_machine(branch));
    } else if (*t == StateType::kMap) {
      const json::Value* processor = state.find("ItemProcessor");
      if (processor == nullptr) processor = state.find("Iterator");
      if (processor == nullptr)
        throw CompileError{"state \"" + std::string(name) + "\" has no ItemProcessor"};
      starts.push_back(compile_machine(*processor));
    }
    state_name_ = name;
    p_.states[s].type = *t;
    p_.states[s].entry_pc = pc();
    label();
    next_reg_ = kFirstTemp;
    if (p_.num_registers < kFirstTemp) p_.num_registers = kFirstTemp;
    emit_handlers(s, state);
    switch (*t) {
      case StateType::kPass:
        emit_pass(state);
        break;
      case StateType::kChoice:
        emit_choice(state);
        break;
      case StateType::kWait:
        emit_wait(state);
        break;
      case StateType::kSucceed:
        emit_input_path(state);
        emit_exit(Op::SUCCEED, 0, emit_output_path(state, eff_));
        break;
      case StateType::kFail:
        emit_fail(state);
        break;
      case StateType::kTask:
        emit_task(state);
        break;
      case StateType::kParallel:
        emit_parallel(s, state, starts);
        break;
      case StateType::kMap:
        emit_map(s, state, starts[0]);
        break;
    }
  }

  // ---- Retry and Catch ---------------------------------------------------------------------
  std::pair<uint32_t, uint32_t> error_names(const json::Value& rule) {
    uint32_t begin = static_cast<uint32_t>(p_.error_names.size());
    if (const json::Value* errors = rule.find("ErrorEquals"); errors && errors->is_array())
      for (const auto& e : errors->items())
        if (e.is_string()) p_.error_names.push_back(constant(e));
    return {begin, static_cast<uint32_t>(p_.error_names.size()) - begin};
  }

  static uint32_t whole(const json::Value& rule, std::string_view key, uint32_t otherwise) {
    const json::Value* v = rule.find(key);
    return v && v->is_int() && v->as_int() >= 0 ? static_cast<uint32_t>(v->as_int()) : otherwise;
  }

  void emit_handlers(uint32_t s, const json::Value& state) {
    bytecode::StateInfo& info = p_.states[s];
    info.retry_begin = static_cast<uint32_t>(p_.retriers.size());
    if (const json::Value* retry = state.find("Retry"); retry && retry->is_array()) {
      for (const auto& rule : retry->items()) {
        bytecode::Retrier r{};
        std::tie(r.errors_begin, r.errors_count) = error_names(rule);
        r.interval_seconds = whole(rule, "IntervalSeconds", 1);
        r.max_attempts = whole(rule, "MaxAttempts", 3);
        const json::Value* rate = rule.find("BackoffRate");
        r.backoff_rate = constant(rate && rate->is_number() ? *rate : json::Value::number(2.0));
        r.max_delay_seconds = whole(rule, "MaxDelaySeconds", 0);
        const json::Value* jitter = rule.find("JitterStrategy");
        r.jitter_full = jitter && jitter->is_string() && jitter->as_string() == "FULL";
        p_.retriers.push_back(r);
      }
    }
    p_.states[s].retry_count = static_cast<uint32_t>(p_.retriers.size()) - info.retry_begin;
    p_.states[s].catch_begin = static_cast<uint32_t>(p_.catchers.size());
    if (const json::Value* catches = state.find("Catch"); catches && catches->is_array()) {
      for (const auto& rule : catches->items()) {
        bytecode::Catcher c{};
        std::tie(c.errors_begin, c.errors_count) = error_names(rule);
        const json::Value* next = rule.find("Next");
        if (next == nullptr || !next->is_string())
          throw CompileError{"state \"" + std::string(state_name_) + "\": Catch without Next"};
        c.next_state = state_of(next->as_string());
        const json::Value* rp = rule.find("ResultPath");
        if (rp == nullptr || (rp->is_string() && rp->as_string() == "$"))
          c.result_path = bytecode::kNone;
        else if (rp->is_null())
          c.result_path = bytecode::kCatchDiscard;
        else
          c.result_path = site(rp->as_string(), SiteKind::kResultPath, "ResultPath");
        p_.catchers.push_back(c);
      }
    }
    p_.states[s].catch_count = static_cast<uint32_t>(p_.catchers.size()) - p_.states[s].catch_begin;
  }

  // A number field or its Path form: the number, or the site to read it from at run time.
  void number_field(const json::Value& state, std::string_view key, SiteKind kind, uint32_t& value,
                    uint32_t& where) {
    value = whole(state, key, value);
    where = bytecode::kNone;
    std::string path_key = std::string(key) + "Path";
    if (const json::Value* path = state.find(path_key); path && path->is_string())
      where = site(path->as_string(), kind, path_key);
  }

  // ---- Parallel and Map --------------------------------------------------------------------
  // After the state's code: one prologue per child, run in the child's frame with r0 set to
  // the state's effective input.
  void emit_parallel(uint32_t s, const json::Value& state, const std::vector<uint32_t>& starts) {
    emit_input_path(state, true);
    emit_parameters(state, "Parameters", true);
    bytecode::Fork fork{};
    fork.state = s;
    fork.tolerated_count = fork.tolerated_count_site = fork.tolerated_percentage =
        fork.tolerated_percentage_site = fork.max_concurrency_site = bytecode::kNone;
    emit_fork(Op::PARALLEL, kEffective, fork, static_cast<uint32_t>(starts.size()), state);
    for (uint32_t start : starts) {
      p_.prologues.push_back(pc());
      label();
      emit(Op::BEGIN, start, kInput);
    }
  }

  static bool distributed(const json::Value& map) {
    const json::Value* processor = map.find("ItemProcessor");
    if (processor == nullptr) processor = map.find("Iterator");  // the legacy name
    const json::Value* config = processor != nullptr ? processor->find("ProcessorConfig") : nullptr;
    const json::Value* mode = config != nullptr ? config->find("Mode") : nullptr;
    return mode != nullptr && mode->is_string() && mode->as_string() == "DISTRIBUTED";
  }

  void emit_map(uint32_t s, const json::Value& state, uint32_t start) {
    emit_input_path(state, true);
    uint32_t items = kEffective;
    if (const json::Value* ip = state.find("ItemsPath"); ip && ip->is_string()) {
      items = temp();
      emit(Op::PATH, items, kEffective, site(ip->as_string(), SiteKind::kItemsPath, "ItemsPath"));
    }
    bytecode::Fork fork{};
    fork.state = s;
    fork.max_concurrency = 0;
    number_field(state, "MaxConcurrency", SiteKind::kMapNumberPath, fork.max_concurrency,
                 fork.max_concurrency_site);
    fork.tolerated_count = bytecode::kNone;
    number_field(state, "ToleratedFailureCount", SiteKind::kMapNumberPath, fork.tolerated_count,
                 fork.tolerated_count_site);
    fork.tolerated_percentage = bytecode::kNone;
    if (const json::Value* pct = state.find("ToleratedFailurePercentage"); pct && pct->is_number())
      fork.tolerated_percentage = constant(*pct);
    fork.tolerated_percentage_site = bytecode::kNone;
    if (const json::Value* path = state.find("ToleratedFailurePercentagePath");
        path && path->is_string())
      fork.tolerated_percentage_site =
          site(path->as_string(), SiteKind::kMapNumberPath, "ToleratedFailurePercentagePath");
    // A distributed Map tolerates no failed item unless told otherwise: its Map Run then fails
    // with States.ExceedToleratedFailureThreshold (AWS: "The default percentage value is
    // zero"). An inline Map fails with its item's own error.
    if (distributed(state) && fork.tolerated_count == bytecode::kNone &&
        fork.tolerated_count_site == bytecode::kNone &&
        fork.tolerated_percentage == bytecode::kNone &&
        fork.tolerated_percentage_site == bytecode::kNone)
      fork.tolerated_count = 0;
    emit_fork(Op::MAP, items, fork, 1, state);
    p_.prologues.push_back(pc());
    label();
    const json::Value* selector = state.find("ItemSelector");
    if (selector == nullptr) selector = state.find("Parameters");  // the legacy name
    uint32_t input;
    if (selector != nullptr) {
      input = emit_template(*selector, kInput);
    } else {
      input = temp();
      emit(Op::ITEM, input);
    }
    emit(Op::BEGIN, start, input);
  }

  // The fork instruction and the rest of the state's code; the caller then emits the
  // `children` prologues, which the fork's prologue table will list.
  void emit_fork(Op op, uint32_t input, bytecode::Fork fork, uint32_t children,
                 const json::Value& state) {
    fork.prologue_begin = static_cast<uint32_t>(p_.prologues.size());
    fork.prologue_count = children;
    uint32_t f = static_cast<uint32_t>(p_.forks.size());
    p_.forks.push_back(fork);
    emit(op, kResult, input, f);
    res_ = kResult;
    emit_result_selector(state);
    emit_transition(state, emit_result_and_output(state));
  }

  void emit_result_selector(const json::Value& state) {
    if (const json::Value* selector = state.find("ResultSelector"))
      res_ = emit_template(*selector, res_);
  }

  void emit_pass(const json::Value& state) {
    emit_input_path(state);
    emit_parameters(state, "Parameters");
    res_ = kResult;
    if (const json::Value* result = state.find("Result"))
      emit(Op::LOADK, kResult, constant(*result));
    else
      res_ = eff_;
    emit_transition(state, emit_result_and_output(state));
  }

  // Task: InputPath, Parameters, the call, ResultSelector, ResultPath, OutputPath.
  void emit_task(const json::Value& state) {
    const json::Value* resource = state.find("Resource");
    if (resource == nullptr || !resource->is_string())
      throw CompileError{"state \"" + std::string(state_name_) + "\" has no Resource"};
    bytecode::TaskInfo task{};
    task.resource = constant(*resource);
    number_field(state, "TimeoutSeconds", SiteKind::kTaskNumberPath, task.timeout_seconds,
                 task.timeout_site);
    number_field(state, "HeartbeatSeconds", SiteKind::kTaskNumberPath, task.heartbeat_seconds,
                 task.heartbeat_site);
    uint32_t t = static_cast<uint32_t>(p_.tasks.size());
    p_.tasks.push_back(task);
    emit_input_path(state);
    emit_parameters(state, "Parameters");
    emit(Op::INVOKE, kResult, t, eff_);
    res_ = kResult;
    emit_result_selector(state);
    emit_transition(state, emit_result_and_output(state));
  }

  // ---- Choice ------------------------------------------------------------------------------
  struct Operator {
    std::string_view name;
    Test test;
    bool path;  // the ...Path form
  };

  static std::optional<Operator> find_operator(const json::Value& rule) {
    static constexpr std::pair<std::string_view, Test> kOps[] = {
#define X(name) {#name, Test::k##name},
        STEPSTREAM_TESTS(X)
#undef X
    };
    for (const auto& m : rule.members()) {
      for (const auto& [n, test] : kOps) {
        if (m.key == n) return Operator{n, test, false};
        if (m.key.size() == n.size() + 4 && m.key.starts_with(n) && ends_with(m.key, "Path"))
          return Operator{n, test, true};
      }
      if (m.key == "IsPresent") return Operator{"IsPresent", Test::kIsNull, false};
    }
    return std::nullopt;
  }

  // Leaves the rule's truth in the flag.
  void emit_condition(const json::Value& rule) {
    for (std::string_view combinator : {"And", "Or"}) {
      const json::Value* list = rule.find(combinator);
      if (list == nullptr || !list->is_array()) continue;
      std::vector<uint32_t> exits;
      uint32_t n = list->size();
      for (uint32_t i = 0; i < n; ++i) {
        emit_condition(list->items()[i]);
        if (i + 1 < n) {
          exits.push_back(pc());
          emit(combinator == "And" ? Op::JMPNOT : Op::JMPIF);
        }
      }
      for (uint32_t at : exits)
        patch_jump(at, pc());
      return;
    }
    if (const json::Value* inner = rule.find("Not")) {
      emit_condition(*inner);
      emit(Op::NOT);
      return;
    }
    const json::Value* var = rule.find("Variable");
    auto op = find_operator(rule);
    if (var == nullptr || !var->is_string() || !op)
      throw CompileError{"state \"" + std::string(state_name_) + "\": malformed Choice rule"};
    const json::Value& operand = *rule.find(op->path ? std::string(op->name) + "Path" : op->name);
    if (op->name == "IsPresent") {
      emit(Op::PATHOPT, temp(), eff_,
           site(var->as_string(), SiteKind::kChoiceVariable, "Variable"));
      if (operand.is_bool() && !operand.as_bool()) emit(Op::NOT);
      return;
    }
    uint32_t v = emit_path(eff_, var->as_string(), SiteKind::kChoiceVariable, "Variable");
    if (op->path) {
      uint32_t o = emit_path(eff_, operand.as_string(), SiteKind::kChoiceOperand,
                             std::string(op->name) + "Path");
      emit(Op::TESTR, v, static_cast<uint32_t>(op->test), o);
    } else {
      emit(Op::TESTK, v, static_cast<uint32_t>(op->test), constant(operand));
    }
  }

  void emit_choice(const json::Value& state) {
    emit_input_path(state);
    const json::Value* choices = state.find("Choices");
    if (choices == nullptr || !choices->is_array())
      throw CompileError{"state \"" + std::string(state_name_) + "\" has no Choices"};
    for (const auto& rule : choices->items()) {
      emit_condition(rule);
      uint32_t skip = pc();
      emit(Op::JMPNOT);
      const uint32_t out = emit_output_path(state, eff_);
      const json::Value* next = rule.find("Next");
      if (next == nullptr || !next->is_string())
        throw CompileError{"state \"" + std::string(state_name_) + "\": Choice rule without Next"};
      emit_exit(Op::GOTO, state_of(next->as_string()), out);
      patch_jump(skip, pc());
    }
    if (const json::Value* def = state.find("Default"); def && def->is_string()) {
      emit_exit(Op::GOTO, state_of(def->as_string()), emit_output_path(state, eff_));
    } else {
      emit(Op::THROW, 0, string_constant("States.NoChoiceMatched"), string_constant("No Matches!"));
    }
  }

  // ---- Wait and Fail -----------------------------------------------------------------------
  void emit_wait(const json::Value& state) {
    emit_input_path(state, true);
    uint32_t r = temp();
    if (const json::Value* s = state.find("Seconds")) {
      emit(Op::LOADK, r, constant(*s));
      emit(Op::WAIT, r, 0, 0);
    } else if (const json::Value* ts = state.find("Timestamp")) {
      emit(Op::LOADK, r, constant(*ts));
      emit(Op::WAIT, r, 1, 0);
    } else if (const json::Value* sp = state.find("SecondsPath")) {
      uint32_t st = site(sp->as_string(), SiteKind::kSecondsPath, "SecondsPath");
      emit(Op::PATHOPT, r, kEffective, st);
      emit(Op::WAIT, r, 2, st);
    } else if (const json::Value* tp = state.find("TimestampPath")) {
      uint32_t st = site(tp->as_string(), SiteKind::kTimestampPath, "TimestampPath");
      emit(Op::PATHOPT, r, kEffective, st);
      emit(Op::WAIT, r, 3, st);
    } else {
      throw CompileError{"state \"" + std::string(state_name_) + "\": Wait needs a duration"};
    }
    emit_transition(state, emit_output_path(state, kEffective));
  }

  uint32_t emit_fail_field(const json::Value& state, std::string_view name,
                           std::string_view path_name, SiteKind kind) {
    if (const json::Value* v = state.find(name); v && v->is_string()) {
      uint32_t r = temp();
      emit(Op::LOADK, r, constant(*v));
      return r;
    }
    if (const json::Value* v = state.find(path_name); v && v->is_string())
      return emit_expression(v->as_string(), kInput, kind, path_name);
    return bytecode::kNoReg;
  }

  void emit_fail(const json::Value& state) {
    uint32_t e = emit_fail_field(state, "Error", "ErrorPath", SiteKind::kErrorPath);
    uint32_t c = emit_fail_field(state, "Cause", "CausePath", SiteKind::kCausePath);
    emit(Op::FAIL, e, c);
  }

  bytecode::Program& p_;
  json::Arena pool_arena_;
  std::vector<json::Value> constants_;
  std::map<std::string, uint32_t> constant_index_;
  std::map<std::string, uint32_t> path_index_;
  std::map<std::tuple<uint32_t, int, uint32_t>, uint32_t> site_index_;
  std::map<std::string, uint32_t>* scope_ = nullptr;  // state names of the machine being compiled
  std::string_view state_name_;
  uint32_t next_reg_ = kFirstTemp;
  uint32_t fixed_ = 0;  // instructions below this pc stay where they are (see emit_exit)
  // Where the current state's effective input and result are (r1 and r2 unless aliased).
  uint32_t eff_ = kEffective, res_ = kResult;
  bool straight_ = true;  // no jump since the last label: what runs now runs every time
  std::map<std::pair<uint32_t, std::string>, uint32_t> path_regs_;  // see emit_path
};

}  // namespace

bool compile(const json::Value& definition, bytecode::Program& out, std::string& error) {
  bytecode::Program p;
  try {
    Compiler(p).run(definition);
  } catch (const CompileError& e) {
    error = e.message;
    return false;
  }
  if (std::string problem = bytecode::verify(p); !problem.empty()) {
    error = "internal compiler error: " + problem;
    return false;
  }
  out = std::move(p);
  return true;
}

}  // namespace stepstream::compile
