// The placeholder matcher: tokens match only values of their kind, a token seen twice stands for
// the same text, and anything without a placeholder must be equal.
#include "tests/conformance/expected_match.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "engine/json/parse.h"

namespace stepstream::conformance {
namespace {

class ExpectedMatchTest : public ::testing::Test {
 protected:
  json::Value parse(std::string_view text) {
    json::ParseResult r = json::parse(text, arena_);
    EXPECT_TRUE(r.ok()) << text;
    return r.value;
  }
  // A matcher for a case whose `placeholders` member is `placeholders`.
  ExpectedMatcher matcher(std::string_view placeholders) {
    return ExpectedMatcher(parse(placeholders));
  }
  bool matches(ExpectedMatcher& m, std::string_view expected, std::string_view got) {
    std::string why;
    return m.match(parse(expected), parse(got), why);
  }

  json::Arena arena_;
};

constexpr std::string_view kArnCase =
    R"({"expected": ["<ArnPart_0idx>", "<ExecArnPart_0idx>", "<partition>", "<region>",
        "start-time"], "expected_transformers": [
        {"kind": "jsonpath", "target": "$..StartTime", "replacement": "start-time"}]})";

TEST_F(ExpectedMatchTest, EqualValuesMatchNumbersByValueObjectsInAnyOrder) {
  ExpectedMatcher m = matcher("null");
  EXPECT_TRUE(
      matches(m, R"({"a": 1, "b": [true, null, "x"]})", R"({"b": [true, null, "x"], "a": 1.0})"));
  EXPECT_FALSE(matches(m, R"({"a": 1})", R"({"a": 1, "b": 2})"));
  EXPECT_FALSE(matches(m, R"({"a": 1, "b": 2})", R"({"a": 1})"));
  EXPECT_FALSE(matches(m, R"([1, 2])", R"([2, 1])"));
  EXPECT_FALSE(matches(m, R"("1")", R"(1)"));
  EXPECT_FALSE(matches(m, R"(0)", R"(false)"));
  EXPECT_FALSE(matches(m, R"(null)", R"({})"));
}

TEST_F(ExpectedMatchTest, AngleTokensMatchInsideStrings) {
  ExpectedMatcher m = matcher(kArnCase);
  EXPECT_TRUE(matches(
      m,
      R"("arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>")",
      R"("arn:aws:states:us-east-1:111111111111:execution:Machine:0b5f1d7e-3c2a")"));
  // The same token stands for the same text.
  EXPECT_TRUE(matches(m, R"("<ArnPart_0idx>")", R"("Machine")"));
  EXPECT_FALSE(matches(m, R"("<ArnPart_0idx>")", R"("OtherMachine")"));
}

TEST_F(ExpectedMatchTest, AngleTokensMatchOnlyTheirKind) {
  ExpectedMatcher m = matcher(kArnCase);
  EXPECT_FALSE(matches(m, R"("arn:<partition>:x")", R"("arn:gcp:x")"));
  EXPECT_FALSE(matches(m, R"("<region>")", R"("nowhere")"));
  EXPECT_FALSE(matches(m, R"("a:<ExecArnPart_0idx>")", R"("a:b:c")"));
  EXPECT_FALSE(matches(m, R"("a:<ExecArnPart_0idx>")", R"("a:")"));
  ExpectedMatcher u = matcher(R"({"expected": ["<uuid:1>", "<json-input:1>"]})");
  EXPECT_TRUE(matches(u, R"("id <uuid:1>")", R"("id 3f2a8c4e-1b7d-4e9a-8c5f-0d6e2b9a7c13")"));
  EXPECT_FALSE(matches(u, R"("id <uuid:1>")", R"("id not-a-uuid")"));
  EXPECT_TRUE(matches(u, R"("in '<json-input:1>'")", R"("in '{\"a\":[1,2]}'")"));
  EXPECT_FALSE(matches(u, R"("in '<json-input:1>'")", R"("in '{\"a\":'")"));
}

TEST_F(ExpectedMatchTest, UnlistedTokensAreLiteral) {
  ExpectedMatcher m = matcher("null");
  EXPECT_FALSE(matches(m, R"("<ArnPart_0idx>")", R"("Machine")"));
  EXPECT_TRUE(matches(m, R"("<ArnPart_0idx>")", R"("<ArnPart_0idx>")"));
  EXPECT_FALSE(matches(m, R"("date")", R"("2024-01-01T00:00:00Z")"));
}

