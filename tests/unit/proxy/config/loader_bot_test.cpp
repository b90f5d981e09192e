// The `bot` sections of the loader (proxy/config/loader.cpp; docs/configuration.md "bot").
#include <catch2/catch.hpp>
#include <string>

#include "proxy/config/config.h"
#include "proxy/config/loader.h"

namespace rampart {
namespace {

using Catch::Matchers::Contains;

const std::string kBase = R"(listeners:
  - name: main
    address: 127.0.0.1:8080
clusters:
  - name: backend
    endpoints: ["127.0.0.1:9000"]
)";

TEST_CASE("config loader: bot keys round-trip", "[config][bot]") {
  auto result = loadConfigString(kBase + R"(client_intel:
  ip_lists: {office: )" RAMPART_RULES_DIR R"(/bots/verified-bots.yaml}
bot:
  behaviour:
    key: ip_ja4
    window_s: 120
    max_clients: 5000
    max_requests_per_window: 50
    max_auth_attempts: 4
routes:
  - name: api
    cluster: backend
    bot:
      mode: block
      block_below: 5
      challenge_below: 40
      log_below: 70
      block_categories: [fake_crawler, automated]
      allow_lists: [office]
)",
                                 "test.yaml");
  if (!result) FAIL(result.error().detail);
  const Config& c = result.value();
  CHECK(c.bot.behaviour_key == BehaviourKey::ClientIpJa4);
  CHECK(c.bot.behaviour_window_s == 120);
  CHECK(c.bot.behaviour_max_clients == 5000);
  CHECK(c.bot.behaviour_max_requests_per_window == 50);
  CHECK(c.bot.behaviour_max_auth_attempts == 4);
  CHECK(c.bot.verified_bots_file.empty());
  const RouteBotConfig& r = c.routes[0].bot;
  CHECK(r.mode == BotMode::Block);
  CHECK(r.block_below == 5);
  CHECK(r.challenge_below == 40);
  CHECK(r.log_below == 70);
  CHECK(r.block_categories == std::vector<std::string>{"fake_crawler", "automated"});
  CHECK(r.allow_lists == std::vector<std::string>{"office"});
}

TEST_CASE("config loader: bot defaults and errors", "[config][bot]") {
  auto plain = loadConfigString(kBase + "routes:\n  - name: api\n    cluster: backend\n", "t.yaml");
  REQUIRE(plain);
  CHECK(plain.value().routes[0].bot.mode == BotMode::Off);
  CHECK(plain.value().routes[0].bot.challenge_below == 30);
  CHECK(plain.value().routes[0].bot.block_categories == std::vector<std::string>{"fake_crawler"});

  auto category = loadConfigString(
      kBase + "routes:\n  - name: api\n    cluster: backend\n    bot:\n      block_categories: [automatd]\n",
      "t.yaml");
  REQUIRE_FALSE(category);
  CHECK_THAT(category.error().detail, Contains("t.yaml:11"));
  CHECK_THAT(category.error().detail, Contains("unknown bot category 'automatd'"));
  CHECK_THAT(category.error().detail, Contains("did you mean 'automated'"));

  auto mode = loadConfigString(
      kBase + "routes:\n  - name: api\n    cluster: backend\n    bot: {mode: enforce}\n", "t.yaml");
  REQUIRE_FALSE(mode);
  CHECK_THAT(mode.error().detail, Contains("unknown value 'enforce'"));

  auto score = loadConfigString(
      kBase + "routes:\n  - name: api\n    cluster: backend\n    bot: {block_below: 101}\n", "t.yaml");
  REQUIRE_FALSE(score);

  auto key = loadConfigString(kBase + "bot: {behaviour: {key: cookie}}\nroutes:\n  - name: api\n    cluster: backend\n",
                              "t.yaml");
  REQUIRE_FALSE(key);
  auto file = loadConfigString(kBase + "bot: {verified_bots_file: /nonexistent.yaml}\nroutes:\n  - name: api\n    cluster: backend\n",
                               "t.yaml");
  REQUIRE_FALSE(file);
  auto list = loadConfigString(
      kBase + "routes:\n  - name: api\n    cluster: backend\n    bot: {allow_lists: [ofice]}\n", "t.yaml");
  REQUIRE_FALSE(list);
  CHECK_THAT(list.error().detail, Contains("unknown IP list 'ofice'"));

  auto redis = loadConfigString(kBase + "bot: {behaviour: {store: redis}}\nroutes:\n  - name: api\n    cluster: backend\n",
                                "t.yaml");
  REQUIRE_FALSE(redis);
  CHECK_THAT(redis.error().detail, Contains("needs a 'rate_limits.redis' section"));
  auto with_redis = loadConfigString(
      kBase + "bot: {behaviour: {store: redis}}\nrate_limits: {redis: {address: \"127.0.0.1:6379\"}}\n"
              "routes:\n  - name: api\n    cluster: backend\n",
      "t.yaml");
  if (!with_redis) FAIL(with_redis.error().detail);
  CHECK(with_redis.value().bot.behaviour_store == BehaviourStore::Redis);

  auto unknown = loadConfigString(kBase + "bot: {behavior: {}}\nroutes:\n  - name: api\n    cluster: backend\n",
                                  "t.yaml");
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().detail, Contains("did you mean 'behaviour'"));
}

}  // namespace
}  // namespace rampart
