#include "bot/ip_list.h"

#include <catch2/catch.hpp>
#include <string>

namespace rampart::bot {
namespace {

using Catch::Matchers::Equals;

IpList parsed(std::string_view text) {
  auto list = IpList::parse(text, "test.list");
  if (!list) FAIL("unexpected error: " << list.error().detail);
  return std::move(list.value());
}

std::string errorOf(std::string_view text, std::size_t max_entries = kMaxIpListEntries) {
  auto list = IpList::parse(text, "test.list", max_entries);
  REQUIRE_FALSE(list);
  CHECK(list.error().reason == "config_invalid");
  CHECK(list.error().source == ErrorSource::Config);
  return list.error().detail;
}

bool has(const IpList& list, const char* ip) {
  auto address = parseIpAddress(ip);
  REQUIRE(address);
  return list.contains(*address);
}

TEST_CASE("ip list: comments, blank lines, addresses and networks", "[bot][ip_list]") {
  const IpList list = parsed(
      "# office and VPN\n"
      "\n"
      "  198.51.100.0/24   # office\n"
      "192.0.2.7\r\n"
      "2001:db8:1::/48\n"
      "2001:db8:ffff::5\n"
      "\t\n");
  CHECK(list.entries() == 4);
  CHECK(list.v4Ranges() == 2);
  CHECK(list.v6Ranges() == 2);
  CHECK(has(list, "198.51.100.0"));
  CHECK(has(list, "198.51.100.255"));
  CHECK_FALSE(has(list, "198.51.101.0"));
  CHECK_FALSE(has(list, "198.51.99.255"));
  CHECK(has(list, "192.0.2.7"));
  CHECK_FALSE(has(list, "192.0.2.6"));
  CHECK_FALSE(has(list, "192.0.2.8"));
  CHECK(has(list, "2001:db8:1::"));
  CHECK(has(list, "2001:db8:1:ffff:ffff:ffff:ffff:ffff"));
  CHECK_FALSE(has(list, "2001:db8:2::"));
  CHECK(has(list, "2001:db8:ffff::5"));
  CHECK_FALSE(has(list, "2001:db8:ffff::6"));
  // IPv4-mapped clients match IPv4 entries.
  CHECK(has(list, "::ffff:198.51.100.9"));
}

TEST_CASE("ip list: overlapping and adjacent ranges merge", "[bot][ip_list]") {
  const IpList list = parsed(
      "10.0.0.0/8\n"
      "10.1.0.0/16\n"    // inside the /8
      "11.0.0.0/9\n"     // adjacent to the /8
      "11.128.0.0/9\n"   // adjacent to that
      "9.255.255.255\n"  // adjacent below
      "172.16.0.0/12\n"  // apart
      "2001:db8::/33\n"
      "2001:db8:8000::/33\n");  // together one /32
  CHECK(list.entries() == 8);
  REQUIRE(list.v4Ranges() == 2);
  CHECK(list.v4()[0].first == 0x09FFFFFFu);
  CHECK(list.v4()[0].last == 0x0BFFFFFFu);
  CHECK(list.v6Ranges() == 1);
  CHECK(has(list, "9.255.255.255"));
  CHECK(has(list, "11.255.255.255"));
  CHECK_FALSE(has(list, "12.0.0.0"));
  CHECK_FALSE(has(list, "9.255.255.254"));
  CHECK(has(list, "2001:db8:ffff::1"));
}

TEST_CASE("ip list: the edges of the address space", "[bot][ip_list]") {
  const IpList all = parsed("0.0.0.0/0\n::/0\n");
  CHECK(has(all, "0.0.0.0"));
  CHECK(has(all, "255.255.255.255"));
  CHECK(has(all, "::"));
  CHECK(has(all, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  const IpList top =
      parsed("255.255.255.255\n255.255.255.254\nffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n");
  CHECK(top.v4Ranges() == 1);
  CHECK(has(top, "255.255.255.255"));
  CHECK_FALSE(has(top, "255.255.255.253"));
  CHECK(has(top, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  const IpList empty = parsed("# nothing yet\n");
  CHECK(empty.entries() == 0);
  CHECK_FALSE(has(empty, "192.0.2.1"));
  CHECK_FALSE(has(empty, "2001:db8::1"));
}

TEST_CASE("ip list: a v4-mapped IPv6 network is stored as IPv4", "[bot][ip_list]") {
  const IpList list = parsed("::ffff:192.0.2.0/120\n");
  CHECK(list.v4Ranges() == 1);
  CHECK(list.v6Ranges() == 0);
  CHECK(has(list, "192.0.2.200"));
  CHECK(has(list, "::ffff:192.0.2.200"));
}

TEST_CASE("ip list: bad lines name the file, the line and the reason", "[bot][ip_list]") {
  CHECK_THAT(errorOf("192.0.2.1\n\n# c\nnot-an-ip\n"),
             Equals("test.list:4: 'not-an-ip' is not an IPv4 or IPv6 address"));
  CHECK_THAT(errorOf("192.0.2.0/33\n"),
             Equals("test.list:1: '192.0.2.0/33': an IPv4 prefix is at most /32"));
  CHECK_THAT(errorOf("2001:db8::/129\n"),
             Equals("test.list:1: '2001:db8::/129': an IPv6 prefix is at most /128"));
  CHECK_THAT(errorOf("192.0.2.1/24\n"),
             Equals("test.list:1: '192.0.2.1/24': host bits are set below /24"));
  CHECK_THAT(errorOf("2001:db8::1/32\n"),
             Equals("test.list:1: '2001:db8::1/32': host bits are set below /32"));
  CHECK_THAT(errorOf("192.0.2.0/\n"),
             Equals("test.list:1: '192.0.2.0/': the prefix length is not a number"));
  CHECK_THAT(errorOf("192.0.2.0/24x\n"),
             Equals("test.list:1: '192.0.2.0/24x': the prefix length is not a number"));
  CHECK_THAT(errorOf("192.0.2.0 192.0.2.1\n"),
             Equals("test.list:1: '192.0.2.0 192.0.2.1' is not an IPv4 or IPv6 address"));
  CHECK_THAT(errorOf("192.0.2.1\n192.0.2.2\n192.0.2.3\n", 2),
             Equals("test.list:3: more than 2 entries"));
}

TEST_CASE("ip list: a missing file is an error with its path", "[bot][ip_list]") {
  auto list = IpList::loadFile("/nonexistent/rampart.list");
  REQUIRE_FALSE(list);
  CHECK_THAT(list.error().detail,
             Catch::Matchers::StartsWith("/nonexistent/rampart.list: cannot read IP list"));
}

}  // namespace
}  // namespace rampart::bot
