// JSONPath: parsing, Jayway's evaluation, ResultPath, not-found wording, and the byte encoding.
// Most behaviour lives in the case files under cases/; this file runs them and checks what a
// case file cannot say (segment shapes, allocation, sharing, garbage input).
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "engine/json/parse.h"
#include "engine/json/path.h"
#include "engine/json/write.h"

namespace stepstream::json {
namespace {

std::string read_case_file(const std::string& name) {
  std::ifstream in(std::string(STEPSTREAM_SOURCE_DIR) + "/tests/json/cases/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Value json(Arena& arena, std::string_view text) {
  ParseResult r = parse(text, arena);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error;
  return r.value;
}

Path parsed(std::string_view text) {
  Path p;
  std::string error;
  EXPECT_TRUE(Path::parse(text, p, error)) << text << ": " << error;
  return p;
}

std::string error_of(std::string_view text) {
  Path p;
  std::string error;
  EXPECT_FALSE(Path::parse(text, p, error)) << text;
  return error;
}

// "not found" or the JSON text of the result.
std::string eval(std::string_view path, std::string_view doc) {
  Arena arena;
  Path p = parsed(path);
  Value out;
  if (evaluate(p, json(arena, doc), arena, out) == EvalStatus::kNotFound) return "not found";
  return to_string(out);
}

constexpr std::string_view kStore = R"({"store":{"book":[
  {"category":"reference","author":"Nigel Rees","title":"Sayings of the Century","price":8.95},
  {"category":"fiction","author":"Evelyn Waugh","title":"Sword of Honour","price":12.99},
  {"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553-21311-3",
   "price":8.99},
  {"category":"fiction","author":"J. R. R. Tolkien","title":"The Lord of the Rings",
   "isbn":"0-395-19395-8","price":22.99}],
  "bicycle":{"color":"red","price":19.95}},"expensive":10})";

TEST(PathCases, Evaluate) {
  Arena arena;
  Value file = json(arena, read_case_file("jsonpath_eval.json"));
  const Value* docs = file.find("documents");
  const Value* cases = file.find("cases");
  ASSERT_NE(docs, nullptr);
  ASSERT_NE(cases, nullptr);
  ASSERT_GT(cases->size(), 100u);
  for (const Value& c : cases->items()) {
    std::string text(c.find("path")->as_string());
    SCOPED_TRACE(text);
    const Value* doc = c.find("input");
    if (doc == nullptr) doc = docs->find(c.find("doc")->as_string());
    ASSERT_NE(doc, nullptr);
    Path p;
    std::string error;
    ASSERT_TRUE(Path::parse(text, p, error)) << error;
    Value out;
    EvalStatus status = evaluate(p, *doc, arena, out);
    if (const Value* nf = c.find("not_found"); nf != nullptr && nf->as_bool()) {
      EXPECT_EQ(status, EvalStatus::kNotFound) << to_string(out);
      EXPECT_TRUE(p.is_definite());
      continue;
    }
    ASSERT_EQ(status, EvalStatus::kOk);
    const Value* expected = c.find("expected");
    ASSERT_NE(expected, nullptr);
    EXPECT_TRUE(equal(out, *expected))
        << "got " << to_string(out) << ", expected " << to_string(*expected);
    // An indefinite path always yields an array.
    if (!p.is_definite()) {
      EXPECT_TRUE(out.is_array());
    }
  }
}

TEST(PathCases, Invalid) {
  Arena arena;
  Value file = json(arena, read_case_file("jsonpath_invalid.json"));
  ASSERT_GT(file.find("cases")->size(), 50u);
  for (const Value& c : file.find("cases")->items()) {
    std::string text(c.find("path")->as_string());
    SCOPED_TRACE(text);
    Path p;
    std::string error;
    EXPECT_FALSE(Path::parse(text, p, error));
    EXPECT_NE(error.find(c.find("error")->as_string()), std::string::npos) << error;
    EXPECT_TRUE(p.segments().empty());
  }
}

TEST(PathCases, ResultPath) {
  Arena arena;
  Value file = json(arena, read_case_file("result_path.json"));
  ASSERT_GT(file.find("cases")->size(), 20u);
  for (const Value& c : file.find("cases")->items()) {
    std::string text(c.find("path")->as_string());
    SCOPED_TRACE(text);
    Path p = parsed(text);
    ASSERT_TRUE(p.is_reference());
    Value out;
    std::string error;
    bool ok = assign(p, *c.find("input"), *c.find("value"), arena, out, error);
    if (const Value* e = c.find("error")) {
      EXPECT_FALSE(ok);
      EXPECT_EQ(error, e->as_string());
    } else {
      ASSERT_TRUE(ok) << error;
      EXPECT_TRUE(equal(out, *c.find("expected"))) << to_string(out);
    }
  }
}

