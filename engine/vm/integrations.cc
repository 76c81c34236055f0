// Integration parameter checks, one function per integration that has them.
#include "engine/vm/integrations.h"

namespace stepstream::vm {

namespace {

// API Gateway sends each header with a list of values: {"Name": ["v1", "v2"]}. AWS refuses any
// other shape (a plain string value included) with this message before it calls the API. A null
// Headers is let through as no headers: no recording shows what AWS makes of it.
bool header_values(const json::Value& headers) {
  if (!headers.is_object()) return false;
  for (const json::Member& h : headers.members()) {
    if (!h.value.is_array()) return false;
    for (const json::Value& v : h.value.items())
      if (!v.is_string()) return false;
  }
  return true;
}

std::string api_gateway_invoke(const json::Value& p) {
  const json::Value* headers = p.is_object() ? p.find("Headers") : nullptr;
  if (headers == nullptr || headers->is_null() || header_values(*headers)) return {};
  return "The value of the field 'Headers' has an invalid format";
}

}  // namespace

Integration integration_of(std::string_view resource) {
  // arn:<partition>:states:<region>:<account>:<service>:<api>[.<pattern>]
  std::string_view parts[6];
  for (int i = 0; i < 5; ++i) {
    size_t colon = resource.find(':');
    if (colon == std::string_view::npos) return Integration::kOther;
    parts[i] = resource.substr(0, colon);
    resource.remove_prefix(colon + 1);
  }
  parts[5] = resource;
  if (parts[0] != "arn" || parts[2] != "states") return Integration::kOther;
  std::string_view api = parts[5];
  if (api == "apigateway:invoke" || api == "apigateway:invoke.waitForTaskToken")
    return Integration::kApiGatewayInvoke;
  return Integration::kOther;
}

std::string parameters_problem(Integration integration, const json::Value& parameters) {
  switch (integration) {
    case Integration::kApiGatewayInvoke:
      return api_gateway_invoke(parameters);
    case Integration::kOther:
      break;
  }
  return {};
}

}  // namespace stepstream::vm
