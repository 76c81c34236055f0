// The opcode table: the single source of every opcode's name, operand kinds and semantics.
// Included through X-macros to make the enum, the name table, the verifier's operand checks and
// the disassembler's formats, as QuickJS does with quickjs-opcode.h.
//
// Operand kinds (one letter per operand A, B, C):
//   R register   r register or kNoReg   K constant   P path site   S state   J jump target
//   N immediate number   I intrinsic id   T test id   X task   F fork   _ unused
//
// The flag is the VM's one condition bit, set by tests and read by conditional jumps.
#pragma once

#include <cstdint>
#include <string_view>

namespace stepstream::bytecode {

// X(NAME, "ABC operand kinds", "semantics")
#define STEPSTREAM_OPCODES(X)                                                                    \
  X(LOADK, "RK_", "R[A] := K[B]")                                                                \
  X(MOVE, "RR_", "R[A] := R[B]")                                                                 \
  X(PATH, "RRP", "R[A] := path of site P[C] on R[B] ($$: the context); States.Runtime if none")  \
  X(PATHOPT, "RRP", "R[A] := path of site P[C] on R[B] or null; flag := found")                  \
  X(ASSIGN, "RRP", "R[A] := R[A] with the node at reference path P[C] set to R[B]")              \
  X(NEWOBJ, "RN_", "R[A] := object builder with room for B members")                             \
  X(SETK, "RKK", "R[A][K[B]] := K[C]")                                                           \
  X(SETR, "RKR", "R[A][K[B]] := R[C]")                                                           \
  X(NEWARR, "RN_", "R[A] := array builder with room for B items")                                \
  X(PUSHK, "R_K", "append K[C] to R[A]")                                                         \
  X(PUSHR, "R_R", "append R[C] to R[A]")                                                         \
  X(CALL, "RIN", "R[A] := intrinsic B(R[A] .. R[A+C-1]); States.IntrinsicFailure on error")      \
  X(TESTK, "RTK", "flag := test B of R[A] against K[C]")                                         \
  X(TESTR, "RTR", "flag := test B of R[A] against R[C]")                                         \
  X(NOT, "___", "flag := not flag")                                                              \
  X(JMP, "__J", "pc := C")                                                                       \
  X(JMPIF, "__J", "if flag: pc := C")                                                            \
  X(JMPNOT, "__J", "if not flag: pc := C")                                                       \
  X(WAIT, "RNN", "park for R[A] s (B=0,2) or until timestamp R[A] (B=1,3); B>=2: site P[C]")     \
  X(INVOKE, "RXR", "R[A] := the Task handler of task X[B] applied to R[C] (may park)")           \
  X(PARALLEL, "RRF", "R[A] := array of fork F[C]'s branches each run on R[B] (parks the frame)") \
  X(MAP, "RRF", "R[A] := array of fork F[C]'s processor run on each item of R[B]")               \
  X(ITEM, "R__", "R[A] := the value of the current Map item")                                    \
  X(BEGIN, "SR_", "start a branch or iteration: enter state A with R[B] as its input")           \
  X(GOTO, "SR_", "leave the state with output R[B]; enter state A with R[B] as its input")       \
  X(SUCCEED, "_R_", "the execution succeeds with output R[B]")                                   \
  X(FAIL, "rr_", "the execution fails with error R[A] and cause R[B] (kNoReg: none)")            \
  X(THROW, "_KK", "raise error K[B] with cause K[C] in the current state")                       \
  X(OBJECT, "RKR", "R[A] := object with the keys of object K[B] and values R[C], R[C+1], ...")

enum class Op : uint8_t {
#define X(name, kinds, doc) name,
  STEPSTREAM_OPCODES(X)
#undef X
      kCount
};

struct OpInfo {
  std::string_view name;
  std::string_view kinds;  // three operand kinds, see above
  std::string_view doc;
};

inline constexpr OpInfo kOpInfo[] = {
#define X(name, kinds, doc) {#name, kinds, doc},
    STEPSTREAM_OPCODES(X)
#undef X
};

constexpr const OpInfo& info(Op op) {
  return kOpInfo[static_cast<int>(op)];
}

// Choice-rule tests (operand B of TESTK/TESTR). The Path forms of the comparison operators
// compile to TESTR; IsPresent compiles to PATHOPT.
#define STEPSTREAM_TESTS(X)     \
  X(StringEquals)               \
  X(StringLessThan)             \
  X(StringGreaterThan)          \
  X(StringLessThanEquals)       \
  X(StringGreaterThanEquals)    \
  X(StringMatches)              \
  X(NumericEquals)              \
  X(NumericLessThan)            \
  X(NumericGreaterThan)         \
  X(NumericLessThanEquals)      \
  X(NumericGreaterThanEquals)   \
  X(BooleanEquals)              \
  X(TimestampEquals)            \
  X(TimestampLessThan)          \
  X(TimestampGreaterThan)       \
  X(TimestampLessThanEquals)    \
  X(TimestampGreaterThanEquals) \
  X(IsNull)                     \
  X(IsNumeric)                  \
  X(IsString)                   \
  X(IsBoolean)                  \
  X(IsTimestamp)

enum class Test : uint8_t {
#define X(name) k##name,
  STEPSTREAM_TESTS(X)
#undef X
      kCount
};

inline constexpr std::string_view kTestNames[] = {
#define X(name) #name,
    STEPSTREAM_TESTS(X)
#undef X
};

constexpr std::string_view name(Test t) {
  return kTestNames[static_cast<int>(t)];
}

}  // namespace stepstream::bytecode