TEST(Path, SegmentShapes) {
  Path p = parsed("$.a['b'][\"c\"][0][-1][*].*..d..*[1:3][:2][-2:][::2][0,2]['e','f']..[0]");
  auto s = p.segments();
  ASSERT_EQ(s.size(), 17u);
  EXPECT_EQ(s[0].kind, SegmentKind::kField);
  EXPECT_EQ(p.field_name(s[0]), "a");
  EXPECT_EQ(p.field_name(s[1]), "b");
  EXPECT_EQ(p.field_name(s[2]), "c");
  EXPECT_EQ(s[2].flags, 1);  // written with double quotes
  EXPECT_EQ(s[3].kind, SegmentKind::kIndex);
  EXPECT_EQ(s[3].a, 0);
  EXPECT_EQ(s[4].a, -1);
  EXPECT_EQ(s[5].kind, SegmentKind::kWildcard);
  EXPECT_EQ(s[6].kind, SegmentKind::kWildcard);
  EXPECT_EQ(s[7].kind, SegmentKind::kDescendField);
  EXPECT_EQ(p.field_name(s[7]), "d");
  EXPECT_EQ(s[8].kind, SegmentKind::kDescendWildcard);
  EXPECT_EQ(s[8].flags, 0);
  EXPECT_EQ(s[9].kind, SegmentKind::kSlice);
  EXPECT_EQ(s[9].flags, 3);
  EXPECT_EQ(s[9].a, 1);
  EXPECT_EQ(s[9].b, 3);
  EXPECT_EQ(s[10].flags, 2);
  EXPECT_EQ(s[10].b, 2);
  EXPECT_EQ(s[11].flags, 1);
  EXPECT_EQ(s[11].a, -2);
  EXPECT_EQ(s[12].flags, 4);
  EXPECT_EQ(s[12].c, 2);
  EXPECT_EQ(s[13].kind, SegmentKind::kIndexUnion);
  EXPECT_EQ(s[13].count, 2u);
  EXPECT_EQ(s[14].kind, SegmentKind::kFieldUnion);
  EXPECT_EQ(s[14].count, 2u);
  EXPECT_EQ(s[15].kind, SegmentKind::kDescendWildcard);
  EXPECT_EQ(s[15].flags, kScanNext);
  EXPECT_EQ(s[16].kind, SegmentKind::kIndex);
  EXPECT_FALSE(p.is_definite());
  EXPECT_FALSE(p.is_context());
}

TEST(Path, Classification) {
  struct Case {
    const char* text;
    bool reference, definite, context;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"$", true, true, false},
           {"$$", true, true, true},
           {"$$.Execution.Input", true, true, true},
           {"$$.Map.Item.Value", true, true, true},
           {"$.a[0].b", true, true, false},
           {"$['a'][\"b\"]", true, true, false},
           {"$.a[-1]", false, true, false},
           {"$.a['b','c']", false, true, false},
           {"$.a['b','c'].d", false, false, false},
           {"$.a[*]", false, false, false},
           {"$.*", false, false, false},
           {"$..a", false, false, false},
           {"$[0,1]", false, false, false},
           {"$[0:1]", false, false, false},
           {"$[?(@.a)]", false, false, false},
       }) {
    SCOPED_TRACE(c.text);
    Path p = parsed(c.text);
    EXPECT_EQ(p.is_reference(), c.reference);
    EXPECT_EQ(p.is_definite(), c.definite);
    EXPECT_EQ(p.is_context(), c.context);
    EXPECT_EQ(p.text(), c.text);
  }
}

