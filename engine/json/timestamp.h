// RFC 3339 timestamps as ASL uses them (Wait Timestamp, Timestamp* comparisons, IsTimestamp,
// the context object's times), held as nanoseconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stepstream::json {

// Parses an RFC 3339 date-time with AWS's rules: 'T' separator, 'Z' or a numeric offset
// required, optional fraction, calendar-valid fields. Returns false when `text` is not one.
[[nodiscard]] bool parse_timestamp(std::string_view text, int64_t& epoch_nanos);

// Formats as AWS prints execution times: "2024-03-17T11:09:25.123Z" (milliseconds, UTC).
std::string format_timestamp_millis(int64_t epoch_nanos);

}  // namespace stepstream::json
