// The 18 intrinsic functions on evaluated arguments. Results live in the caller's arena (often
// sharing the arguments' storage, since values are immutable); only a failure's cause string
// touches the heap. Semantics follow what AWS records: see tests/vm/intrinsics_test.cc.
#include "engine/vm/intrinsics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "engine/json/parse.h"
#include "engine/json/write.h"

namespace stepstream::vm {

namespace {

using bytecode::Intrinsic;
using json::append_utf8;
using json::Arena;
using json::Member;
using json::Type;
using json::Value;

// AWS caps the text arguments of Base64Encode/Decode and Hash at 10,000 characters, and the
// arrays ArrayRange builds at 1,000 items.
constexpr size_t kMaxTextChars = 10000;
constexpr uint64_t kMaxRangeItems = 1000;

// ---- results and causes ------------------------------------------------------------------

IntrinsicResult ok(const Value& v) {
  return {v, true, {}};
}

IntrinsicResult fail(Intrinsic f, std::string_view detail) {
  std::string cause = "Invalid arguments in ";
  cause.append(bytecode::info(f).name);
  cause.append(": ");
  cause.append(detail);
  return {Value(), false, std::move(cause)};
}

// "a string", "an array", "null": for causes that name what an argument was.
std::string a_type(const Value& v) {
  std::string_view name = json::type_name(v.type());
  if (v.is_null()) return std::string(name);
  bool vowel = name[0] == 'a' || name[0] == 'i' || name[0] == 'o';
  return std::string(vowel ? "an " : "a ") + std::string(name);
}

std::string ordinal(size_t i) {
  static constexpr const char* kOrdinals[] = {"first", "second", "third"};
  return i < 3 ? kOrdinals[i] : "argument " + std::to_string(i + 1);
}

IntrinsicResult fail_type(Intrinsic f, std::span<const Value> args, size_t i,
                          std::string_view expected) {
  return fail(f, "the " + ordinal(i) + " argument must be " + std::string(expected) + ", but was " +
                     a_type(args[i]));
}

// ---- numbers -----------------------------------------------------------------------------

// Java's Math.round: the nearest integer, halves rounded up (-2.5 -> -2, 0.5 -> 1). AWS rounds
// fractional arguments this way (MathAdd(1.49, 1.5) is 3, MathAdd(-2.5, 0) is -2).
int64_t java_round(double d) {
  double fl = std::floor(d);
  return static_cast<int64_t>(d - fl >= 0.5 ? fl + 1 : fl);
}

// An integer argument: integers as they are, other numbers rounded. False for non-numbers and
// numbers beyond int64.
bool to_integer(const Value& v, int64_t& out) {
  if (v.is_int()) {
    out = v.as_int();
    return true;
  }
  if (!v.is_number()) return false;
  double d = v.as_double();
  if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return false;
  out = java_round(d);
  return true;
}

IntrinsicResult fail_integer(Intrinsic f, std::span<const Value> args, size_t i) {
  if (!args[i].is_number()) return fail_type(f, args, i, "an integer");
  return fail(f, "the " + ordinal(i) + " argument is out of the integer range");
}

// ---- text --------------------------------------------------------------------------------

// Length as Java counts it (UTF-16 code units), for the 10,000-character limits.
size_t utf16_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // a lead byte starts a character...
    if (c >= 0xF0) ++n;           // ...and a 4-byte one is a surrogate pair
  }
  return n;
}

IntrinsicResult check_text_limit(Intrinsic f, std::string_view s) {
  size_t n = utf16_length(s);
  if (n <= kMaxTextChars) return ok(Value());
  return fail(f, "the input has " + std::to_string(n) + " characters, more than the limit of " +
                     std::to_string(kMaxTextChars));
}

// Decodes one code point, advancing `p`. A malformed sequence yields one U+FFFD for the bytes
// Java's UTF-8 decoder would replace together: its valid prefix (at least one byte), or all three
// bytes of an encoded surrogate.
uint32_t next_code_point(const unsigned char*& p, const unsigned char* end) {
  unsigned char c = *p++;
  if (c < 0x80) return c;
  int extra;
  uint32_t cp, min;
  if (c >= 0xC2 && c <= 0xDF) {
    extra = 1, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    extra = 2, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    extra = 3, cp = c & 0x07, min = 0x10000;
  } else {
    return 0xFFFD;
  }
  for (int i = 0; i < extra; ++i) {
    if (p == end || (*p & 0xC0) != 0x80) return 0xFFFD;
    uint32_t next = (cp << 6) | (*p & 0x3F);
    // Overlong and beyond-Unicode forms show in the second byte; surrogates only once decoded.
    if (i == 0 &&
        ((extra == 2 && c == 0xE0 && *p < 0xA0) || (extra == 3 && c == 0xF0 && *p < 0x90) ||
         (extra == 3 && c == 0xF4 && *p > 0x8F)))
      return 0xFFFD;
    cp = next;
    ++p;
  }
  return cp >= min && (cp < 0xD800 || cp > 0xDFFF) ? cp : 0xFFFD;
}

