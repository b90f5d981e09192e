#include "bot/verified_bots.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
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

bool AddressRange::contains(const std::array<std::uint8_t, 16>& ip) const {
  const std::size_t full_bytes = prefix_length / 8;
  if (!std::equal(address.begin(), address.begin() + full_bytes, ip.begin())) return false;
  const unsigned rest = prefix_length % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (address[full_bytes] & mask) == (ip[full_bytes] & mask);
}

bool parseClientAddress(std::string_view text, std::array<std::uint8_t, 16>& out) {
  if (text.size() > INET6_ADDRSTRLEN) return false;
  std::string s(text);
  out.fill(0);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xFF;
    out[11] = 0xFF;
    std::memcpy(out.data() + 12, &v4, 4);
    return true;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return true;
  }
  return false;
}

Result<AddressRange> parseAddressRange(std::string_view text) {
  AddressRange range;
  const std::size_t slash = text.find('/');
  const std::string_view address = text.substr(0, slash);
  if (!parseClientAddress(address, range.address))
    return configError("'" + std::string(text.substr(0, 64)) + "' is not an IP address or CIDR");
  const bool v4 = address.find(':') == std::string_view::npos;
  const unsigned max_length = v4 ? 32 : 128;
  unsigned length = max_length;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return configError("'" + std::string(text.substr(0, 64)) + "': bad prefix length");
    length = static_cast<unsigned>(std::stoul(std::string(digits)));
    if (length > max_length)
      return configError("'" + std::string(text.substr(0, 64)) +
                                          "': prefix length above " + std::to_string(max_length));
  }
  range.prefix_length = static_cast<std::uint8_t>(v4 ? length + 96 : length);
  // Host bits set usually means a typo ("10.1.2.3/8" for "10.0.0.0/8"): refuse it.
  AddressRange network = range;
  for (unsigned bit = range.prefix_length; bit < 128; ++bit)
    network.address[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  if (network.address != range.address)
    return configError("'" + std::string(text.substr(0, 64)) + "' has host bits set past the prefix");
  return range;
}

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
        for (const YAML::Node& r : value) {
          if (crawler.ranges.size() == kMaxRangesPerCrawler)
            return fileError(source, r.Mark(), "too many ranges");
          if (!r.IsScalar()) return fileError(source, r.Mark(), "a range must be a string");
          auto range = parseAddressRange(r.Scalar());
          if (!range) return fileError(source, r.Mark(), range.error().detail);
          crawler.ranges.push_back(range.value());
        }
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
    std::array<std::uint8_t, 16> ip{};
    const bool inside =
        parseClientAddress(client_ip, ip) &&
        std::any_of(crawler.ranges.begin(), crawler.ranges.end(),
                    [&](const AddressRange& r) { return r.contains(ip); });
    return {inside ? CrawlerVerification::Verified : CrawlerVerification::Impostor, crawler.name};
  }
  return {};
}

}  // namespace rampart::bot
