#include "state/over_limit_cache.h"

#include <catch2/catch.hpp>
#include <string>

namespace rampart::state {
namespace {

TEST_CASE("over-limit cache: refuses until the wait ends", "[state][over_limit_cache]") {
  OverLimitCache cache(10);
  cache.remember("k", 1000, 0);
  CHECK(cache.refusedFor("k", 0) == 1000);
  CHECK(cache.refusedFor("k", 999) == 1);
  CHECK(cache.refusedFor("k", 1000) == 0);
  CHECK(cache.size() == 0);
  CHECK(cache.refusedFor("other", 0) == 0);
}

TEST_CASE("over-limit cache: bounded", "[state][over_limit_cache]") {
  OverLimitCache cache(3);
  for (int i = 0; i < 100; ++i) cache.remember("k" + std::to_string(i), 1000, 0);
  CHECK(cache.size() == 3);
  // Once the old entries expired, new keys take their place.
  cache.remember("late", 3000, 2000);
  CHECK(cache.refusedFor("late", 2000) == 1000);
  CHECK(cache.size() == 1);
  OverLimitCache off(0);
  off.remember("k", 1000, 0);
  CHECK(off.refusedFor("k", 0) == 0);
}

}  // namespace
}  // namespace rampart::state
