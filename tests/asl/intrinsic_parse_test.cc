// Intrinsic function calls: literals and escapes, paths, nesting, arity, and text that must be
// rejected (AWS's own rejections from ../shared/conformance/.../definition_checks included)
// without ever crashing.
#include "engine/asl/intrinsic_parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine/json/write.h"

namespace stepstream::asl {
namespace {

using bytecode::Intrinsic;
using ::testing::HasSubstr;
using Kind = IntrinsicArg::Kind;

IntrinsicCall parse_ok(std::string_view text) {
  IntrinsicCall call;
  std::string error;
  EXPECT_TRUE(parse_intrinsic(text, call, error)) << text << "\n  " << error;
  EXPECT_EQ(error, "");
  return call;
}

std::string parse_error(std::string_view text) {
  IntrinsicCall call;
  std::string error;
  EXPECT_FALSE(parse_intrinsic(text, call, error)) << text;
  EXPECT_NE(error, "") << text;
  return error;
}

// A literal argument as JSON text.
std::string literal(const IntrinsicArg& a) {
  EXPECT_EQ(a.kind, Kind::kLiteral);
  return json::to_string(a.literal.get());
}

TEST(IntrinsicParse, LooksLikeIntrinsic) {
  EXPECT_TRUE(looks_like_intrinsic("States.Array()"));
  EXPECT_TRUE(looks_like_intrinsic("  States.UUID()"));
  EXPECT_TRUE(looks_like_intrinsic("States.Nope("));
  EXPECT_FALSE(looks_like_intrinsic("$.States.Array"));
  EXPECT_FALSE(looks_like_intrinsic("states.Array()"));
  EXPECT_FALSE(looks_like_intrinsic("States"));
  EXPECT_FALSE(looks_like_intrinsic(""));
}

TEST(IntrinsicParse, Literals) {
  IntrinsicCall c = parse_ok("States.Array('a', 1, -2, 1.5, -0.25, 0, true, false, null, '')");
  EXPECT_EQ(c.function, Intrinsic::kArray);
  ASSERT_EQ(c.args.size(), 10u);
  EXPECT_EQ(literal(c.args[0]), R"("a")");
  EXPECT_EQ(literal(c.args[1]), "1");
  EXPECT_TRUE(c.args[1].literal.get().is_int());
  EXPECT_EQ(literal(c.args[2]), "-2");
  EXPECT_EQ(literal(c.args[3]), "1.5");
  EXPECT_EQ(literal(c.args[4]), "-0.25");
  EXPECT_EQ(literal(c.args[5]), "0");
  EXPECT_EQ(literal(c.args[6]), "true");
  EXPECT_EQ(literal(c.args[7]), "false");
  EXPECT_EQ(literal(c.args[8]), "null");
  EXPECT_EQ(literal(c.args[9]), R"("")");
  // Beyond int64: a double.
  c = parse_ok("States.Array(9223372036854775807, -9223372036854775808, 9223372036854775808)");
  EXPECT_TRUE(c.args[0].literal.get().is_int());
  EXPECT_TRUE(c.args[1].literal.get().is_int());
  EXPECT_EQ(c.args[2].literal.get().type(), json::Type::kDouble);
}

TEST(IntrinsicParse, NoArguments) {
  IntrinsicCall c = parse_ok("States.UUID()");
  EXPECT_EQ(c.function, Intrinsic::kUUID);
  EXPECT_TRUE(c.args.empty());
  EXPECT_TRUE(parse_ok("States.Array( )").args.empty());
}

TEST(IntrinsicParse, Whitespace) {
  IntrinsicCall c = parse_ok("  States.MathAdd ( 1 ,\t2\n)  ");
  EXPECT_EQ(c.function, Intrinsic::kMathAdd);
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(literal(c.args[1]), "2");
}

// The developer guide: \' \{ \} \\ are the escapes; other characters, { } and " included, are
// themselves (test_json_manipulation.test_json_merge_escaped_argument passes '{"...": "false"}').
TEST(IntrinsicParse, StringEscapes) {
  IntrinsicCall c = parse_ok(R"(States.StringSplit('a\'b\{\}\\c', ','))");
  EXPECT_EQ(c.args[0].literal.get().as_string(), R"(a'b{}\c)");
  c = parse_ok(R"(States.StringToJson('{"constant_in_literal": "false"}'))");
  EXPECT_EQ(c.args[0].literal.get().as_string(), R"({"constant_in_literal": "false"})");
  c = parse_ok(R"(States.Array('(,)', '$.a', 'States.UUID()'))");
  EXPECT_EQ(c.args.size(), 3u);
  EXPECT_EQ(c.args[0].literal.get().as_string(), "(,)");
  EXPECT_EQ(c.args[1].kind, Kind::kLiteral);
  EXPECT_EQ(c.args[2].kind, Kind::kLiteral);
  // test_generic.test_escape_sequence: a raw newline inside a literal is kept.
  c = parse_ok("States.StringSplit('Hello\nWorld', '\n')");
  EXPECT_EQ(c.args[0].literal.get().as_string(), "Hello\nWorld");
  EXPECT_EQ(c.args[1].literal.get().as_string(), "\n");
  // UTF-8 passes through.
  c = parse_ok("States.Array('\xc3\xa9\xf0\x9f\x86\x97')");
  EXPECT_EQ(c.args[0].literal.get().as_string(), "\xc3\xa9\xf0\x9f\x86\x97");
}

// States.Format's template keeps its escapes for the function, which must tell \{\} from {}.
TEST(IntrinsicParse, FormatTemplateKeepsEscapes) {
  IntrinsicCall c = parse_ok(R"(States.Format('\{\}={} it\'s \\', 'x\{'))");
  EXPECT_EQ(c.args[0].literal.get().as_string(), R"(\{\}={} it\'s \\)");
  EXPECT_EQ(c.args[1].literal.get().as_string(), "x{");  // only the template
  c = parse_ok(R"(States.Array(States.Format('\{}', 1)))");
  EXPECT_EQ(c.args[0].call->args[0].literal.get().as_string(), R"(\{})");
}

// definition_checks/test_base_scenarios...ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION{,_2}: AWS
// rejects \" inside a literal at CreateStateMachine.
TEST(IntrinsicParse, RejectsEscapesAwsRejects) {
  EXPECT_THAT(parse_error(R"(States.StringToJson('{"text":"An \"escaped double quote\" here"}'))"),
              HasSubstr("invalid escape '\\\"'"));
  EXPECT_THAT(parse_error(R"(States.Format('He said, \"Hello, {}!\"', 'Test \"Name\" Here'))"),
              HasSubstr("invalid escape '\\\"'"));
  for (const char* text : {R"(States.Array('\n'))", R"(States.Array('\t'))",
                           R"(States.Array('\u0041'))", R"(States.Array('a\'))"})
    EXPECT_NE(parse_error(text), "") << text;
  EXPECT_EQ(parse_error(R"(States.Array('ab\x'))"),
            R"(invalid escape '\x' in a string literal (only \', \{, \} and \\ are allowed) )"
            R"((at character 17 of 'States.Array('ab\x')'))");
}

TEST(IntrinsicParse, NestedCalls) {
  IntrinsicCall c =
      parse_ok("States.MathAdd(States.MathAdd(1, 2), States.ArrayLength(States.Array(1, 'a')))");
  EXPECT_EQ(c.function, Intrinsic::kMathAdd);
  ASSERT_EQ(c.args.size(), 2u);
  ASSERT_EQ(c.args[0].kind, Kind::kCall);
  EXPECT_EQ(c.args[0].call->function, Intrinsic::kMathAdd);
  EXPECT_EQ(literal(c.args[0].call->args[1]), "2");
  ASSERT_EQ(c.args[1].kind, Kind::kCall);
  EXPECT_EQ(c.args[1].call->function, Intrinsic::kArrayLength);
  const IntrinsicCall& inner = *c.args[1].call->args[0].call;
  EXPECT_EQ(inner.function, Intrinsic::kArray);
  EXPECT_EQ(literal(inner.args[1]), R"("a")");
}

std::string nested(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i)
    text += "States.Array(";
  text += "1";
  for (int i = 0; i < depth; ++i)
    text += ")";
  return text;
}

// AWS: "You can nest up to 10 intrinsic functions within a field".
TEST(IntrinsicParse, NestingDepth) {
  IntrinsicCall c = parse_ok(nested(10));
  int depth = 1;
  for (const IntrinsicCall* p = &c; p->args[0].kind == Kind::kCall; p = p->args[0].call.get())
    ++depth;
  EXPECT_EQ(depth, 10);
  EXPECT_THAT(parse_error(nested(11)), HasSubstr("intrinsic functions nest more than 10 deep"));
  EXPECT_THAT(parse_error(nested(100000)), HasSubstr("nest more than 10 deep"));
}

TEST(IntrinsicParse, Arity) {
  EXPECT_EQ(parse_error("States.UUID(1)"),
            "States.UUID takes 0 arguments, but was given 1 (at character 1 of 'States.UUID(1)')");
  EXPECT_THAT(parse_error("States.ArrayGetItem(States.Array())"),
              HasSubstr("States.ArrayGetItem takes 2 arguments, but was given 1"));
  EXPECT_THAT(parse_error("States.MathRandom(1)"),
              HasSubstr("States.MathRandom takes 2 to 3 arguments, but was given 1"));
  EXPECT_THAT(parse_error("States.MathRandom(1, 2, 3, 4)"),
              HasSubstr("States.MathRandom takes 2 to 3 arguments, but was given 4"));
  EXPECT_THAT(parse_error("States.Format()"),
              HasSubstr("States.Format takes at least 1 argument, but was given 0"));
  EXPECT_THAT(parse_error("States.JsonToString(1, 2)"),
              HasSubstr("States.JsonToString takes 1 argument, but was given 2"));
  // The inner call's arity is checked too, and reported where it starts.
  EXPECT_EQ(parse_error("States.Array(1, States.ArrayLength())"),
            "States.ArrayLength takes 1 argument, but was given 0 (at character 17 of "
            "'States.Array(1, States.ArrayLength())')");
  parse_ok("States.MathRandom(1, 2)");
  parse_ok("States.MathRandom(1, 2, 3)");
  parse_ok("States.Format('a')");
  parse_ok("States.Format('{}{}{}{}', 1, 2, 3, 4)");
  parse_ok("States.JsonMerge(States.StringToJson('{}'), States.StringToJson('{}'), false)");
}

TEST(IntrinsicParse, UnknownFunctions) {
  EXPECT_EQ(parse_error("States.Nope(1)"),
            "unknown intrinsic function 'States.Nope' (at character 1 of 'States.Nope(1)')");
  EXPECT_THAT(parse_error("States.arrayLength(States.Array())"),
              HasSubstr("unknown intrinsic function 'States.arrayLength'"));
  EXPECT_THAT(parse_error("States.Array(States.Sum(1))"),
              HasSubstr("unknown intrinsic function 'States.Sum'"));
  EXPECT_THAT(parse_error("States.(1)"), HasSubstr("unknown intrinsic function 'States.'"));
  EXPECT_THAT(parse_error("Foo.Array(1)"), HasSubstr("must start with 'States.'"));
}

TEST(IntrinsicParse, SyntaxErrors) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "must start with 'States.'"},
      {"States.", "unknown intrinsic function 'States.'"},
      {"States.Array", "expected '(' after States.Array"},
      {"States.Array 1", "expected '(' after States.Array"},
      {"States.Array(", "expected an argument, but the text ends"},
      {"States.Array(1", "expected ',' or ')' after an argument of States.Array"},
      {"States.Array(1 2)", "expected ',' or ')' after an argument of States.Array"},
      {"States.Array(1))", "unexpected text after the call"},
      {"States.UUID() x", "unexpected text after the call"},
      {"States.UUID()States.UUID()", "unexpected text after the call"},
      {"States.Array(1,)", "expected an argument"},
      {"States.Array(,1)", "expected an argument"},
      {"States.Array('abc)", "unterminated string literal"},
      {"States.Array('abc", "unterminated string literal"},
      {"States.Array('ab\\", "unterminated string literal"},
      {"States.Array(\"x\")", "expected an argument"},
      {"States.Array(tru)", "unexpected 'tru' where an argument belongs"},
      {"States.Array(True)", "unexpected 'True' where an argument belongs"},
      {"States.Array(01)", "a number must not start with 0"},
      {"States.Array(-)", "expected digits after '-'"},
      {"States.Array(1.)", "expected digits after '.'"},
      {"States.Array(1e5)", "malformed number '1e'"},
      {"States.Array(12abc)", "malformed number '12a'"},
      {"States.Array(1.5.2)", "expected ',' or ')'"},
      {"States.Array(+1)", "expected an argument"},
      {"States.Array(1e999999)", "malformed number"},
  };
  for (const Case& c : cases)
    EXPECT_THAT(parse_error(c.text), HasSubstr(c.message)) << c.text;
}

