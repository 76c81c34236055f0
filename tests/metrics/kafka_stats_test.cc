// Consumer lag from librdkafka's statistics. cases/rdkafka_consumer_stats.json is a document
// librdkafka 2.0.2 (Debian's) emitted for a consumer of two topics on its mock cluster: partitions
// with a known lag, partitions whose lag is not known yet (-1), and the internal -1 partitions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/metrics/kafka_stats.h"

namespace stepstream::metrics {

// Found by GoogleTest through the type's namespace, so it cannot sit in the anonymous one.
void PrintTo(const PartitionLag& p, std::ostream* os) {
  *os << p.topic << "/" << p.partition << "=" << p.lag;
}

namespace {

std::string read_case(const std::string& name) {
  std::ifstream in(std::filesystem::path(STEPSTREAM_SOURCE_DIR) / "tests/metrics/cases" / name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(KafkaStats, RealConsumerDocumentGivesTheKnownLags) {
  std::string doc = read_case("rdkafka_consumer_stats.json");
  ASSERT_GT(doc.size(), 1000u);
  KafkaStatsParser parser;
  KafkaStatsResult r = parser.parse(doc);
  ASSERT_TRUE(r.ok()) << r.error;
  std::vector<PartitionLag> want = {{"events", 2, 25}, {"sensor-readings", 1, 0}};
  EXPECT_EQ(r.lags, want);
}

TEST(KafkaStats, ParserIsReusedAcrossDocumentsOfAnySize) {
  std::string big = read_case("rdkafka_consumer_stats.json");
  std::string small =
      R"({"name":"c","type":"consumer","topics":{"t":{"topic":"t","partitions":{)"
      R"("7":{"partition":7,"consumer_lag":1234567890123},"-1":{"partition":-1,"consumer_lag":-1}}}}})";
  KafkaStatsParser parser;
  for (int round = 0; round < 2; ++round) {
    KafkaStatsResult a = parser.parse(big);
    ASSERT_TRUE(a.ok()) << a.error;
    EXPECT_EQ(a.lags.size(), 2u);
    KafkaStatsResult b = parser.parse(small);
    ASSERT_TRUE(b.ok()) << b.error;
    std::vector<PartitionLag> want = {{"t", 7, 1234567890123}};
    EXPECT_EQ(b.lags, want);
  }
}

TEST(KafkaStats, PartitionsNotAssignedHereHaveNoLagSeries) {
  KafkaStatsParser parser;
  KafkaStatsResult r = parser.parse(R"({"topics":{"t":{"partitions":{)"
                                    R"("0":{"partition":0,"desired":false,"consumer_lag":5},)"
                                    R"("1":{"partition":1,"desired":true,"consumer_lag":6}}}}})");
  ASSERT_TRUE(r.ok()) << r.error;
  std::vector<PartitionLag> want = {{"t", 1, 6}};
  EXPECT_EQ(r.lags, want);
}

TEST(KafkaStats, TopicNamesAreUnescaped) {
  KafkaStatsParser parser;
  KafkaStatsResult r =
      parser.parse(R"({"topics":{"a\"b":{"partitions":{"0":{"consumer_lag":5,"partition":0}}}}})");
  ASSERT_TRUE(r.ok()) << r.error;
  std::vector<PartitionLag> want = {{"a\"b", 0, 5}};
  EXPECT_EQ(r.lags, want);
}

TEST(KafkaStats, ProducerAndEmptyDocumentsHaveNoLag) {
  KafkaStatsParser parser;
  KafkaStatsResult r = parser.parse(R"({"name":"p","type":"producer","topics":{}})");
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.lags.empty());
  r = parser.parse(R"({"name":"p","type":"producer"})");
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.lags.empty());
}

TEST(KafkaStats, BrokenDocumentsAreErrorsNotGuesses) {
  std::string doc = read_case("rdkafka_consumer_stats.json");
  KafkaStatsParser parser;
  size_t topics = doc.find("\"topics\"");
  ASSERT_NE(topics, std::string::npos);
  for (const std::string& bad : {
           doc.substr(0, topics + 200),  // cut inside the topics
           std::string(
               R"({"topics":{"t":{"partitions":{"0":{"partition":0,"consumer_lag":"x"}}}}})"),
           std::string(R"({"topics":[]})"),
           std::string("[1,2]"),
           std::string(""),
       }) {
    KafkaStatsResult r = parser.parse(bad);
    EXPECT_FALSE(r.ok()) << bad.substr(0, 80);
    EXPECT_TRUE(r.lags.empty());
    EXPECT_EQ(r.error.rfind("librdkafka statistics: ", 0), 0u) << r.error;
  }
}

}  // namespace
}  // namespace stepstream::metrics
