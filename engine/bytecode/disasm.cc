// One line per constant, site and instruction; operands annotated with what they name.
#include "engine/bytecode/disasm.h"

#include <cstdio>

#include "engine/bytecode/intrinsics.h"
#include "engine/json/write.h"

namespace stepstream::bytecode {

namespace {

std::string_view site_kind_name(SiteKind k) {
  static constexpr std::string_view kNames[] = {
      "InputPath", "OutputPath", "ResultPath",  "field",         "intrinsic-arg",
      "Variable",  "operand",    "SecondsPath", "TimestampPath", "ErrorPath",
      "CausePath", "ItemsPath",  "map-number",  "task-number"};
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
    case 'X':
      return short_json(p.constant(p.tasks[v].resource));
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
    case 'X':
      return "X" + std::to_string(v);
    case 'F':
      return "F" + std::to_string(v);
    default:
      return std::to_string(v);
  }
}

std::string error_list(const Program& p, uint32_t begin, uint32_t count) {
  std::string s = "[";
  for (uint32_t i = 0; i < count; ++i) {
    if (i) s += ',';
    s += json::to_string(p.constant(p.error_names[begin + i]));
  }
  return s + "]";
}

std::string site_text(uint32_t site) {
  return site == kNone ? "-" : "P" + std::to_string(site);
}

// The Retry and Catch rules of state `s`, one line each, under its header.
std::string handlers(const Program& p, uint32_t s) {
  std::string out;
  const StateInfo& st = p.states[s];
  for (uint32_t i = 0; i < st.retry_count; ++i) {
    const Retrier& r = p.retriers[st.retry_begin + i];
    out += "    retry " + error_list(p, r.errors_begin, r.errors_count) + " interval " +
           std::to_string(r.interval_seconds) + "s, attempts " + std::to_string(r.max_attempts) +
           ", backoff " + json::to_string(p.constant(r.backoff_rate)) + ", max delay " +
           (r.max_delay_seconds ? std::to_string(r.max_delay_seconds) + "s" : "-") + ", jitter " +
           (r.jitter_full ? "FULL" : "NONE") + "\n";
  }
  for (uint32_t i = 0; i < st.catch_count; ++i) {
    const Catcher& c = p.catchers[st.catch_begin + i];
    out += "    catch " + error_list(p, c.errors_begin, c.errors_count) + " -> S" +
           std::to_string(c.next_state) + " \"" + std::string(p.state_name(c.next_state)) +
           "\", result " +
           (c.result_path == kCatchDiscard ? "null"
            : c.result_path == kNone       ? "$"
                                     : std::string(p.paths[p.sites[c.result_path].path].text())) +
           "\n";
  }
  return out;
}

std::string tables(const Program& p) {
  std::string out;
  if (!p.tasks.empty()) out += "\ntasks:\n";
  for (uint32_t i = 0; i < p.tasks.size(); ++i) {
    const TaskInfo& t = p.tasks[i];
    out += "  X" + std::to_string(i) + "  " + json::to_string(p.constant(t.resource)) +
           " timeout " + (t.timeout_seconds ? std::to_string(t.timeout_seconds) + "s" : "-") + " " +
           site_text(t.timeout_site) + ", heartbeat " +
           (t.heartbeat_seconds ? std::to_string(t.heartbeat_seconds) + "s" : "-") + " " +
           site_text(t.heartbeat_site) + "\n";
  }
  if (!p.forks.empty()) out += "\nforks:\n";
  for (uint32_t i = 0; i < p.forks.size(); ++i) {
    const Fork& f = p.forks[i];
    out += "  F" + std::to_string(i) + "  S" + std::to_string(f.state) + " children at";
    for (uint32_t k = 0; k < f.prologue_count; ++k)
      out += " @" + std::to_string(p.prologues[f.prologue_begin + k]);
    if (p.states[f.state].type == StateType::kMap) {
      out += ", max concurrency " + (f.max_concurrency_site != kNone
                                         ? site_text(f.max_concurrency_site)
                                         : std::to_string(f.max_concurrency));
      out += ", tolerated count " +
             (f.tolerated_count_site != kNone ? site_text(f.tolerated_count_site)
              : f.tolerated_count == kNone    ? "-"
                                              : std::to_string(f.tolerated_count));
      out +=
          ", tolerated % " +
          (f.tolerated_percentage_site != kNone ? site_text(f.tolerated_percentage_site)
           : f.tolerated_percentage == kNone    ? "-"
                                             : json::to_string(p.constant(f.tolerated_percentage)));
    }
    out += "\n";
  }
  return out;
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
  out += tables(p);
  out += "\ncode:\n";
  for (uint32_t pc = 0; pc < p.code.size(); ++pc) {
    for (uint32_t s = 0; s < p.states.size(); ++s)
      if (p.states[s].entry_pc == pc)
        out += "S" + std::to_string(s) + " \"" + std::string(p.state_name(s)) + "\" " +
               std::string(name(p.states[s].type)) + "\n" + handlers(p, s);
    for (uint32_t f = 0; f < p.forks.size(); ++f)
      for (uint32_t k = 0; k < p.forks[f].prologue_count; ++k)
        if (p.prologues[p.forks[f].prologue_begin + k] == pc)
          out += "F" + std::to_string(f) +
                 (p.states[p.forks[f].state].type == StateType::kMap
                      ? std::string(" item prologue\n")
                      : " branch " + std::to_string(k) + " prologue\n");
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
