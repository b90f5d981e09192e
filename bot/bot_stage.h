// BotStage: the bot score of every request on a route with `bot.mode` detect|block, in the
// RequestHeaders phase after client_intel (whose IP lists it reads) and before the challenge
// stage (which acts on its challenge request).
//
// - Scores the client (bot/bot_score.h) from the User-Agent claim, the TLS/HTTP2/header
//   fingerprints, the verified-crawler file and the client's behaviour, and writes the score,
//   category, components and fingerprints to the decision record.
// - The route's policy, first match wins: allow-listed client (an IP list in bot.allow_lists) or
//   verified crawler -> allow; category in block_categories -> block 403 `bot_category_blocked`;
//   score < block_below -> block 403 `bot_score_blocked`; score < challenge_below -> challenge
//   (sets record.challenge_requested_by = "bot_score"; the challenge stage serves the page);
//   score < log_below -> log; else allow. In detect mode the action is recorded and counted but
//   nothing is refused or challenged.
// - At the Log phase the request is added to the client's behaviour (status known by then). With
//   bot.behaviour.store: redis it is also counted in Redis (request, 4xx, 404 and login counts,
//   one sliding-window increment each, pipelined, never waited for): the answers are every
//   instance's counts, which the next request's summary uses.
#pragma once

#include <memory>
#include <vector>

#include "bot/behaviour_tracker.h"
#include "bot/bot_score.h"
#include "proxy/api/error.h"
#include "proxy/api/stage.h"
#include "proxy/config/config.h"

namespace rampart {
struct ConfigSnapshot;
}

namespace rampart::bot {

class VerifiedBots;

struct RouteBotPolicy {
  BotMode mode = BotMode::Off;
  std::uint32_t block_below = 0;
  std::uint32_t challenge_below = 0;
  std::uint32_t log_below = 0;
  std::vector<BotCategory> block_categories;
  std::vector<std::string> allow_lists;
};

struct BotStageConfig {
  std::vector<RouteBotPolicy> routes;  // parallel to config.routes
  std::shared_ptr<BehaviourTracker> tracker;
  BehaviourThresholds thresholds;
  BehaviourKey behaviour_key = BehaviourKey::ClientIp;
  std::shared_ptr<const VerifiedBots> verified_bots;
  // bot.behaviour.store: redis: the Redis settings of rate_limits (one connection per worker,
  // shared with the rate-limit stage when the settings are the same).
  bool behaviour_in_redis = false;
  RedisConfig redis;
  std::uint32_t over_limit_cache_keys = 0;
  double window_s = 60;
};

// What the route's policy does with a score (pure; unit-tested). `reason` is set for Block
// (bot_category_blocked or bot_score_blocked), empty otherwise.
struct BotDecision {
  BotAction action = BotAction::Allow;
  std::string_view reason;
};
BotDecision decideBotAction(const RouteBotPolicy& policy, const BotScore& score);
std::string_view botActionName(BotAction action);

class BotStageFactory final : public StageFactory {
 public:
  explicit BotStageFactory(std::shared_ptr<const BotStageConfig> config)
      : config_(std::move(config)) {}
  std::string_view name() const override { return "rampart.bot"; }
  std::unique_ptr<Stage> create(WorkerContext&) const override;
  const BotStageConfig& config() const { return *config_; }

 private:
  std::shared_ptr<const BotStageConfig> config_;
};

// The factory for `snapshot`, or null when no route has bot.mode detect|block; an error when
// the verified-bot file does not load.
Result<std::unique_ptr<BotStageFactory>> makeBotStageFactory(const ConfigSnapshot& snapshot);

}  // namespace rampart::bot