// Whatever the text, the parser returns an answer: no crash, no sanitizer report, no hang.
TEST(IntrinsicParse, GarbageNeverCrashes) {
  const std::string alphabet = "States.ArrayFormat()(),,''\\\\{}$$.[]?@=<>\"-0123456789 truenl\n";
  std::mt19937 rng(12345);
  for (int i = 0; i < 20000; ++i) {
    std::string text = i % 2 ? "States.Array(" : "";
    size_t len = rng() % 40;
    for (size_t j = 0; j < len; ++j)
      text.push_back(alphabet[rng() % alphabet.size()]);
    IntrinsicCall call;
    std::string error;
    bool ok = parse_intrinsic(text, call, error);
    EXPECT_EQ(ok, error.empty()) << text;
  }
  for (const std::string& text :
       {std::string(100000, '('), std::string(100000, '\''),
        "States.Array(" + std::string(100000, '['), "States.Array(" + std::string(100000, '\\'),
        "States.Array($" + std::string(1000, '[') + ")",
        "States.Array(" + std::string(50000, ',') + ")", std::string("\0", 1)}) {
    IntrinsicCall call;
    std::string error;
    EXPECT_FALSE(parse_intrinsic(text, call, error));
    EXPECT_NE(error, "");
  }
}

TEST(IntrinsicParse, NulIsAnOrdinaryCharacter) {
  IntrinsicCall c = parse_ok(std::string_view("States.Array('a\0b')", 19));
  EXPECT_EQ(c.args[0].literal.get().as_string(), std::string_view("a\0b", 3));
}

