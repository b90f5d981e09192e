#include "bot/bot_stage.h"

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstdio>
#include <functional>
#include <optional>

#include "bot/digest.h"
#include "bot/header_order.h"
#include "bot/user_agent.h"
#include "bot/verified_bots.h"
#include "proxy/api/exchange.h"
#include "proxy/config_snapshot.h"
#include "proxy/stats/stats.h"
#include "proxy/worker_context.h"
#include "state/remote_limiter.h"

namespace rampart::bot {
namespace {

constexpr std::string_view kDetector = "bot";
constexpr std::string_view kScoreBlocked = "bot_score_blocked";
constexpr std::string_view kCategoryBlocked = "bot_category_blocked";

double monotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string_view pathOf(std::string_view target) {
  const std::size_t q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

bool endsWithAny(std::string_view path, std::initializer_list<std::string_view> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](std::string_view s) {
    if (path.size() < s.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(path[path.size() - s.size() + i])) != s[i])
        return false;
    return true;
  });
}

bool containsAnyLower(std::string_view path, std::initializer_list<std::string_view> needles) {
  std::string lowered(path.substr(0, 256));
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return lowered.find(n) != std::string::npos; });
}

bool isAsset(std::string_view path) {
  return endsWithAny(path, {".css", ".js", ".mjs", ".png", ".jpg", ".jpeg", ".gif", ".svg",
                            ".webp", ".avif", ".ico", ".woff", ".woff2", ".ttf", ".map"});
}

bool isPage(const RequestHead& head) {
  if (const std::string* dest = head.headers.find("sec-fetch-dest")) return *dest == "document";
  const std::string* accept = head.headers.find("accept");
  return accept != nullptr && accept->find("text/html") != std::string::npos;
}

bool isAuthAttempt(const RequestHead& head, std::string_view path) {
  return head.method == "POST" &&
         containsAnyLower(path, {"login", "signin", "sign-in", "auth", "token", "session",
                                 "password"});
}

std::uint64_t keyOf(const BotStageConfig& config, const ConnectionInfo& connection) {
  return BehaviourTracker::keyOf(connection.client_ip, config.behaviour_key ==
                                                               BehaviourKey::ClientIpJa4
                                                           ? std::string_view(connection.ja4)
                                                           : std::string_view());
}

class BotStage final : public Stage {
 public:
  BotStage(std::shared_ptr<const BotStageConfig> config, WorkerContext& worker)
      : config_(std::move(config)), worker_(worker) {}

  Verdict onRequestHeaders(Exchange& ex) noexcept override {
    const RouteBotPolicy* policy = policyFor(ex);
    if (policy == nullptr) return Verdict::next();
    scored_ = true;
    client_key_ = keyOf(*config_, ex.connection());
    try {
      return score(ex, *policy);
    } catch (...) {
      // Out of memory while scoring: the request is neither scored nor refused by this stage
      // (the bot score is a signal, not a detector that must fail closed).
      ex.worker().stats().inc(Counter::bot_errors_total);
      return Verdict::next();
    }
  }

  void onLog(const Exchange& ex) noexcept override {
    if (!scored_) return;
    const RequestHead& head = ex.request();
    const std::string_view path = pathOf(head.target);
    BehaviourObservation o;
    o.client_key = client_key_;
    o.now_s = monotonicSeconds();
    o.status = ex.record().status;
    o.path_hash = std::hash<std::string_view>{}(path);
    o.asset = isAsset(path);
    o.page = !o.asset && isPage(head);
    o.auth_attempt = isAuthAttempt(head, path);
    config_->tracker->observe(o);
    if (config_->behaviour_in_redis) countInRedis(o);
  }

