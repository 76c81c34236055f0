// The record shape follows what AWS writes for Express workflows (seen in real log groups):
//   {"id":"2","type":"PassStateEntered","details":{"input":"{}","inputDetails":{"truncated":false},
//    "name":"Hello"},"previous_event_id":"0","event_timestamp":"1713959670680",
//    "execution_arn":"arn:aws:states:...:express:...","redrive_count":"0"}
// details holds the event's <type>EventDetails members in key order; without
// includeExecutionData, AWS leaves out input, inputDetails, output and outputDetails and keeps
// the rest (roleArn, name, error, cause). See "Logging using CloudWatch Logs" in the Step
// Functions developer guide: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
#include "engine/logs/record.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "engine/json/timestamp.h"
#include "engine/json/write.h"

namespace stepstream::logs {

namespace {

bool is_execution_data(std::string_view key) {
  return key == "input" || key == "inputDetails" || key == "output" || key == "outputDetails";
}

void append_int(int64_t v, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_quoted_int(int64_t v, std::string& out) {
  out += '"';
  append_int(v, out);
  out += '"';
}

void append_details(const json::Value& details, bool include_data, std::string& out) {
  out += '{';
  // Details objects have a handful of members; past kMax they keep their own order.
  constexpr size_t kMax = 16;
  std::array<const json::Member*, kMax> sorted;
  std::span<const json::Member> members = details.members();
  size_t n = 0;
  for (const json::Member& m : members)
    if (n < kMax) sorted[n++] = &m;
  if (members.size() <= kMax)
    std::sort(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(n),
              [](const json::Member* a, const json::Member* b) { return a->key < b->key; });
  bool first = true;
  auto put = [&](const json::Member& m) {
    if (!include_data && is_execution_data(m.key)) return;
    if (!first) out += ',';
    first = false;
    json::write_string(m.key, out);
    out += ':';
    json::write(m.value, out);
  };
  if (members.size() <= kMax) {
    for (size_t i = 0; i < n; ++i)
      put(*sorted[i]);
  } else {
    for (const json::Member& m : members)
      put(m);
  }
  out += '}';
}

constexpr std::string_view kDetailsSuffix = "EventDetails";

}  // namespace

uint32_t append_records(const LogPolicy& policy, std::string_view execution_arn,
                        std::span<const json::Value> history, std::string& out) {
  if (policy.level == Level::kOff) return 0;
  uint32_t n = 0;
  for (const json::Value& event : history) {
    const json::Value* type = event.find("type");
    if (type == nullptr || !type->is_string() || !logs_event(policy.level, type->as_string()))
      continue;
    const json::Value* id = event.find("id");
    const json::Value* previous = event.find("previousEventId");
    const json::Value* timestamp = event.find("timestamp");
    const json::Value* details = nullptr;
    for (const json::Member& m : event.members())
      if (m.key.ends_with(kDetailsSuffix) && m.value.is_object()) details = &m.value;
    int64_t nanos = 0;
    if (timestamp == nullptr || !timestamp->is_string() ||
        !json::parse_timestamp(timestamp->as_string(), nanos))
      nanos = 0;

    out += "{\"id\":";
    append_quoted_int(id != nullptr && id->is_int() ? id->as_int() : 0, out);
    out += ",\"type\":";
    json::write_string(type->as_string(), out);
    if (details != nullptr) {
      out += ",\"details\":";
      append_details(*details, policy.include_execution_data, out);
    }
    out += ",\"previous_event_id\":";
    append_quoted_int(previous != nullptr && previous->is_int() ? previous->as_int() : 0, out);
    out += ",\"event_timestamp\":";
    append_quoted_int(nanos / 1'000'000, out);
    out += ",\"execution_arn\":";
    json::write_string(execution_arn, out);
    // Express executions are never redriven; AWS writes the count all the same.
    out += ",\"redrive_count\":\"0\"}\n";
    ++n;
  }
  return n;
}

uint32_t count_records(const LogPolicy& policy, std::span<const json::Value> history) {
  if (policy.level == Level::kOff) return 0;
  uint32_t n = 0;
  for (const json::Value& event : history) {
    const json::Value* type = event.find("type");
    if (type != nullptr && type->is_string() && logs_event(policy.level, type->as_string())) ++n;
  }
  return n;
}

std::string express_execution_arn(std::string_view region, std::string_view account,
                                  std::string_view state_machine, std::string_view execution_name,
                                  std::string_view run_id) {
  std::string arn = "arn:aws:states:";
  arn.append(region).append(":").append(account).append(":express:");
  arn.append(state_machine).append(":").append(execution_name).append(":").append(run_id);
  return arn;
}

}  // namespace stepstream::logs