// Scratch text for results built piecewise; its capacity is kept across calls on a thread.
std::string& scratch() {
  thread_local std::string buffer;
  buffer.clear();
  return buffer;
}

Value arena_string(std::string_view s, Arena& arena) {
  return Value::string(arena.copy(s));
}

// ---- hashing values (for ArrayUnique and JsonMerge) ------------------------------------------

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

uint64_t hash_text(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : s)
    h = (h ^ c) * 0x100000001b3ULL;
  return mix(h);
}

// Consistent with json::equal: numbers hash by their double value (1 and 1.0 are equal), objects
// by an order-independent sum over their members.
uint64_t hash_value(const Value& v) {
  switch (v.type()) {
    case Type::kNull:
      return 0x51;
    case Type::kBool:
      return v.as_bool() ? 0x52 : 0x53;
    case Type::kInt:
    case Type::kDouble: {
      double d = v.as_double();
      if (d == 0) d = 0;  // -0.0 equals 0.0
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return mix(bits);
    }
    case Type::kString:
      return hash_text(v.as_string());
    case Type::kArray: {
      uint64_t h = 0x54 + v.size();
      for (const Value& item : v.items())
        h = mix(h * 31 + hash_value(item));
      return h;
    }
    case Type::kObject: {
      uint64_t h = mix(0x55 + v.size());
      for (const Member& m : v.members())
        h += mix(hash_text(m.key) ^ (hash_value(m.value) * 0x9e3779b97f4a7c15ULL));
      return h;
    }
  }
  return 0;
}

// An open-addressing set of indexes, allocated in the arena: slot 0 is empty, else index + 1.
class IndexSet {
 public:
  IndexSet(Arena& arena, uint32_t n) {
    while (capacity_ < 2 * static_cast<uint64_t>(n))
      capacity_ *= 2;
    slots_ = arena.alloc_array<uint32_t>(capacity_);
    std::memset(slots_, 0, capacity_ * sizeof(uint32_t));
  }
  // The index already present for which `same(index)` holds, or `index` after inserting it.
  template <class Same>
  uint32_t find_or_insert(uint64_t hash, uint32_t index, Same same) {
    for (uint64_t i = hash & (capacity_ - 1);; i = (i + 1) & (capacity_ - 1)) {
      if (slots_[i] == 0) {
        slots_[i] = index + 1;
        return index;
      }
      if (same(slots_[i] - 1)) return slots_[i] - 1;
    }
  }

 private:
  uint64_t capacity_ = 8;
  uint32_t* slots_;
};

// ---- message digests ---------------------------------------------------------------------

uint32_t rotl32(uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}
uint32_t rotr32(uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}
uint64_t rotr64(uint64_t x, int n) {
  return (x >> n) | (x << (64 - n));
}
uint32_t load_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint64_t load_be64(const uint8_t* p) {
  return uint64_t{load_be32(p)} << 32 | load_be32(p + 4);
}

// Merkle-Damgard framing shared by all five: feeds the message, then 0x80, zeros and the bit
// length (little-endian for MD5, big-endian otherwise) to `compress`, one block at a time.
template <size_t kBlock, bool kBigEndian, class Compress>
void md_blocks(std::string_view in, Compress compress) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size(), full = n / kBlock, rem = n % kBlock;
  for (size_t i = 0; i < full; ++i)
    compress(p + i * kBlock);
  uint8_t tail[2 * kBlock] = {};
  if (rem) std::memcpy(tail, p + full * kBlock, rem);
  tail[rem] = 0x80;
  constexpr size_t kLengthBytes = kBlock / 8;  // 64-bit length in 64-byte blocks, 128 in 128
  size_t total = rem + 1 + kLengthBytes <= kBlock ? kBlock : 2 * kBlock;
  uint64_t bits = static_cast<uint64_t>(n) * 8;
  for (size_t i = 0; i < 8; ++i) {
    auto b = static_cast<uint8_t>(bits >> (8 * i));
    if constexpr (kBigEndian) {
      tail[total - 1 - i] = b;
    } else {
      tail[total - 8 + i] = b;
    }
  }
  for (size_t off = 0; off < total; off += kBlock)
    compress(tail + off);
}

