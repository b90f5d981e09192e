// Browser consistency checks (bot/browser_consistency.cpp) with fingerprints measured from real
// clients (docs/bots.md "Measured fingerprints"): Chromium 156 and curl 7.88 over TLS.
#include "bot/browser_consistency.h"

#include <algorithm>
#include <catch2/catch.hpp>

namespace rampart::bot {
namespace {

constexpr std::string_view kChromeUa =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 "
    "Safari/537.36";
constexpr std::string_view kChromiumJa4 = "t13d1517h2_8daaf6152771_cb7bf5808d99";
constexpr std::string_view kChromiumH2 = "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p";
constexpr std::string_view kCurlJa4 = "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6";
constexpr std::string_view kCurlH2 = "3:100;4:33554432;2:0|33488897|0|m,p,s,a";

HeaderList chromeNavigationHeaders(bool http1) {
  HeaderList h;
  if (http1) {
    h.add("host", "localhost");
    h.add("connection", "keep-alive");
  }
  h.add("sec-ch-ua", "\"Chromium\";v=\"156\"");
  h.add("sec-ch-ua-mobile", "?0");
  h.add("sec-ch-ua-platform", "\"Linux\"");
  h.add("upgrade-insecure-requests", "1");
  h.add("user-agent", std::string(kChromeUa));
  h.add("accept", "text/html,*/*;q=0.8");
  h.add("sec-fetch-site", "none");
  h.add("sec-fetch-mode", "navigate");
  h.add("sec-fetch-user", "?1");
  h.add("sec-fetch-dest", "document");
  h.add("accept-encoding", "gzip, deflate, br, zstd");
  h.add("accept-language", "en-US,en;q=0.9");
  return h;
}

std::vector<std::string_view> names(const std::vector<BotScoreComponent>& components) {
  std::vector<std::string_view> out;
  for (const auto& c : components) out.push_back(c.name);
  return out;
}

TEST_CASE("consistency: real Chromium passes every check", "[bot][consistency]") {
  const auto claim = parseUserAgent(kChromeUa);
  std::vector<BotScoreComponent> out;
  const HeaderList h2 = chromeNavigationHeaders(false);
  checkBrowserConsistency({claim, true, kChromiumJa4, HttpProtocol::Http2, kChromiumH2, h2}, out);
  CHECK(out.empty());
  const HeaderList h1 = chromeNavigationHeaders(true);
  checkBrowserConsistency({claim, false, "", HttpProtocol::Http11, "", h1}, out);
  CHECK(out.empty());
}

TEST_CASE("consistency: curl with Chrome's headers fails on TLS and HTTP/2",
          "[bot][consistency]") {
  const auto claim = parseUserAgent(kChromeUa);
  const HeaderList h = chromeNavigationHeaders(false);
  std::vector<BotScoreComponent> out;
  checkBrowserConsistency({claim, true, kCurlJa4, HttpProtocol::Http2, kCurlH2, h}, out);
  CHECK(names(out) == std::vector<std::string_view>{"tls_mismatch", "h2_mismatch"});
  CHECK(out[0].weight == kWeightTlsMismatch);
  CHECK(out[0].detail == "claims chrome/156, ja4 t13d3112h2");

  // Over HTTP/1.1 with ALPN http/1.1 only: the JA4 says h1, which no browser offers first.
  out.clear();
  HeaderList h1 = chromeNavigationHeaders(true);
  checkBrowserConsistency(
      {claim, true, "t13d3112h1_e8f1e7e78f70_b26ce05bbdd6", HttpProtocol::Http11, "", h1}, out);
  CHECK(names(out) == std::vector<std::string_view>{"tls_mismatch"});

  // Python's ssl module: 31 ciphers, no ALPN.
  out.clear();
  checkBrowserConsistency(
      {claim, true, "t13d311100_e8f1e7e78f70_d41ae481755e", HttpProtocol::Http11, "", h1}, out);
  CHECK(names(out) == std::vector<std::string_view>{"tls_mismatch"});
}

TEST_CASE("consistency: engine-specific HTTP/2 order and settings", "[bot][consistency]") {
  const HeaderList h = chromeNavigationHeaders(false);
  std::vector<BotScoreComponent> out;
  // Firefox's order from a Chrome claim.
  checkBrowserConsistency({parseUserAgent(kChromeUa), true, kChromiumJa4, HttpProtocol::Http2,
                           "1:65536;2:0;4:6291456;6:262144|15663105|0|m,p,a,s", h},
                          out);
  CHECK(names(out) == std::vector<std::string_view>{"h2_mismatch"});
  // Chromium's order but another stack's SETTINGS.
  out.clear();
  checkBrowserConsistency({parseUserAgent(kChromeUa), true, kChromiumJa4, HttpProtocol::Http2,
                           "3:100;4:10485760|00|0|m,a,s,p", h},
                          out);
  CHECK(names(out) == std::vector<std::string_view>{"h2_mismatch"});
}

TEST_CASE("consistency: missing browser headers, order and client hints", "[bot][consistency]") {
  const auto chrome = parseUserAgent(kChromeUa);
  std::vector<BotScoreComponent> out;
  HeaderList bare;
  bare.add("host", "x");
  bare.add("connection", "keep-alive");
  bare.add("user-agent", std::string(kChromeUa));
  checkBrowserConsistency({chrome, false, "", HttpProtocol::Http11, "", bare}, out);
  REQUIRE(names(out) == std::vector<std::string_view>{"browser_headers_missing"});
  CHECK(out[0].weight == 3 * kWeightMissingBrowserHeader);  // at most three count
  CHECK(out[0].detail ==
        "claims chrome/156, missing accept,accept-language,accept-encoding,sec-fetch-mode");

  // Firefox's order (accept-language before accept-encoding) from a Chrome claim.
  out.clear();
  HeaderList swapped;
  swapped.add("host", "x");
  swapped.add("connection", "keep-alive");
  swapped.add("user-agent", std::string(kChromeUa));
  swapped.add("accept", "*/*");
  swapped.add("sec-fetch-mode", "cors");
  swapped.add("accept-language", "en");
  swapped.add("accept-encoding", "gzip");
  checkBrowserConsistency({chrome, false, "", HttpProtocol::Http11, "", swapped}, out);
  CHECK(names(out) == std::vector<std::string_view>{"header_order_mismatch"});
  // ...which is right for Firefox.
  out.clear();
  const auto firefox =
      parseUserAgent("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0");
  checkBrowserConsistency({firefox, false, "", HttpProtocol::Http11, "", swapped}, out);
  CHECK(out.empty());

  // Client hints: only Chromium sends them, and they agree with the UA.
  out.clear();
  HeaderList hints = chromeNavigationHeaders(true);
  hints.set("sec-ch-ua-platform", "\"Windows\"");
  checkBrowserConsistency({chrome, false, "", HttpProtocol::Http11, "", hints}, out);
  CHECK(names(out) == std::vector<std::string_view>{"client_hints_mismatch"});
  out.clear();
  HeaderList firefox_hints = swapped;
  firefox_hints.add("sec-ch-ua", "\"Chromium\";v=\"156\"");
  checkBrowserConsistency({firefox, false, "", HttpProtocol::Http11, "", firefox_hints}, out);
  CHECK(names(out) == std::vector<std::string_view>{"client_hints_mismatch"});
}

TEST_CASE("consistency: HTTP/1.1 browsers send Connection: keep-alive", "[bot][consistency]") {
  HeaderList h = chromeNavigationHeaders(true);
  h.remove("connection");
  std::vector<BotScoreComponent> out;
  checkBrowserConsistency({parseUserAgent(kChromeUa), false, "", HttpProtocol::Http11, "", h}, out);
  CHECK(names(out) == std::vector<std::string_view>{"h1_connection_mismatch"});
}

TEST_CASE("consistency: only browser claims are checked", "[bot][consistency]") {
  std::vector<BotScoreComponent> out;
  HeaderList h;
  checkBrowserConsistency({parseUserAgent("curl/7.88.1"), true, kCurlJa4, HttpProtocol::Http2,
                           kCurlH2, h},
                          out);
  CHECK(out.empty());
}

TEST_CASE("consistency: JA4 prefix parsing", "[bot][consistency]") {
  const Ja4Prefix p = parseJa4Prefix(kChromiumJa4);
  CHECK(p.ok);
  CHECK(p.tls_version == "13");
  CHECK(p.sni);
  CHECK(p.ciphers == 15);
  CHECK(p.extensions == 17);
  CHECK(p.alpn == "h2");
  CHECK_FALSE(parseJa4Prefix("").ok);
  CHECK_FALSE(parseJa4Prefix("t13dxx17h2_").ok);
  CHECK_FALSE(parseJa4Prefix("x13d1517h2_").ok);
}

}  // namespace
}  // namespace rampart::bot
