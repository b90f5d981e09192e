#include "state/rate_limit_headers.h"

#include <catch2/catch.hpp>

namespace rampart::state {
namespace {

TEST_CASE("rate limit headers follow the IETF draft", "[state][rate_limit_headers]") {
  CHECK(rateLimitHeaders({}).empty());
  auto one = rateLimitHeaders({{"per-ip", 100, 60'000'000, 0, 1'200'001}});
  REQUIRE(one.size() == 3);
  CHECK(one[0].name == "retry-after");
  CHECK(one[0].value == "2");
  CHECK(one[1].name == "ratelimit-policy");
  CHECK(one[1].value == "\"per-ip\";q=100;w=60");
  CHECK(one[2].name == "ratelimit");
  CHECK(one[2].value == "\"per-ip\";r=0;t=2");
  auto two = rateLimitHeaders({{"a", 10, 1'000'000, 0, 300}, {"b", 5, 500'000, 0, 7'000'000}});
  CHECK(two[0].value == "7");
  CHECK(two[1].value == "\"a\";q=10;w=1, \"b\";q=5;w=1");
  CHECK(two[2].value == "\"a\";r=0;t=1, \"b\";r=0;t=7");
}

TEST_CASE("rate limit headers on a response that passed", "[state][rate_limit_headers]") {
  auto fields = rateLimitStateHeaders({"per-ip", 100, 60'000'000, 42, 30'000'001});
  REQUIRE(fields.size() == 2);
  CHECK(fields[0].name == "ratelimit-policy");
  CHECK(fields[0].value == "\"per-ip\";q=100;w=60");
  CHECK(fields[1].name == "ratelimit");
  CHECK(fields[1].value == "\"per-ip\";r=42;t=31");
}

}  // namespace
}  // namespace rampart::state
