// Execution history events -> the records AWS writes to CloudWatch Logs for Express executions:
// {"id","type","details","previous_event_id","event_timestamp","execution_arn","redrive_count"},
// numbers as strings and the time in epoch milliseconds, as AWS writes them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/json/value.h"
#include "engine/logs/level.h"

namespace stepstream::logs {

// Appends the record of each event of `history` (the VM's history events, in AWS's
// GetExecutionHistory shape) that `policy` logs, each followed by '\n'; returns how many.
uint32_t append_records(const LogPolicy& policy, std::string_view execution_arn,
                        std::span<const json::Value> history, std::string& out);

// How many records append_records would write, without writing them.
uint32_t count_records(const LogPolicy& policy, std::span<const json::Value> history);

// An Express execution's ARN: arn:aws:states:<region>:<account>:express:<machine>:<name>:<run id>.
std::string express_execution_arn(std::string_view region, std::string_view account,
                                  std::string_view state_machine, std::string_view execution_name,
                                  std::string_view run_id);

}  // namespace stepstream::logs
