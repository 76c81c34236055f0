// Integration parameter checks: which resources they apply to, and what they refuse.
#include "engine/vm/integrations.h"

#include <gtest/gtest.h>

#include "engine/json/parse.h"

namespace stepstream::vm {
namespace {

TEST(Integrations, ApiGatewayInvokeIsFoundInAnyPartitionAndPattern) {
  EXPECT_EQ(integration_of("arn:aws:states:::apigateway:invoke"), Integration::kApiGatewayInvoke);
  EXPECT_EQ(integration_of("arn:aws-cn:states:::apigateway:invoke.waitForTaskToken"),
            Integration::kApiGatewayInvoke);
  EXPECT_EQ(integration_of("arn:aws:states:::apigateway:invoke.sync"), Integration::kOther);
  EXPECT_EQ(integration_of("arn:aws:states:::aws-sdk:apigateway:getRestApis"), Integration::kOther);
  EXPECT_EQ(integration_of("arn:aws:states:::lambda:invoke"), Integration::kOther);
  EXPECT_EQ(integration_of("apigateway:invoke"), Integration::kOther);
}

std::string problem(std::string_view parameters) {
  json::Arena arena;
  json::ParseResult p = json::parse(parameters, arena);
  EXPECT_TRUE(p.ok()) << parameters;
  return parameters_problem(Integration::kApiGatewayInvoke, p.value);
}

TEST(Integrations, ApiGatewayHeadersAreListsOfStrings) {
  constexpr std::string_view kInvalid = "The value of the field 'Headers' has an invalid format";
  EXPECT_EQ(problem(R"({"Method": "GET"})"), "");
  EXPECT_EQ(problem(R"({"Headers": {}})"), "");
  EXPECT_EQ(problem(R"({"Headers": {"a": ["1"], "b": ["2", "3"], "c": []}})"), "");
  EXPECT_EQ(problem(R"({"Headers": null})"), "");
  EXPECT_EQ(problem(R"({"Headers": {"a": "1"}})"), kInvalid);
  EXPECT_EQ(problem(R"({"Headers": {"a": ["1", 2]}})"), kInvalid);
  EXPECT_EQ(problem(R"({"Headers": {"a": [["1"]]}})"), kInvalid);
  EXPECT_EQ(problem(R"({"Headers": ["a"]})"), kInvalid);
  EXPECT_EQ(problem(R"({"Headers": "a: 1"})"), kInvalid);
  EXPECT_EQ(parameters_problem(Integration::kOther, json::Value()), "");
}

}  // namespace
}  // namespace stepstream::vm