TEST(Path, LenientNamesAndBlanks) {
  // Jayway trims the path and lets any character but '.', '[' and blanks into a dot name.
  Path p = parsed("  $.a  ");
  EXPECT_EQ(p.text(), "  $.a  ");
  ASSERT_EQ(p.segments().size(), 1u);
  EXPECT_EQ(eval("$.a]b", R"({"a]b":1})"), "1");
  EXPECT_EQ(eval("$.$ref", R"({"$ref":2})"), "2");
  EXPECT_EQ(eval("$.a*b", R"({"a*b":3})"), "3");
  EXPECT_EQ(eval("$.a'b", R"({"a'b":4})"), "4");
  EXPECT_EQ(eval("$.abc.['def ghi']", R"({"abc":{"def ghi":5}})"), "5");
  EXPECT_EQ(eval("$['a']['b']", R"({"a":{"b":6}})"), "6");
  EXPECT_EQ(eval("$[ 'a' , 'b' ]", R"({"a":1,"b":2,"c":3})"), R"({"a":1,"b":2})");
  EXPECT_EQ(eval("$['\\x']", R"({"x":7})"), "7");  // an unknown escape stands for itself
  EXPECT_EQ(eval("$['\\ud83d\\ude00']", "{\"\xF0\x9F\x98\x80\":8}"), "8");
  EXPECT_EQ(eval("$[-2147483648]", "[1]"), "not found");
}

TEST(Path, ContextObject) {
  Arena arena;
  Value context = json(arena, R"({"Execution":{"Id":"arn:x","Input":{"k":[1,2]}},
                                  "State":{"Name":"S"}})");
  Value out;
  ASSERT_EQ(evaluate(parsed("$$.Execution.Input.k[1]"), context, arena, out), EvalStatus::kOk);
  EXPECT_EQ(to_string(out), "2");
  ASSERT_EQ(evaluate(parsed("$$"), context, arena, out), EvalStatus::kOk);
  EXPECT_TRUE(out.is_object());
  EXPECT_EQ(evaluate(parsed("$$.Execution.Input.no_such_jsonpath"), context, arena, out),
            EvalStatus::kNotFound);
}

TEST(Path, DefiniteEvaluationAllocatesNothing) {
  Arena arena;
  Value doc = json(arena, kStore);
  Path paths[] = {parsed("$.store.book[2].title"), parsed("$.store.book[-1]"), parsed("$"),
                  parsed("$.missing.x"), parsed("$.store.book[9]")};
  size_t before = arena.used();
  Value out;
  for (int i = 0; i < 100; ++i)
    for (const Path& p : paths)
      (void)evaluate(p, doc, arena, out);
  EXPECT_EQ(arena.used(), before);
  ASSERT_EQ(evaluate(paths[0], doc, arena, out), EvalStatus::kOk);
  EXPECT_EQ(out.as_string(), "Moby Dick");
  // The value is the document's own, not a copy.
  EXPECT_EQ(out.as_string().data(),
            doc.find("store")->find("book")->items()[2].find("title")->as_string().data());
}

TEST(Path, IndefiniteResultsLiveInTheArena) {
  Arena arena;
  Value doc = json(arena, kStore);
  Path p = parsed("$..price");
  size_t before = arena.used();
  Value out;
  ASSERT_EQ(evaluate(p, doc, arena, out), EvalStatus::kOk);
  EXPECT_GT(arena.used(), before);
  EXPECT_EQ(to_string(out), "[8.95,12.99,8.99,22.99,19.95]");
  // Many matches: the result array grows past its first block.
  std::string big = "[";
  for (int i = 0; i < 1000; ++i)
    big += (i ? ",{\"v\":" : "{\"v\":") + std::to_string(i) + "}";
  big += "]";
  Value many = json(arena, big);
  ASSERT_EQ(evaluate(parsed("$[*].v"), many, arena, out), EvalStatus::kOk);
  ASSERT_EQ(out.size(), 1000u);
  for (uint32_t i = 0; i < 1000; ++i)
    EXPECT_EQ(out.items()[i].as_int(), i);
}

