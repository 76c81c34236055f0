// Program image encoding and the load-time verifier.
#include "engine/bytecode/program.h"

#include <cstring>
#include <type_traits>

#include "engine/bytecode/intrinsics.h"
#include "engine/json/parse.h"
#include "engine/json/write.h"

namespace stepstream::bytecode {

namespace {

constexpr char kMagic[4] = {'S', 'S', 'B', 'C'};

uint32_t fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s)
    h = (h ^ c) * 16777619u;
  return h;
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_bytes(std::string& out, std::string_view b) {
  put_u32(out, static_cast<uint32_t>(b.size()));
  out.append(b);
}

// Bounds-checked little-endian reader: every read fails softly past the end.
struct Reader {
  std::string_view in;
  bool ok = true;
  uint64_t get(int n) {
    if (in.size() < static_cast<size_t>(n)) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
    in.remove_prefix(n);
    return v;
  }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  std::string_view bytes() {
    uint32_t n = u32();
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    auto b = in.substr(0, n);
    in.remove_prefix(n);
    return b;
  }
  // A count of records of at least `min_size` bytes each, refused when the input cannot hold it.
  uint32_t count(size_t min_size) {
    uint32_t n = u32();
    if (ok && n > in.size() / min_size) ok = false;
    return ok ? n : 0;
  }
};

// Tables whose records are runs of uint32_t fields travel as words.
template <class T>
void put_table(std::string& out, const std::vector<T>& table) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % 4 == 0);
  put_u32(out, static_cast<uint32_t>(table.size()));
  for (const T& rec : table) {
    uint32_t words[sizeof(T) / 4];
    std::memcpy(words, &rec, sizeof rec);
    for (uint32_t w : words)
      put_u32(out, w);
  }
}

template <class T>
void get_table(Reader& r, std::vector<T>& table) {
  uint32_t n = r.count(sizeof(T));
  table.resize(n);
  for (T& rec : table) {
    uint32_t words[sizeof(T) / 4];
    for (uint32_t& w : words)
      w = r.u32();
    std::memcpy(&rec, words, sizeof rec);
  }
}

bool range_ok(uint32_t begin, uint32_t count, size_t size) {
  return begin <= size && count <= size - begin;
}

bool site_ok(uint32_t site, const Program& p) {
  return site == kNone || site < p.sites.size();
}

bool number_ok(uint32_t k, const Program& p) {
  return k < p.num_constants() && p.constant(k).is_number();
}

// The tables beside the code: every index in range, every constant of the right type.
std::string verify_tables(const Program& p) {
  for (uint32_t k : p.error_names)
    if (k >= p.num_constants() || !p.constant(k).is_string()) return "error name out of range";
  for (const Retrier& r : p.retriers)
    if (!range_ok(r.errors_begin, r.errors_count, p.error_names.size()) ||
        !number_ok(r.backoff_rate, p) || r.jitter_full > 1)
      return "retrier out of range";
  for (const Catcher& c : p.catchers)
    if (!range_ok(c.errors_begin, c.errors_count, p.error_names.size()) ||
        c.next_state >= p.states.size() ||
        (c.result_path != kCatchDiscard && !site_ok(c.result_path, p)))
      return "catcher out of range";
  for (const TaskInfo& t : p.tasks)
    if (t.resource >= p.num_constants() || !p.constant(t.resource).is_string() ||
        !site_ok(t.timeout_site, p) || !site_ok(t.heartbeat_site, p))
      return "task out of range";
  for (uint32_t pc : p.prologues)
    if (pc >= p.code.size()) return "prologue out of range";
  // A Map's children all start at its one item prologue.
  for (const Fork& f : p.forks)
    if (f.state >= p.states.size() ||
        !range_ok(f.prologue_begin, f.prologue_count, p.prologues.size()) ||
        (p.states[f.state].type == StateType::kMap && f.prologue_count != 1) ||
        !site_ok(f.max_concurrency_site, p) || !site_ok(f.tolerated_count_site, p) ||
        !site_ok(f.tolerated_percentage_site, p) ||
        (f.tolerated_percentage != kNone && !number_ok(f.tolerated_percentage, p)))
      return "fork out of range";
  return {};
}

bool operand_ok(char kind, uint32_t v, const Program& p) {
  switch (kind) {
    case 'R':
      return v < p.num_registers;
    case 'r':
      return v < p.num_registers || v == kNoReg;
    case 'K':
      return v < p.num_constants();
    case 'P':
      return v < p.sites.size();
    case 'S':
      return v < p.states.size();
    case 'J':
      return v < p.code.size();
    case 'I':
      return v < static_cast<uint32_t>(Intrinsic::kCount);
    case 'T':
      return v < static_cast<uint32_t>(Test::kCount);
    case 'X':
      return v < p.tasks.size();
    case 'F':
      return v < p.forks.size();
    case 'N':
    case '_':
      return true;
  }
  return false;
}

}  // namespace

