// The built `stepstream` binary: global flags, dispatch, usage errors and exit codes.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/run_command.h"

namespace {

using stepstream::testing_support::CommandResult;

// Runs the binary with `args`, stdout and stderr together.
CommandResult run(const std::string& args) {
  return stepstream::testing_support::run_command(std::string(STEPSTREAM_BINARY) + " " + args +
                                                  " 2>&1");
}

TEST(Command, Version) {
  auto r = run("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, std::string("stepstream ") + STEPSTREAM_VERSION_STRING + "\n");
}

TEST(Command, HelpListsEverySubcommand) {
  auto r = run("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* c : {"validate", "compile", "disasm", "exec", "run", "broker"})
    EXPECT_NE(r.out.find(std::string("  ") + c + " "), std::string::npos) << c;
}

TEST(Command, NoArgumentsIsAUsageError) {
  auto r = run("");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("Usage: stepstream COMMAND"), std::string::npos);
}

TEST(Command, UnknownCommand) {
  auto r = run("frobnicate");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(Command, UnknownFlagGetsMessageAndUsage) {
  auto r = run("exec def.json --frobnicate");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("stepstream exec: unknown option --frobnicate"), std::string::npos);
  EXPECT_NE(r.out.find("Usage: stepstream exec DEF [options]"), std::string::npos);
}

TEST(Command, MissingArgument) {
  auto r = run("compile");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("missing argument FILE"), std::string::npos);
}

TEST(Command, SubcommandHelp) {
  auto r = run("run --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--brokers HOST:PORT"), std::string::npos);
}

}  // namespace
