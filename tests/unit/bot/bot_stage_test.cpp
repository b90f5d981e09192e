// The bot stage (bot/bot_stage.cpp) and the score it writes (bot/bot_score.cpp), driven through
// a FakeExchange: record fields, policy actions, detect mode, the challenge hand-off, counters.
#include "bot/bot_stage.h"

#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>

#include "proxy/stats/stats.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart::bot {
namespace {

constexpr const char* kChromeUa =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 "
    "Safari/537.36";

struct Harness {
  explicit Harness(RouteBotConfig route_bot, BotConfig bot = {}) {
    Config config = test::makeTestConfig();
    config.routes[0].bot = std::move(route_bot);
    config.bot = std::move(bot);
    snapshot = test::makeTestSnapshot(std::move(config));
    auto built = makeBotStageFactory(*snapshot);
    REQUIRE(built);
    factory = std::move(built.value());
    REQUIRE(factory != nullptr);
  }
  Verdict run(RequestHead req, const std::string& client_ip = "192.0.2.10") {
    ex = std::make_unique<test::FakeExchange>(snapshot);
    ex->mutableConnection().client_ip = client_ip;
    ex->setRequest(std::move(req));
    ex->matchRoute();
    stage = factory->create(ex->worker());
    Verdict v = stage->onRequestHeaders(*ex);
    stage->onLog(*ex);
    return v;
  }
  std::uint64_t counter(Counter c) const { return ex->worker().stats().counter(c); }

