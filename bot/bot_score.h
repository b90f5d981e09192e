// The bot score: 99 (human) minus the weight of every component that fired, clamped to 1..99
// (low = automated, as Cloudflare's). Components come from the User-Agent claim, its consistency
// with the TLS/HTTP2/header fingerprints, the verified-crawler check and the client's recent
// behaviour; every one is written to the decision record with its weight and evidence, so an
// operator can see why a client scored what it did. Table of components: docs/bots.md.
#pragma once

#include <string_view>
#include <vector>

#include "bot/behaviour_tracker.h"
#include "bot/user_agent.h"
#include "proxy/api/decision_record.h"
#include "proxy/api/headers.h"

namespace rampart::bot {

enum class CrawlerVerification : std::uint8_t {
  NotACrawler,  // the UA does not claim a known crawler
  Verified,     // claims one and comes from its published ranges
  Impostor,     // claims one and does not
};

enum class BotCategory : std::uint8_t {
  LikelyHuman,      // score >= 60
  LikelyAutomated,  // 30..59
  Automated,        // < 30
  VerifiedBot,
  FakeCrawler,
  Allowlisted,
};
std::string_view botCategoryName(BotCategory category);

// Weights of the User-Agent components (points taken from 99).
inline constexpr int kWeightUaScanner = 95;
inline constexpr int kWeightUaTool = 80;
inline constexpr int kWeightUaEmpty = 70;
inline constexpr int kWeightUaCrawler = 70;
inline constexpr int kWeightUaHeadless = 75;
inline constexpr int kWeightUaUnknown = 40;
inline constexpr int kWeightFakeCrawler = 90;

struct BotScoreInput {
  std::string_view user_agent;
  const UserAgentClaim& claim;
  bool tls = false;
  std::string_view ja4;
  HttpProtocol protocol = HttpProtocol::Http11;
  std::string_view h2_fingerprint;
  const HeaderList& headers;
  CrawlerVerification crawler = CrawlerVerification::NotACrawler;
  std::string_view crawler_name;
  const BehaviourSummary& behaviour;
  const BehaviourThresholds& thresholds;
  bool allowlisted = false;
};

struct BotScore {
  int score = 99;
  BotCategory category = BotCategory::LikelyHuman;
  std::vector<BotScoreComponent> components;
};

BotScore scoreClient(const BotScoreInput& input);

}  // namespace rampart::bot