// A call that fails leaves no half-built tree behind for a caller that reuses `out`.
TEST(IntrinsicParse, ReusesOutput) {
  IntrinsicCall c = parse_ok("States.Array(1, 2, 3)");
  std::string error;
  EXPECT_FALSE(parse_intrinsic("States.Array(1, ", c, error));
  EXPECT_TRUE(parse_intrinsic("States.UUID()", c, error));
  EXPECT_EQ(c.function, Intrinsic::kUUID);
  EXPECT_TRUE(c.args.empty());
  EXPECT_EQ(error, "");
}

// ---- paths (JSONPath itself is json::Path's; here: where a path argument ends) -----------------

TEST(IntrinsicParse, PathArguments) {
  IntrinsicCall c = parse_ok("States.Format('Hello {}, {}', $.name, $$.Execution.Input.items)");
  ASSERT_EQ(c.args.size(), 3u);
  ASSERT_EQ(c.args[1].kind, Kind::kPath);
  EXPECT_EQ(c.args[1].path.text(), "$.name");
  EXPECT_FALSE(c.args[1].path.is_context());
  ASSERT_EQ(c.args[2].kind, Kind::kPath);
  EXPECT_EQ(c.args[2].path.text(), "$$.Execution.Input.items");
  EXPECT_TRUE(c.args[2].path.is_context());
  c = parse_ok("States.Array($ , $.a )");
  EXPECT_EQ(c.args[0].path.text(), "$");
  EXPECT_EQ(c.args[1].path.text(), "$.a");
}

