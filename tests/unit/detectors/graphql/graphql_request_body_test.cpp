#include "detectors/graphql/graphql_request_body.h"

#include <catch2/catch.hpp>

namespace rampart::graphql {
namespace {

TEST_CASE("graphql body: the query's syntax is replaced by its string literals", "[graphql]") {
  const auto body = inspectionBody(
      R"({"query": "query GetUser($id: ID!) { user(id: $id, note: \"it's \\\"x\\\"\") { name } }",)"
      R"( "variables": {"id": "1' or 1=1--"}, "operationName": null})");
  REQUIRE(body);
  CHECK(*body == R"({"query": "it's \"x\"", "variables": {"id": "1' or 1=1--"}, )"
                 R"("operationName": null})");
  // several literals: one per line; none: an empty string
  CHECK(inspectionBody(R"({"query":"{ a(x: \"one\") b(y: \"two\") }"})") ==
        std::optional<std::string>(R"({"query":"one\ntwo"})"));
  CHECK(inspectionBody(R"({"query":"{ viewer { login } }"})") ==
        std::optional<std::string>(R"({"query":""})"));
  // a batch
  CHECK(inspectionBody(R"([{"query":"{ a }"}, {"query":"{ b(s: \"x\") }", "variables": {}}])") ==
        std::optional<std::string>(R"([{"query":""}, {"query":"x", "variables": {}}])"));
}

TEST_CASE("graphql body: anything else is inspected as it is", "[graphql]") {
  CHECK_FALSE(inspectionBody(R"({"query": "select * from users where id = '1'"})"));  // not GraphQL
  CHECK_FALSE(inspectionBody(R"({"q": "{ a }"})"));                                  // no query
  CHECK_FALSE(inspectionBody(R"({"query": "{ a }", "query": "{ b }"})"));            // duplicate
  CHECK_FALSE(inspectionBody(R"({"query": "{ a }",})"));                             // bad JSON
  CHECK_FALSE(inspectionBody(R"({"query": "{ a }"} trailing)"));
  CHECK_FALSE(inspectionBody(R"({"query": {"nested": "{ a }"}})"));
  CHECK_FALSE(inspectionBody(R"("{ a }")"));
  CHECK_FALSE(inspectionBody(R"({"query": "{ a }", "v": "\ud800"})"));               // lone surrogate
  CHECK_FALSE(inspectionBody(""));
  std::string deep = R"({"query": "{ a }", "v": )";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  CHECK_FALSE(inspectionBody(deep));
}

}  // namespace
}  // namespace rampart::graphql
