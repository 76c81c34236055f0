// The command-line parser: options, values, repeats, errors.
#include "cli/args.h"

#include <gtest/gtest.h>

#include <vector>

namespace stepstream::cli {
namespace {

constexpr OptionSpec kOptions[] = {
    {"input", 0, "JSON", "input"},
    {"output", 'o', "FILE", "output"},
    {"history", 0, "", "history flag"},
    {"kafka-property", 'X', "K=V", "property", true},
};
constexpr CommandSpec kSpec = {"exec", "Run", "DEF", 1, 1, kOptions};

ParseResult parse(std::vector<const char*> words) {
  std::vector<char*> argv;
  for (const char* w : words)
    argv.push_back(const_cast<char*>(w));
  return parse_args(kSpec, argv);
}

TEST(Args, LongShortInlineAndFlags) {
  auto r = parse({"def.json", "--input", "{\"a\":1}", "-o", "out", "--history", "-Xacks=all",
                  "--kafka-property=linger.ms=5"});
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_EQ(r.args.positional(), std::vector<std::string>{"def.json"});
  EXPECT_EQ(r.args.get("input"), "{\"a\":1}");
  EXPECT_EQ(r.args.get("output"), "out");
  EXPECT_TRUE(r.args.has("history"));
  EXPECT_EQ(r.args.all("kafka-property"), (std::vector<std::string>{"acks=all", "linger.ms=5"}));
  EXPECT_FALSE(r.args.has("nothing"));
}

TEST(Args, EveryProblemReported) {
  auto r = parse({"--bogus", "--input", "a", "--input", "b", "--history=1", "--output"});
  EXPECT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0], "unknown option --bogus");
  EXPECT_EQ(r.errors[1], "option --input given more than once");
  EXPECT_EQ(r.errors[2], "option --history takes no value");
  EXPECT_EQ(r.errors[3], "option --output needs a value (FILE)");
  EXPECT_EQ(r.errors[4], "missing argument DEF");
}

TEST(Args, DoubleDashAndExtraPositional) {
  auto r = parse({"--", "--input"});
  ASSERT_TRUE(r.errors.empty());
  EXPECT_EQ(r.args.positional().front(), "--input");
  r = parse({"a", "b"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "unexpected argument 'b'");
}

TEST(Args, HelpSkipsPositionalCheck) {
  auto r = parse({"--help"});
  EXPECT_TRUE(r.help);
  EXPECT_TRUE(r.errors.empty());
}

TEST(Args, UsageListsEveryOption) {
  std::string u = usage(kSpec);
  EXPECT_NE(u.find("Usage: stepstream exec DEF [options]"), std::string::npos);
  EXPECT_NE(u.find("-o, --output FILE"), std::string::npos);
  EXPECT_NE(u.find("(repeatable)"), std::string::npos);
}

}  // namespace
}  // namespace stepstream::cli
