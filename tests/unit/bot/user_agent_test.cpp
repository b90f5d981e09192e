// User-Agent claims (bot/user_agent.cpp): family, version, kind, engine, platform.
#include "bot/user_agent.h"

#include <catch2/catch.hpp>

namespace rampart::bot {
namespace {

TEST_CASE("user agent: browsers by family, version, engine and platform", "[bot][user_agent]") {
  const auto chrome = parseUserAgent(
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/156.0.0.0 Safari/537.36");
  CHECK(chrome.family == "chrome");
  CHECK(chrome.version == "156");
  CHECK(chrome.majorVersion() == 156);
  CHECK(chrome.kind == UserAgentKind::Browser);
  CHECK(chrome.engine == BrowserEngine::Chromium);
  CHECK(chrome.platform == "linux");
  CHECK_FALSE(chrome.mobile);

  const auto edge = parseUserAgent(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86");
  CHECK(edge.family == "edge");
  CHECK(edge.version == "131");
  CHECK(edge.engine == BrowserEngine::Chromium);
  CHECK(edge.platform == "windows");

  const auto firefox =
      parseUserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:133.0) Gecko/20100101 Firefox/133.0");
  CHECK(firefox.family == "firefox");
  CHECK(firefox.version == "133");
  CHECK(firefox.engine == BrowserEngine::Gecko);
  CHECK(firefox.platform == "macos");

  const auto safari = parseUserAgent(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
      "Gecko) Version/17.5 Mobile/15E148 Safari/604.1");
  CHECK(safari.family == "safari");
  CHECK(safari.version == "17");
  CHECK(safari.engine == BrowserEngine::WebKit);
  CHECK(safari.platform == "ios");
  CHECK(safari.mobile);

  // Chrome on iOS is WebKit underneath: its fingerprints are Safari's.
  const auto crios = parseUserAgent(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
      "Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1");
  CHECK(crios.family == "chrome");
  CHECK(crios.engine == BrowserEngine::WebKit);
}

TEST_CASE("user agent: tools, scanners, headless engines and crawlers", "[bot][user_agent]") {
  struct Case {
    const char* ua;
    std::string_view family;
    UserAgentKind kind;
    const char* version;
  };
  const Case cases[] = {
      {"curl/7.88.1", "curl", UserAgentKind::Tool, "7"},
      {"Wget/1.21.3", "wget", UserAgentKind::Tool, "1"},
      {"python-requests/2.28.1", "python-requests", UserAgentKind::Tool, "2"},
      {"python-httpx/0.23.3", "python-httpx", UserAgentKind::Tool, "0"},
      {"Python-urllib/3.11", "python-urllib", UserAgentKind::Tool, "3"},
      {"Python/3.11 aiohttp/3.8.4", "python-aiohttp", UserAgentKind::Tool, "3"},
      {"Go-http-client/2.0", "go-http-client", UserAgentKind::Tool, "2"},
      {"h2load nghttp2/1.52.0", "h2load", UserAgentKind::Tool, "1"},
      {"nghttp2/1.52.0", "nghttp", UserAgentKind::Tool, "1"},
      {"sqlmap/1.7.2#stable (https://sqlmap.org)", "sqlmap", UserAgentKind::Scanner, "1"},
      {"Fuzz Faster U Fool v1.1.0", "ffuf", UserAgentKind::Scanner, "1"},
      {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "HeadlessChrome/156.0.0.0 Safari/537.36",
       "headless-chrome", UserAgentKind::HeadlessBrowser, "156"},
      {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "googlebot",
       UserAgentKind::Crawler, "2"},
      {"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
       "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
       "bingbot", UserAgentKind::Crawler, "2"},
      {"SomethingElse/1.0", "unknown", UserAgentKind::Unknown, ""},
  };
  for (const Case& c : cases) {
    INFO(c.ua);
    const auto claim = parseUserAgent(c.ua);
    CHECK(claim.family == c.family);
    CHECK(claim.kind == c.kind);
    CHECK(claim.version == c.version);
  }
  CHECK(parseUserAgent("HeadlessChrome/1").engine == BrowserEngine::Chromium);
}

TEST_CASE("user agent: empty, whitespace and hostile values", "[bot][user_agent]") {
  CHECK(parseUserAgent("").kind == UserAgentKind::Empty);
  CHECK(parseUserAgent("  \t").kind == UserAgentKind::Empty);
  // A version is at most 8 digits however long the run is.
  CHECK(parseUserAgent("curl/" + std::string(1000, '9')).version.size() == 8);
  // Only the first 512 bytes are read: a token after them is not seen.
  CHECK(parseUserAgent(std::string(600, 'x') + " sqlmap/1.0").kind == UserAgentKind::Unknown);
  CHECK(parseUserAgent("Mozilla/5.0 (weird)").family == "unknown-browser");
}

}  // namespace
}  // namespace rampart::bot
