#include "bot/ip_address.h"

#include <catch2/catch.hpp>

namespace rampart::bot {
namespace {

TEST_CASE("ip address: v4, v6 and v4-mapped v6", "[bot][ip_address]") {
  auto v4 = parseIpAddress("192.0.2.1");
  REQUIRE(v4);
  CHECK(v4->family == IpFamily::V4);
  CHECK(v4->v4 == 0xC0000201u);
  auto v6 = parseIpAddress("2001:db8::1");
  REQUIRE(v6);
  CHECK(v6->family == IpFamily::V6);
  CHECK(static_cast<std::uint64_t>(v6->v6 >> 96) == 0x20010db8u);
  CHECK(static_cast<std::uint64_t>(v6->v6 & 0xFFFF) == 1);
  // A dual-stack listener reports IPv4 peers this way: compared as the IPv4 address.
  auto mapped = parseIpAddress("::ffff:192.0.2.1");
  REQUIRE(mapped);
  CHECK(mapped->family == IpFamily::V4);
  CHECK(mapped->v4 == 0xC0000201u);
}

TEST_CASE("ip address: what is not an address", "[bot][ip_address]") {
  for (const char* text : {"", "localhost", "192.0.2.1:80", "[::1]", "192.0.2", "fe80::1%eth0",
                           "192.0.2.256", "2001:db8::1/64"}) {
    INFO(text);
    CHECK_FALSE(parseIpAddress(text));
  }
}

}  // namespace
}  // namespace rampart::bot
