// Verified crawlers (rules/bots/verified-bots.yaml): which User-Agent substrings name which
// crawler, and the address ranges the crawler publishes. A claim from inside the ranges is a
// verified bot; from outside, an impostor. Loaded when a config snapshot is built; read-only
// after that, shared by every worker.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bot/bot_score.h"
#include "proxy/api/error.h"

namespace rampart::bot {

// One IPv4 or IPv6 network. IPv4 is held as an IPv4-mapped IPv6 address (::ffff:a.b.c.d) with
// the prefix length shifted by 96, so one comparison covers both families.
struct AddressRange {
  std::array<std::uint8_t, 16> address{};
  std::uint8_t prefix_length = 0;  // 0..128
  bool contains(const std::array<std::uint8_t, 16>& ip) const;
};

// "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). Host bits must be zero.
Result<AddressRange> parseAddressRange(std::string_view text);
// A textual client address as a 16-byte (IPv4-mapped for IPv4) address; false when it is not one.
bool parseClientAddress(std::string_view text, std::array<std::uint8_t, 16>& out);

struct VerifiedCrawler {
  std::string name;
  std::vector<std::string> user_agent_patterns;  // lower-case substrings
  std::vector<AddressRange> ranges;
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
