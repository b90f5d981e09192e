#include "bot/browser_consistency.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace rampart::bot {
namespace {

struct EngineProfile {
  int min_ciphers;
  int max_ciphers;
  // Accepted pseudo-header orders on HTTP/2 (Chrome, Firefox and Safari each use one fixed order).
  std::string_view pseudo_orders[2];
  // Whether the engine sends Sec-Fetch-* (from this major version of the family; 0 = never).
  int sec_fetch_since;
};

// Cipher counts are after GREASE removal, as JA4 counts them. Measured values (docs/bots.md):
// Chrome 120-156 offer 15-16, Firefox 115-140 17, Safari 16-18 20-21.
EngineProfile profileOf(const UserAgentClaim& claim) {
  switch (claim.engine) {
    case BrowserEngine::Chromium: return {13, 18, {"m,a,s,p", "m,a,s,p"}, 76};
    case BrowserEngine::Gecko: return {15, 19, {"m,p,a,s", "m,p,a,s"}, 90};
    case BrowserEngine::WebKit: return {17, 23, {"m,s,p,a", "m,s,a,p"}, 17};
    case BrowserEngine::None: break;
  }
  return {0, 0, {"", ""}, 0};
}

int twoDigits(std::string_view s) {
  if (s.size() != 2 || !std::isdigit(static_cast<unsigned char>(s[0])) ||
      !std::isdigit(static_cast<unsigned char>(s[1])))
    return -1;
  return (s[0] - '0') * 10 + (s[1] - '0');
}

std::size_t positionOf(const HeaderList& headers, std::string_view name) {
  std::size_t i = 0;
  for (const auto& f : headers) {
    if (f.name == name) return i;
    ++i;
  }
  return std::string_view::npos;
}

std::string_view lastField(std::string_view fingerprint) {
  const std::size_t bar = fingerprint.rfind('|');
  return bar == std::string_view::npos ? std::string_view{} : fingerprint.substr(bar + 1);
}

void add(std::vector<BotScoreComponent>& out, std::string_view name, int weight, std::string detail) {
  if (detail.size() > 160) detail.resize(160);
  out.push_back({name, weight, std::move(detail)});
}

}  // namespace

Ja4Prefix parseJa4Prefix(std::string_view ja4) {
  Ja4Prefix p;
  // t 13 d 15 16 h2 = 10 characters, then '_'.
  if (ja4.size() < 10 || (ja4[0] != 't' && ja4[0] != 'q' && ja4[0] != 'd')) return p;
  if (ja4.size() > 10 && ja4[10] != '_') return p;
  p.tls_version = ja4.substr(1, 2);
  if (ja4[3] != 'd' && ja4[3] != 'i') return p;
  p.sni = ja4[3] == 'd';
  p.ciphers = twoDigits(ja4.substr(4, 2));
  p.extensions = twoDigits(ja4.substr(6, 2));
  if (p.ciphers < 0 || p.extensions < 0) return p;
  p.alpn = ja4.substr(8, 2);
  p.ok = true;
  return p;
}

