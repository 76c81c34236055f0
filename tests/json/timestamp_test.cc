// RFC 3339 timestamps as ASL accepts them, and AWS's millisecond format.
#include <gtest/gtest.h>

#include <limits>

#include "engine/json/timestamp.h"

namespace stepstream::json {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

int64_t ts(std::string_view text) {
  int64_t nanos = -1;
  EXPECT_TRUE(parse_timestamp(text, nanos)) << text;
  return nanos;
}

TEST(Timestamp, ParsesUtcAndOffsets) {
  EXPECT_EQ(ts("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ts("2016-03-14T01:59:00Z"), 1457920740 * kSecond);
  EXPECT_EQ(ts("2024-03-17T11:09:25Z"), 1710673765 * kSecond);
  EXPECT_EQ(ts("2024-03-17T11:09:25.123Z"), 1710673765 * kSecond + 123'000'000);
  EXPECT_EQ(ts("2024-03-17T11:09:25.1Z"), 1710673765 * kSecond + 100'000'000);
  EXPECT_EQ(ts("2024-03-17T11:09:25.123456789Z"), 1710673765 * kSecond + 123'456'789);
  // An offset names local time: 13:09:25+02:00 is 11:09:25Z.
  EXPECT_EQ(ts("2024-03-17T13:09:25+02:00"), ts("2024-03-17T11:09:25Z"));
  EXPECT_EQ(ts("2024-03-17T06:39:25-04:30"), ts("2024-03-17T11:09:25Z"));
  EXPECT_EQ(ts("2024-03-17T11:09:25+00:00"), ts("2024-03-17T11:09:25Z"));
  EXPECT_EQ(ts("2024-03-17T11:09:25-00:00"), ts("2024-03-17T11:09:25Z"));
  EXPECT_EQ(ts("2024-03-18T05:09:25+18:00"), ts("2024-03-17T11:09:25Z"));
  // Before the epoch, leap days, year ends.
  EXPECT_EQ(ts("1969-12-31T23:59:59Z"), -kSecond);
  EXPECT_EQ(ts("1969-12-31T23:59:59.5Z"), -kSecond / 2);
  EXPECT_EQ(ts("2000-02-29T00:00:00Z"), 951782400 * kSecond);
  EXPECT_EQ(ts("2024-02-29T12:00:00Z"), 1709208000 * kSecond);
  EXPECT_EQ(ts("2016-12-31T23:59:59Z"), 1483228799 * kSecond);
  EXPECT_EQ(ts("2001-01-01T00:00:00Z") - ts("2000-12-31T00:00:00Z"), 86400 * kSecond);
}

TEST(Timestamp, OrdersAsInstants) {
  EXPECT_LT(ts("2016-08-18T17:33:00Z"), ts("2016-08-18T17:33:00.001Z"));
  EXPECT_LT(ts("2016-08-18T19:33:00+03:00"), ts("2016-08-18T17:33:00Z"));
  EXPECT_EQ(ts("2016-08-18T19:33:00+02:00"), ts("2016-08-18T17:33:00Z"));
}

TEST(Timestamp, RejectsWhatAwsRejects) {
  int64_t out = 123;
  for (const char* bad : {
           "",
           "2016-12-05T21:29:29",              // no zone (AWS corpus: NO_Z)
           "2016-13-05T21:29:29Z",             // month 13 (AWS corpus: INVALID_DATE)
           "05-12-2016T21:29:29Z",             // wrong order (AWS corpus: INVALID_ISO)
           "2016-12-05T25:29:29Z",             // hour 25 (AWS corpus: INVALID_TIME)
           "2016-02-30T00:00:00Z",             // no February 30
           "2015-02-29T00:00:00Z",             // not a leap year
           "1900-02-29T00:00:00Z",             // centuries are not leap years
           "2016-04-31T00:00:00Z",             // April has 30 days
           "2016-00-10T00:00:00Z",             // month 0
           "2016-01-00T00:00:00Z",             // day 0
           "2016-01-01T00:60:00Z",             // minute 60
           "2016-01-01T00:00:60Z",             // no leap seconds (Java refuses them)
           "2016-01-01t00:00:00Z",             // lowercase t: the ASL spec requires 'T'
           "2016-01-01T00:00:00z",             // lowercase z: the spec requires 'Z'
           "2016-01-01 00:00:00Z",             // a space for the T
           "2016-01-01T00:00Z",                // seconds are required
           "2016-01-01T00:00:00.Z",            // a fraction needs digits
           "2016-01-01T00:00:00.1234567890Z",  // more than nanoseconds
           "2016-01-01T00:00:00,5Z",           // a comma fraction
           "2016-01-01T00:00:00+0100",         // offset without colon
           "2016-01-01T00:00:00+01",           // offset without minutes
           "2016-01-01T00:00:00+01:60",        // offset minutes 60
           "2016-01-01T00:00:00+18:01",        // beyond Java's offsets
           "2016-01-01T00:00:00+1:00",
           "2016-01-01T00:00:00ZZ",  // trailing characters
           "2016-01-01T00:00:00Z ",
           " 2016-01-01T00:00:00Z",
           "16-01-01T00:00:00Z",
           "2016-1-01T00:00:00Z",
           "+2016-01-01T00:00:00Z",
           "2016-01-01",
           "2016-01-01T",
           "2016-01-01T00:00:00+",
           "not a timestamp",
           "{% '2016-03-14T01:59:00Z' %}",  // AWS corpus: JSONATA
       }) {
    EXPECT_FALSE(parse_timestamp(bad, out)) << bad;
  }
  EXPECT_EQ(out, 123);  // untouched on failure
}

TEST(Timestamp, SaturatesBeyondInt64Nanoseconds) {
  // Still timestamps (IsTimestamp is true), still ordered before and after everything else.
  EXPECT_EQ(ts("9999-12-31T23:59:59Z"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ts("0000-01-01T00:00:00Z"), std::numeric_limits<int64_t>::min());
  EXPECT_LT(ts("2262-04-11T23:47:16Z"), ts("2262-04-11T23:47:17Z"));
  EXPECT_LT(ts("2262-04-11T23:47:15Z"), ts("9999-12-31T23:59:59Z"));
  EXPECT_LT(ts("0000-01-01T00:00:00Z"), ts("1677-09-22T00:00:00Z"));
  EXPECT_EQ(ts("2262-04-11T23:47:16.854775807Z"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ts("2262-04-11T23:47:16.854775806Z"), std::numeric_limits<int64_t>::max() - 1);
  EXPECT_EQ(ts("1677-09-21T00:12:43.145224192Z"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ts("1677-09-21T00:12:43.145224193Z"), std::numeric_limits<int64_t>::min() + 1);
  EXPECT_EQ(ts("1677-09-21T00:12:43.145224191Z"), std::numeric_limits<int64_t>::min());
}

TEST(Timestamp, FormatsMillisecondsUtc) {
  EXPECT_EQ(format_timestamp_millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp_millis(1710673765 * kSecond + 123'999'999),
            "2024-03-17T11:09:25.123Z");
  EXPECT_EQ(format_timestamp_millis(ts("2000-02-29T23:59:59.999Z")), "2000-02-29T23:59:59.999Z");
  EXPECT_EQ(format_timestamp_millis(ts("2016-12-31T23:59:59.5+01:00")), "2016-12-31T22:59:59.500Z");
  // Before 1970 the milliseconds round down, as a calendar reads.
  EXPECT_EQ(format_timestamp_millis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_timestamp_millis(-kSecond), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_timestamp_millis(std::numeric_limits<int64_t>::max()),
            "2262-04-11T23:47:16.854Z");
  EXPECT_EQ(format_timestamp_millis(std::numeric_limits<int64_t>::min()),
            "1677-09-21T00:12:43.145Z");
}

TEST(Timestamp, RoundTripsEveryDayOfFourHundredYears) {
  // One Gregorian cycle: every day parses and formats back to itself.
  for (int64_t day = -146097 / 2; day < 146097 / 2; day += 1) {
    int64_t nanos = day * 86400 * kSecond + int64_t{45296789} * 1'000'000;  // 12:34:56.789
    std::string text = format_timestamp_millis(nanos);
    int64_t back;
    ASSERT_TRUE(parse_timestamp(text, back)) << text;
    ASSERT_EQ(back, nanos) << text;
  }
}

}  // namespace
}  // namespace stepstream::json
