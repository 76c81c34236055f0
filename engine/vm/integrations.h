// What AWS checks of an optimized service integration's effective parameters before it calls the
// service: a Task whose Parameters fail the check never starts (no TaskScheduled); its state
// fails with States.Runtime, which no Retry or Catch takes. The integration is found once per
// Program from the resource, the check runs per invocation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/json/value.h"

namespace stepstream::vm {

enum class Integration : uint8_t {
  kOther,             // nothing checked
  kApiGatewayInvoke,  // arn:<partition>:states:::apigateway:invoke[.waitForTaskToken]
};

Integration integration_of(std::string_view resource);

// The reason, in AWS's words ("The value of the field 'Headers' has an invalid format"), that
// `parameters` cannot start a Task of `integration`; empty when they can.
std::string parameters_problem(Integration integration, const json::Value& parameters);

}  // namespace stepstream::vm
