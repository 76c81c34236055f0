// One line per constant, site and instruction; operands annotated with what they name.
#include "engine/bytecode/disasm.h"

#include <cstdio>

#include "engine/bytecode/intrinsics.h"
#include "engine/json/write.h"

namespace stepstream::bytecode {

namespace {

std::string_view site_kind_name(SiteKind k) {
  static constexpr std::string_view kNames[] = {
      "InputPath", "OutputPath",  "ResultPath",    "field",     "intrinsic-arg", "Variable",
      "operand",   "SecondsPath", "TimestampPath", "ErrorPath", "CausePath"};
  return kNames[static_cast<int>(k)];
}

std::string short_json(const json::Value& v) {
  std::string s = json::to_string(v);
  if (s.size() > 48) s = s.substr(0, 45) + "...";
  return s;
}

std::string operand_note(char kind, uint32_t v, const Program& p) {
  switch (kind) {
    case 'K':
      return short_json(p.constant(v));
    case 'P':
      return std::string(p.paths[p.sites[v].path].text());
    case 'S':
      return "\"" + std::string(p.state_name(v)) + "\"";
    case 'I':
      return std::string(info(static_cast<Intrinsic>(v)).name);
    case 'T':
      return std::string(name(static_cast<Test>(v)));
    default:
      return {};
  }
}

std::string operand_text(char kind, uint32_t v) {
  switch (kind) {
    case 'R':
      return "r" + std::to_string(v);
    case 'r':
      return v == kNoReg ? "-" : "r" + std::to_string(v);
    case 'K':
      return "K" + std::to_string(v);
    case 'P':
      return "P" + std::to_string(v);
    case 'S':
      return "S" + std::to_string(v);
    case 'J':
      return "@" + std::to_string(v);
    case 'I':
      return "I" + std::to_string(v);
    case 'T':
      return "T" + std::to_string(v);
    default:
      return std::to_string(v);
  }
}

}  // namespace

std::string disassemble(const Program& p) {
  std::string out;
  char line[64];
  out += "; stepstream program, image v" + std::to_string(kImageVersion) + "\n";
  out += "; start S" + std::to_string(p.start_state) + " \"" +
         std::string(p.state_name(p.start_state)) + "\", timeout " +
         (p.timeout_seconds ? std::to_string(p.timeout_seconds) + "s" : "none") + ", registers " +
         std::to_string(p.num_registers) + "\n";
  out += "\nconstants:\n";
  for (uint32_t i = 0; i < p.num_constants(); ++i)
    out += "  K" + std::to_string(i) + "  " + json::to_string(p.constant(i)) + "\n";
  out += "\nsites:\n";
  for (uint32_t i = 0; i < p.sites.size(); ++i) {
    const Site& s = p.sites[i];
    out += "  P" + std::to_string(i) + "  " + std::string(site_kind_name(s.kind)) + " " +
           json::to_string(p.constant(s.field)) + " " + std::string(p.paths[s.path].text()) + "\n";
  }
  out += "\ncode:\n";
  for (uint32_t pc = 0; pc < p.code.size(); ++pc) {
    for (uint32_t s = 0; s < p.states.size(); ++s)
      if (p.states[s].entry_pc == pc)
        out += "S" + std::to_string(s) + " \"" + std::string(p.state_name(s)) + "\" " +
               std::string(name(p.states[s].type)) + "\n";
    Instr in = p.code[pc];
    const OpInfo& oi = info(op_of(in));
    const uint32_t ops[3] = {a_of(in), b_of(in), c_of(in)};
    std::snprintf(line, sizeof line, "  %04u  %-8.*s", pc, static_cast<int>(oi.name.size()),
                  oi.name.data());
    std::string text = line, notes;
    bool first = true;
    for (int k = 0; k < 3; ++k) {
      if (oi.kinds[k] == '_') continue;
      text += (first ? " " : ", ") + operand_text(oi.kinds[k], ops[k]);
      first = false;
      std::string note = operand_note(oi.kinds[k], ops[k], p);
      if (!note.empty()) notes += (notes.empty() ? "" : " ") + note;
    }
    if (op_of(in) == Op::WAIT && b_of(in) >= 2)
      notes += std::string(notes.empty() ? "" : " ") +
               std::string(p.paths[p.sites[c_of(in)].path].text());
    if (!notes.empty()) {
      if (text.size() < 36) text.resize(36, ' ');
      text += " ; " + notes;
    }
    while (text.back() == ' ')
      text.pop_back();
    out += text + "\n";
  }
  return out;
}

}  // namespace stepstream::bytecode
