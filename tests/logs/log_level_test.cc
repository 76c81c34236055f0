// Log filtering per level, checked row for row against AWS's table (cases/log_levels.txt).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/logs/level.h"

namespace stepstream::logs {
namespace {

struct Row {
  std::string type;
  bool all, error, fatal, off;
};

std::vector<Row> read_table() {
  std::ifstream in(std::filesystem::path(STEPSTREAM_SOURCE_DIR) /
                   "tests/logs/cases/log_levels.txt");
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Row r;
    std::string a, e, f, o;
    fields >> r.type >> a >> e >> f >> o;
    EXPECT_TRUE(fields) << "bad row: " << line;
    for (const std::string* mark : {&a, &e, &f, &o})
      EXPECT_TRUE(*mark == "x" || *mark == "-") << "bad mark in: " << line;
    r.all = a == "x";
    r.error = e == "x";
    r.fatal = f == "x";
    r.off = o == "x";
    rows.push_back(r);
  }
  return rows;
}

TEST(LogLevels, EachLevelLogsExactlyTheEventsAwsLists) {
  std::vector<Row> rows = read_table();
  ASSERT_GE(rows.size(), 50u);
  size_t error_rows = 0, fatal_rows = 0;
  for (const Row& r : rows) {
    EXPECT_EQ(logs_event(Level::kAll, r.type), r.all) << r.type << " at ALL";
    EXPECT_EQ(logs_event(Level::kError, r.type), r.error) << r.type << " at ERROR";
    EXPECT_EQ(logs_event(Level::kFatal, r.type), r.fatal) << r.type << " at FATAL";
    EXPECT_EQ(logs_event(Level::kOff, r.type), r.off) << r.type << " at OFF";
    error_rows += r.error;
    fatal_rows += r.fatal;
  }
  // Every type the filter knows for ERROR and FATAL is a row of the table.
  EXPECT_EQ(error_rows, 22u);
  EXPECT_EQ(fatal_rows, 3u);
}

TEST(LogLevels, NamesAreAwsNamesExactly) {
  for (Level l : {Level::kAll, Level::kError, Level::kFatal, Level::kOff})
    EXPECT_EQ(parse_level(name(l)), l);
  EXPECT_EQ(parse_level("ALL"), Level::kAll);
  EXPECT_EQ(parse_level("all"), std::nullopt);
  EXPECT_EQ(parse_level("WARN"), std::nullopt);
  EXPECT_EQ(parse_level(""), std::nullopt);
}

TEST(LogLevels, UnknownEventTypesOnlyAtAll) {
  EXPECT_TRUE(logs_event(Level::kAll, "SomethingNew"));
  EXPECT_FALSE(logs_event(Level::kError, "SomethingNew"));
  EXPECT_FALSE(logs_event(Level::kError, "executionfailed"));
  EXPECT_FALSE(logs_event(Level::kFatal, ""));
}

}  // namespace
}  // namespace stepstream::logs
