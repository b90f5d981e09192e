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
  // The IPv4-mapped form of an address in the ranges is the same client.
  CHECK(b.check(kGooglebot, "::ffff:66.249.66.1").verification == CrawlerVerification::Verified);
}

TEST_CASE("verified bots: file errors name the file and line", "[bot][verified_bots]") {
  auto bad_range = VerifiedBots::parse(
      "bots:\n  - name: x\n    user_agent: [X]\n    ranges:\n      - 10.0.0.1/8\n", "b.yaml");
  REQUIRE_FALSE(bad_range);
  CHECK_THAT(bad_range.error().detail, Contains("b.yaml:5: "));
  CHECK_THAT(bad_range.error().detail, Contains("host bits"));

  auto not_cidr = VerifiedBots::parse(
      "bots:\n  - name: x\n    user_agent: [X]\n    ranges: [example.com/8]\n", "b.yaml");
  REQUIRE_FALSE(not_cidr);
  CHECK_THAT(not_cidr.error().detail, Contains("b.yaml:4: "));

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
