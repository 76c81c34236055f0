// What the fuzz targets share: a check that stops the run when an invariant breaks, and a bounded
// VM run, so that a fuzzed program can neither sleep nor loop for long.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/bytecode/program.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "engine/vm/clock.h"
#include "engine/vm/task.h"
#include "engine/vm/vm.h"

namespace stepstream::fuzz {

// An invariant of the code under test, not of the input: abort() so that libFuzzer saves the
// input as a crash and the replay test fails.
inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

// A virtual clock that moves a little on every reading. The VM reads the clock on each state entry
// when the execution has a deadline, so a loop of states reaches the deadline after a bounded
// number of entries; a Wait jumps the clock instead of sleeping.
class TickingClock final : public vm::Clock {
 public:
  static constexpr int64_t kStart = 1'700'000'000'000'000'000;  // 2023-11-14, ns since the epoch
  static constexpr int64_t kTick = 10'000'000;                  // 10 ms per reading
  int64_t now() override {
    if (now_ <= INT64_MAX - kTick) now_ += kTick;
    return now_;
  }
  void advance_to(int64_t t) {
    if (t > now_) now_ = t;
  }

 private:
  int64_t now_ = kStart;
};

// Whether the VM is sure to read the clock (at a state entry or a resume) between two passes over
// the same instruction: every jump goes forward, and each branch or item prologue reaches its
// BEGIN (a state entry) before any jump or fork. The compiler emits only such programs. An image
// may hold others (a jump back, a prologue that forks again) that the verifier accepts but that
// loop or fork without end, since the deadline is checked only on state entry and resume.
inline bool runs_bounded(const bytecode::Program& p) {
  using bytecode::Op;
  auto is_jump = [](Op op) { return op == Op::JMP || op == Op::JMPIF || op == Op::JMPNOT; };
  for (size_t pc = 0; pc < p.code.size(); ++pc)
    if (is_jump(bytecode::op_of(p.code[pc])) && bytecode::c_of(p.code[pc]) <= pc) return false;
  for (uint32_t start : p.prologues) {
    for (size_t pc = start;; ++pc) {
      if (pc >= p.code.size()) return false;
      const Op op = bytecode::op_of(p.code[pc]);
      if (is_jump(op) || op == Op::PARALLEL || op == Op::MAP) return false;
      if (op == Op::BEGIN || op == Op::GOTO || op == Op::SUCCEED || op == Op::FAIL ||
          op == Op::THROW)
        break;
    }
  }
  return true;
}

// Whether values can only grow as compiled code grows them. A state's output passes the payload
// limit on the way to the next state, and templates are finite; but an image may re-enter a state
// with BEGIN outside a prologue (skipping that check) or chain CALLs that double a value, and so
// build values exponentially large, which a Vm does not guard against in code it was handed.
inline bool grows_boundedly(const bytecode::Program& p) {
  using bytecode::Op;
  int calls = 0, begins = 0;
  for (bytecode::Instr in : p.code) {
    calls += bytecode::op_of(in) == Op::CALL;
    begins += bytecode::op_of(in) == Op::BEGIN;
  }
  return calls <= 4 && static_cast<size_t>(begins) <= p.prologues.size();
}

// Runs `p` on the JSON text `input` to its end: at most 1 s of virtual time (about 100 state
// entries), a 64 KiB payload limit, every Task answered by "echo". Compiled programs keep their
// history; images (`trusted` false) run only in the shapes above, without history.
inline void run_bounded(const bytecode::Program& p, std::string_view input, bool trusted) {
  if (!runs_bounded(p) || (!trusted && !grows_boundedly(p))) return;
  TickingClock clock;
  vm::Random random(42);
  vm::Limits limits;
  limits.payload_bytes = 64 * 1024;
  limits.max_duration_ns = 1'000'000'000;
  vm::TaskRegistry tasks;
  tasks.add("*", vm::TaskRegistry::builtin("echo"));
  vm::Vm machine(p, clock, random, limits, &tasks);
  vm::Execution exec;
  json::ParseResult in = json::parse(input, exec.arena());
  check(in.ok(), "the fixed input parses");
  vm::Identity id;
  machine.start(exec, in.value, id, /*record_history=*/trusted);
  // Vm::finish() jumps only a VirtualClock over waits (and would sleep on this one), so the
  // waits are passed here; each resume reads the clock, which passes the deadline soon.
  while (exec.status() == vm::Status::kWaiting) {
    clock.advance_to(exec.wake_at());
    machine.resume(exec);
  }
  check(exec.status() != vm::Status::kRunning, "a finished execution is not running");
  std::string out;
  json::write(exec.output(), out);
  for (const json::Value& event : exec.history())
    json::write(event, out);
}

}  // namespace stepstream::fuzz
