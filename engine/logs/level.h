// Log levels as AWS applies them to an execution's history events: ALL logs every event, ERROR and
// FATAL the event types AWS lists for them, OFF nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace stepstream::logs {

enum class Level : uint8_t { kOff, kFatal, kError, kAll };

std::string_view name(Level level);                       // "OFF", "FATAL", "ERROR", "ALL"
std::optional<Level> parse_level(std::string_view text);  // exactly AWS's names

// Whether AWS logs a history event of `type` at `level`.
bool logs_event(Level level, std::string_view type);

// Per pipeline, as AWS's LoggingConfiguration: level and includeExecutionData.
struct LogPolicy {
  Level level = Level::kOff;
  bool include_execution_data = false;
};

}  // namespace stepstream::logs