size_t md5(std::string_view in, uint8_t* out) {
  static constexpr uint32_t kK[64] = {
      0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu, 0xf57c0fafu, 0x4787c62au, 0xa8304613u,
      0xfd469501u, 0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu, 0x6b901122u, 0xfd987193u,
      0xa679438eu, 0x49b40821u, 0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau, 0xd62f105du,
      0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u, 0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu,
      0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au, 0xfffa3942u, 0x8771f681u, 0x6d9d6122u,
      0xfde5380cu, 0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u, 0x289b7ec6u, 0xeaa127fau,
      0xd4ef3085u, 0x04881d05u, 0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u, 0xf4292244u,
      0x432aff97u, 0xab9423a7u, 0xfc93a039u, 0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
      0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u, 0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu,
      0xeb86d391u};
  static constexpr int kShift[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};
  uint32_t h[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
  md_blocks<64, false>(in, [&](const uint8_t* p) {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i)
      m[i] = p[4 * i] | uint32_t{p[4 * i + 1]} << 8 | uint32_t{p[4 * i + 2]} << 16 |
             uint32_t{p[4 * i + 3]} << 24;
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; ++i) {
      uint32_t f;
      int g;
      switch (i / 16) {
        case 0:
          f = (b & c) | (~b & d), g = i;
          break;
        case 1:
          f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
          break;
        case 2:
          f = b ^ c ^ d, g = (3 * i + 5) % 16;
          break;
        default:
          f = c ^ (b | ~d), g = (7 * i) % 16;
      }
      f += a + kK[i] + m[g];
      a = d, d = c, c = b;
      b += rotl32(f, kShift[(i / 16) * 4 + i % 4]);
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
  });
  for (int i = 0; i < 16; ++i)
    out[i] = static_cast<uint8_t>(h[i / 4] >> (8 * (i % 4)));
  return 16;
}

size_t sha1(std::string_view in, uint8_t* out) {
  uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
  md_blocks<64, true>(in, [&](const uint8_t* p) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = load_be32(p + 4 * i);
    for (int i = 16; i < 80; ++i)
      w[i] = rotl32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d), k = 0x5a827999u;
      } else if (i < 40) {
        f = b ^ c ^ d, k = 0x6ed9eba1u;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdcu;
      } else {
        f = b ^ c ^ d, k = 0xca62c1d6u;
      }
      uint32_t t = rotl32(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rotl32(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  });
  for (int i = 0; i < 20; ++i)
    out[i] = static_cast<uint8_t>(h[i / 4] >> (24 - 8 * (i % 4)));
  return 20;
}

// SHA-512's round constants; SHA-256 uses the high 32 bits of the first 64 of them.
constexpr uint64_t kSha512K[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL};
// SHA-512's initial state; SHA-256's is its high 32 bits.
constexpr uint64_t kSha512Init[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
constexpr uint64_t kSha384Init[8] = {
    0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL, 0x9159015a3070dd17ULL, 0x152fecd8f70e5939ULL,
    0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL, 0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL};

size_t sha256(std::string_view in, uint8_t* out) {
  uint32_t h[8];
  for (int i = 0; i < 8; ++i)
    h[i] = static_cast<uint32_t>(kSha512Init[i] >> 32);
  md_blocks<64, true>(in, [&](const uint8_t* p) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = load_be32(p + 4 * i);
    for (int i = 16; i < 64; ++i) {
      uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t s[8];
    std::memcpy(s, h, sizeof s);
    for (int i = 0; i < 64; ++i) {
      uint32_t e = s[4], a = s[0];
      uint32_t t1 = s[7] + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) +
                    ((e & s[5]) ^ (~e & s[6])) + static_cast<uint32_t>(kSha512K[i] >> 32) + w[i];
      uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) +
                    ((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));
      std::memmove(s + 1, s, 7 * sizeof(uint32_t));
      s[4] += t1;
      s[0] = t1 + t2;
    }
    for (int i = 0; i < 8; ++i)
      h[i] += s[i];
  });
  for (int i = 0; i < 32; ++i)
    out[i] = static_cast<uint8_t>(h[i / 4] >> (24 - 8 * (i % 4)));
  return 32;
}

// SHA-512, or SHA-384 (another initial state, the output cut to 48 bytes).
size_t sha512(std::string_view in, uint8_t* out, const uint64_t (&init)[8], size_t out_len) {
  uint64_t h[8];
  std::memcpy(h, init, sizeof h);
  md_blocks<128, true>(in, [&](const uint8_t* p) {
    uint64_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = load_be64(p + 8 * i);
    for (int i = 16; i < 80; ++i) {
      uint64_t s0 = rotr64(w[i - 15], 1) ^ rotr64(w[i - 15], 8) ^ (w[i - 15] >> 7);
      uint64_t s1 = rotr64(w[i - 2], 19) ^ rotr64(w[i - 2], 61) ^ (w[i - 2] >> 6);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint64_t s[8];
    std::memcpy(s, h, sizeof s);
    for (int i = 0; i < 80; ++i) {
      uint64_t e = s[4], a = s[0];
      uint64_t t1 = s[7] + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) +
                    ((e & s[5]) ^ (~e & s[6])) + kSha512K[i] + w[i];
      uint64_t t2 = (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) +
                    ((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));
      std::memmove(s + 1, s, 7 * sizeof(uint64_t));
      s[4] += t1;
      s[0] = t1 + t2;
    }
    for (int i = 0; i < 8; ++i)
      h[i] += s[i];
  });
  for (size_t i = 0; i < out_len; ++i)
    out[i] = static_cast<uint8_t>(h[i / 8] >> (56 - 8 * (i % 8)));
  return out_len;
}

