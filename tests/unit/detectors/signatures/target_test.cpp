#include "detectors/signatures/target.h"

#include <catch2/catch.hpp>

namespace rampart::signatures {
namespace {

using canonical::FieldSource;

TEST_CASE("parseTarget: source names, aliases and name restrictions", "[signatures]") {
  std::string problem;
  auto one = parseTarget("query_value", problem);
  REQUIRE(one.has_value());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].source == FieldSource::QueryValue);

  auto args = parseTarget("args", problem);
  REQUIRE(args.has_value());
  CHECK(args->size() == 5);
  auto body = parseTarget("body", problem);
  REQUIRE(body.has_value());
  CHECK(body->back().source == FieldSource::RawBody);

  auto header = parseTarget("header_value:User-Agent", problem);
  REQUIRE(header.has_value());
  CHECK((*header)[0].field_name == "user-agent");  // header names are compared lower-case

  CHECK_FALSE(parseTarget("query", problem).has_value());
  CHECK(problem == "unknown target 'query'");
  CHECK_FALSE(parseTarget("path:x", problem).has_value());
  CHECK_FALSE(parseTarget("body:x", problem).has_value());  // raw_body has no names
  CHECK_FALSE(parseTarget("header_value:", problem).has_value());
}

TEST_CASE("targetSelects: source and name", "[signatures]") {
  const canonical::Field agent{FieldSource::HeaderValue, "user-agent", "x"};
  CHECK(targetSelects(Target{FieldSource::HeaderValue, ""}, agent));
  CHECK(targetSelects(Target{FieldSource::HeaderValue, "user-agent"}, agent));
  CHECK_FALSE(targetSelects(Target{FieldSource::HeaderValue, "referer"}, agent));
  CHECK_FALSE(targetSelects(Target{FieldSource::QueryValue, ""}, agent));
  const canonical::Field query{FieldSource::QueryValue, "URL", "x"};
  CHECK_FALSE(targetSelects(Target{FieldSource::QueryValue, "url"}, query));  // exact
}

}  // namespace
}  // namespace rampart::signatures
