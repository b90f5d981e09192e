#include "bot/client_policy.h"

#include <catch2/catch.hpp>
#include <string>

namespace rampart::bot {
namespace {

const std::vector<IpListConfig> kLists = {
    {"office", "office.list"}, {"tor", "tor.list"}, {"abusers", "abusers.list"}};
constexpr ListMembership kOffice = 1U << 0;
constexpr ListMembership kTor = 1U << 1;
constexpr ListMembership kAbusers = 1U << 2;

RouteClientPolicyConfig policyConfig() {
  RouteClientPolicyConfig c;
  c.configured = true;
  return c;
}

// The decision's reason may point into the compiled policy (challenge reasons name their list),
// which lives only inside this helper: the copy it returns owns its reason.
struct OwnedDecision {
  ClientPolicyOutcome outcome = ClientPolicyOutcome::Pass;
  std::string reason;
};

OwnedDecision decide(const RouteClientPolicyConfig& c, std::string_view country,
                     std::uint32_t asn = 0, ListMembership lists = 0) {
  const CompiledClientPolicy compiled = compileClientPolicy(c, kLists);
  const ClientPolicyDecision d = decideClientPolicy(compiled, {country, asn, lists});
  return {d.outcome, std::string(d.reason)};
}

TEST_CASE("client policy: no policy, or nothing applies", "[bot][client_policy]") {
  RouteClientPolicyConfig off;
  CHECK(decide(off, "DE").outcome == ClientPolicyOutcome::Pass);
  RouteClientPolicyConfig c = policyConfig();
  c.deny_countries = {"RU"};
  CHECK(decide(c, "DE").outcome == ClientPolicyOutcome::Pass);
  CHECK(decide(c, "unknown").outcome == ClientPolicyOutcome::Pass);
}

TEST_CASE("client policy: deny reasons", "[bot][client_policy]") {
  RouteClientPolicyConfig c = policyConfig();
  c.deny_lists = {"abusers"};
  c.deny_countries = {"RU", "KP"};
  c.deny_asns = {64512};
  auto d = decide(c, "DE", 1, kAbusers);
  CHECK(d.outcome == ClientPolicyOutcome::Deny);
  CHECK(d.reason == kIpListDenied);
  d = decide(c, "KP");
  CHECK(d.outcome == ClientPolicyOutcome::Deny);
  CHECK(d.reason == kCountryDenied);
  d = decide(c, "DE", 64512);
  CHECK(d.outcome == ClientPolicyOutcome::Deny);
  CHECK(d.reason == kAsnDenied);
  // The list is checked first.
  CHECK(decide(c, "RU", 64512, kAbusers).reason == kIpListDenied);
  // A list the route does not name does nothing.
  CHECK(decide(c, "DE", 1, kTor).outcome == ClientPolicyOutcome::Pass);
}

TEST_CASE("client policy: an allow list skips every other check", "[bot][client_policy]") {
  RouteClientPolicyConfig c = policyConfig();
  c.allow_lists = {"office"};
  c.deny_lists = {"abusers"};
  c.deny_countries = {"RU"};
  c.challenge_asns = {64500};
  CHECK(decide(c, "RU", 64500, kOffice | kAbusers).outcome == ClientPolicyOutcome::AllowListed);
  CHECK(decide(c, "RU", 64500, kAbusers).outcome == ClientPolicyOutcome::Deny);
}

TEST_CASE("client policy: allow_countries and unknown_country", "[bot][client_policy]") {
  RouteClientPolicyConfig c = policyConfig();
  c.allow_countries = {"DE", "AT", "CH"};
  CHECK(decide(c, "AT").outcome == ClientPolicyOutcome::Pass);
  auto d = decide(c, "US");
  CHECK(d.outcome == ClientPolicyOutcome::Deny);
  CHECK(d.reason == kCountryDenied);
  // Unknown: allowed by default, so a missing database locks nobody out.
  CHECK(decide(c, "unknown").outcome == ClientPolicyOutcome::Pass);
  c.unknown_country = UnknownCountryAction::Deny;
  CHECK(decide(c, "unknown").reason == kCountryDenied);
  c.unknown_country = UnknownCountryAction::Challenge;
  d = decide(c, "unknown");
  CHECK(d.outcome == ClientPolicyOutcome::Challenge);
  CHECK(d.reason == kChallengeByCountry);
}

TEST_CASE("client policy: challenges name their cause", "[bot][client_policy]") {
  RouteClientPolicyConfig c = policyConfig();
  c.challenge_lists = {"abusers", "tor"};
  c.challenge_countries = {"CN"};
  c.challenge_asns = {64500};
  auto d = decide(c, "DE", 1, kTor);
  CHECK(d.outcome == ClientPolicyOutcome::Challenge);
  CHECK(d.reason == "ip_list:tor");
  // Config order of challenge_lists decides which list names it.
  CHECK(decide(c, "DE", 1, kTor | kAbusers).reason == "ip_list:abusers");
  CHECK(decide(c, "CN").reason == kChallengeByCountry);
  CHECK(decide(c, "DE", 64500).reason == kChallengeByAsn);
  // A deny outranks a challenge.
  c.deny_asns = {64500};
  CHECK(decide(c, "CN", 64500).outcome == ClientPolicyOutcome::Deny);
}

}  // namespace
}  // namespace rampart::bot
