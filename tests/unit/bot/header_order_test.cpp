// The header-name order fingerprint (bot/header_order.cpp).
#include "bot/header_order.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "bot/digest.h"

namespace rampart::bot {
namespace {

TEST_CASE("header order: names in wire order, hashed", "[bot][header_order]") {
  HeaderList curl;
  curl.add("host", "a");
  curl.add("user-agent", "curl/8");
  curl.add("accept", "*/*");
  CHECK(headerOrderNames(curl) == "host,user-agent,accept");
  CHECK(headerOrderFingerprint(curl) == sha256Hex("host,user-agent,accept", 12));
  // Values do not matter, order does.
  HeaderList other_values;
  other_values.add("host", "b");
  other_values.add("user-agent", "Mozilla/5.0");
  other_values.add("accept", "text/html");
  CHECK(headerOrderFingerprint(other_values) == headerOrderFingerprint(curl));
  HeaderList swapped;
  swapped.add("host", "a");
  swapped.add("accept", "*/*");
  swapped.add("user-agent", "curl/8");
  CHECK(headerOrderFingerprint(swapped) != headerOrderFingerprint(curl));
  CHECK(headerOrderFingerprint(HeaderList{}).empty());
}

TEST_CASE("header order: at most 64 names", "[bot][header_order]") {
  HeaderList many;
  for (int i = 0; i < 100; ++i) many.add("x-" + std::to_string(i), "v");
  const std::string names = headerOrderNames(many);
  CHECK(std::count(names.begin(), names.end(), ',') == 63);
}

}  // namespace
}  // namespace rampart::bot
