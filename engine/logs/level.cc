// The event types each level logs, from AWS's table "Log levels" in the Step Functions developer
// guide: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-log-level
// (formerly cloudwatch-log-level.html; the Distributed Map events MapRunAborted and MapRunFailed
// joined the ERROR list with Distributed Map).
#include "engine/logs/level.h"

#include <algorithm>
#include <array>

namespace stepstream::logs {

namespace {

// Sorted, for binary search.
constexpr std::array<std::string_view, 22> kErrorEvents = {
    "ExecutionAborted",
    "ExecutionFailed",
    "ExecutionTimedOut",
    "FailStateEntered",
    "LambdaFunctionFailed",
    "LambdaFunctionScheduleFailed",
    "LambdaFunctionStartFailed",
    "LambdaFunctionTimedOut",
    "MapIterationAborted",
    "MapIterationFailed",
    "MapRunAborted",
    "MapRunFailed",
    "MapStateAborted",
    "MapStateFailed",
    "ParallelStateAborted",
    "ParallelStateFailed",
    "TaskFailed",
    "TaskStartFailed",
    "TaskStateAborted",
    "TaskSubmitFailed",
    "TaskTimedOut",
    "WaitStateAborted",
};
static_assert(std::is_sorted(kErrorEvents.begin(), kErrorEvents.end()));

constexpr std::array<std::string_view, 3> kFatalEvents = {
    "ExecutionAborted",
    "ExecutionFailed",
    "ExecutionTimedOut",
};
static_assert(std::is_sorted(kFatalEvents.begin(), kFatalEvents.end()));

}  // namespace

std::string_view name(Level level) {
  switch (level) {
    case Level::kOff:
      return "OFF";
    case Level::kFatal:
      return "FATAL";
    case Level::kError:
      return "ERROR";
    case Level::kAll:
      return "ALL";
  }
  return "?";
}

std::optional<Level> parse_level(std::string_view text) {
  for (Level l : {Level::kOff, Level::kFatal, Level::kError, Level::kAll})
    if (text == name(l)) return l;
  return std::nullopt;
}

bool logs_event(Level level, std::string_view type) {
  switch (level) {
    case Level::kOff:
      return false;
    case Level::kFatal:
      return std::binary_search(kFatalEvents.begin(), kFatalEvents.end(), type);
    case Level::kError:
      return std::binary_search(kErrorEvents.begin(), kErrorEvents.end(), type);
    case Level::kAll:
      return true;
  }
  return false;
}

}  // namespace stepstream::logs