void checkBrowserConsistency(const ConsistencyInput& in, std::vector<BotScoreComponent>& out) {
  const UserAgentClaim& claim = in.claim;
  if (claim.engine == BrowserEngine::None ||
      (claim.kind != UserAgentKind::Browser && claim.kind != UserAgentKind::HeadlessBrowser))
    return;
  const EngineProfile profile = profileOf(claim);
  // Built only when a check fails: most requests from real browsers pass them all.
  const auto claimed = [&] { return std::string(claim.family) + "/" + claim.version; };

  // TLS: every current browser offers TLS 1.3 and ALPN h2, with an engine-typical cipher list.
  if (in.tls && !in.ja4.empty()) {
    const Ja4Prefix p = parseJa4Prefix(in.ja4);
    const bool fits = p.ok && p.tls_version == "13" && p.alpn == "h2" &&
                      p.ciphers >= profile.min_ciphers && p.ciphers <= profile.max_ciphers;
    if (!fits)
      add(out, "tls_mismatch", kWeightTlsMismatch,
          "claims " + claimed() + ", ja4 " + std::string(in.ja4.substr(0, 10)));
  }

  // HTTP/2: the pseudo-header order is fixed per engine; Chromium also opens with
  // HEADER_TABLE_SIZE 65536 and ENABLE_PUSH 0.
  if (in.protocol == HttpProtocol::Http2 && !in.h2_fingerprint.empty()) {
    const std::string_view order = lastField(in.h2_fingerprint);
    bool fits = order == profile.pseudo_orders[0] || order == profile.pseudo_orders[1];
    if (claim.engine == BrowserEngine::Chromium && !in.h2_fingerprint.starts_with("1:65536;2:0;"))
      fits = false;
    if (!fits) {
      std::string fp(in.h2_fingerprint.substr(0, 120));
      add(out, "h2_mismatch", kWeightH2Mismatch, "claims " + claimed() + ", h2 " + fp);
    }
  }

  // HTTP/1.1: Chrome, Firefox and Safari all send `Connection: keep-alive` right after Host;
  // HTTP libraries rarely do.
  if (in.protocol != HttpProtocol::Http2) {
    const std::string* connection = in.headers.find("connection");
    if (connection == nullptr || connection->size() != 10 ||
        (connection->front() != 'k' && connection->front() != 'K'))
      add(out, "h1_connection_mismatch", kWeightH1ConnectionMissing,
          "claims " + claimed() + ", HTTP/1.1 without Connection: keep-alive");
  }

  // Headers every real browser sends on every request.
  std::string missing;
  int missing_count = 0;
  auto require = [&](std::string_view name) {
    if (in.headers.find(name) != nullptr) return;
    if (!missing.empty()) missing += ',';
    missing += name;
    ++missing_count;
  };
  require("accept");
  require("accept-language");
  require("accept-encoding");
  if (profile.sec_fetch_since != 0 && claim.majorVersion() >= profile.sec_fetch_since &&
      claim.kind == UserAgentKind::Browser && claim.platform != "ios")
    require("sec-fetch-mode");
  if (missing_count > 0)
    add(out, "browser_headers_missing", kWeightMissingBrowserHeader * std::min(missing_count, 3),
        "claims " + claimed() + ", missing " + missing);

  // Order: Chromium sends accept-encoding before accept-language, Firefox the reverse; both send
  // user-agent before either.
  const std::size_t ua = positionOf(in.headers, "user-agent");
  const std::size_t enc = positionOf(in.headers, "accept-encoding");
  const std::size_t lang = positionOf(in.headers, "accept-language");
  if (ua != std::string_view::npos && enc != std::string_view::npos &&
      lang != std::string_view::npos) {
    bool fits = ua < enc && ua < lang;
    if (claim.engine == BrowserEngine::Chromium) fits = fits && enc < lang;
    if (claim.engine == BrowserEngine::Gecko) fits = fits && lang < enc;
    if (!fits)
      add(out, "header_order_mismatch", kWeightHeaderOrderMismatch,
          "claims " + claimed() + ", user-agent/accept-encoding/accept-language out of order");
  }

  // Client hints: only Chromium sends them, and they must agree with the UA string.
  if (const std::string* hints = in.headers.find("sec-ch-ua")) {
    std::string why;
    if (claim.engine != BrowserEngine::Chromium) {
      why = "sec-ch-ua from a non-Chromium claim";
    } else if (const std::string* mobile = in.headers.find("sec-ch-ua-mobile");
               mobile != nullptr && (*mobile == "?1") != claim.mobile) {
      why = "sec-ch-ua-mobile " + *mobile + " disagrees with the UA";
    } else if (const std::string* platform = in.headers.find("sec-ch-ua-platform");
               platform != nullptr && !claim.platform.empty()) {
      std::string p;
      for (char c : *platform)
        if (c != '"') p += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const bool agrees = (p == "windows" && claim.platform == "windows") ||
                          (p == "macos" && claim.platform == "macos") ||
                          (p == "linux" && claim.platform == "linux") ||
                          (p == "android" && claim.platform == "android") ||
                          (p == "chrome os" && claim.platform == "chromeos") ||
                          (p == "ios" && claim.platform == "ios");
      if (!agrees) why = "sec-ch-ua-platform " + p.substr(0, 16) + " disagrees with the UA";
    }
    (void)hints;
    if (!why.empty()) add(out, "client_hints_mismatch", kWeightClientHintsMismatch, why);
  }
}

}  // namespace rampart::bot