  std::shared_ptr<const ConfigSnapshot> snapshot;
  std::unique_ptr<BotStageFactory> factory;
  std::unique_ptr<test::FakeExchange> ex;
  std::unique_ptr<Stage> stage;
};

RequestHead withUa(std::string ua, std::string target = "/") {
  RequestHead req = test::makeGet(std::move(target));
  req.headers.remove("user-agent");
  if (!ua.empty()) req.headers.add("user-agent", std::move(ua));
  return req;
}

RequestHead browserLike(std::string target = "/") {
  RequestHead req = test::makeGet(std::move(target));
  req.headers.remove("user-agent");
  req.headers.add("connection", "keep-alive");
  req.headers.add("user-agent", kChromeUa);
  req.headers.add("accept", "text/html");
  req.headers.add("sec-fetch-mode", "navigate");
  req.headers.add("accept-encoding", "gzip");
  req.headers.add("accept-language", "en");
  return req;
}

RouteBotConfig blockMode() {
  RouteBotConfig c;
  c.mode = BotMode::Block;
  return c;
}

TEST_CASE("bot stage: no route with bot.mode, no stage", "[bot][bot_stage]") {
  auto snapshot = test::makeTestSnapshot();
  auto built = makeBotStageFactory(*snapshot);
  REQUIRE(built);
  CHECK(built.value() == nullptr);
}

TEST_CASE("bot stage: curl is automated and challenged, a browser passes", "[bot][bot_stage]") {
  Harness h(blockMode());
  CHECK(h.run(withUa("curl/7.88.1")).isContinue());
  const DecisionRecord& r = h.ex->record();
  CHECK(r.bot_score == 19);
  CHECK(r.bot_category == "automated");
  CHECK(r.bot_action == "challenge");
  CHECK(r.challenge_requested_by == "bot_score");
  CHECK(r.ua_family == "curl");
  CHECK(r.ua_version == "7");
  REQUIRE(r.bot_components.size() == 1);
  CHECK(r.bot_components[0].name == "ua_automation_tool");
  CHECK(r.bot_components[0].weight == 80);
  CHECK(r.bot_components[0].detail == "curl/7.88.1");
  CHECK(r.header_order.size() == 12);
  CHECK(h.counter(Counter::bot_challenge_requests_total) == 1);

  CHECK(h.run(browserLike(), "192.0.2.11").isContinue());
  CHECK(h.ex->record().bot_score == 99);
  CHECK(h.ex->record().bot_category == "likely_human");
  CHECK(h.ex->record().bot_action == "allow");
  CHECK(h.ex->record().challenge_requested_by.empty());
  CHECK(h.counter(Counter::bot_allowed_total) == 1);
}

TEST_CASE("bot stage: block below a score, by category, detect mode", "[bot][bot_stage]") {
  RouteBotConfig c = blockMode();
  c.block_below = 10;
  Harness h(c);
  const Verdict v = h.run(withUa("sqlmap/1.7.2#stable (https://sqlmap.org)"));
  CHECK(v.kind == Verdict::Kind::Respond);
  CHECK(v.status == 403);
  CHECK(v.reason == "bot_score_blocked");
  CHECK(h.ex->record().bot_score == 4);
  CHECK(h.counter(Counter::bot_blocked_total) == 1);
  CHECK(h.ex->worker().stats().detectorReason("bot", "bot_score_blocked") == 1);

  // A Googlebot UA from outside Google's ranges: fake_crawler, blocked by default.
  const Verdict fake = h.run(withUa("Mozilla/5.0 (compatible; Googlebot/2.1)"), "203.0.113.5");
  CHECK(fake.reason == "bot_category_blocked");
  CHECK(h.ex->record().bot_category == "fake_crawler");
  CHECK(h.ex->record().verified_bot == "googlebot");
  // From inside them: verified, allowed although its score is low.
  CHECK(h.run(withUa("Mozilla/5.0 (compatible; Googlebot/2.1)"), "66.249.66.1").isContinue());
  CHECK(h.ex->record().bot_category == "verified_bot");
  CHECK(h.ex->record().bot_action == "allow");

  RouteBotConfig detect = c;
  detect.mode = BotMode::Detect;
  Harness d(detect);
  CHECK(d.run(withUa("sqlmap/1.7")).isContinue());
  CHECK(d.ex->record().bot_action == "block");
  CHECK(d.counter(Counter::bot_shadow_total) == 1);
  CHECK(d.counter(Counter::bot_blocked_total) == 0);
  CHECK(d.run(withUa("curl/8"), "192.0.2.99").isContinue());
  CHECK(d.ex->record().bot_action == "challenge");
  CHECK(d.ex->record().challenge_requested_by.empty());  // detect: nobody is challenged
}

TEST_CASE("bot stage: allow-listed IP lists bypass the policy", "[bot][bot_stage]") {
  RouteBotConfig c = blockMode();
  c.block_below = 50;
  c.allow_lists = {"office"};
  Harness h(c);
  h.ex = std::make_unique<test::FakeExchange>(h.snapshot);
  h.ex->setRequest(withUa("curl/8"));
  h.ex->matchRoute();
  h.ex->record().ip_lists = {"office"};
  auto stage = h.factory->create(h.ex->worker());
  CHECK(stage->onRequestHeaders(*h.ex).isContinue());
  CHECK(h.ex->record().bot_category == "allowlisted");
  CHECK(h.ex->record().bot_action == "allow");
}

TEST_CASE("bot stage: behaviour feeds the next requests' score", "[bot][bot_stage]") {
  BotConfig bot;
  bot.behaviour_max_auth_attempts = 3;
  bot.behaviour_max_clients = 1000;
  bot.behaviour_window_s = 3600;
  Harness h(blockMode(), bot);
  for (int i = 0; i < 5; ++i) {
    RequestHead req = browserLike("/api/login");
    req.method = "POST";
    h.run(std::move(req), "192.0.2.50");
  }
  h.run(browserLike("/"), "192.0.2.50");
  bool auth = false;
  for (const auto& c : h.ex->record().bot_components) auth |= c.name == "behaviour_auth_attempts";
  CHECK(auth);
  CHECK(h.ex->record().bot_score == 74);
}

TEST_CASE("bot score: the policy's order", "[bot][bot_stage]") {
  RouteBotPolicy p;
  p.block_below = 10;
  p.challenge_below = 30;
  p.log_below = 60;
  p.block_categories = {BotCategory::FakeCrawler};
  auto action = [&](int score, BotCategory category) {
    BotScore s;
    s.score = score;
    s.category = category;
    return decideBotAction(p, s).action;
  };
  CHECK(action(5, BotCategory::Automated) == BotAction::Block);
  CHECK(action(10, BotCategory::Automated) == BotAction::Challenge);
  CHECK(action(30, BotCategory::LikelyAutomated) == BotAction::Log);
  CHECK(action(60, BotCategory::LikelyHuman) == BotAction::Allow);
  CHECK(action(99, BotCategory::FakeCrawler) == BotAction::Block);
  CHECK(action(1, BotCategory::VerifiedBot) == BotAction::Allow);
  CHECK(action(1, BotCategory::Allowlisted) == BotAction::Allow);
  // Blocks name their cause.
  BotScore low;
  low.score = 5;
  low.category = BotCategory::Automated;
  CHECK(decideBotAction(p, low).reason == "bot_score_blocked");
  low.category = BotCategory::FakeCrawler;
  CHECK(decideBotAction(p, low).reason == "bot_category_blocked");
}

}  // namespace
}  // namespace rampart::bot

