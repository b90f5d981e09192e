#include "bot/bot_score.h"

#include <algorithm>
#include <string>

#include "bot/browser_consistency.h"

namespace rampart::bot {
namespace {

std::string evidence(std::string_view user_agent) {
  std::string out(user_agent.substr(0, 80));
  return out;
}

}  // namespace

std::string_view botCategoryName(BotCategory category) {
  switch (category) {
    case BotCategory::LikelyHuman: return "likely_human";
    case BotCategory::LikelyAutomated: return "likely_automated";
    case BotCategory::Automated: return "automated";
    case BotCategory::VerifiedBot: return "verified_bot";
    case BotCategory::FakeCrawler: return "fake_crawler";
    case BotCategory::Allowlisted: return "allowlisted";
  }
  return "likely_human";
}

BotScore scoreClient(const BotScoreInput& in) {
  BotScore result;
  auto& out = result.components;
  switch (in.claim.kind) {
    case UserAgentKind::Scanner:
      out.push_back({"ua_scanner", kWeightUaScanner, evidence(in.user_agent)});
      break;
    case UserAgentKind::Tool:
      out.push_back({"ua_automation_tool", kWeightUaTool, evidence(in.user_agent)});
      break;
    case UserAgentKind::Empty:
      out.push_back({"ua_empty", kWeightUaEmpty, "no User-Agent"});
      break;
    case UserAgentKind::Crawler:
      out.push_back({"ua_crawler", kWeightUaCrawler, evidence(in.user_agent)});
      break;
    case UserAgentKind::HeadlessBrowser:
      out.push_back({"ua_headless", kWeightUaHeadless, evidence(in.user_agent)});
      break;
    case UserAgentKind::Unknown:
      out.push_back({"ua_unknown", kWeightUaUnknown, evidence(in.user_agent)});
      break;
    case UserAgentKind::Browser:
      break;
  }
  if (in.crawler == CrawlerVerification::Impostor)
    out.push_back({"fake_crawler", kWeightFakeCrawler,
                   "claims " + std::string(in.crawler_name) + " outside its published ranges"});
  checkBrowserConsistency({in.claim, in.tls, in.ja4, in.protocol, in.h2_fingerprint, in.headers},
                          out);
  scoreBehaviour(in.behaviour, in.thresholds,
                 in.claim.kind == UserAgentKind::Browser, out);

  int taken = 0;
  for (const auto& c : out) taken += c.weight;
  result.score = std::clamp(99 - taken, 1, 99);
  if (in.allowlisted) {
    result.category = BotCategory::Allowlisted;
  } else if (in.crawler == CrawlerVerification::Verified) {
    result.category = BotCategory::VerifiedBot;
  } else if (in.crawler == CrawlerVerification::Impostor) {
    result.category = BotCategory::FakeCrawler;
  } else if (result.score < 30) {
    result.category = BotCategory::Automated;
  } else if (result.score < 60) {
    result.category = BotCategory::LikelyAutomated;
  }
  return result;
}

}  // namespace rampart::bot
