// libFuzzer target for what the bot score reads from a client (bot/): the User-Agent, the header
// list (names, values, order) and the JA4 / HTTP/2 fingerprint strings as consistency inputs, and
// the verified-crawler file format. Besides "no crash, no read past the input" (ASan) it checks
// what the stage relies on: claims stay bounded (version at most 8 digits), the score is always
// within 1..99, and every component detail is bounded.
//
// Input: the first byte picks the mode; 0: the rest is a verified-bots YAML file; otherwise the
// rest is lines: line 1 the User-Agent, line 2 a JA4, line 3 an HTTP/2 fingerprint, then
// "name: value" header lines.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bot/behaviour_tracker.h"
#include "bot/bot_score.h"
#include "bot/header_order.h"
#include "bot/user_agent.h"
#include "bot/verified_bots.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::string_view nextLine(std::string_view& rest) {
  const std::size_t nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rampart;
  using namespace rampart::bot;
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 0) {
    auto bots = VerifiedBots::parse(input, "fuzz.yaml");
    if (bots) (void)bots.value()->check("Googlebot", "66.249.66.1");
    return 0;
  }
  const std::string_view user_agent = nextLine(input);
  const std::string_view ja4 = nextLine(input);
  const std::string_view h2 = nextLine(input);
  HeaderList headers;
  while (!input.empty() && headers.size() < 200) {
    const std::string_view line = nextLine(input);
    const std::size_t colon = line.find(':');
    headers.add(std::string(line.substr(0, colon)),
                colon == std::string_view::npos ? std::string() : std::string(line.substr(colon + 1)));
  }
  const UserAgentClaim claim = parseUserAgent(user_agent);
  check(claim.version.size() <= 8);
  const BehaviourSummary behaviour;
  const BehaviourThresholds thresholds;
  const BotScore score = scoreClient({user_agent, claim, (data[0] & 1) != 0, ja4,
                                      (data[0] & 2) != 0 ? HttpProtocol::Http2 : HttpProtocol::Http11,
                                      h2, headers, CrawlerVerification::NotACrawler, "", behaviour,
                                      thresholds, false});
  check(score.score >= 1 && score.score <= 99);
  for (const auto& c : score.components) check(c.detail.size() <= 160);
  const std::string order = headerOrderFingerprint(headers);
  check(order.empty() == headers.empty());
  return 0;
}