std::string_view name(StateType t) {
  static constexpr std::string_view kNames[] = {"Pass",    "Task", "Choice",   "Wait",
                                                "Succeed", "Fail", "Parallel", "Map"};
  return kNames[static_cast<int>(t)];
}

std::string verify(const Program& p) {
  if (!p.constant_pool.get().is_array()) return "constant pool is not an array";
  if (p.states.empty()) return "no states";
  if (p.start_state >= p.states.size()) return "start state out of range";
  // A operands name registers below kMaxA (the compiler's limit too); more could only be a
  // corrupt count, which would make every execution allocate that many registers.
  if (p.num_registers > kMaxA) return "too many registers";
  for (size_t s = 0; s < p.states.size(); ++s) {
    const StateInfo& st = p.states[s];
    if (st.name >= p.num_constants() || !p.constant(st.name).is_string())
      return "state " + std::to_string(s) + ": name is not a string constant";
    if (st.entry_pc >= p.code.size()) return "state " + std::to_string(s) + ": entry out of range";
    if (static_cast<uint8_t>(st.type) > static_cast<uint8_t>(StateType::kMap))
      return "state " + std::to_string(s) + ": bad type";
    if (!range_ok(st.retry_begin, st.retry_count, p.retriers.size()) ||
        !range_ok(st.catch_begin, st.catch_count, p.catchers.size()))
      return "state " + std::to_string(s) + ": Retry or Catch out of range";
  }
  if (std::string problem = verify_tables(p); !problem.empty()) return problem;
  for (size_t i = 0; i < p.sites.size(); ++i) {
    const Site& site = p.sites[i];
    if (site.path >= p.paths.size() || site.field >= p.num_constants() ||
        !p.constant(site.field).is_string() ||
        static_cast<uint8_t>(site.kind) > static_cast<uint8_t>(SiteKind::kTaskNumberPath))
      return "site " + std::to_string(i) + " out of range";
  }
  for (size_t pc = 0; pc < p.code.size(); ++pc) {
    Instr in = p.code[pc];
    if (static_cast<uint8_t>(op_of(in)) >= static_cast<uint8_t>(Op::kCount))
      return "pc " + std::to_string(pc) + ": bad opcode";
    const OpInfo& oi = info(op_of(in));
    const uint32_t ops[3] = {a_of(in), b_of(in), c_of(in)};
    for (int k = 0; k < 3; ++k)
      if (!operand_ok(oi.kinds[k], ops[k], p))
        return "pc " + std::to_string(pc) + ": " + std::string(oi.name) + " operand " + "ABC"[k] +
               " out of range";
    if (op_of(in) == Op::CALL && a_of(in) + c_of(in) > p.num_registers)
      return "pc " + std::to_string(pc) + ": CALL arguments out of range";
    if (op_of(in) == Op::OBJECT && (!p.constant(b_of(in)).is_object() ||
                                    c_of(in) + p.constant(b_of(in)).size() > p.num_registers))
      return "pc " + std::to_string(pc) + ": OBJECT values out of range";
    // WAIT's C is a site only for the path forms (B = 2, 3).
    if (op_of(in) == Op::WAIT && (b_of(in) > 3 || (b_of(in) >= 2 && c_of(in) >= p.sites.size())))
      return "pc " + std::to_string(pc) + ": WAIT operand out of range";
    // The VM reads these constants as text: member keys, and THROW's error and cause.
    const Op op = op_of(in);
    if (((op == Op::SETK || op == Op::SETR || op == Op::THROW) &&
         !p.constant(b_of(in)).is_string()) ||
        (op == Op::THROW && !p.constant(c_of(in)).is_string()))
      return "pc " + std::to_string(pc) + ": " + std::string(oi.name) + " needs a string constant";
    // A fork is run by the instruction of its own state type.
    if ((op_of(in) == Op::PARALLEL || op_of(in) == Op::MAP) &&
        p.states[p.forks[c_of(in)].state].type !=
            (op_of(in) == Op::MAP ? StateType::kMap : StateType::kParallel))
      return "pc " + std::to_string(pc) + ": fork of another state type";
  }
  // No path may run off the end of the code.
  Op last = op_of(p.code.back());
  if (last != Op::JMP && last != Op::GOTO && last != Op::SUCCEED && last != Op::FAIL &&
      last != Op::THROW && last != Op::BEGIN)
    return "code does not end in a transfer";
  return {};
}

bool is_image(std::string_view bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) == 0;
}