// Commas, parentheses and spaces inside brackets, filters and quotes belong to the path.
TEST(IntrinsicParse, PathExtent) {
  IntrinsicCall c = parse_ok("States.Array($.a[?(@.b == 'x, y)')], $['c d'][0], 1)");
  ASSERT_EQ(c.args.size(), 3u);
  EXPECT_EQ(c.args[0].path.text(), "$.a[?(@.b == 'x, y)')]");
  EXPECT_EQ(c.args[1].path.text(), "$['c d'][0]");
  EXPECT_EQ(literal(c.args[2]), "1");
  c = parse_ok("States.ArrayLength($.items[?(@.price < 10 && @.tags)])");
  EXPECT_EQ(c.args[0].path.text(), "$.items[?(@.price < 10 && @.tags)]");
}

// The developer guide's example of nine nested calls, and test_generic.test_nested_calls_2.
TEST(IntrinsicParse, AwsExamples) {
  IntrinsicCall c = parse_ok(
      "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
      "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem("
      "States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), "
      "'.'), 1))");
  EXPECT_EQ(c.args.size(), 3u);
  c = parse_ok(
      "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), "
      "States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))");
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(literal(c.args[1].call->args[1]), "-1");
  parse_ok(
      "States.JsonMerge(States.StringToJson('{\"constant_in_literal\": \"false\"}'), "
      "$$.Execution.Input.input_field, false)");
}

TEST(IntrinsicParse, BadPaths) {
  EXPECT_THAT(parse_error("States.Array($.a[)"), HasSubstr("invalid path '$.a[':"));
  EXPECT_THAT(parse_error("States.Array($.a[?(@.b == 'x)]"), HasSubstr("invalid path"));
  EXPECT_THAT(parse_error("States.Array($$$)"), HasSubstr("invalid path '$$$'"));
  EXPECT_THAT(parse_error("States.Array($.a])"), HasSubstr("expected ',' or ')'"));
}

}  // namespace
}  // namespace stepstream::asl
