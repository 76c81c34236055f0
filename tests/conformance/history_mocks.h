// Step Functions Local mock configs made from a recorded execution: a case that calls services
// (Lambda, SQS, ...) keeps, in its `history`, what each Task invocation was sent and what it
// returned or raised. Read in order and per state, that is a MockConfigFile test case; the
// runner runs the case against it, answering every Task as the service answered AWS.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json/arena.h"
#include "engine/json/value.h"

namespace stepstream::conformance {

// The names the made config uses: the runner's state machine name, and one test case.
inline constexpr std::string_view kMockStateMachine = "ConformanceStateMachine";
inline constexpr std::string_view kMockTestCase = "History";
// Activity states are answered by workers, not services, and Step Functions Local (and with it
// stepstream's mock handler) refuses to mock them: what their workers returned or failed with is
// this second test case, which the runner plays as a recorded worker behind the mock handler.
inline constexpr std::string_view kActivityWorkers = "ActivityWorkers";

struct HistoryMocks {
  std::string config;   // MockConfigFile text; empty when `why_not` is set
  std::string why_not;  // why the recording cannot be expressed as a mock config
  size_t invocations = 0;
  bool activities = false;  // the config has the kActivityWorkers test case
  // What each Task invocation was sent (TaskScheduled parameters, LambdaFunctionScheduled
  // input), per state in invocation order.
  std::map<std::string, std::vector<json::Value>, std::less<>> sent;
  // Task states whose calls the history does not show (they ran in a distributed Map's child
  // executions): their answers are read from the Map's results, what they were sent is unknown.
  std::set<std::string, std::less<>> unrecorded_inputs;
  // The Task states that set their own limits: a recorded States.Timeout of one of them is that
  // limit firing (AWS reports a missed heartbeat as States.Timeout too), which a run can replay.
  struct Limits {
    bool timeout = false;    // TimeoutSeconds or TimeoutSecondsPath
    bool heartbeat = false;  // HeartbeatSeconds or HeartbeatSecondsPath
  };
  std::map<std::string, Limits, std::less<>> limits;
};

// Reads the case `doc` (its definition and history; the rest of it is searched for the exact
// text of causes the recording shows parsed into JSON). Values are allocated in `arena`.
HistoryMocks mocks_from_history(const json::Value& doc, json::Arena& arena);

// The case's `${ext:...}` definition placeholders (resources the original test created)
// replaced by values of the right shape: "${ext:LambdaArn:fn}" becomes a Lambda function ARN.
// False with `why` set for a placeholder it does not know.
bool resolve_definition_placeholders(std::string& definition_text, std::string& why);

}  // namespace stepstream::conformance
