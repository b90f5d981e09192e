#include "bot/client_intel_stage.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "proxy/stats/stats.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart::bot {
namespace {

constexpr const char* kTestMmdb = RAMPART_TEST_MMDB;

// A list file for the life of a test.
class TempList {
 public:
  TempList(const std::string& name, const std::string& text)
      : path_("/tmp/rampart_client_intel_" + name + ".list") {
    std::ofstream(path_) << text;
  }
  ~TempList() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Harness {
  explicit Harness(Config config) {
    snapshot = test::makeTestSnapshot(std::move(config));
    auto made = makeClientIntelStageFactory(*snapshot);
    if (!made) FAIL(made.error().detail);
    factory = std::move(made.value());
    REQUIRE(factory != nullptr);
  }
  Verdict run(const std::string& client_ip) {
    ex = std::make_unique<test::FakeExchange>(snapshot);
    ex->mutableConnection().client_ip = client_ip;
    stage = factory->create(ex->worker());
    return stage->onRequestHeaders(*ex);
  }
  std::uint64_t counter(Counter c) const { return ex->worker().stats().counter(c); }

  std::shared_ptr<const ConfigSnapshot> snapshot;
  std::unique_ptr<ClientIntelStageFactory> factory;
  std::unique_ptr<test::FakeExchange> ex;
  std::unique_ptr<Stage> stage;
};

TEST_CASE("client intel stage: not built without client_intel or client_policy",
          "[bot][client_intel_stage]") {
  auto snapshot = test::makeTestSnapshot();
  auto made = makeClientIntelStageFactory(*snapshot);
  REQUIRE(made);
  CHECK(made.value() == nullptr);
}

TEST_CASE("client intel stage: no database, geo fields unknown, nothing blocks",
          "[bot][client_intel_stage]") {
  Config config = test::makeTestConfig();
  config.client_intel.configured = true;
  config.routes[0].client_policy.configured = true;
  config.routes[0].client_policy.allow_countries = {"DE"};  // unknown_country: allow
  Harness h(std::move(config));
  CHECK(h.run("192.0.2.1").kind == Verdict::Kind::Continue);
  CHECK(h.ex->record().country == "unknown");
  CHECK(h.ex->record().asn == 0);
  CHECK(h.ex->record().as_org == "unknown");
  CHECK(h.ex->record().ip_lists.empty());
  CHECK(h.ex->record().client_policy == "pass");
  CHECK(h.counter(Counter::client_intel_geo_lookups_total) == 0);
  CHECK(h.counter(Counter::client_policy_passed_total) == 1);
}

TEST_CASE("client intel stage: lists, deny, challenge and allow", "[bot][client_intel_stage]") {
  TempList office("office", "192.0.2.0/28\n");
  TempList tor("tor", "198.51.100.0/24\n2001:db8:7::/48\n");
  TempList abusers("abusers", "203.0.113.66\n192.0.2.5\n");
  Config config = test::makeTestConfig();
  config.client_intel.configured = true;
  config.client_intel.ip_lists = {
      {"office", office.path()}, {"tor", tor.path()}, {"abusers", abusers.path()}};
  RouteClientPolicyConfig& policy = config.routes[0].client_policy;
  policy.configured = true;
  policy.allow_lists = {"office"};
  policy.deny_lists = {"abusers"};
  policy.challenge_lists = {"tor"};
  Harness h(std::move(config));

  Verdict v = h.run("203.0.113.66");
  CHECK(v.kind == Verdict::Kind::Respond);
  CHECK(v.status == 403);
  CHECK(v.reason == "ip_list_denied");
  CHECK(h.ex->record().ip_lists == std::vector<std::string>{"abusers"});
  CHECK(h.ex->record().client_policy == "deny");
  CHECK(h.ex->record().client_policy_reason == "ip_list_denied");
  CHECK(h.counter(Counter::client_policy_ip_list_denied_total) == 1);
  CHECK(h.ex->worker().stats().detectorReason("client_policy", "ip_list_denied") == 1);

  v = h.run("2001:db8:7::9");
  CHECK(v.kind == Verdict::Kind::Continue);
  CHECK(h.ex->record().challenge_requested_by == "ip_list:tor");
  CHECK(h.ex->record().client_policy == "challenge");
  CHECK(h.counter(Counter::client_policy_challenged_total) == 1);

  // In office and abusers: the allow list wins, and both names are in the record for later
  // stages (the bot score bypass reads them there).
  v = h.run("192.0.2.5");
  CHECK(v.kind == Verdict::Kind::Continue);
  CHECK(h.ex->record().ip_lists == std::vector<std::string>{"office", "abusers"});
  CHECK(h.ex->record().client_policy == "allow_listed");
  CHECK(h.ex->record().challenge_requested_by.empty());
  CHECK(h.counter(Counter::client_policy_allow_listed_total) == 1);
}

TEST_CASE("client intel stage: detect mode records and counts, never acts",
          "[bot][client_intel_stage]") {
  TempList abusers("abusers_detect", "203.0.113.66\n");
  Config config = test::makeTestConfig();
  config.client_intel.configured = true;
  config.client_intel.ip_lists = {{"abusers", abusers.path()}};
  config.routes[0].client_policy.configured = true;
  config.routes[0].client_policy.mode = ClientPolicyMode::Detect;
  config.routes[0].client_policy.deny_lists = {"abusers"};
  Harness h(std::move(config));
  CHECK(h.run("203.0.113.66").kind == Verdict::Kind::Continue);
  CHECK(h.ex->record().client_policy == "detect_deny");
  CHECK(h.ex->record().client_policy_reason == "ip_list_denied");
  CHECK(h.counter(Counter::client_policy_shadow_total) == 1);
  CHECK(h.counter(Counter::client_policy_ip_list_denied_total) == 0);
}

TEST_CASE("client intel stage: GeoIP fields and country/ASN decisions",
          "[bot][client_intel_stage]") {
  if (std::string(kTestMmdb).empty()) {
    WARN("libmaxmind-db-writer-perl not installed: no test database");
    return;
  }
  Config config = test::makeTestConfig();
  config.client_intel.configured = true;
  config.client_intel.geoip.country_db = kTestMmdb;
  config.client_intel.geoip.asn_db = kTestMmdb;
  RouteClientPolicyConfig& policy = config.routes[0].client_policy;
  policy.configured = true;
  policy.deny_countries = {"US"};
  policy.deny_asns = {64499};
  policy.challenge_countries = {"DE"};
  Harness h(std::move(config));
  CHECK(h.factory->config().country_db == h.factory->config().asn_db);  // one file, one mapping

  Verdict v = h.run("127.0.0.1");
  CHECK(v.kind == Verdict::Kind::Continue);
  CHECK(h.ex->record().country == "DE");
  CHECK(h.ex->record().asn == 64500);
  CHECK(h.ex->record().as_org == "Loopback Test Net");
  CHECK(h.ex->record().challenge_requested_by == "country");
  CHECK(h.counter(Counter::client_intel_geo_lookups_total) == 1);  // one walk for both

  v = h.run("192.0.2.9");
  CHECK(v.status == 403);
  CHECK(v.reason == "country_denied");
  CHECK(h.counter(Counter::client_policy_country_denied_total) == 1);

  v = h.run("2001:db8::1");
  CHECK(v.status == 403);
  CHECK(v.reason == "asn_denied");

  v = h.run("8.8.8.8");
  CHECK(v.kind == Verdict::Kind::Continue);
  CHECK(h.ex->record().country == "unknown");
  CHECK(h.counter(Counter::client_intel_geo_misses_total) == 1);
}

TEST_CASE("client intel stage: bad files refuse the snapshot with their path",
          "[bot][client_intel_stage]") {
  TempList bad("bad", "192.0.2.1\nnonsense\n");
  Config config = test::makeTestConfig();
  config.client_intel.configured = true;
  config.client_intel.ip_lists = {{"bad", bad.path()}};
  auto built = buildSnapshot(config, 1);
  REQUIRE_FALSE(built);
  CHECK(built.error().detail == "client_intel.ip_lists.bad: " + bad.path() +
                                    ":2: 'nonsense' is not an IPv4 or IPv6 address");
  config.client_intel.ip_lists.clear();
  config.client_intel.geoip.country_db = bad.path();
  built = buildSnapshot(config, 1);
  REQUIRE_FALSE(built);
  CHECK_THAT(built.error().detail,
             Catch::Matchers::StartsWith("client_intel.geoip.country_db: " + bad.path() +
                                         ": cannot open GeoIP database: "));
}

}  // namespace
}  // namespace rampart::bot