namespace rampart::bot {
namespace {

// CPU per request of the bot stage (fingerprint hashing, UA parse, consistency checks, the
// verified-bot check, the behaviour lookup and update, the record fields), on this thread as a
// worker runs it. Hidden; bench/bot.sh runs it from the release build:
//   build/release/tests/rampart_unit_tests "[.bench-bot]" -s
double stageMicros(Harness& h, const RequestHead& req, const ConnectionInfo& connection, int n) {
  h.ex = std::make_unique<test::FakeExchange>(h.snapshot);
  h.ex->mutableConnection() = connection;
  h.ex->setRequest(req);
  h.ex->matchRoute();
  timespec start{}, end{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  for (int i = 0; i < n; ++i) {
    h.ex->record() = DecisionRecord{};
    auto stage = h.factory->create(h.ex->worker());
    (void)stage->onRequestHeaders(*h.ex);
    stage->onLog(*h.ex);
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
  const double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
  return ns / n / 1000.0;
}

long rssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

TEST_CASE("Bot stage: CPU per request and memory per tracked client", "[.bench-bot]") {
  BotConfig bot;
  bot.behaviour_max_clients = 1'000'000;
  Harness h(blockMode(), bot);
  // Fill the tracker with 100k other clients so lookups run in a realistically full table.
  for (int i = 0; i < 100'000; ++i) {
    BehaviourObservation o;
    o.client_key = BehaviourTracker::keyOf("10.0." + std::to_string(i), "");
    o.now_s = 1;
    h.factory->config().tracker->observe(o);
  }
  ConnectionInfo chrome_tls;
  chrome_tls.client_ip = "198.51.100.7";
  chrome_tls.tls = true;
  chrome_tls.ja4 = "t13d1517h2_8daaf6152771_cb7bf5808d99";
  RequestHead chrome = browserLike("/products/42?colour=red");
  chrome.protocol = HttpProtocol::Http2;
  chrome.h2_fingerprint = "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p";
  chrome.headers.remove("connection");
  chrome.headers.add("sec-ch-ua", "\"Chromium\";v=\"156\"");
  chrome.headers.add("sec-ch-ua-mobile", "?0");
  chrome.headers.add("sec-ch-ua-platform", "\"Linux\"");
  chrome.headers.add("cookie", "session=3f9a1c2b7d; theme=dark");
  ConnectionInfo curl_tls = chrome_tls;
  curl_tls.client_ip = "198.51.100.8";
  curl_tls.ja4 = "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6";
  const RequestHead curl = withUa("curl/7.88.1", "/api/items");
  const int n = 200'000;
  WARN("Chrome over h2 (" << chrome.headers.size() << " headers): "
                          << stageMicros(h, chrome, chrome_tls, n) << " us/request");
  WARN("curl: " << stageMicros(h, curl, curl_tls, n) << " us/request");
  WARN("Googlebot claim (verified-bot check): "
       << stageMicros(h, withUa("Mozilla/5.0 (compatible; Googlebot/2.1)"), curl_tls, n)
       << " us/request");

  // Memory per tracked client: RSS growth while 500k new clients are observed.
  BehaviourTracker tracker(1'000'000, 60);
  const long before = rssKiB();
  for (int i = 0; i < 500'000; ++i) {
    BehaviourObservation o;
    o.client_key = BehaviourTracker::keyOf("172.16." + std::to_string(i), "");
    o.now_s = 1;
    tracker.observe(o);
  }
  const long after = rssKiB();
  REQUIRE(tracker.size() == 500'000);
  WARN("behaviour tracker: " << (after - before) * 1024.0 / 500'000 << " bytes per tracked client");
  WARN("entry: " << sizeof(BehaviourTracker::Entry) << " B, plus its list node and index entry");
}

}  // namespace
}  // namespace rampart::bot
