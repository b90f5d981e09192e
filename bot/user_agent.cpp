#include "bot/user_agent.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace rampart::bot {
namespace {

bool iequalsPrefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

// Case-insensitive search; returns the position after the match or npos.
std::size_t ifindEnd(std::string_view s, std::string_view needle) {
  if (needle.size() > s.size()) return std::string_view::npos;
  for (std::size_t i = 0; i + needle.size() <= s.size(); ++i)
    if (iequalsPrefix(s.substr(i), needle)) return i + needle.size();
  return std::string_view::npos;
}

bool icontains(std::string_view s, std::string_view needle) {
  return ifindEnd(s, needle) != std::string_view::npos;
}

// The digits right after `token` (e.g. "Chrome/" -> "143"), at most 8.
std::string versionAfter(std::string_view ua, std::string_view token) {
  const std::size_t end = ifindEnd(ua, token);
  if (end == std::string_view::npos) return {};
  std::string out;
  for (std::size_t i = end; i < ua.size() && out.size() < 8; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(ua[i]))) break;
    out += ua[i];
  }
  return out;
}

struct ProductToken {
  std::string_view token;   // matched case-insensitively
  bool at_start;            // the token must begin the header (a library's own product token)
  std::string_view family;
  UserAgentKind kind;
  std::string_view version_after;  // "" = no version
};

// Order matters: the first match wins. Scanners before tools (sqlmap says "sqlmap/1.7"),
// crawlers before browsers (Googlebot's UA also says "Chrome/...").
constexpr std::array kProducts = {
    ProductToken{"sqlmap", false, "sqlmap", UserAgentKind::Scanner, "sqlmap/"},
    ProductToken{"Fuzz Faster U Fool", false, "ffuf", UserAgentKind::Scanner, "Fool v"},
    ProductToken{"Nikto", false, "nikto", UserAgentKind::Scanner, "Nikto/"},
    ProductToken{"Nmap Scripting Engine", false, "nmap", UserAgentKind::Scanner, ""},
    ProductToken{"nuclei", false, "nuclei", UserAgentKind::Scanner, "nuclei/"},
    ProductToken{"masscan", false, "masscan", UserAgentKind::Scanner, "masscan/"},
    ProductToken{"zgrab", false, "zgrab", UserAgentKind::Scanner, "zgrab/"},
    ProductToken{"gobuster", false, "gobuster", UserAgentKind::Scanner, "gobuster/"},
    ProductToken{"wfuzz", false, "wfuzz", UserAgentKind::Scanner, "wfuzz/"},
    ProductToken{"dirbuster", false, "dirbuster", UserAgentKind::Scanner, ""},
    ProductToken{"Googlebot", false, "googlebot", UserAgentKind::Crawler, "Googlebot/"},
    ProductToken{"Google-InspectionTool", false, "googlebot", UserAgentKind::Crawler, ""},
    ProductToken{"bingbot", false, "bingbot", UserAgentKind::Crawler, "bingbot/"},
    ProductToken{"DuckDuckBot", false, "duckduckbot", UserAgentKind::Crawler, "DuckDuckBot/"},
    ProductToken{"Applebot", false, "applebot", UserAgentKind::Crawler, "Applebot/"},
    ProductToken{"YandexBot", false, "yandexbot", UserAgentKind::Crawler, "YandexBot/"},
    ProductToken{"Baiduspider", false, "baiduspider", UserAgentKind::Crawler, "Baiduspider/"},
    ProductToken{"GPTBot", false, "gptbot", UserAgentKind::Crawler, "GPTBot/"},
    ProductToken{"curl/", true, "curl", UserAgentKind::Tool, "curl/"},
    ProductToken{"Wget/", true, "wget", UserAgentKind::Tool, "Wget/"},
    ProductToken{"python-requests/", true, "python-requests", UserAgentKind::Tool, "requests/"},
    ProductToken{"python-httpx/", true, "python-httpx", UserAgentKind::Tool, "httpx/"},
    ProductToken{"Python-urllib/", true, "python-urllib", UserAgentKind::Tool, "urllib/"},
    ProductToken{"aiohttp/", false, "python-aiohttp", UserAgentKind::Tool, "aiohttp/"},
    ProductToken{"Python/", true, "python", UserAgentKind::Tool, "Python/"},
    ProductToken{"Go-http-client/", true, "go-http-client", UserAgentKind::Tool, "client/"},
    ProductToken{"okhttp/", true, "okhttp", UserAgentKind::Tool, "okhttp/"},
    ProductToken{"Java/", true, "java", UserAgentKind::Tool, "Java/"},
    ProductToken{"Apache-HttpClient/", true, "apache-httpclient", UserAgentKind::Tool,
                 "HttpClient/"},
    ProductToken{"libwww-perl/", true, "libwww-perl", UserAgentKind::Tool, "perl/"},
    ProductToken{"h2load", true, "h2load", UserAgentKind::Tool, "nghttp2/"},
    ProductToken{"nghttp2/", true, "nghttp", UserAgentKind::Tool, "nghttp2/"},
    ProductToken{"axios/", true, "axios", UserAgentKind::Tool, "axios/"},
    ProductToken{"node-fetch", true, "node-fetch", UserAgentKind::Tool, "node-fetch/"},
    ProductToken{"undici", true, "undici", UserAgentKind::Tool, ""},
    ProductToken{"PostmanRuntime/", true, "postman", UserAgentKind::Tool, "Runtime/"},
    ProductToken{"insomnia/", true, "insomnia", UserAgentKind::Tool, "insomnia/"},
    ProductToken{"HTTPie/", true, "httpie", UserAgentKind::Tool, "HTTPie/"},
    ProductToken{"Wrk", true, "wrk", UserAgentKind::Tool, ""},
    ProductToken{"ApacheBench/", true, "apachebench", UserAgentKind::Tool, "ApacheBench/"},
    ProductToken{"HeadlessChrome/", false, "headless-chrome", UserAgentKind::HeadlessBrowser,
                 "HeadlessChrome/"},
    ProductToken{"PhantomJS/", false, "phantomjs", UserAgentKind::HeadlessBrowser, "PhantomJS/"},
    ProductToken{"Electron/", false, "electron", UserAgentKind::HeadlessBrowser, "Electron/"},
};

