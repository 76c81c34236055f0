// RFC 3339 timestamps: a strict hand-written parser (no locale, no allocation) and the
// millisecond UTC formatter AWS uses for execution times.
#include "engine/json/timestamp.h"

#include <limits>

namespace stepstream::json {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The inverse: year, month, day of a day count since 1970-01-01.
void civil_from_days(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, size_t& pos, int n, int64_t& out) {
  if (s.size() - pos < static_cast<size_t>(n)) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

void put2(std::string& out, int64_t v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

// YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM). The ASL specification requires the uppercase
// 'T' and 'Z'; seconds 60 and more than nine fraction digits are refused as Java's
// ISO_OFFSET_DATE_TIME (which AWS parses TimestampPath values with) refuses them, and offsets
// are limited to Java's +-18:00. Times beyond int64 nanoseconds (before 1677 or after 2262)
// saturate, so that they still parse and still order before or after every other time.
bool parse_timestamp(std::string_view s, int64_t& epoch_nanos) {
  size_t pos = 0;
  int64_t year, month, day, hour, minute, second;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, day) || !expect(s, pos, 'T') ||
      !digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !digits(s, pos, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, static_cast<int>(month)) ||
      hour > 23 || minute > 59 || second > 59)
    return false;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++n > 9) return false;
      nanos = nanos * 10 + (s[pos++] - '0');
    }
    if (n == 0) return false;
    for (; n < 9; ++n)
      nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos >= s.size()) return false;  // the zone is required
  char z = s[pos++];
  if (z == '+' || z == '-') {
    int64_t oh, om;
    if (!digits(s, pos, 2, oh) || !expect(s, pos, ':') || !digits(s, pos, 2, om)) return false;
    if (om > 59 || oh * 60 + om > 18 * 60) return false;
    offset_seconds = (oh * 60 + om) * 60 * (z == '-' ? -1 : 1);
  } else if (z != 'Z') {
    return false;
  }
  if (pos != s.size()) return false;

  // At most about 3.2e11 seconds for year 9999: no overflow before the nanosecond scaling.
  int64_t seconds =
      days_from_civil(year, static_cast<int>(month), static_cast<int>(day)) * kSecondsPerDay +
      hour * 3600 + minute * 60 + second - offset_seconds;
  // Before 1970, borrow a second so that the product stays in range down to int64's minimum.
  if (seconds < 0 && nanos > 0) {
    ++seconds;
    nanos -= kNanosPerSecond;
  }
  int64_t total;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &total) ||
      __builtin_add_overflow(total, nanos, &total)) {
    total = seconds < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  epoch_nanos = total;
  return true;
}

std::string format_timestamp_millis(int64_t epoch_nanos) {
  // Floor division, so that instants before 1970 format as the calendar says.
  int64_t millis = epoch_nanos / 1'000'000;
  if (epoch_nanos % 1'000'000 < 0) --millis;
  int64_t seconds = millis / 1000;
  int64_t ms = millis % 1000;
  if (ms < 0) {
    ms += 1000;
    --seconds;
  }
  int64_t days = seconds / kSecondsPerDay;
  int64_t sod = seconds % kSecondsPerDay;
  if (sod < 0) {
    sod += kSecondsPerDay;
    --days;
  }
  int64_t year;
  int month, day;
  civil_from_days(days, year, month, day);
  std::string out;
  out.reserve(24);
  // int64 nanoseconds span years 1677 to 2262: always four digits.
  put2(out, year / 100);
  put2(out, year % 100);
  out.push_back('-');
  put2(out, month);
  out.push_back('-');
  put2(out, day);
  out.push_back('T');
  put2(out, sod / 3600);
  out.push_back(':');
  put2(out, sod / 60 % 60);
  out.push_back(':');
  put2(out, sod % 60);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + ms / 100));
  put2(out, ms % 100);
  out.push_back('Z');
  return out;
}

}  // namespace stepstream::json
