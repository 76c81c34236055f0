// `stepstream broker` alone, with kcat as the only client: what kcat produces, kcat reads back.
#include <gtest/gtest.h>

#include <string>

#include "tests/kafka/process.h"

namespace {

using namespace stepstream::testing_support;

TEST(Broker, PrintsItsAddressAndCarriesKcatRecords) {
  TempDir dir;
  BrokerProcess broker(dir, "roundtrip", 3);
  ASSERT_NE(broker.bootstraps().find("127.0.0.1:"), std::string::npos) << broker.bootstraps();
  write_text(dir.file("in.txt"), "a:first\nb:second\nc:third\n");
  ASSERT_EQ(
      shell("kcat -b " + broker.bootstraps() + " -P -t roundtrip -K: -l " + dir.file("in.txt")), 0);
  ASSERT_EQ(shell("kcat -b " + broker.bootstraps() + " -C -t roundtrip -e -q -f '%k=%s\\n' > " +
                  dir.file("out.txt")),
            0);
  std::string out = read_text(dir.file("out.txt"));
  for (const char* line : {"a=first\n", "b=second\n", "c=third\n"})
    EXPECT_NE(out.find(line), std::string::npos) << out;
  ASSERT_EQ(shell("kcat -b " + broker.bootstraps() + " -L -t roundtrip > " + dir.file("meta.txt")),
            0);
  EXPECT_NE(read_text(dir.file("meta.txt")).find("with 3 partitions"), std::string::npos)
      << read_text(dir.file("meta.txt"));
}

}  // namespace
