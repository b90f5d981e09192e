// Verified crawlers (rules/bots/verified-bots.yaml): which User-Agent substrings name which
// crawler, and the address ranges the crawler publishes. A claim from inside the ranges is a
// verified bot; from outside, an impostor. Loaded when a config snapshot is built; read-only
// after that, shared by every worker.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bot/bot_score.h"
#include "bot/ip_list.h"
#include "proxy/api/error.h"

namespace rampart::bot {

struct VerifiedCrawler {
  std::string name;
  std::vector<std::string> user_agent_patterns;  // lower-case substrings
  IpList ranges;  // bot/ip_list.h
};

struct CrawlerCheck {
  CrawlerVerification verification = CrawlerVerification::NotACrawler;
  std::string_view name;  // the crawler's name; empty when not a crawler
};

class VerifiedBots {
 public:
  static constexpr std::size_t kMaxCrawlers = 256;
  static constexpr std::size_t kMaxRangesPerCrawler = 65536;

  // Errors name the file, the line and what is wrong.
  static Result<std::shared_ptr<const VerifiedBots>> load(const std::string& path);
  static Result<std::shared_ptr<const VerifiedBots>> parse(std::string_view yaml_text,
                                                           const std::string& source_name);

  CrawlerCheck check(std::string_view user_agent, std::string_view client_ip) const;
  const std::vector<VerifiedCrawler>& crawlers() const { return crawlers_; }

 private:
  std::vector<VerifiedCrawler> crawlers_;
};

}  // namespace rampart::bot
