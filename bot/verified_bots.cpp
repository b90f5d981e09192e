#include "bot/verified_bots.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace rampart::bot {
namespace {

Error configError(std::string detail) {
  return Error{ErrorSource::Config, 0, "config_invalid", false, std::move(detail)};
}

Error fileError(const std::string& source, const YAML::Mark& mark, const std::string& what) {
  std::string where = source;
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  return configError(where + ": " + what);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<std::shared_ptr<const VerifiedBots>> VerifiedBots::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return configError(path + ": cannot read the verified-bots file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Result<std::shared_ptr<const VerifiedBots>> VerifiedBots::parse(std::string_view yaml_text,
                                                                const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return fileError(source, e.mark, e.msg);
  }
  if (!root.IsMap() || root.size() != 1 || !root["bots"] || !root["bots"].IsSequence())
    return fileError(source, root.Mark(), "expected a map with one key 'bots' holding a list");
  auto bots = std::make_shared<VerifiedBots>();
  for (const YAML::Node& item : root["bots"]) {
    if (bots->crawlers_.size() == kMaxCrawlers)
      return fileError(source, item.Mark(), "more than " + std::to_string(kMaxCrawlers) + " crawlers");
    if (!item.IsMap()) return fileError(source, item.Mark(), "each bot must be a map");
    VerifiedCrawler crawler;
    for (const auto& entry : item) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
      const YAML::Node& value = entry.second;
      if (key == "name" && value.IsScalar() && !value.Scalar().empty()) {
        crawler.name = value.Scalar();
      } else if (key == "source" && value.IsScalar()) {
      } else if (key == "user_agent" && value.IsSequence() && value.size() > 0) {
        for (const YAML::Node& p : value) {
          if (!p.IsScalar() || p.Scalar().empty())
            return fileError(source, p.Mark(), "user_agent entries must be non-empty strings");
          crawler.user_agent_patterns.push_back(lower(p.Scalar()));
        }
      } else if (key == "ranges" && value.IsSequence()) {
        if (value.size() > kMaxRangesPerCrawler)
          return fileError(source, value.Mark(), "more than " +
                                                     std::to_string(kMaxRangesPerCrawler) +
                                                     " ranges");
        // Each entry is checked on its own so that an error points at its YAML line; the
        // crawler's list is then built from all of them (sorted and merged by IpList).
        std::string lines;
        for (const YAML::Node& r : value) {
          if (!r.IsScalar()) return fileError(source, r.Mark(), "a range must be a string");
          if (r.Scalar().find('\n') != std::string::npos || r.Scalar().find('#') != std::string::npos)
            return fileError(source, r.Mark(), "one address or CIDR per entry");
          auto one = IpList::parse(r.Scalar(), "");
          if (!one || one.value().entries() != 1) {
            std::string why = one ? "not an IP address or CIDR" : one.error().detail;
            if (why.starts_with(":1: ")) why.erase(0, 4);
            return fileError(source, r.Mark(), why);
          }
          lines += r.Scalar();
          lines += '\n';
        }
        auto list = IpList::parse(lines, source);
        if (!list) return fileError(source, value.Mark(), list.error().detail);
        crawler.ranges = std::move(list.value());
      } else {
        return fileError(source, entry.first.Mark(),
                         "unknown or malformed key '" + key +
                             "' (expected name, user_agent (a list), source, ranges (a list))");
      }
    }
    if (crawler.name.empty() || crawler.user_agent_patterns.empty())
      return fileError(source, item.Mark(), "a bot needs 'name' and 'user_agent'");
    bots->crawlers_.push_back(std::move(crawler));
  }
  return std::shared_ptr<const VerifiedBots>(std::move(bots));
}

CrawlerCheck VerifiedBots::check(std::string_view user_agent, std::string_view client_ip) const {
  const std::string ua = lower(user_agent.substr(0, 512));
  for (const VerifiedCrawler& crawler : crawlers_) {
    const bool claimed = std::any_of(
        crawler.user_agent_patterns.begin(), crawler.user_agent_patterns.end(),
        [&](const std::string& p) { return ua.find(p) != std::string::npos; });
    if (!claimed) continue;
    const std::optional<IpAddress> ip = parseIpAddress(client_ip);
    const bool inside = ip.has_value() && crawler.ranges.contains(*ip);
    return {inside ? CrawlerVerification::Verified : CrawlerVerification::Impostor, crawler.name};
  }
  return {};
}

}  // namespace rampart::bot
