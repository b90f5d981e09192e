// The `client_intel` section and routes' `client_policy` (proxy/config/loader.cpp;
// docs/configuration.md, docs/bots.md).
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "proxy/config/loader.h"

namespace rampart {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

// Existing files for the path checks (their contents are read when a snapshot is built).
const std::string kListA = "/tmp/rampart_loader_intel_a.list";
const std::string kListB = "/tmp/rampart_loader_intel_b.list";

struct Files {
  Files() {
    std::ofstream(kListA) << "192.0.2.0/24\n";
    std::ofstream(kListB) << "198.51.100.0/24\n";
  }
  ~Files() {
    std::remove(kListA.c_str());
    std::remove(kListB.c_str());
  }
};

// Lines 1..6; client_intel (when given) starts on line 7, then routes.
const std::string kBase = R"(listeners:
  - name: main
    address: 127.0.0.1:8080
clusters:
  - name: backend
    endpoints: ["127.0.0.1:9000"]
)";

std::string configWith(const std::string& client_intel, const std::string& policy) {
  return kBase + client_intel + "routes:\n  - name: api\n    cluster: backend\n" + policy;
}

Config loadOk(const std::string& client_intel, const std::string& policy = "") {
  Result<Config> result = loadConfigString(configWith(client_intel, policy), "test.yaml");
  if (!result) FAIL("unexpected error: " << result.error().detail);
  return std::move(result.value());
}

std::string errorOf(const std::string& client_intel, const std::string& policy = "") {
  Result<Config> result = loadConfigString(configWith(client_intel, policy), "test.yaml");
  REQUIRE_FALSE(result);
  CHECK(result.error().reason == "config_invalid");
  return result.error().detail;
}

TEST_CASE("config loader: client_intel and client_policy round-trip", "[config][client_intel]") {
  Files files;
  const Config c = loadOk("client_intel:\n  geoip: {country_db: " + kListA + ", asn_db: " + kListB +
                              "}\n  ip_lists:\n    office: " + kListA + "\n    tor: " + kListB +
                              "\n  reload_check_ms: 250\n",
                          R"(    client_policy:
      mode: detect
      allow_lists: [office]
      deny_lists: [tor]
      challenge_lists: [tor]
      allow_countries: [de, AT]
      unknown_country: challenge
      deny_countries: [RU]
      challenge_countries: [CN]
      deny_asns: [64512, 4200000000]
      challenge_asns: [64500, AS13335]
)");
  CHECK(c.client_intel.configured);
  CHECK(c.client_intel.geoip.country_db == kListA);
  CHECK(c.client_intel.geoip.asn_db == kListB);
  REQUIRE(c.client_intel.ip_lists.size() == 2);
  CHECK(c.client_intel.ip_lists[0].name == "office");
  CHECK(c.client_intel.ip_lists[0].file == kListA);
  CHECK(c.client_intel.ip_lists[1].name == "tor");
  CHECK(c.client_intel.reload_check_ms == 250);
  const RouteClientPolicyConfig& p = c.routes[0].client_policy;
  CHECK(p.configured);
  CHECK(p.mode == ClientPolicyMode::Detect);
  CHECK(p.allow_lists == std::vector<std::string>{"office"});
  CHECK(p.deny_lists == std::vector<std::string>{"tor"});
  CHECK(p.challenge_lists == std::vector<std::string>{"tor"});
  CHECK(p.allow_countries == std::vector<std::string>{"DE", "AT"});
  CHECK(p.unknown_country == UnknownCountryAction::Challenge);
  CHECK(p.deny_countries == std::vector<std::string>{"RU"});
  CHECK(p.challenge_countries == std::vector<std::string>{"CN"});
  CHECK(p.deny_asns == std::vector<std::uint32_t>{64512, 4200000000U});
  CHECK(p.challenge_asns == std::vector<std::uint32_t>{64500, 13335});
}

TEST_CASE("config loader: client_intel defaults", "[config][client_intel]") {
  const Config none = loadOk("");
  CHECK_FALSE(none.client_intel.configured);
  CHECK_FALSE(none.routes[0].client_policy.configured);
  const Config empty = loadOk("client_intel: {}\n", "    client_policy: {}\n");
  CHECK(empty.client_intel.configured);
  CHECK(empty.client_intel.reload_check_ms == 1000);
  CHECK(empty.client_intel.geoip.country_db.empty());
  CHECK(empty.routes[0].client_policy.configured);
  CHECK(empty.routes[0].client_policy.mode == ClientPolicyMode::Block);
}