TEST(Path, FilterQuirks) {
  // Jayway drops a '!' in front of the left side of a comparison.
  EXPECT_EQ(eval("$[?(!@.a == 1)].a", R"([{"a":1},{"a":2}])"), "[1]");
  // '!' before a path alone negates existence; before parentheses, the condition.
  EXPECT_EQ(eval("$[?(!@.a)].b", R"([{"a":1,"b":1},{"b":2}])"), "[2]");
  EXPECT_EQ(eval("$[?(!(@.a == 1))].b", R"([{"a":1,"b":1},{"a":2,"b":2}])"), "[2]");
  EXPECT_EQ(eval("$[?(!!@.a)].b", R"([{"a":1,"b":1},{"b":2}])"), "[1]");
  // Literals on the left, whitespace anywhere, && binding tighter than ||.
  EXPECT_EQ(eval("$[?( 2 <= @ )]", "[1,2,3]"), "[2,3]");
  EXPECT_EQ(eval("$[?(@ == 1 || @ == 2 && @ == 3)]", "[1,2,3]"), "[1]");
  EXPECT_EQ(eval("$[?(@.a==1&&@.b==2)]", R"([{"a":1,"b":2},{"a":1}])"), R"([{"a":1,"b":2}])");
  // JSON literals with single quotes, nested, and objects.
  EXPECT_EQ(eval("$[?(@ in [['x', 1], {'k': null}])]", R"([["x",1],{"k":null},{"k":0}])"),
            R"([["x",1],{"k":null}])");
  EXPECT_EQ(eval("$[?(@ == -1.5e1)]", "[-15,15]"), "[-15]");
  EXPECT_EQ(eval("$[?(@.s =~ /A.C/i)].s", R"([{"s":"abc"},{"s":"abd"}])"), R"(["abc"])");
  EXPECT_EQ(eval("$[?(@.s =~ /a\\/b/)].s", R"([{"s":"a/b"},{"s":"ab"}])"), R"(["a/b"])");
  EXPECT_EQ(eval("$[?(/t.*/ =~ @)]", R"([true,"top",1,"stop"])"), R"([true,"top"])");
  // Matching keeps to the pattern's depth of stack, not the text's: a matcher that recursed per
  // character crashed the process on this 200,000-character string.
  const std::string long_a(200'000, 'a');
  const std::string matched = eval("$[?(@ =~ /a.*/)]", "[\"" + long_a + "\", \"b\"]");
  EXPECT_TRUE(matched == "[\"" + long_a + "\"]") << matched.size() << " bytes";
  // And it ends on nested repeats that backtracking takes 2^40 steps over (this would hang).
  EXPECT_EQ(eval("$[?(@ =~ /(a*)*b/)]", "[\"" + std::string(40, 'a') + "c\", \"aab\"]"),
            R"(["aab"])");
  // Root paths compare against the whole document, also from nested filters.
  EXPECT_EQ(
      eval("$.x[?(@.k == $.want)].v", R"({"want":"b","x":[{"k":"a","v":1},{"k":"b","v":2}]})"),
      "[2]");
}

TEST(Path, ResultPathSharesUntouchedValues) {
  Arena arena;
  Value in = json(arena, R"({"a":{"b":1,"keep":[1,2,3]},"big":{"x":[4,5]}})");
  Value value = json(arena, R"({"r":true})");
  Value out;
  std::string error;
  ASSERT_TRUE(assign(parsed("$.a.c"), in, value, arena, out, error)) << error;
  EXPECT_EQ(to_string(out), R"({"a":{"b":1,"keep":[1,2,3],"c":{"r":true}},"big":{"x":[4,5]}})");
  // Untouched subtrees are shared, the input is unchanged.
  EXPECT_EQ(out.find("big")->members().data(), in.find("big")->members().data());
  EXPECT_EQ(out.find("a")->find("keep")->items().data(),
            in.find("a")->find("keep")->items().data());
  EXPECT_EQ(to_string(in), R"({"a":{"b":1,"keep":[1,2,3]},"big":{"x":[4,5]}})");
  // A repeated key: the last one (the one lookups see) is replaced.
  Value dup = json(arena, R"({"k":1,"k":2})");
  ASSERT_TRUE(assign(parsed("$.k"), dup, value, arena, out, error));
  EXPECT_EQ(to_string(out), R"({"k":1,"k":{"r":true}})");
  // Only reference paths place values.
  EXPECT_FALSE(assign(parsed("$.a[*]"), in, value, arena, out, error));
  EXPECT_EQ(error, "ResultPath must be a reference path: $.a[*]");
  // The error name goes with the cause.
  EXPECT_EQ(kResultPathError, "States.ReferencePathConflict");
}

TEST(Path, ResultPathLongPaths) {
  // Long reference paths take no stack per step: deep documents are built without recursion.
  Arena arena;
  for (int steps : {3, 15, 16, 17, 10000}) {
    SCOPED_TRACE(steps);
    std::string text = "$";
    for (int i = 0; i < steps; ++i)
      text += ".k" + std::to_string(i % 7);
    Path p = parsed(text);
    Value out;
    std::string error;
    ASSERT_TRUE(assign(p, json(arena, R"({"other":1})"), Value::integer(7), arena, out, error))
        << error;
    Value got;
    ASSERT_EQ(evaluate(p, out, arena, got), EvalStatus::kOk);
    EXPECT_EQ(got.as_int(), 7);
    EXPECT_EQ(out.find("other")->as_int(), 1);
  }
}

TEST(Path, NotFoundMessages) {
  Arena arena;
  auto message = [&arena](std::string_view path, std::string_view doc) {
    Path p = parsed(path);
    Value root = json(arena, doc);
    Value out;
    EXPECT_EQ(evaluate(p, root, arena, out), EvalStatus::kNotFound) << path;
    return not_found_message(p, root);
  };
  // Both recorded from AWS (test_catch_states_runtime, INVALID_JSONPATH_IN_OUTPUTPATH).
  EXPECT_EQ(message("$.no.such.result.path", "{}"), "Missing property in path $['no']");
  EXPECT_EQ(message("$.NoSuchOutputPath", "{}"), "No results for path: $['NoSuchOutputPath']");
  EXPECT_EQ(message("$.a.b.c", R"({"a":{"b":{}}})"), "No results for path: $['a']['b']['c']");
  EXPECT_EQ(message("$[\"a\"].b", "{}"), "Missing property in path $[\"a\"]");
  EXPECT_EQ(message("$.a[5]", R"({"a":[1]})"), "No results for path: $['a'][5]");
  EXPECT_EQ(message("$.a[0]", R"({"a":null})"), "The path $['a'] is null");
  EXPECT_EQ(message("$.a[0].b", R"({"a":{"x":1}})"),
            "Filter: [0]['b'] can only be applied to arrays. Current context is: {\"x\":1}");
  EXPECT_EQ(message("$.a.b", R"({"a":"s"})"),
            "Expected to find an object with property ['b'] in path $['a'] but found "
            "'java.lang.String'. This is not a json object according to the JsonProvider: "
            "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.");
  EXPECT_EQ(message("$.a['x','y']", R"({"a":[1]})").substr(0, 53),
            "Expected to find an object with property ['x','y'] in");
}

// Every path form the parser knows, for the encoding tests.
const char* const kEncodingPaths[] = {
    "$",
    "$$.Execution.Input.k[1]",
    "$.store.book[-1]['title']",
    "$[\"a\"]['b','c']",
    "$..book[?(@.price < 10 && @.isbn || !@.x)].title",
    "$..[?(@.author =~ /.*REES/i)]",
    "$.store.book[?(@.category in ['reference', 1, 2.5, true, null, {'k': [1]}])].price",
    "$..book[?(@.price <= $['expensive'])]",
    "$.store.book[0,2][1:3][:2][-2:][::2]..*.*",
    "$..[0]..['color','price']",
    "$.store.book[?(@.x[?(@.y nin [1])])]",
    "$[?(!(@.a != 'q\\'s') && @.b >= -3 && @.c > 1e3 && @.d == \"z\")]",
};

TEST(PathEncoding, RoundTrip) {
  Arena arena;
  Value doc = json(arena, kStore);
  for (const char* text : kEncodingPaths) {
    SCOPED_TRACE(text);
    Path p = parsed(text);
    std::string bytes;
    p.encode(bytes);
    Path q;
    ASSERT_TRUE(Path::decode(bytes, q));
    EXPECT_EQ(q.text(), p.text());
    EXPECT_EQ(q.is_context(), p.is_context());
    EXPECT_EQ(q.segments().size(), p.segments().size());
    std::string again;
    q.encode(again);
    EXPECT_EQ(again, bytes);
    Value a, b;
    EvalStatus sa = evaluate(p, doc, arena, a), sb = evaluate(q, doc, arena, b);
    EXPECT_EQ(sa, sb);
    if (sa == EvalStatus::kOk) {
      EXPECT_TRUE(equal(a, b)) << to_string(a) << " vs " << to_string(b);
    }
  }
}

TEST(PathEncoding, FixedLayout) {
  // The format is stable: magic "PTH1", context flag, length-prefixed text and names, then the
  // segment table (38 bytes a segment), all little-endian.
  std::string bytes;
  parsed("$.ab").encode(bytes);
  ASSERT_GE(bytes.size(), 4u + 1 + 8 + 4 + 6 + 4 + 38);
  EXPECT_EQ(bytes.substr(0, 4), "PTH1");
  EXPECT_EQ(bytes[4], 0);
  EXPECT_EQ(bytes.substr(5, 8), std::string("\x04\0\0\0$.ab", 8));
  EXPECT_EQ(bytes.substr(13, 6), std::string("\x02\0\0\0ab", 6));
  EXPECT_EQ(bytes.substr(19, 4), std::string("\x01\0\0\0", 4));  // one segment
  EXPECT_EQ(bytes[23], static_cast<char>(SegmentKind::kField));
}

TEST(PathEncoding, RejectsTruncatedAndCorruptInput) {
  Arena arena;
  Value doc = json(arena, kStore);
  Path out;
  EXPECT_FALSE(Path::decode("", out));
  EXPECT_FALSE(Path::decode("PTH1", out));
  EXPECT_FALSE(Path::decode(std::string(64, '\xff'), out));
  for (const char* text : kEncodingPaths) {
    SCOPED_TRACE(text);
    std::string bytes;
    parsed(text).encode(bytes);
    for (size_t n = 0; n < bytes.size(); ++n)
      EXPECT_FALSE(Path::decode(bytes.substr(0, n), out));
    EXPECT_FALSE(Path::decode(bytes + '\0', out));
    std::string bad_magic = bytes;
    bad_magic[0] = 'Q';
    EXPECT_FALSE(Path::decode(bad_magic, out));
    // Any single corrupted byte is either rejected or yields a path that evaluates safely.
    std::mt19937 rng(42);
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (int k = 0; k < 4; ++k) {
        std::string flipped = bytes;
        flipped[i] = static_cast<char>(flipped[i] ^ static_cast<char>(1 + rng() % 255));
        Path q;
        if (Path::decode(flipped, q)) {
          Value v;
          (void)evaluate(q, doc, arena, v);
          std::string reencoded;
          q.encode(reencoded);
        } else {
          EXPECT_TRUE(q.segments().empty());
        }
      }
    }
  }
  // A filter node pointing at a later node (a cycle, were it allowed) is refused.
  std::string bytes;
  parsed("$[?(@.a == 1)]").encode(bytes);
  // Filter table: three nodes (@.a, 1, ==); find the == node's lhs and point it at itself.
  size_t eq = bytes.find(std::string("\x03\0\0\0\0\x01\0\0\0", 9));  // op kEq, lhs 0, rhs 1
  ASSERT_NE(eq, std::string::npos);
  bytes[eq + 1] = 2;
  EXPECT_FALSE(Path::decode(bytes, out));
}

