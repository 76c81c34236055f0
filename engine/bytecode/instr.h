// Fixed-width 64-bit instructions.
//
//   63      56 55             40 39                  20 19                   0
//  +----------+-----------------+----------------------+----------------------+
//  |  op (8)  |     A (16)      |        B (20)        |        C (20)        |
//  +----------+-----------------+----------------------+----------------------+
//
// A names a register or state; B and C index registers, constants, path sites, jump targets
// (absolute instruction indexes) or small numbers, as the opcode table says.
#pragma once

#include <cstdint>

#include "engine/bytecode/opcodes.h"

namespace stepstream::bytecode {

using Instr = uint64_t;

inline constexpr uint32_t kMaxA = (1u << 16) - 1;
inline constexpr uint32_t kMaxBC = (1u << 20) - 1;
inline constexpr uint32_t kNoReg = kMaxA;  // "no register" for operands of kind r

constexpr Instr encode(Op op, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0) {
  return (Instr{static_cast<uint8_t>(op)} << 56) | (Instr{a & kMaxA} << 40) |
         (Instr{b & kMaxBC} << 20) | Instr{c & kMaxBC};
}
constexpr Op op_of(Instr i) {
  return static_cast<Op>(i >> 56);
}
constexpr uint32_t a_of(Instr i) {
  return static_cast<uint32_t>(i >> 40) & kMaxA;
}
constexpr uint32_t b_of(Instr i) {
  return static_cast<uint32_t>(i >> 20) & kMaxBC;
}
constexpr uint32_t c_of(Instr i) {
  return static_cast<uint32_t>(i) & kMaxBC;
}
constexpr Instr with_c(Instr i, uint32_t c) {
  return (i & ~Instr{kMaxBC}) | (c & kMaxBC);
}

static_assert(op_of(encode(Op::GOTO, 7, 9, 11)) == Op::GOTO);
static_assert(a_of(encode(Op::GOTO, 7, 9, 11)) == 7);
static_assert(b_of(encode(Op::GOTO, 7, 9, 11)) == 9);
static_assert(c_of(encode(Op::GOTO, 7, 9, 11)) == 11);

}  // namespace stepstream::bytecode