// ---- Base64 (RFC 4648 basic alphabet, as java.util.Base64) -----------------------------------

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_digit(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Java's basic decoder: padding is optional, but when present it must complete the last group;
// anything outside the alphabet (whitespace included) is an error.
bool base64_decode(std::string_view in, std::string& out) {
  size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=')
    ++pad;
  if (pad > 0 && in.size() % 4 != 0) return false;
  std::string_view body = in.substr(0, in.size() - pad);
  if (body.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : body) {
    int d = base64_digit(c);
    if (d < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

// ---- States.Format -----------------------------------------------------------------------

bool is_format_escape(char c) {
  return c == '{' || c == '}' || c == '\\' || c == '\'';
}

// How Format prints a value: strings bare, objects and arrays the way Java prints a Map and a
// List ({Arg1=1, Arg2=[]}), as AWS does.
void format_value(const Value& v, std::string& out) {
  switch (v.type()) {
    case Type::kString:
      out.append(v.as_string());
      return;
    case Type::kArray: {
      out.push_back('[');
      for (uint32_t i = 0; i < v.size(); ++i) {
        if (i) out.append(", ");
        format_value(v.items()[i], out);
      }
      out.push_back(']');
      return;
    }
    case Type::kObject: {
      out.push_back('{');
      for (uint32_t i = 0; i < v.size(); ++i) {
        if (i) out.append(", ");
        out.append(v.members()[i].key);
        out.push_back('=');
        format_value(v.members()[i].value, out);
      }
      out.push_back('}');
      return;
    }
    case Type::kInt:
    case Type::kDouble: {
      char buf[40];
      out.append(buf, json::format_number(v, buf));
      return;
    }
    default:
      json::write(v, out);
  }
}

// The template's `{}` are placeholders; `\{`, `\}`, `\'` and `\\` stand for the character after
// the backslash (the parser keeps them in a literal template for this reason).
// format() of a plain template (most): it holds no backslash, so "{}" is all that is special in
// it. With at most kMaxValues values, strings and numbers only, the text is made in the arena at
// its final size. Returns false to leave the call to format()'s general path.
bool format_plain(std::string_view t, std::span<const Value> args, Arena& arena, Value& result) {
  constexpr size_t kMaxValues = 8;
  const size_t values = args.size() - 1;
  if (values > kMaxValues) return false;
  size_t at[kMaxValues + 1];  // where the placeholders are
  size_t found = 0;
  // A byte at a time: templates are short, and memchr's set-up cost more than the scan.
  for (size_t i = 0; i + 1 < t.size() && found <= values; ++i)
    if (t[i] == '{' && t[i + 1] == '}') at[found++] = i++;
  if (found != values) return false;  // the general path says what is wrong
  // Each value's text; plain arrays, as std::string_view's would be cleared first.
  const char* text[kMaxValues];
  size_t text_size[kMaxValues];
  char numbers[kMaxValues][40];
  bool plain = true;
  size_t size = t.size() - 2 * values;
  for (size_t k = 0; k < values; ++k) {
    const Value& v = args[k + 1];
    if (v.is_string()) {
      text[k] = v.as_string().data();
      text_size[k] = v.as_string().size();
      plain = plain && v.is_plain_string();
    } else if (v.is_number()) {
      text[k] = numbers[k];
      text_size[k] = json::format_number(v, numbers[k]);
    } else {
      return false;
    }
    size += text_size[k];
  }
  char* const begin = static_cast<char*>(arena.alloc(size ? size : 1, 1));
  char* out = begin;
  size_t literal = 0;
  for (size_t k = 0; k < values; ++k) {
    json::copy_bytes(out, t.data() + literal, at[k] - literal);
    out += at[k] - literal;
    json::copy_bytes(out, text[k], text_size[k]);
    out += text_size[k];
    literal = at[k] + 2;
  }
  json::copy_bytes(out, t.data() + literal, t.size() - literal);
  result = Value::string(std::string_view(begin, size), plain);
  return true;
}

IntrinsicResult format(std::span<const Value> args, Arena& arena) {
  if (!args[0].is_string()) return fail_type(Intrinsic::kFormat, args, 0, "a string");
  std::string_view t = args[0].as_string();
  // (The result is made here, in the caller's slot: a moved IntrinsicResult costs a string's move.)
  if (Value v; args[0].is_plain_string() && format_plain(t, args, arena, v)) return ok(v);
  std::string& out = scratch();
  // The text needs no escaping in JSON when the template and every value printed need none
  // (a plain template holds no backslash, so no escape either).
  bool plain = args[0].is_plain_string();
  // One pass: placeholders are counted as they are filled; a count that does not match the
  // values fails below, and then the text made so far is dropped.
  size_t placeholders = 0, literal = 0;  // literal: the start of template text not yet copied
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] == '\\' && is_format_escape(t[i + 1])) {
      out.append(t.substr(literal, i - literal));
      out.push_back(t[++i]);
      literal = i + 1;
    } else if (t[i] == '{' && t[i + 1] == '}') {
      out.append(t.substr(literal, i - literal));
      if (++placeholders < args.size()) {
        const Value& v = args[placeholders];
        plain = plain && (v.is_string() ? v.is_plain_string() : !v.is_array() && !v.is_object());
        format_value(v, out);
      }
      ++i;
      literal = i + 1;
    }
  }
  if (placeholders != args.size() - 1)
    return fail(Intrinsic::kFormat, "the format string has " + std::to_string(placeholders) +
                                        " placeholder(s) but " + std::to_string(args.size() - 1) +
                                        " value(s) were given");
  if (literal < t.size()) out.append(t.substr(literal));
  return ok(Value::string(arena.copy(out), plain));
}

// ---- the functions -----------------------------------------------------------------------

IntrinsicResult string_to_json(std::span<const Value> args, Arena& arena) {
  if (!args[0].is_string()) return fail_type(Intrinsic::kStringToJson, args, 0, "a string");
  std::string_view s = args[0].as_string();
  // Jackson reads blank text as no value at all, which AWS returns as null.
  if (s.find_first_not_of(" \t\r\n") == std::string_view::npos) return ok(Value::null());
  thread_local json::Parser parser;
  json::ParseResult r = parser.parse(s, arena);
  if (!r.ok())
    return fail(Intrinsic::kStringToJson,
                "the argument is not valid JSON (" + std::string(r.error) + ")");
  return ok(r.value);
}

IntrinsicResult json_to_string(std::span<const Value> args, Arena& arena) {
  std::string& out = scratch();
  json::write(args[0], out);
  return ok(arena_string(out, arena));
}

IntrinsicResult array(std::span<const Value> args, Arena& arena) {
  Value* items = arena.alloc_array<Value>(args.size());
  std::copy(args.begin(), args.end(), items);
  return ok(Value::array(items, static_cast<uint32_t>(args.size())));
}

// The chunks are views into the input array's items: values are immutable, so they can share.
IntrinsicResult array_partition(std::span<const Value> args, Arena& arena) {
  constexpr Intrinsic f = Intrinsic::kArrayPartition;
  if (!args[0].is_array()) return fail_type(f, args, 0, "an array");
  int64_t size;
  if (!to_integer(args[1], size)) return fail_integer(f, args, 1);
  if (size <= 0)
    return fail(f, "the chunk size must be a positive integer, but was " + std::to_string(size));
  std::span<const Value> items = args[0].items();
  uint64_t chunk = static_cast<uint64_t>(size);
  uint64_t n = (items.size() + chunk - 1) / chunk;
  Value* chunks = arena.alloc_array<Value>(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t begin = i * chunk;
    uint64_t len = std::min<uint64_t>(chunk, items.size() - begin);
    chunks[i] = Value::array(items.data() + begin, static_cast<uint32_t>(len));
  }
  return ok(Value::array(chunks, static_cast<uint32_t>(n)));
}

IntrinsicResult array_contains(std::span<const Value> args) {
  if (!args[0].is_array()) return fail_type(Intrinsic::kArrayContains, args, 0, "an array");
  for (const Value& item : args[0].items())
    if (json::equal(item, args[1])) return ok(Value::boolean(true));
  return ok(Value::boolean(false));
}

// Inclusive of `end` when a step lands on it: ArrayRange(0, 9, 3) is [0,3,6,9].
IntrinsicResult array_range(std::span<const Value> args, Arena& arena) {
  constexpr Intrinsic f = Intrinsic::kArrayRange;
  int64_t v[3];
  for (size_t i = 0; i < 3; ++i)
    if (!to_integer(args[i], v[i])) return fail_integer(f, args, i);
  int64_t start = v[0], end = v[1], step = v[2];
  if (step == 0) return fail(f, "the step (third argument) must not be 0");
  // Distances in uint64, where they fit even when end - start overflows int64; the item count
  // (steps + 1) is only formed once it is known to be small.
  bool any = step > 0 ? start <= end : start >= end;
  uint64_t distance = step > 0 ? static_cast<uint64_t>(end) - static_cast<uint64_t>(start)
                               : static_cast<uint64_t>(start) - static_cast<uint64_t>(end);
  uint64_t stride = step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  if (any && distance / stride >= kMaxRangeItems)
    return fail(f, "the range would have more than " + std::to_string(kMaxRangeItems) + " items");
  uint64_t count = any ? distance / stride + 1 : 0;
  Value* items = arena.alloc_array<Value>(count);
  for (uint64_t i = 0; i < count; ++i)
    // In uint64, where the wrap-around of i * step cancels: every item lies in [start, end].
    items[i] = Value::integer(
        static_cast<int64_t>(static_cast<uint64_t>(start) + i * static_cast<uint64_t>(step)));
  return ok(Value::array(items, static_cast<uint32_t>(count)));
}

IntrinsicResult array_get_item(std::span<const Value> args) {
  constexpr Intrinsic f = Intrinsic::kArrayGetItem;
  if (!args[0].is_array()) return fail_type(f, args, 0, "an array");
  int64_t index;
  if (!to_integer(args[1], index)) return fail_integer(f, args, 1);
  if (index < 0 || static_cast<uint64_t>(index) >= args[0].size())
    return fail(f, "the index " + std::to_string(index) + " is out of bounds for an array of " +
                       std::to_string(args[0].size()) + " item(s)");
  return ok(args[0].items()[static_cast<size_t>(index)]);
}

IntrinsicResult array_length(std::span<const Value> args) {
  if (!args[0].is_array()) return fail_type(Intrinsic::kArrayLength, args, 0, "an array");
  return ok(Value::integer(args[0].size()));
}

// Keeps the first of each set of equal items, in order.
IntrinsicResult array_unique(std::span<const Value> args, Arena& arena) {
  if (!args[0].is_array()) return fail_type(Intrinsic::kArrayUnique, args, 0, "an array");
  std::span<const Value> items = args[0].items();
  auto n = static_cast<uint32_t>(items.size());
  Value* out = arena.alloc_array<Value>(n);
  uint32_t kept = 0;
  IndexSet seen(arena, n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t found = seen.find_or_insert(hash_value(items[i]), kept,
                                         [&](uint32_t j) { return json::equal(out[j], items[i]); });
    if (found == kept) out[kept++] = items[i];
  }
  return ok(Value::array(out, kept));
}

IntrinsicResult base64_encode(std::span<const Value> args, Arena& arena) {
  constexpr Intrinsic f = Intrinsic::kBase64Encode;
  if (!args[0].is_string()) return fail_type(f, args, 0, "a string");
  std::string_view s = args[0].as_string();
  if (IntrinsicResult r = check_text_limit(f, s); !r.ok) return r;
  size_t len = (s.size() + 2) / 3 * 4;
  char* out = static_cast<char*>(arena.alloc(len, 1));
  size_t o = 0;
  for (size_t i = 0; i < s.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(s[i])) << 16;
    if (i + 1 < s.size()) n |= static_cast<uint32_t>(static_cast<unsigned char>(s[i + 1])) << 8;
    if (i + 2 < s.size()) n |= static_cast<unsigned char>(s[i + 2]);
    out[o++] = kBase64[(n >> 18) & 63];
    out[o++] = kBase64[(n >> 12) & 63];
    out[o++] = i + 1 < s.size() ? kBase64[(n >> 6) & 63] : '=';
    out[o++] = i + 2 < s.size() ? kBase64[n & 63] : '=';
  }
  return ok(Value::string({out, len}));
}