TEST(PathParse, NeverCrashesOnGarbage) {
  Arena arena;
  Value doc = json(arena, kStore);
  const std::string alphabet = "$@.[]()*?:,'\"\\/-0123456789abi &|!=<>~ \t{}nulltrue";
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = i % 2 ? "$" : "";
    size_t len = rng() % 24;
    for (size_t k = 0; k < len; ++k)
      text += alphabet[rng() % alphabet.size()];
    Path p;
    std::string error;
    if (!Path::parse(text, p, error)) {
      EXPECT_FALSE(error.empty()) << text;
      continue;
    }
    ++accepted;
    Value out;
    (void)evaluate(p, doc, arena, out);
    std::string bytes;
    p.encode(bytes);
    Path q;
    EXPECT_TRUE(Path::decode(bytes, q)) << text;
    if (i % 1000 == 0) {
      arena.reset();
      doc = json(arena, kStore);
    }
  }
  EXPECT_GT(accepted, 100);
}

TEST(PathParse, DeepNestingIsAnErrorNotACrash) {
  std::string parens = "$[?(" + std::string(100000, '(') + "@.a" + std::string(100000, ')') + ")]";
  EXPECT_NE(error_of(parens).find("nested too deeply"), std::string::npos);
  std::string nots = "$[?(" + std::string(100000, '!') + "(@.a))]";
  EXPECT_NE(error_of(nots).find("nested too deeply"), std::string::npos);
  std::string filters = "$";
  for (int i = 0; i < 1000; ++i)
    filters += "[?(@";
  EXPECT_NE(error_of(filters).find("nested too deeply"), std::string::npos);
  std::string arrays = "$[?(@ == " + std::string(100000, '[') + ")]";
  EXPECT_NE(error_of(arrays).find("nested too deeply"), std::string::npos);
  // Long but flat is fine.
  std::string longpath = "$";
  for (int i = 0; i < 10000; ++i)
    longpath += ".a";
  EXPECT_EQ(parsed(longpath).segments().size(), 10000u);
}

TEST(PathParse, ErrorPositions) {
  EXPECT_EQ(error_of("$.a[?(@.b == )]"), "unexpected ')' in a filter at position 13");
  EXPECT_EQ(error_of("$.a b"),
            "a name with blanks needs the bracket form, as in ['a b'] at position 3");
  EXPECT_EQ(error_of("$['x"), "missing closing ' at position 4");
}

}  // namespace
}  // namespace stepstream::json
