#include "state/rate_limit_stage.h"

#include <catch2/catch.hpp>

#include "proxy/stats/stats.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart::state {
namespace {

// Rule names are unique per test: the process-wide LocalStore is shared by every test.
RateLimitRuleConfig rule(std::string name, std::uint64_t limit,
                         RateLimitAction action = RateLimitAction::Reject) {
  RateLimitRuleConfig r;
  r.name = std::move(name);
  r.key = {{RateLimitKeyPartKind::ClientIp, ""}};
  r.limit = limit;
  r.window_ms = 60'000;
  r.action = action;
  return r;
}

struct Harness {
  explicit Harness(std::vector<RateLimitRuleConfig> rules, bool response_headers = false) {
    Config config = test::makeTestConfig();
    config.rate_limits.rules = std::move(rules);
    config.rate_limits.response_headers = response_headers;
    snapshot = test::makeTestSnapshot(std::move(config));
    factory = makeRateLimitStageFactory(*snapshot);
    REQUIRE(factory != nullptr);
  }
  // One request through a fresh exchange and stage; the exchange is kept for inspection.
  Verdict run(const std::string& client_ip = "192.0.2.10", RequestHead req = test::makeGet()) {
    ex = std::make_unique<test::FakeExchange>(snapshot);
    ex->mutableConnection().client_ip = client_ip;
    ex->setRequest(std::move(req));
    stage = factory->create(ex->worker());
    return stage->onRequestHeaders(*ex);
  }
  std::uint64_t counter(Counter c) const { return ex->worker().stats().counter(c); }

