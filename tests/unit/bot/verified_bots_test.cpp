// Verified crawlers (bot/verified_bots.cpp) and the shipped rules/bots/verified-bots.yaml.
#include "bot/verified_bots.h"

#include <catch2/catch.hpp>

#include "proxy/config/config.h"

namespace rampart::bot {
namespace {

using Catch::Matchers::Contains;

constexpr std::string_view kGooglebot =
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

TEST_CASE("verified bots: the shipped file loads and tells crawlers from impostors",
          "[bot][verified_bots]") {
  auto bots = VerifiedBots::load(RAMPART_RULES_DIR "/bots/verified-bots.yaml");
  REQUIRE(bots);
  const VerifiedBots& b = *bots.value();
  CHECK(b.crawlers().size() >= 3);
  CrawlerCheck c = b.check(kGooglebot, "66.249.66.1");
  CHECK(c.verification == CrawlerVerification::Verified);
  CHECK(c.name == "googlebot");
  CHECK(b.check(kGooglebot, "2001:4860:4801:10::1").verification == CrawlerVerification::Verified);
  CHECK(b.check(kGooglebot, "203.0.113.9").verification == CrawlerVerification::Impostor);
  CHECK(b.check(kGooglebot, "not an ip").verification == CrawlerVerification::Impostor);
  CHECK(b.check("curl/8", "66.249.66.1").verification == CrawlerVerification::NotACrawler);
  // Patterns are case-insensitive.
  CHECK(b.check("BINGBOT/2.0", "157.55.39.7").verification == CrawlerVerification::Verified);
}

TEST_CASE("verified bots: address ranges", "[bot][verified_bots]") {
  auto r = parseAddressRange("192.0.2.0/24");
  REQUIRE(r);
  std::array<std::uint8_t, 16> ip{};
  REQUIRE(parseClientAddress("192.0.2.255", ip));
  CHECK(r.value().contains(ip));
  REQUIRE(parseClientAddress("192.0.3.0", ip));
  CHECK_FALSE(r.value().contains(ip));
  // An IPv4-mapped IPv6 client is the same address.
  REQUIRE(parseClientAddress("::ffff:192.0.2.7", ip));
  CHECK(r.value().contains(ip));

  auto odd = parseAddressRange("10.0.0.0/9");
  REQUIRE(odd);
  REQUIRE(parseClientAddress("10.127.255.255", ip));
  CHECK(odd.value().contains(ip));
  REQUIRE(parseClientAddress("10.128.0.0", ip));
  CHECK_FALSE(odd.value().contains(ip));

  auto v6 = parseAddressRange("2001:db8::/33");
  REQUIRE(v6);
  REQUIRE(parseClientAddress("2001:db8:7fff::1", ip));
  CHECK(v6.value().contains(ip));
  REQUIRE(parseClientAddress("2001:db8:8000::1", ip));
  CHECK_FALSE(v6.value().contains(ip));

  auto host = parseAddressRange("198.51.100.7");
  REQUIRE(host);
  CHECK(host.value().prefix_length == 128);

  CHECK_THAT(parseAddressRange("10.1.2.3/8").error().detail, Contains("host bits"));
  CHECK_THAT(parseAddressRange("10.0.0.0/33").error().detail, Contains("above 32"));
  CHECK_THAT(parseAddressRange("10.0.0.0/").error().detail, Contains("bad prefix"));
  CHECK_THAT(parseAddressRange("example.com/8").error().detail, Contains("not an IP"));
  CHECK_THAT(parseAddressRange("::/129").error().detail, Contains("above 128"));
}

TEST_CASE("verified bots: file errors name the file and line", "[bot][verified_bots]") {
  auto bad_range = VerifiedBots::parse(
      "bots:\n  - name: x\n    user_agent: [X]\n    ranges:\n      - 10.0.0.1/8\n", "b.yaml");
  REQUIRE_FALSE(bad_range);
  CHECK_THAT(bad_range.error().detail, Contains("b.yaml:5: "));
  CHECK_THAT(bad_range.error().detail, Contains("host bits"));

  auto unknown = VerifiedBots::parse("bots:\n  - name: x\n    user_agent: [X]\n    ip: 1\n", "b.yaml");
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().detail, Contains("b.yaml:4: unknown or malformed key 'ip'"));

  auto no_ua = VerifiedBots::parse("bots:\n  - name: x\n", "b.yaml");
  REQUIRE_FALSE(no_ua);
  CHECK_THAT(no_ua.error().detail, Contains("needs 'name' and 'user_agent'"));

  CHECK_FALSE(VerifiedBots::parse("[1, 2", "b.yaml"));
  CHECK_FALSE(VerifiedBots::parse("other: 1\n", "b.yaml"));
  CHECK_FALSE(VerifiedBots::load("/nonexistent/bots.yaml"));
}

}  // namespace
}  // namespace rampart::bot