 private:
  // One sliding-window increment per counter the request touches; Redis answers with the count
  // of every instance, which goes into the tracker. Nothing waits: an unavailable Redis (breaker
  // open, overloaded, error) leaves the local counts in charge.
  void countInRedis(const BehaviourObservation& o) noexcept {
    WorkerContext& worker = worker_;
    try {
      if (!limiter_)
        limiter_ = state::RemoteLimiter::of(worker, config_->redis, config_->over_limit_cache_keys);
      state::LimitSpec spec;
      spec.algorithm = state::Algorithm::SlidingWindow;
      spec.limit = 1'000'000'000;
      spec.window_us = static_cast<std::int64_t>(config_->window_s * 1e6);
      spec.burst = spec.limit;
      char client[17];
      std::snprintf(client, sizeof(client), "%016llx", static_cast<unsigned long long>(o.client_key));
      auto count = [&](FleetCounter counter) {
        const std::string key = "bhv:{" +
                                sha256Hex(std::string(fleetCounterName(counter)) + "|" + client, 32) +
                                "}";
        std::shared_ptr<BehaviourTracker> tracker = config_->tracker;
        const std::uint64_t client_key = o.client_key;
        const state::RedisIssue issued = limiter_->decide(
            key, spec, [tracker, client_key, counter](const state::RedisAnswer& answer) {
              if (answer.result != state::RedisCallResult::Answered) return;
              tracker->recordFleetCount(client_key, counter,
                                        static_cast<std::uint32_t>(std::min<std::uint64_t>(
                                            answer.decision.count, 0xFFFFFFFFu)),
                                        monotonicSeconds());
            });
        worker.stats().inc(issued == state::RedisIssue::Issued
                               ? Counter::bot_behaviour_redis_calls_total
                               : Counter::bot_behaviour_redis_skipped_total);
      };
      count(FleetCounter::Requests);
      if (o.status >= 400 && o.status < 500) count(FleetCounter::ClientErrors);
      if (o.status == 404) count(FleetCounter::NotFound);
      if (o.auth_attempt) count(FleetCounter::AuthAttempts);
    } catch (...) {
      worker.stats().inc(Counter::bot_errors_total);
    }
  }

  const RouteBotPolicy* policyFor(const Exchange& ex) const {
    const RouteConfig* route = ex.route();
    if (route == nullptr) return nullptr;
    const auto index = static_cast<std::size_t>(route - ex.config().config.routes.data());
    if (index >= config_->routes.size() || config_->routes[index].mode == BotMode::Off)
      return nullptr;
    return &config_->routes[index];
  }

  Verdict score(Exchange& ex, const RouteBotPolicy& policy) {
    const RequestHead& head = ex.request();
    const ConnectionInfo& connection = ex.connection();
    DecisionRecord& record = ex.record();
    WorkerStats& stats = ex.worker().stats();
    stats.inc(Counter::bot_scored_total);

    const std::string* ua_header = head.headers.find("user-agent");
    const std::string_view user_agent = ua_header ? std::string_view(*ua_header) : "";
    const UserAgentClaim claim = parseUserAgent(user_agent);
    const CrawlerCheck crawler = config_->verified_bots
                                     ? config_->verified_bots->check(user_agent, connection.client_ip)
                                     : CrawlerCheck{};
    const bool allowlisted = std::any_of(
        policy.allow_lists.begin(), policy.allow_lists.end(), [&](const std::string& name) {
          return std::find(record.ip_lists.begin(), record.ip_lists.end(), name) !=
                 record.ip_lists.end();
        });
    const BehaviourSummary behaviour = config_->tracker->summary(client_key_, monotonicSeconds());
    BotScore result = scoreClient({user_agent, claim, connection.tls, connection.ja4,
                                   head.protocol, head.h2_fingerprint, head.headers,
                                   crawler.verification, crawler.name, behaviour,
                                   config_->thresholds, allowlisted});

    record.bot_score = result.score;
    record.bot_category = botCategoryName(result.category);
    record.ua_family = claim.family;
    record.ua_version = claim.version;
    record.h2_fingerprint = head.h2_fingerprint;
    record.header_order = headerOrderFingerprint(head.headers);
    if (crawler.verification != CrawlerVerification::NotACrawler)
      record.verified_bot = crawler.name;
    const BotDecision decision = decideBotAction(policy, result);
    record.bot_components = std::move(result.components);
    record.bot_action = botActionName(decision.action);

    switch (decision.action) {
      case BotAction::Allow:
        stats.inc(Counter::bot_allowed_total);
        return Verdict::next();
      case BotAction::Log:
        stats.inc(Counter::bot_logged_total);
        return Verdict::next();
      case BotAction::Challenge:
        stats.inc(Counter::bot_challenge_requests_total);
        if (policy.mode != BotMode::Block) {
          stats.inc(Counter::bot_shadow_total);
          return Verdict::next();
        }
        if (record.challenge_requested_by.empty()) record.challenge_requested_by = "bot_score";
        return Verdict::next();
      case BotAction::Block:
        stats.recordDetectorReason(kDetector, decision.reason);
        if (policy.mode != BotMode::Block) {
          stats.inc(Counter::bot_shadow_total);
          return Verdict::next();
        }
        stats.inc(Counter::bot_blocked_total);
        return Verdict::respond(403, decision.reason);
    }
    return Verdict::next();
  }

