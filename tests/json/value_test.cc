// The value model: parse, write, equality, arena reuse.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "engine/json/parse.h"
#include "engine/json/write.h"

namespace stepstream::json {
namespace {

std::string roundtrip(std::string_view text) {
  Arena arena;
  auto r = parse(text, arena);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error;
  return to_string(r.value);
}

TEST(Value, RoundTrip) {
  EXPECT_EQ(roundtrip(R"({"a":[1,2.5,"x",null,true,false,{}],"b":{"c":[]}})"),
            R"({"a":[1,2.5,"x",null,true,false,{}],"b":{"c":[]}})");
  EXPECT_EQ(roundtrip(" \"top\" "), "\"top\"");
  EXPECT_EQ(roundtrip("42"), "42");
  EXPECT_EQ(roundtrip("-7"), "-7");
  EXPECT_EQ(roundtrip("null"), "null");
  EXPECT_EQ(roundtrip("[]"), "[]");
}

TEST(Value, Numbers) {
  EXPECT_EQ(roundtrip("1.0"), "1.0");
  EXPECT_EQ(roundtrip("0.1"), "0.1");
  EXPECT_EQ(roundtrip("1e21"), "1.0E21");
  EXPECT_EQ(roundtrip("1.5e-7"), "1.5E-7");
  EXPECT_EQ(roundtrip("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(roundtrip("18446744073709551616"), "1.8446744073709552E19");
  EXPECT_EQ(roundtrip("123456789012345678901234567890"), "1.2345678901234568E29");
  // Many significant digits (simdjson's get_number() read these as 0: simdjson#2099).
  EXPECT_EQ(roundtrip("3.14159265358979323846"), "3.141592653589793");
  EXPECT_EQ(roundtrip("[\"\u00e9\", 1000000000.000000001]"), "[\"\xc3\xa9\",1.0E9]");
}

// Below 1e7 a double prints as Java's shortest text: to_chars' shortest fixed text, with ".0"
// when it has no fraction. format_number() finds thousandths without to_chars.
TEST(Value, DecimalsPrintShortest) {
  for (int64_t i = 0; i < 10'000'000'000; i = i < 300'000 ? i + 1 : i * 3 + 7) {
    for (const double d : {static_cast<double>(i) / 1000, -static_cast<double>(i) / 1000,
                           static_cast<double>(i) / 1000 + 0.0001}) {
      if (std::fabs(d) >= 1e7 || (d != 0 && std::fabs(d) < 1e-3)) continue;
      char want[64];
      std::string_view w(
          want, static_cast<size_t>(
                    std::to_chars(want, want + 64, d, std::chars_format::fixed).ptr - want));
      std::string expected(w);
      if (w.find('.') == std::string_view::npos) expected += ".0";
      char got[40];
      ASSERT_EQ(std::string_view(got, format_number(Value::number(d), got)), expected) << d;
    }
  }
}

TEST(Value, StringEscapes) {
  EXPECT_EQ(roundtrip(R"("a\"b\\c\n\t\u0001\u00e9/")"), "\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa9/\"");
}

// Strings the parser marks plain are copied as they are; any escape in the source (even one
// hidden by padding whitespace that makes the token as long as a plain one) must come back.
TEST(Value, PlainStringsAndEscapesSurviveWhitespace) {
  EXPECT_EQ(roundtrip("[ \"q\\\"\" , \"plain\" ,\"t\\t\"\n]"), R"(["q\"","plain","t\t"])");
  EXPECT_EQ(roundtrip("{ \"k\" :\t\"v\\\\\"  }"), R"({"k":"v\\"})");
}

TEST(Value, Errors) {
  Arena arena;
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "tru", "1 2", "{\"a\":1}}", "\"\\x\""}) {
    auto r = parse(bad, arena);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

// Documents on both sides of the fast path's subset, valid and not.
constexpr const char* kEdgeDocuments[] = {"{}",
                                          "[]",
                                          " { \"a\" : [ 1 , -2 , 3.5 , true , false , null ] } ",
                                          "0",
                                          "-0",
                                          "-0.0",
                                          "-0.5",
                                          "0.1",
                                          "123456789.12345",
                                          "1234567890.123456",
                                          "0.000000000000001",
                                          "99999999999999.9",
                                          "[1.5,2.25 ,3.125\n, 4 ]",
                                          "{\"a\":1 ,\"b\" :2\t}",
                                          "{\"a\":1,\"b\":2 ,}",
                                          "1e5",
                                          "1E+5",
                                          "1e-5",
                                          "2.5e-324",
                                          "1e-400",
                                          "1e400",
                                          "123456789012345678",
                                          "1234567890123456789",
                                          "-9223372036854775808",
                                          "18446744073709551615",
                                          "01",
                                          "1.",
                                          ".5",
                                          "-",
                                          "1e",
                                          "1e+",
                                          "+1",
                                          "[1,]",
                                          "[,1]",
                                          "{\"a\":1,}",
                                          "{\"a\"}",
                                          "{1:2}",
                                          "tru",
                                          "truex",
                                          "[true1]",
                                          "nul",
                                          "\"abc",
                                          "\"a\\\"b\"",
                                          "\"caf\xc3\xa9\"",
                                          "\"\xff\"",
                                          "\"tab\there\"",
                                          "[1] x",
                                          "{\"a\":{\"b\":{\"c\":[[[[]]]]}}}",
                                          "\"\x7f\"",
                                          "{\"k\":\"v\",\"k\":\"w\"}",
                                          "  \"top\"  ",
                                          "\t\r\n[\n]",
                                          "[1 2]",
                                          "\"\"",
                                          "{\"\":\"\"}",
                                          "1.25e+2",
                                          "-1.5E-3",
                                          "100000000000000000000",
                                          "3.14159265358979323846",
                                          "12345678901234567.89",
                                          "null\n",
                                          " true ",
                                          " false   ",  // simdjson 3.0 alone refuses these
                                          "true \t\n ",
                                          "null    ",
                                          "nulll"};

// parse() reads the common case with a scalar parser of its own and leaves the rest to
// simdjson; both must read every document alike, valid or not, as parse_reference does.
TEST(Value, FastPathAgreesWithSimdjson) {
  Parser parser;
  for (const char* text : kEdgeDocuments) {
    std::string_view t(text);
    Arena a, b;
    ParseResult fast = parser.parse(t, a), ref = parser.parse_reference(t, b);
    EXPECT_EQ(fast.ok(), ref.ok()) << t;
    EXPECT_EQ(fast.error, ref.error) << t;
    if (fast.ok() && ref.ok()) {
      EXPECT_EQ(to_string(fast.value), to_string(ref.value)) << t;
    }
  }
  // Decimals of up to 17 digits, within and beyond the fast path's exact ones: the same doubles.
  uint64_t r = 1;
  for (int i = 0; i < 20000; ++i) {
    r = r * 6364136223846793005ULL + 1442695040888963407ULL;
    const int int_digits = 1 + static_cast<int>((r >> 60) % 9);
    const int frac_digits = 1 + static_cast<int>((r >> 56) % 9);
    std::string t = (r & 1) ? "-" : "";
    uint64_t d = r >> 8;
    for (int k = 0; k < int_digits + frac_digits; ++k, d /= 10) {
      if (k == int_digits) t += '.';
      t += static_cast<char>('0' + (k == 0 && int_digits > 1 ? 1 + d % 9 : d % 10));
    }
    Arena a, b;
    const ParseResult fast = parser.parse(t, a), ref = parser.parse_reference(t, b);
    ASSERT_TRUE(fast.ok() && ref.ok()) << t;
    ASSERT_EQ(std::memcmp(&fast.value, &ref.value, sizeof(Value)), 0) << t;
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  Arena a;
  EXPECT_EQ(to_string(parser.parse(deep, a).value), deep);
}

TEST(Value, FindAndEqual) {
  Arena arena;
  auto a = parse(R"({"x":1,"y":{"z":[1,2]},"x":3})", arena).value;
  auto b = parse(R"({"y":{"z":[1.0,2]},"x":3.0})", arena).value;
  ASSERT_NE(a.find("x"), nullptr);
  EXPECT_EQ(a.find("x")->as_int(), 3);
  EXPECT_EQ(a.find("nope"), nullptr);
  EXPECT_TRUE(equal(a.find("y")->find("z")->items()[0], Value::number(1.0)));
  EXPECT_FALSE(equal(Value::string("1"), Value::integer(1)));
  // A repeated key counts once, with its last value, as Jackson reads it: `a` is {"x":3,"y":...}.
  EXPECT_TRUE(equal(a, b));
  EXPECT_TRUE(equal(a, a));  // reflexive even with the repeat
  auto c = parse(R"({"x":1,"y":{"z":[1,2]}})", arena).value;
  EXPECT_FALSE(equal(c, b));
  EXPECT_FALSE(equal(b, parse(R"({"y":{"z":[1,2]}})", arena).value));
}

// Objects know whether a key repeats (so that lookups may stop at the first match) only when
// it does not: both parsers, deep copies and builders agree, and unknown is never "unique".
TEST(Value, UniqueKeys) {
  Parser parser;
  struct Case {
    const char* text;
    bool unique;
  };
  const Case cases[] = {
      {R"({})", true},
      {R"({"a":1})", true},
      {R"({"a":1,"a":2})", false},
      {R"({"":1,"":2})", false},
      {R"({"":1,"a":2})", true},
      {R"({"type":1,"tyse":2,"tyne":3})", true},  // three keys, one signature
      {R"({"type":1,"tyne":3,"tyse":2,"type":4})", false},
      {R"({"a\\n":1,"a\n":2})", true},  // escaped keys: simdjson reads these
      {R"({"a\n":1,"a\n":2})", false},
      {R"({"x":"\t","x":"\t"})", false},
  };
  for (const Case& c : cases) {
    Arena a, b;
    const ParseResult fast_result = parser.parse(c.text, a);
    ASSERT_TRUE(fast_result.ok()) << c.text;
    const Value fast = fast_result.value, ref = parser.parse_reference(c.text, b).value;
    EXPECT_EQ(fast.has_unique_keys(), c.unique) << c.text;
    EXPECT_EQ(ref.has_unique_keys(), c.unique) << c.text;
    EXPECT_EQ(deep_copy(fast, a).has_unique_keys(), c.unique) << c.text;
  }
  // Beyond kMaxUniqueCheck members uniqueness is not worked out.
  std::string many = "{";
  for (uint32_t i = 0; i <= kMaxUniqueCheck; ++i)
    many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
  many += "}";
  Arena arena;
  EXPECT_FALSE(parser.parse(many, arena).value.has_unique_keys());
  ObjectBuilder builder(arena, 2);
  builder.set("a", Value::integer(1));
  builder.set("a", Value::integer(2));
  EXPECT_TRUE(builder.build().has_unique_keys());
  EXPECT_EQ(builder.build().size(), 1u);
}

// A hinted lookup finds what find() finds whatever the hint, and learns where the key is.
TEST(Value, FindWithHint) {
  Arena arena;
  const Value unique = parse(R"({"x":1,"y":2,"z":3})", arena).value;
  const Value repeated = parse(R"({"x":1,"y":2,"x":3})", arena).value;
  for (uint32_t start : {0u, 1u, 2u, 7u, 0xFFFFFFFFu}) {
    uint32_t hint = start;
    ASSERT_NE(unique.find("z", hint), nullptr);
    EXPECT_EQ(unique.find("z", hint)->as_int(), 3);
    EXPECT_EQ(hint, 2u);
    hint = start;
    EXPECT_EQ(unique.find("w", hint), nullptr);
    hint = start;
    EXPECT_EQ(repeated.find("x", hint)->as_int(), 3);  // the last of a repeated key
    EXPECT_EQ(Value::integer(1).find("x", hint), nullptr);
  }
}

// The VM clears registers with memset.
TEST(Value, NullIsAllZeroBits) {
  const Value null;
  const unsigned char zeros[sizeof(Value)] = {};
  EXPECT_EQ(std::memcmp(&null, zeros, sizeof(Value)), 0);
}

TEST(Value, DeepCopyOutlivesSource) {
  OwnedValue owned;
  {
    Arena scratch;
    auto v = parse(R"({"k":["s",{"n":1}]})", scratch).value;
    owned = OwnedValue(v);
  }
  EXPECT_EQ(to_string(owned.get()), R"({"k":["s",{"n":1}]})");
}

TEST(Arena, ResetKeepsOneBlockLargeEnough) {
  Arena arena(128);
  for (int i = 0; i < 100; ++i)
    arena.alloc(100);
  EXPECT_GE(arena.used(), 10000u);
  arena.reset();
  EXPECT_EQ(arena.used(), 0u);
  // After the reset the standing block holds a whole execution of the same size.
  void* first = arena.alloc(100);
  for (int i = 0; i < 99; ++i)
    arena.alloc(100);
  arena.reset();
  EXPECT_EQ(arena.alloc(100), first);
}

TEST(Parser, ReusedAcrossDocuments) {
  Parser parser;
  Arena arena;
  for (int i = 0; i < 3; ++i) {
    auto r = parser.parse(R"({"i":[1,{"j":"k"}]})", arena);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(to_string(r.value), R"({"i":[1,{"j":"k"}]})");
    arena.reset();
  }
}

}  // namespace
}  // namespace stepstream::json
