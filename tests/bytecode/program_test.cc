// Programs: golden disassembly, image round trips, and images the loader must refuse.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/bytecode/disasm.h"
#include "engine/compile/build.h"
#include "tests/support/case_files.h"

namespace stepstream::bytecode {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(STEPSTREAM_SOURCE_DIR) / "tests/bytecode/golden";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Program build(const std::string& source) {
  Program p;
  std::vector<asl::Problem> problems;
  EXPECT_TRUE(compile::build_program(source, {}, p, problems))
      << (problems.empty() ? "" : asl::to_string(problems[0]));
  return p;
}

std::vector<std::string> golden_names() {
  return stepstream::test::case_names(kGolden, ".asl.json");
}

class Golden : public testing::TestWithParam<std::string> {};

// Set STEPSTREAM_UPDATE_GOLDEN=1 to rewrite the .disasm files after an intended change.
TEST_P(Golden, DisassemblyMatches) {
  Program p = build(slurp(kGolden / (GetParam() + ".asl.json")));
  std::string listing = disassemble(p);
  fs::path want = kGolden / (GetParam() + ".disasm");
  if (std::getenv("STEPSTREAM_UPDATE_GOLDEN")) std::ofstream(want) << listing;
  EXPECT_EQ(listing, slurp(want));
}

TEST_P(Golden, ImageRoundTrips) {
  Program p = build(slurp(kGolden / (GetParam() + ".asl.json")));
  std::string image = save(p);
  Program q;
  std::string error;
  ASSERT_TRUE(load(image, q, error)) << error;
  EXPECT_EQ(disassemble(q), disassemble(p));
  EXPECT_EQ(save(q), image);  // the image format is deterministic
}

INSTANTIATE_TEST_SUITE_P(Files, Golden, testing::ValuesIn(golden_names()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

std::string sample_image() {
  return save(build(slurp(kGolden / "choice_wait_fail.asl.json")));
}

TEST(Image, RefusesCorruption) {
  std::string image = sample_image();
  Program p;
  std::string error;
  std::string flipped = image;
  flipped[flipped.size() / 2] ^= 0x40;
  EXPECT_FALSE(load(flipped, p, error));
  EXPECT_NE(error.find("checksum"), std::string::npos) << error;

  EXPECT_FALSE(load(image.substr(0, image.size() - 3), p, error));
  EXPECT_FALSE(load("SSBC", p, error));
  EXPECT_FALSE(load("{}", p, error));

  std::string future = image;
  future[4] = 99;  // version
  EXPECT_FALSE(load(future, p, error));
  EXPECT_NE(error.find("version 99"), std::string::npos) << error;
}

// Every truncation of a valid image is refused without a crash.
TEST(Image, EveryTruncationRefused) {
  std::string image = sample_image();
  Program p;
  std::string error;
  for (size_t n = 0; n < image.size(); ++n)
    EXPECT_FALSE(load(image.substr(0, n), p, error)) << n;
}

TEST(Verify, CatchesBadOperands) {
  Program p = build(slurp(kGolden / "choice_wait_fail.asl.json"));
  EXPECT_EQ(verify(p), "");
  Program bad = build(slurp(kGolden / "choice_wait_fail.asl.json"));
  bad.code[0] = encode(Op::LOADK, 0, bad.num_constants() + 5, 0);
  EXPECT_NE(verify(bad).find("LOADK operand B out of range"), std::string::npos) << verify(bad);
  bad.code[0] = encode(Op::GOTO, static_cast<uint32_t>(bad.states.size()), 0, 0);
  EXPECT_NE(verify(bad).find("GOTO operand A out of range"), std::string::npos) << verify(bad);
  bad.code[0] = encode(Op::JMP, 0, 0, static_cast<uint32_t>(bad.code.size()));
  EXPECT_NE(verify(bad).find("JMP operand C out of range"), std::string::npos) << verify(bad);
  bad.code[0] = Instr{0xff} << 56;
  EXPECT_NE(verify(bad).find("bad opcode"), std::string::npos) << verify(bad);
}

TEST(Constants, AreDeduplicated) {
  Program p = build(R"({"StartAt":"A","States":{
    "A":{"Type":"Pass","Result":{"k":"v"},"ResultPath":"$.a","Next":"B"},
    "B":{"Type":"Pass","Result":{"k":"v"},"ResultPath":"$.a","End":true}}})");
  int count = 0;
  for (uint32_t i = 0; i < p.num_constants(); ++i)
    count += p.constant(i).is_object() && p.constant(i).size() == 1;
  EXPECT_EQ(count, 1);
  EXPECT_EQ(p.paths.size(), 1u);  // "$.a" compiled once
}

}  // namespace
}  // namespace stepstream::bytecode