TEST_CASE("config loader: client_intel errors", "[config][client_intel]") {
  Files files;
  SECTION("an unknown key, with a hint") {
    const std::string detail = errorOf("client_intel:\n  ip_list: {}\n");
    CHECK_THAT(detail, StartsWith("test.yaml:8:3: unknown key 'ip_list' in client_intel"));
    CHECK_THAT(detail, Contains("did you mean 'ip_lists'"));
  }
  SECTION("a missing database file") {
    CHECK_THAT(errorOf("client_intel:\n  geoip: {country_db: /nonexistent/x.mmdb}\n"),
               StartsWith("test.yaml:8:23: client_intel.geoip.country_db: file "
                          "'/nonexistent/x.mmdb' does not exist"));
  }
  SECTION("a missing list file") {
    CHECK_THAT(errorOf("client_intel:\n  ip_lists:\n    tor: /nonexistent/tor.list\n"),
               StartsWith("test.yaml:9:10: client_intel.ip_lists.tor: file "
                          "'/nonexistent/tor.list' does not exist"));
  }
  SECTION("a bad list name") {
    CHECK_THAT(errorOf("client_intel:\n  ip_lists:\n    \"a b\": " + kListA + "\n"),
               Contains("client_intel.ip_lists: list name 'a b' must be"));
  }
  SECTION("an unknown list in a route, with a hint") {
    const std::string detail = errorOf("client_intel:\n  ip_lists:\n    office: " + kListA + "\n",
                                       "    client_policy:\n      deny_lists: [ofice]\n");
    CHECK_THAT(detail, StartsWith("test.yaml:14:20: routes[0].client_policy.deny_lists[0]: "
                                  "unknown IP list 'ofice'"));
    CHECK_THAT(detail, Contains("did you mean 'office'"));
  }
  SECTION("a list name without any lists") {
    CHECK_THAT(errorOf("", "    client_policy:\n      allow_lists: [office]\n"),
               Contains("unknown IP list 'office' (client_intel.ip_lists defines none)"));
  }
  SECTION("an unknown policy key, with a hint") {
    const std::string detail = errorOf("", "    client_policy:\n      deny_country: [RU]\n");
    CHECK_THAT(detail, StartsWith("test.yaml:11:7: unknown key 'deny_country' in "
                                  "routes[0].client_policy"));
    CHECK_THAT(detail, Contains("did you mean 'deny_countries'"));
  }
  SECTION("a bad country code") {
    CHECK_THAT(errorOf("", "    client_policy:\n      deny_countries: [RUS]\n"),
               Contains("routes[0].client_policy.deny_countries[0]: 'RUS' is not a two-letter"));
  }
  SECTION("a bad ASN") {
    CHECK_THAT(errorOf("", "    client_policy:\n      deny_asns: [ASx3335]\n"),
               Contains("routes[0].client_policy.deny_asns[0]: 'ASx3335' is not an AS number"));
    CHECK_THAT(errorOf("", "    client_policy:\n      deny_asns: [AS4294967296]\n"),
               Contains("is not an AS number"));
    CHECK_THAT(errorOf("", "    client_policy:\n      deny_asns: [cloudflare]\n"),
               Contains("expected an integer"));
    CHECK_THAT(errorOf("", "    client_policy:\n      deny_asns: [0]\n"), Contains("out of range"));
  }
  SECTION("a bad mode") {
    CHECK_THAT(errorOf("", "    client_policy:\n      mode: shadow\n"),
               Contains("unknown value 'shadow'; expected one of: block, detect"));
  }
  SECTION("unknown_country without allow_countries") {
    CHECK_THAT(errorOf("", "    client_policy:\n      unknown_country: deny\n"),
               Contains("unknown_country: only applies with allow_countries"));
  }
  SECTION("reload_check_ms out of range") {
    CHECK_THAT(errorOf("client_intel:\n  reload_check_ms: 99999999\n"), Contains("out of range"));
  }
}

}  // namespace
}  // namespace rampart