  std::shared_ptr<const BotStageConfig> config_;
  WorkerContext& worker_;
  std::shared_ptr<state::RemoteLimiter> limiter_;  // behaviour in Redis only
  bool scored_ = false;
  std::uint64_t client_key_ = 0;  // the behaviour key, set when scored
};

std::optional<BotCategory> categoryNamed(std::string_view name) {
  for (BotCategory c : {BotCategory::LikelyHuman, BotCategory::LikelyAutomated,
                        BotCategory::Automated, BotCategory::VerifiedBot, BotCategory::FakeCrawler,
                        BotCategory::Allowlisted})
    if (botCategoryName(c) == name) return c;
  return std::nullopt;
}

}  // namespace

std::string_view botActionName(BotAction action) {
  switch (action) {
    case BotAction::Allow: return "allow";
    case BotAction::Log: return "log";
    case BotAction::Challenge: return "challenge";
    case BotAction::Block: return "block";
  }
  return "allow";
}

BotDecision decideBotAction(const RouteBotPolicy& policy, const BotScore& score) {
  if (score.category == BotCategory::Allowlisted) return {BotAction::Allow, {}};
  if (std::find(policy.block_categories.begin(), policy.block_categories.end(), score.category) !=
      policy.block_categories.end())
    return {BotAction::Block, kCategoryBlocked};
  if (score.category == BotCategory::VerifiedBot) return {BotAction::Allow, {}};
  const auto s = static_cast<std::uint32_t>(score.score);
  if (s < policy.block_below) return {BotAction::Block, kScoreBlocked};
  if (s < policy.challenge_below) return {BotAction::Challenge, {}};
  if (s < policy.log_below) return {BotAction::Log, {}};
  return {BotAction::Allow, {}};
}

std::unique_ptr<Stage> BotStageFactory::create(WorkerContext& worker) const {
  return std::make_unique<BotStage>(config_, worker);
}

Result<std::unique_ptr<BotStageFactory>> makeBotStageFactory(const ConfigSnapshot& snapshot) {
  const Config& config = snapshot.config;
  const bool any = std::any_of(config.routes.begin(), config.routes.end(),
                               [](const RouteConfig& r) { return r.bot.mode != BotMode::Off; });
  if (!any) return std::unique_ptr<BotStageFactory>();
  auto stage_config = std::make_shared<BotStageConfig>();
  for (const RouteConfig& route : config.routes) {
    RouteBotPolicy policy;
    policy.mode = route.bot.mode;
    policy.block_below = route.bot.block_below;
    policy.challenge_below = route.bot.challenge_below;
    policy.log_below = route.bot.log_below;
    for (const std::string& name : route.bot.block_categories)
      if (auto category = categoryNamed(name)) policy.block_categories.push_back(*category);
    policy.allow_lists = route.bot.allow_lists;
    stage_config->routes.push_back(std::move(policy));
  }
  const BotConfig& bot = config.bot;
  stage_config->tracker =
      BehaviourTracker::shared(bot.behaviour_max_clients, static_cast<double>(bot.behaviour_window_s));
  stage_config->thresholds.max_requests_per_window = bot.behaviour_max_requests_per_window;
  stage_config->thresholds.max_auth_attempts = bot.behaviour_max_auth_attempts;
  stage_config->behaviour_key = bot.behaviour_key;
  stage_config->behaviour_in_redis = bot.behaviour_store == BehaviourStore::Redis;
  stage_config->redis = config.rate_limits.redis;
  stage_config->over_limit_cache_keys = config.rate_limits.over_limit_cache_keys;
  stage_config->window_s = static_cast<double>(bot.behaviour_window_s);
  const std::string file = bot.verified_bots_file.empty()
                               ? std::string(RAMPART_RULES_DIR "/bots/verified-bots.yaml")
                               : bot.verified_bots_file;
  auto verified = VerifiedBots::load(file);
  if (!verified) return verified.error();
  stage_config->verified_bots = std::move(verified.value());
  return std::make_unique<BotStageFactory>(std::move(stage_config));
}

}  // namespace rampart::bot