// The decoded bytes are read as UTF-8, malformed sequences becoming U+FFFD as Java reads them,
// so that the result is always a valid JSON string.
IntrinsicResult base64_decode(std::span<const Value> args, Arena& arena) {
  constexpr Intrinsic f = Intrinsic::kBase64Decode;
  if (!args[0].is_string()) return fail_type(f, args, 0, "a string");
  std::string_view s = args[0].as_string();
  if (IntrinsicResult r = check_text_limit(f, s); !r.ok) return r;
  std::string& bytes = scratch();
  if (!base64_decode(s, bytes)) return fail(f, "the argument is not valid Base64");
  size_t half = bytes.size();
  bytes.reserve(4 * half);  // room for the re-encoding: p must stay valid while appending
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const unsigned char* end = p + half;
  while (p < end)  // re-encode after the raw bytes, in the same buffer
    append_utf8(next_code_point(p, end), bytes);
  return ok(arena_string(std::string_view(bytes).substr(half), arena));
}

IntrinsicResult hash(std::span<const Value> args, Arena& arena) {
  constexpr Intrinsic f = Intrinsic::kHash;
  if (!args[0].is_string()) return fail_type(f, args, 0, "a string");
  if (!args[1].is_string()) return fail_type(f, args, 1, "a string");
  std::string_view data = args[0].as_string(), algorithm = args[1].as_string();
  if (IntrinsicResult r = check_text_limit(f, data); !r.ok) return r;
  uint8_t digest[64];
  size_t n;
  if (algorithm == "MD5") {
    n = md5(data, digest);
  } else if (algorithm == "SHA-1") {
    n = sha1(data, digest);
  } else if (algorithm == "SHA-256") {
    n = sha256(data, digest);
  } else if (algorithm == "SHA-384") {
    n = sha512(data, digest, kSha384Init, 48);
  } else if (algorithm == "SHA-512") {
    n = sha512(data, digest, kSha512Init, 64);
  } else {
    return fail(f, "the hash algorithm '" + std::string(algorithm) +
                       "' is not supported; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  char* out = static_cast<char*>(arena.alloc(2 * n, 1));
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return ok(Value::string({out, 2 * n}));
}

// Shallow: the second object's members replace the first's (keeping the first's key order),
// then its new keys follow.
IntrinsicResult json_merge(std::span<const Value> args, Arena& arena) {
  constexpr Intrinsic f = Intrinsic::kJsonMerge;
  if (!args[0].is_object()) return fail_type(f, args, 0, "an object");
  if (!args[1].is_object()) return fail_type(f, args, 1, "an object");
  if (!args[2].is_bool()) return fail_type(f, args, 2, "a boolean");
  if (args[2].as_bool())
    return fail(f, "deep merge is not supported; the third argument must be false");
  uint32_t n = args[0].size() + args[1].size();
  Member* out = arena.alloc_array<Member>(n);
  uint32_t size = 0;
  IndexSet keys(arena, n);
  for (const Value& obj : {args[0], args[1]}) {
    for (const Member& m : obj.members()) {
      uint32_t at = keys.find_or_insert(hash_text(m.key), size,
                                        [&](uint32_t j) { return out[j].key == m.key; });
      if (at == size) {
        out[size++] = m;
      } else {
        out[at].value = m.value;
      }
    }
  }
  return ok(Value::object(out, size, false, true));  // a repeated key replaced its value
}

// java.util.Random(seed).nextInt(bound): so that a seeded call gives one number per seed, and
// plausibly the one AWS (a Java service) gives.
int32_t java_next_int(int64_t seed, int32_t bound) {
  constexpr uint64_t kMul = 0x5DEECE66DULL, kMask = (1ULL << 48) - 1;
  uint64_t s = (static_cast<uint64_t>(seed) ^ kMul) & kMask;
  auto next31 = [&] {
    s = (s * kMul + 0xB) & kMask;
    return static_cast<int32_t>(s >> 17);
  };
  int32_t r = next31();
  int32_t m = bound - 1;
  if ((bound & m) == 0) return static_cast<int32_t>((static_cast<int64_t>(bound) * r) >> 31);
  // Java's rejection loop, with its int overflow made explicit.
  for (int32_t u = r;; u = next31()) {
    r = u % bound;
    if (static_cast<int64_t>(u) - r + m <= std::numeric_limits<int32_t>::max()) return r;
  }
}

// A number in [start, end): end exclusive, as Java's bounded generators are.
IntrinsicResult math_random(std::span<const Value> args, Random& random) {
  constexpr Intrinsic f = Intrinsic::kMathRandom;
  int64_t start, end;
  if (!to_integer(args[0], start)) return fail_integer(f, args, 0);
  if (!to_integer(args[1], end)) return fail_integer(f, args, 1);
  if (start >= end)
    return fail(f, "the start (" + std::to_string(start) + ") must be less than the end (" +
                       std::to_string(end) + ")");
  uint64_t range = static_cast<uint64_t>(end) - static_cast<uint64_t>(start);
  uint64_t offset;
  if (args.size() == 3) {
    int64_t seed;
    if (!to_integer(args[2], seed)) return fail_integer(f, args, 2);
    if (range <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      offset = static_cast<uint64_t>(java_next_int(seed, static_cast<int32_t>(range)));
    } else {
      Random seeded(static_cast<uint64_t>(seed));
      offset = seeded.next() % range;
    }
  } else {
    offset = random.next() % range;  // bias below 2^-32 for ranges that fit 32 bits
  }
  return ok(Value::integer(static_cast<int64_t>(static_cast<uint64_t>(start) + offset)));
}

IntrinsicResult math_add(std::span<const Value> args) {
  constexpr Intrinsic f = Intrinsic::kMathAdd;
  int64_t a, b, sum;
  if (!to_integer(args[0], a)) return fail_integer(f, args, 0);
  if (!to_integer(args[1], b)) return fail_integer(f, args, 1);
  if (__builtin_add_overflow(a, b, &sum)) return fail(f, "the sum is out of the integer range");
  return ok(Value::integer(sum));
}

// java.util.StringTokenizer: every character of the second argument is a delimiter, and empty
// tokens are dropped (",a,,b," splits into ["a","b"]). Tokens are views into the input.
IntrinsicResult string_split(std::span<const Value> args, Arena& arena) {
  constexpr Intrinsic f = Intrinsic::kStringSplit;
  if (!args[0].is_string()) return fail_type(f, args, 0, "a string");
  if (!args[1].is_string()) return fail_type(f, args, 1, "a string");
  std::string_view s = args[0].as_string(), delims = args[1].as_string();
  auto is_delim = [&](uint32_t cp) {
    const auto* d = reinterpret_cast<const unsigned char*>(delims.data());
    const unsigned char* d_end = d + delims.size();
    while (d < d_end)
      if (next_code_point(d, d_end) == cp) return true;
    return false;
  };
  // Two passes over the tokens: count, then fill.
  auto for_each_token = [&](auto emit) {
    const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
    const unsigned char *p = begin, *end = begin + s.size(), *token = begin;
    while (p < end) {
      const unsigned char* at = p;
      if (is_delim(next_code_point(p, end))) {
        if (at > token)
          emit(s.substr(static_cast<size_t>(token - begin), static_cast<size_t>(at - token)));
        token = p;
      }
    }
    if (end > token)
      emit(s.substr(static_cast<size_t>(token - begin), static_cast<size_t>(end - token)));
  };
  uint32_t n = 0;
  for_each_token([&](std::string_view) { ++n; });
  Value* items = arena.alloc_array<Value>(n);
  uint32_t i = 0;
  for_each_token([&](std::string_view t) { items[i++] = Value::string(t); });
  return ok(Value::array(items, n));
}

IntrinsicResult uuid(Arena& arena, Random& random) {
  char* out = static_cast<char*>(arena.alloc(36, 1));
  random.uuid(out);
  return ok(Value::string({out, 36}));
}

}  // namespace

void Random::uuid(char out[36]) {
  uint8_t b[16];
  uint64_t hi = next(), lo = next();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  size_t o = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = kHex[b[i] >> 4];
    out[o++] = kHex[b[i] & 15];
  }
}