std::string_view platformOf(std::string_view ua) {
  if (icontains(ua, "Android")) return "android";
  if (icontains(ua, "iPhone") || icontains(ua, "iPad")) return "ios";
  if (icontains(ua, "Windows")) return "windows";
  if (icontains(ua, "Macintosh") || icontains(ua, "Mac OS X")) return "macos";
  if (icontains(ua, "CrOS")) return "chromeos";
  if (icontains(ua, "Linux") || icontains(ua, "X11")) return "linux";
  return "";
}

}  // namespace

std::string_view userAgentKindName(UserAgentKind kind) {
  switch (kind) {
    case UserAgentKind::Browser: return "browser";
    case UserAgentKind::HeadlessBrowser: return "headless_browser";
    case UserAgentKind::Tool: return "tool";
    case UserAgentKind::Scanner: return "scanner";
    case UserAgentKind::Crawler: return "crawler";
    case UserAgentKind::Empty: return "empty";
    case UserAgentKind::Unknown: return "unknown";
  }
  return "unknown";
}

int UserAgentClaim::majorVersion() const {
  int v = 0;
  for (char c : version) v = v * 10 + (c - '0');
  return v;
}

UserAgentClaim parseUserAgent(std::string_view user_agent) {
  std::string_view ua = user_agent.substr(0, std::min<std::size_t>(user_agent.size(), 512));
  while (!ua.empty() && (ua.front() == ' ' || ua.front() == '\t')) ua.remove_prefix(1);
  UserAgentClaim claim;
  if (ua.empty()) {
    claim.family = "empty";
    claim.kind = UserAgentKind::Empty;
    return claim;
  }
  for (const ProductToken& p : kProducts) {
    const bool hit = p.at_start ? iequalsPrefix(ua, p.token) : icontains(ua, p.token);
    if (!hit) continue;
    claim.family = p.family;
    claim.kind = p.kind;
    if (!p.version_after.empty()) claim.version = versionAfter(ua, p.version_after);
    if (p.kind == UserAgentKind::HeadlessBrowser && p.family == "headless-chrome")
      claim.engine = BrowserEngine::Chromium;
    if (p.kind == UserAgentKind::HeadlessBrowser) claim.platform = platformOf(ua);
    return claim;
  }
  if (!iequalsPrefix(ua, "Mozilla/5.0")) return claim;  // unknown
  claim.kind = UserAgentKind::Browser;
  claim.platform = platformOf(ua);
  claim.mobile = icontains(ua, "Mobile");
  // Chromium derivatives name themselves after "Chrome/...": check them first.
  if (icontains(ua, "Edg/") || icontains(ua, "EdgA/") || icontains(ua, "EdgiOS/")) {
    claim.family = "edge";
    claim.version = versionAfter(ua, "Edg/");
    if (claim.version.empty()) claim.version = versionAfter(ua, "EdgA/");
    claim.engine = claim.platform == "ios" ? BrowserEngine::WebKit : BrowserEngine::Chromium;
  } else if (icontains(ua, "OPR/")) {
    claim.family = "opera";
    claim.version = versionAfter(ua, "OPR/");
    claim.engine = BrowserEngine::Chromium;
  } else if (icontains(ua, "CriOS/")) {
    claim.family = "chrome";
    claim.version = versionAfter(ua, "CriOS/");
    claim.engine = BrowserEngine::WebKit;  // every iOS browser is WebKit underneath
  } else if (icontains(ua, "FxiOS/")) {
    claim.family = "firefox";
    claim.version = versionAfter(ua, "FxiOS/");
    claim.engine = BrowserEngine::WebKit;
  } else if (icontains(ua, "Firefox/")) {
    claim.family = "firefox";
    claim.version = versionAfter(ua, "Firefox/");
    claim.engine = BrowserEngine::Gecko;
  } else if (icontains(ua, "Chrome/") || icontains(ua, "Chromium/")) {
    claim.family = "chrome";
    claim.version = versionAfter(ua, "Chrome/");
    if (claim.version.empty()) claim.version = versionAfter(ua, "Chromium/");
    claim.engine = BrowserEngine::Chromium;
  } else if (icontains(ua, "Safari/") && icontains(ua, "Version/")) {
    claim.family = "safari";
    claim.version = versionAfter(ua, "Version/");
    claim.engine = BrowserEngine::WebKit;
  } else {
    claim.family = "unknown-browser";
  }
  return claim;
}

}  // namespace rampart::bot