std::string save(const Program& p) {
  std::string body;
  put_u32(body, p.start_state);
  put_u32(body, p.timeout_seconds);
  put_u32(body, p.num_registers);
  put_u32(body, static_cast<uint32_t>(p.code.size()));
  for (Instr i : p.code)
    put_u64(body, i);
  put_bytes(body, json::to_string(p.constant_pool.get()));
  put_u32(body, static_cast<uint32_t>(p.paths.size()));
  std::string enc;
  for (const auto& path : p.paths) {
    enc.clear();
    path.encode(enc);
    put_bytes(body, enc);
  }
  put_u32(body, static_cast<uint32_t>(p.sites.size()));
  for (const Site& s : p.sites) {
    put_u32(body, s.path);
    put_u32(body, static_cast<uint32_t>(s.kind));
    put_u32(body, s.field);
  }
  put_u32(body, static_cast<uint32_t>(p.states.size()));
  for (const StateInfo& s : p.states) {
    put_u32(body, s.name);
    put_u32(body, static_cast<uint32_t>(s.type));
    put_u32(body, s.entry_pc);
    put_u32(body, s.retry_begin);
    put_u32(body, s.retry_count);
    put_u32(body, s.catch_begin);
    put_u32(body, s.catch_count);
  }
  put_table(body, p.retriers);
  put_table(body, p.catchers);
  put_table(body, p.error_names);
  put_table(body, p.tasks);
  put_table(body, p.forks);
  put_table(body, p.prologues);
  std::string out(kMagic, 4);
  put_u32(out, kImageVersion);
  put_u32(out, fnv1a(body));
  put_u32(out, static_cast<uint32_t>(body.size()));
  out += body;
  return out;
}

bool load(std::string_view image, Program& out, std::string& error) {
  Reader hdr{image};
  if (!is_image(image)) {
    error = "not a stepstream Program image";
    return false;
  }
  hdr.get(4);
  uint32_t version = hdr.u32();
  uint32_t checksum = hdr.u32();
  uint32_t size = hdr.u32();
  if (!hdr.ok || version != kImageVersion) {
    error = "unsupported image version " + std::to_string(version) + " (this build reads " +
            std::to_string(kImageVersion) + ")";
    return false;
  }
  if (hdr.in.size() != size || fnv1a(hdr.in) != checksum) {
    error = "image is truncated or corrupt (checksum mismatch)";
    return false;
  }
  Reader r{hdr.in};
  Program p;
  p.start_state = r.u32();
  p.timeout_seconds = r.u32();
  p.num_registers = r.u32();
  uint32_t ncode = r.count(8);
  p.code.reserve(ncode);
  for (uint32_t i = 0; i < ncode; ++i)
    p.code.push_back(r.get(8));
  std::string_view constants = r.bytes();
  if (r.ok) {
    auto parsed = json::parse(constants, p.constant_pool.arena());
    if (!parsed.ok()) {
      error = "constant pool: " + std::string(parsed.error);
      return false;
    }
    p.constant_pool.set(parsed.value);
  }
  uint32_t npaths = r.count(4);
  for (uint32_t i = 0; r.ok && i < npaths; ++i) {
    json::Path path;
    if (!json::Path::decode(r.bytes(), path)) {
      error = "path " + std::to_string(i) + " is corrupt";
      return false;
    }
    p.paths.push_back(std::move(path));
  }
  uint32_t nsites = r.count(12);
  for (uint32_t i = 0; i < nsites; ++i) {
    Site s;
    s.path = r.u32();
    uint32_t kind = r.u32();
    if (kind > static_cast<uint32_t>(SiteKind::kTaskNumberPath)) r.ok = false;
    s.kind = static_cast<SiteKind>(kind);
    s.field = r.u32();
    p.sites.push_back(s);
  }
  uint32_t nstates = r.count(28);
  for (uint32_t i = 0; i < nstates; ++i) {
    StateInfo s;
    s.name = r.u32();
    uint32_t type = r.u32();
    if (type > static_cast<uint32_t>(StateType::kMap)) r.ok = false;
    s.type = static_cast<StateType>(type);
    s.entry_pc = r.u32();
    s.retry_begin = r.u32();
    s.retry_count = r.u32();
    s.catch_begin = r.u32();
    s.catch_count = r.u32();
    p.states.push_back(s);
  }
  get_table(r, p.retriers);
  get_table(r, p.catchers);
  get_table(r, p.error_names);
  get_table(r, p.tasks);
  get_table(r, p.forks);
  get_table(r, p.prologues);
  if (!r.ok || !r.in.empty()) {
    error = "image sections are malformed";
    return false;
  }
  if (std::string problem = verify(p); !problem.empty()) {
    error = "image fails verification: " + problem;
    return false;
  }
  out = std::move(p);
  return true;
}

}  // namespace stepstream::bytecode