  std::shared_ptr<const ConfigSnapshot> snapshot;
  std::unique_ptr<RateLimitStageFactory> factory;
  std::unique_ptr<test::FakeExchange> ex;
  std::unique_ptr<Stage> stage;
};

std::string headerOf(const DecisionRecord& r, std::string_view name) {
  for (const auto& h : r.local_reply_headers)
    if (h.name == name) return h.value;
  return {};
}

TEST_CASE("rate limit stage: no rules, no stage", "[state][rate_limit_stage]") {
  auto snapshot = test::makeTestSnapshot();
  CHECK(makeRateLimitStageFactory(*snapshot) == nullptr);
}

TEST_CASE("rate limit stage: admits the limit, then 429 with headers", "[state][rate_limit_stage]") {
  Harness h({rule("stage-basic", 3)});
  for (int i = 1; i <= 3; ++i) {
    const Verdict v = h.run();
    CHECK(v.kind == Verdict::Kind::Continue);
    REQUIRE(h.ex->record().rate_limits.size() == 1);
    const RateLimitEntry& e = h.ex->record().rate_limits[0];
    CHECK(e.outcome == "allowed");
    CHECK(e.count == static_cast<std::uint64_t>(i));
    CHECK(e.limit == 3);
    CHECK(e.remaining == static_cast<std::uint64_t>(3 - i));
    CHECK(e.store == "local");
    CHECK(e.key == "client_ip=192.0.2.10");
    CHECK(h.counter(Counter::rate_limit_allowed_total) == 1);
  }
  const Verdict v = h.run();
  CHECK(v.kind == Verdict::Kind::Respond);
  CHECK(v.status == 429);
  CHECK(v.reason == "rate_limited");
  const RateLimitEntry& e = h.ex->record().rate_limits[0];
  CHECK(e.outcome == "limited");
  CHECK(e.retry_after_ms > 0);
  CHECK(h.counter(Counter::rate_limit_limited_total) == 1);
  CHECK(headerOf(h.ex->record(), "ratelimit-policy") == "\"stage-basic\";q=3;w=60");
  CHECK(headerOf(h.ex->record(), "ratelimit").rfind("\"stage-basic\";r=0;t=", 0) == 0);
  CHECK(!headerOf(h.ex->record(), "retry-after").empty());
  // Another client has its own key.
  CHECK(h.run("192.0.2.99").kind == Verdict::Kind::Continue);
}

TEST_CASE("rate limit stage: log action is shadow mode", "[state][rate_limit_stage]") {
  Harness h({rule("stage-shadow", 1, RateLimitAction::Log)});
  CHECK(h.run().kind == Verdict::Kind::Continue);
  const Verdict v = h.run();
  CHECK(v.kind == Verdict::Kind::Continue);
  const RateLimitEntry& e = h.ex->record().rate_limits[0];
  CHECK(e.outcome == "limited");
  CHECK(e.action == "log");
  CHECK(h.counter(Counter::rate_limit_limited_total) == 1);
  CHECK(h.counter(Counter::rate_limit_shadow_total) == 1);
  CHECK(h.ex->record().local_reply_headers.empty());
}

TEST_CASE("rate limit stage: challenge action hands the client to the challenge stage",
          "[state][rate_limit_stage]") {
  Harness h({rule("stage-challenge", 1, RateLimitAction::Challenge)});
  CHECK(h.run().isContinue());
  CHECK(h.ex->record().challenge_requested_by.empty());
  const Verdict v = h.run();
  CHECK(v.isContinue());  // not a 429: the challenge stage decides
  const RateLimitEntry& e = h.ex->record().rate_limits[0];
  CHECK(e.outcome == "limited");
  CHECK(e.action == "challenge");
  CHECK(h.ex->record().challenge_requested_by == "rate_limit:stage-challenge");
  CHECK(h.counter(Counter::rate_limit_challenges_total) == 1);
  CHECK(h.ex->record().local_reply_headers.empty());
}

TEST_CASE("rate limit stage: a bot score threshold in the match", "[state][rate_limit_stage]") {
  auto bots = rule("stage-bot-score", 1);
  bots.match.bot_score_below = 30;
  Harness h({bots});
  auto runScored = [&](int score) {
    h.ex = std::make_unique<test::FakeExchange>(h.snapshot);
    h.ex->mutableConnection().client_ip = "192.0.2.77";
    h.ex->setRequest(test::makeGet());
    h.ex->record().bot_score = score;
    h.stage = h.factory->create(h.ex->worker());
    return h.stage->onRequestHeaders(*h.ex);
  };
  // Not scored, or scored as human: the rule does not apply however often.
  for (int i = 0; i < 3; ++i) {
    CHECK(runScored(-1).isContinue());
    CHECK(h.ex->record().rate_limits.empty());
    CHECK(runScored(30).isContinue());
    CHECK(h.ex->record().rate_limits.empty());
  }
  CHECK(runScored(29).isContinue());
  CHECK(h.ex->record().rate_limits.size() == 1);
  CHECK(runScored(5).status == 429);
}

TEST_CASE("rate limit stage: several rules apply and each is recorded", "[state][rate_limit_stage]") {
  auto tight = rule("stage-multi-tight", 1);
  tight.match.methods = {"POST"};
  auto loose = rule("stage-multi-loose", 100);
  auto other_path = rule("stage-multi-other", 1);
  other_path.match.path_prefix = "/other/";
  Harness h({tight, loose, other_path});
  RequestHead post = test::makeGet("/x");
  post.method = "POST";
  CHECK(h.run("192.0.2.10", post).kind == Verdict::Kind::Continue);
  CHECK(h.ex->record().rate_limits.size() == 2);
  const Verdict v = h.run("192.0.2.10", post);
  CHECK(v.status == 429);
  REQUIRE(h.ex->record().rate_limits.size() == 2);
  CHECK(h.ex->record().rate_limits[0].outcome == "limited");
  CHECK(h.ex->record().rate_limits[1].outcome == "allowed");  // still counted
  CHECK(h.ex->record().rate_limits[1].count == 2);
  // GET does not match the POST rule.
  CHECK(h.run("192.0.2.10", test::makeGet("/x")).kind == Verdict::Kind::Continue);
}

TEST_CASE("rate limit stage: a missing key part skips the rule", "[state][rate_limit_stage]") {
  auto by_key = rule("stage-missing", 1);
  by_key.key = {{RateLimitKeyPartKind::Header, "x-api-key"}};
  Harness h({by_key});
  CHECK(h.run().kind == Verdict::Kind::Continue);
  CHECK(h.run().kind == Verdict::Kind::Continue);
  CHECK(h.ex->record().rate_limits.empty());
  CHECK(h.counter(Counter::rate_limit_key_missing_total) == 1);
  RequestHead with_key = test::makeGet();
  with_key.headers.add("x-api-key", "k1");
  CHECK(h.run("192.0.2.10", with_key).kind == Verdict::Kind::Continue);
  CHECK(h.run("192.0.2.11", with_key).status == 429);  // the key, not the address, is counted
}

TEST_CASE("rate limit stage: gcra burst", "[state][rate_limit_stage]") {
  auto g = rule("stage-gcra", 60);
  g.algorithm = RateLimitAlgorithm::Gcra;
  g.burst = 2;
  Harness h({g});
  CHECK(h.run().kind == Verdict::Kind::Continue);
  CHECK(h.run().kind == Verdict::Kind::Continue);
  const Verdict v = h.run();
  CHECK(v.status == 429);
  CHECK(h.ex->record().rate_limits[0].retry_after_ms > 0);
  CHECK(h.ex->record().rate_limits[0].retry_after_ms <= 1000);
}

TEST_CASE("rate limit stage: fallback spec divides by expected instances", "[state][rate_limit_stage]") {
  auto r = rule("stage-fallback", 100);
  CHECK(limitSpecOf(r, 4).limit == 25);
  CHECK(limitSpecOf(r, 4).burst == 25);
  CHECK(limitSpecOf(r, 1000).limit == 1);
}

TEST_CASE("rate limit stage: response headers of the tightest rule", "[state][rate_limit_stage]") {
  auto loose = rule("stage-resp-loose", 100);
  auto tight = rule("stage-resp-tight", 5);
  auto shadow = rule("stage-resp-shadow", 1, RateLimitAction::Log);
  SECTION("on") {
    Harness h({loose, tight, shadow}, true);
    REQUIRE(h.run().kind == Verdict::Kind::Continue);
    ResponseHead response;
    response.status = 200;
    h.ex->setResponse(response);
    CHECK(h.stage->onResponseHeaders(*h.ex).kind == Verdict::Kind::Continue);
    const HeaderList& headers = h.ex->response()->headers;
    REQUIRE(headers.find("ratelimit-policy") != nullptr);
    CHECK(*headers.find("ratelimit-policy") == "\"stage-resp-tight\";q=5;w=60");
    CHECK(headers.find("ratelimit")->rfind("\"stage-resp-tight\";r=4;t=", 0) == 0);
  }
  SECTION("off by default") {
    Harness h({rule("stage-resp-off", 5)});
    REQUIRE(h.run().kind == Verdict::Kind::Continue);
    ResponseHead response;
    response.status = 200;
    h.ex->setResponse(response);
    h.stage->onResponseHeaders(*h.ex);
    CHECK(h.ex->response()->headers.find("ratelimit") == nullptr);
  }
}

}  // namespace
}  // namespace rampart::state
