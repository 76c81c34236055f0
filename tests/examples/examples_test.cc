// Every examples/NAME.asl.json runs through the real `stepstream exec` on NAME.input.json and
// must print exactly NAME.expected.json's result.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/json/parse.h"
#include "engine/json/write.h"
#include "tests/support/case_files.h"
#include "tests/support/run_command.h"

namespace {

namespace fs = std::filesystem;
using namespace stepstream;

const fs::path kExamples = fs::path(STEPSTREAM_SOURCE_DIR) / "examples";

std::vector<std::string> example_names() {
  return stepstream::test::case_names(kExamples, ".asl.json");
}

class Example : public testing::TestWithParam<std::string> {};

TEST_P(Example, ProducesExpectedResult) {
  fs::path base = kExamples / GetParam();
  auto [status, out] = testing_support::run_command(
      std::string(STEPSTREAM_BINARY) + " exec " + base.string() + ".asl.json --input-file " +
      base.string() + ".input.json --virtual-time --name example");
  EXPECT_EQ(status, 0);
  std::ifstream want_file(base.string() + ".expected.json");
  ASSERT_TRUE(want_file) << "missing " << base.string() << ".expected.json";
  std::string want_text((std::istreambuf_iterator<char>(want_file)),
                        std::istreambuf_iterator<char>());
  json::Arena arena;
  auto got = json::parse(out, arena);
  auto want = json::parse(want_text, arena);
  ASSERT_TRUE(got.ok()) << out;
  ASSERT_TRUE(want.ok());
  // Times come from the clock: compare everything else.
  EXPECT_TRUE(json::equal(*got.value.find("status"), *want.value.find("status"))) << out;
  if (const json::Value* o = want.value.find("output")) {
    EXPECT_TRUE(json::equal(*got.value.find("output"), *o)) << out;
  }
  for (const char* k : {"error", "cause"}) {
    if (const json::Value* v = want.value.find(k)) {
      EXPECT_TRUE(got.value.find(k) && json::equal(*got.value.find(k), *v)) << out;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, Example, testing::ValuesIn(example_names()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param;
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
