// Does the client look like the browser its User-Agent claims? Each check compares the claim
// with something a script does not control by setting headers: the TLS ClientHello (JA4), the
// HTTP/2 stack (pseudo-header order, SETTINGS), and the headers every real browser sends, in
// the order it sends them. A curl or python client that copies Chrome's whole header set and UA
// still fails the TLS and HTTP/2 checks. Expected values per engine: docs/bots.md.
#pragma once

#include <string_view>
#include <vector>

#include "bot/user_agent.h"
#include "proxy/api/decision_record.h"
#include "proxy/api/headers.h"

namespace rampart::bot {

struct ConsistencyInput {
  const UserAgentClaim& claim;
  bool tls = false;
  std::string_view ja4;             // "" when not TLS or not fingerprinted
  HttpProtocol protocol = HttpProtocol::Http11;
  std::string_view h2_fingerprint;  // "" on HTTP/1
  const HeaderList& headers;
};

// Component weights (points taken from 99); docs/bots.md has the table.
inline constexpr int kWeightTlsMismatch = 75;
inline constexpr int kWeightH2Mismatch = 40;
inline constexpr int kWeightMissingBrowserHeader = 10;  // each, at most 3
inline constexpr int kWeightHeaderOrderMismatch = 20;
inline constexpr int kWeightClientHintsMismatch = 30;
inline constexpr int kWeightH1ConnectionMissing = 20;

// Appends a component for every check that fails. Only for claims of kind Browser or
// HeadlessBrowser with a known engine; other claims are scored by their kind alone.
void checkBrowserConsistency(const ConsistencyInput& input, std::vector<BotScoreComponent>& out);

// The first part of a JA4 ("t13d1516h2"), parsed. ok is false when `ja4` is not one.
struct Ja4Prefix {
  bool ok = false;
  std::string_view tls_version;  // "13"
  bool sni = false;
  int ciphers = 0;
  int extensions = 0;
  std::string_view alpn;         // "h2", "h1", "00"
};
Ja4Prefix parseJa4Prefix(std::string_view ja4);

}  // namespace rampart::bot