// splitmix64: one 64-bit word of state, every seed (zero included) a full-period sequence.
uint64_t Random::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

IntrinsicResult call_intrinsic(bytecode::Intrinsic f, std::span<const json::Value> args,
                               json::Arena& arena, Random& random) {
  if (static_cast<int>(f) >= static_cast<int>(Intrinsic::kCount))
    return {Value(), false, "unknown intrinsic function"};
  // The front end checks arity; this guards callers that bypass it (a Program is data).
  const bytecode::IntrinsicInfo& fi = bytecode::info(f);
  if (args.size() < static_cast<size_t>(fi.min_args) ||
      (fi.max_args >= 0 && args.size() > static_cast<size_t>(fi.max_args)))
    return fail(f, "wrong number of arguments (" + std::to_string(args.size()) + ")");
  switch (f) {
    case Intrinsic::kFormat:
      return format(args, arena);
    case Intrinsic::kStringToJson:
      return string_to_json(args, arena);
    case Intrinsic::kJsonToString:
      return json_to_string(args, arena);
    case Intrinsic::kArray:
      return array(args, arena);
    case Intrinsic::kArrayPartition:
      return array_partition(args, arena);
    case Intrinsic::kArrayContains:
      return array_contains(args);
    case Intrinsic::kArrayRange:
      return array_range(args, arena);
    case Intrinsic::kArrayGetItem:
      return array_get_item(args);
    case Intrinsic::kArrayLength:
      return array_length(args);
    case Intrinsic::kArrayUnique:
      return array_unique(args, arena);
    case Intrinsic::kBase64Encode:
      return base64_encode(args, arena);
    case Intrinsic::kBase64Decode:
      return base64_decode(args, arena);
    case Intrinsic::kHash:
      return hash(args, arena);
    case Intrinsic::kJsonMerge:
      return json_merge(args, arena);
    case Intrinsic::kMathRandom:
      return math_random(args, random);
    case Intrinsic::kMathAdd:
      return math_add(args);
    case Intrinsic::kStringSplit:
      return string_split(args, arena);
    case Intrinsic::kUUID:
      return uuid(arena, random);
    case Intrinsic::kCount:
      break;
  }
  return {Value(), false, "unknown intrinsic function"};
}

}  // namespace stepstream::vm