TEST_F(ExpectedMatchTest, WholeValueWordsMatchTheirKind) {
  ExpectedMatcher m = matcher(kArnCase);
  EXPECT_TRUE(
      matches(m, R"({"StartTime": "start-time"})", R"({"StartTime": "2024-07-15T13:00:19.123Z"})"));
  EXPECT_FALSE(matches(m, R"({"StartTime": "start-time"})", R"({"StartTime": 5})"));
  EXPECT_FALSE(matches(m, R"({"StartTime": "start-time"})", R"({"StartTime": "yesterday"})"));
  // A word only replaces a whole value, never part of a string.
  EXPECT_FALSE(matches(m, R"("at start-time")", R"("at 2024-07-15T13:00:19.123Z")"));
  // The role's mask is built in.
  EXPECT_TRUE(matches(m, R"("snf_role_arn")", R"("arn:aws:iam::111111111111:role/r")"));
  EXPECT_FALSE(matches(m, R"("sfn_role_arn")", R"("arn:aws:iam::111111111111:user/u")"));
  ExpectedMatcher r = matcher(R"({"expected": ["RandomNumberGenerated", "generated-uuid"]})");
  EXPECT_TRUE(matches(r, R"({"n": "RandomNumberGenerated"})", R"({"n": 12345})"));
  EXPECT_FALSE(matches(r, R"({"n": "RandomNumberGenerated"})", R"({"n": "12345"})"));
  EXPECT_TRUE(matches(r, R"("generated-uuid")", R"("3f2a8c4e-1b7d-4e9a-8c5f-0d6e2b9a7c13")"));
  EXPECT_FALSE(matches(r, R"("generated-uuid")", R"("3f2a8c4e")"));
}

// An event's input or output is JSON text in AWS's history: a word that replaced all of it stands
// for a value of any kind. Other words keep to theirs.
TEST_F(ExpectedMatchTest, AWordForAWholeEventOutputMatchesAnyValue) {
  ExpectedMatcher m = matcher(R"({"expected_transformers": [
      {"kind": "jsonpath", "target": "$..executionSucceededEventDetails.output",
       "replacement": "executionSucceededEventDetails.output"},
      {"kind": "jsonpath", "target": "$..output.StartDate", "replacement": "start-date"}]})");
  EXPECT_TRUE(matches(m, R"("executionSucceededEventDetails.output")", R"([{"a": 1}, "b"])"));
  EXPECT_TRUE(matches(m, R"("executionSucceededEventDetails.output")", R"(null)"));
  EXPECT_FALSE(matches(m, R"({"StartDate": "start-date"})", R"({"StartDate": [1]})"));
}

TEST_F(ExpectedMatchTest, ErrorAndCauseStrings) {
  ExpectedMatcher m = matcher(R"({"expected": ["<timestamp>"]})");
  EXPECT_TRUE(m.match_string("format string: $.start_at == <timestamp>",
                             "format string: $.start_at == 2026-11-21T05:25:17"));
  EXPECT_FALSE(m.match_string("format string: $.start_at == <timestamp>",
                              "format string: $.start_at == soon"));
  EXPECT_TRUE(m.match_string("States.Runtime", "States.Runtime"));
  EXPECT_FALSE(m.match_string("States.Runtime", "States.Runtimes"));
}

TEST_F(ExpectedMatchTest, DifferenceNamesThePath) {
  ExpectedMatcher m = matcher("null");
  std::string why;
  EXPECT_FALSE(
      m.match(parse(R"({"a": [1, {"b": "x"}]})"), parse(R"({"a": [1, {"b": "y"}]})"), why));
  EXPECT_EQ(why, R"($.a[1].b: expected "x", got "y")");
}

// A Task mocked from the history returns the recording's masked text, which then reaches the
// output as it is: the same text matches, whatever placeholders it holds; other text still has
// to be of the placeholder's kind.
TEST_F(ExpectedMatchTest, TheRecordingsOwnTextMatchesItself) {
  ExpectedMatcher m = matcher(R"({"expected": ["<uuid:1>", "date"]})");
  EXPECT_TRUE(matches(m, R"({"MessageId": "<uuid:1>", "Date": "date"})",
                      R"({"MessageId": "<uuid:1>", "Date": "date"})"));
  EXPECT_TRUE(m.match_string("request <uuid:1> failed", "request <uuid:1> failed"));
  EXPECT_FALSE(matches(m, R"({"MessageId": "<uuid:1>"})", R"({"MessageId": "<uuid:2>"})"));
  EXPECT_FALSE(matches(m, R"({"Date": "date"})", R"({"Date": "dates"})"));
  EXPECT_FALSE(m.match_string("request <uuid:1> failed", "request <uuid:1> failed!"));
}

TEST(TimestampText, Shapes) {
  EXPECT_TRUE(is_timestamp_text("2016-03-05T21:29:29.243167252Z"));
  EXPECT_TRUE(is_timestamp_text("2026-11-21T05:25:17"));
  EXPECT_TRUE(is_timestamp_text("2026-11-21T05:25:17+01:00"));
  EXPECT_FALSE(is_timestamp_text("2026-11-21 05:25:17"));
  EXPECT_FALSE(is_timestamp_text("2026-11-21T05:25:17.Z"));
  EXPECT_FALSE(is_timestamp_text("2026-11-21T05:25:17ZZ"));
}

}  // namespace
}  // namespace stepstream::conformance
