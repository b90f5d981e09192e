#include "bot/user_agent.h"

#include <algorithm>
#include <array>

namespace rampart::bot {
namespace {

// Every check runs on a lower-cased copy of the header (one pass, on the stack), so each token
// is one memchr-backed find instead of a case-insensitive scan per position.
class LoweredUa {
 public:
  explicit LoweredUa(std::string_view ua) : size_(std::min(ua.size(), buffer_.size())) {
    for (std::size_t i = 0; i < size_; ++i) {
      const char c = ua[i];
      buffer_[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    }
  }
  std::string_view view() const { return {buffer_.data(), size_}; }
  bool startsWith(std::string_view lower_token) const { return view().starts_with(lower_token); }
  bool contains(std::string_view lower_token) const {
    return view().find(lower_token) != std::string_view::npos;
  }
  // The digits right after `lower_token` ("chrome/" -> "143"), at most 8.
  std::string versionAfter(std::string_view lower_token) const {
    const std::size_t at = view().find(lower_token);
    if (at == std::string_view::npos) return {};
    std::string out;
    for (std::size_t i = at + lower_token.size(); i < size_ && out.size() < 8; ++i) {
      if (buffer_[i] < '0' || buffer_[i] > '9') break;
      out += buffer_[i];
    }
    return out;
  }

 private:
  std::array<char, 512> buffer_;
  std::size_t size_;
};

struct ProductToken {
  std::string_view token;   // lower-case; matched against the lower-cased header
  bool at_start;            // the token must begin the header (a library's own product token)
  std::string_view family;
  UserAgentKind kind;
  std::string_view version_after;  // lower-case; "" = no version
};

// Order matters: the first match wins. Scanners before tools (sqlmap says "sqlmap/1.7"),
// crawlers before browsers (Googlebot's UA also says "Chrome/...").
constexpr std::array kProducts = {
    ProductToken{"sqlmap", false, "sqlmap", UserAgentKind::Scanner, "sqlmap/"},
    ProductToken{"fuzz faster u fool", false, "ffuf", UserAgentKind::Scanner, "fool v"},
    ProductToken{"nikto", false, "nikto", UserAgentKind::Scanner, "nikto/"},
    ProductToken{"nmap scripting engine", false, "nmap", UserAgentKind::Scanner, ""},
    ProductToken{"nuclei", false, "nuclei", UserAgentKind::Scanner, "nuclei/"},
    ProductToken{"masscan", false, "masscan", UserAgentKind::Scanner, "masscan/"},
    ProductToken{"zgrab", false, "zgrab", UserAgentKind::Scanner, "zgrab/"},
    ProductToken{"gobuster", false, "gobuster", UserAgentKind::Scanner, "gobuster/"},
    ProductToken{"wfuzz", false, "wfuzz", UserAgentKind::Scanner, "wfuzz/"},
    ProductToken{"dirbuster", false, "dirbuster", UserAgentKind::Scanner, ""},
    ProductToken{"googlebot", false, "googlebot", UserAgentKind::Crawler, "googlebot/"},
    ProductToken{"google-inspectiontool", false, "googlebot", UserAgentKind::Crawler, ""},
    ProductToken{"bingbot", false, "bingbot", UserAgentKind::Crawler, "bingbot/"},
    ProductToken{"duckduckbot", false, "duckduckbot", UserAgentKind::Crawler, "duckduckbot/"},
    ProductToken{"applebot", false, "applebot", UserAgentKind::Crawler, "applebot/"},
    ProductToken{"yandexbot", false, "yandexbot", UserAgentKind::Crawler, "yandexbot/"},
    ProductToken{"baiduspider", false, "baiduspider", UserAgentKind::Crawler, "baiduspider/"},
    ProductToken{"gptbot", false, "gptbot", UserAgentKind::Crawler, "gptbot/"},
    ProductToken{"curl/", true, "curl", UserAgentKind::Tool, "curl/"},
    ProductToken{"wget/", true, "wget", UserAgentKind::Tool, "wget/"},
    ProductToken{"python-requests/", true, "python-requests", UserAgentKind::Tool, "requests/"},
    ProductToken{"python-httpx/", true, "python-httpx", UserAgentKind::Tool, "httpx/"},
    ProductToken{"python-urllib/", true, "python-urllib", UserAgentKind::Tool, "urllib/"},
    ProductToken{"aiohttp/", false, "python-aiohttp", UserAgentKind::Tool, "aiohttp/"},
    ProductToken{"python/", true, "python", UserAgentKind::Tool, "python/"},
    ProductToken{"go-http-client/", true, "go-http-client", UserAgentKind::Tool, "client/"},
    ProductToken{"okhttp/", true, "okhttp", UserAgentKind::Tool, "okhttp/"},
    ProductToken{"java/", true, "java", UserAgentKind::Tool, "java/"},
    ProductToken{"apache-httpclient/", true, "apache-httpclient", UserAgentKind::Tool,
                 "httpclient/"},
    ProductToken{"libwww-perl/", true, "libwww-perl", UserAgentKind::Tool, "perl/"},
    ProductToken{"h2load", true, "h2load", UserAgentKind::Tool, "nghttp2/"},
    ProductToken{"nghttp2/", true, "nghttp", UserAgentKind::Tool, "nghttp2/"},
    ProductToken{"axios/", true, "axios", UserAgentKind::Tool, "axios/"},
    ProductToken{"node-fetch", true, "node-fetch", UserAgentKind::Tool, "node-fetch/"},
    ProductToken{"undici", true, "undici", UserAgentKind::Tool, ""},
    ProductToken{"postmanruntime/", true, "postman", UserAgentKind::Tool, "runtime/"},
    ProductToken{"insomnia/", true, "insomnia", UserAgentKind::Tool, "insomnia/"},
    ProductToken{"httpie/", true, "httpie", UserAgentKind::Tool, "httpie/"},
    ProductToken{"wrk", true, "wrk", UserAgentKind::Tool, ""},
    ProductToken{"apachebench/", true, "apachebench", UserAgentKind::Tool, "apachebench/"},
    ProductToken{"headlesschrome/", false, "headless-chrome", UserAgentKind::HeadlessBrowser,
                 "headlesschrome/"},
    ProductToken{"phantomjs/", false, "phantomjs", UserAgentKind::HeadlessBrowser, "phantomjs/"},
    ProductToken{"electron/", false, "electron", UserAgentKind::HeadlessBrowser, "electron/"},
};

std::string_view platformOf(const LoweredUa& ua) {
  if (ua.contains("android")) return "android";
  if (ua.contains("iphone") || ua.contains("ipad")) return "ios";
  if (ua.contains("windows")) return "windows";
  if (ua.contains("macintosh") || ua.contains("mac os x")) return "macos";
  if (ua.contains("cros")) return "chromeos";
  if (ua.contains("linux") || ua.contains("x11")) return "linux";
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
  std::string_view trimmed = user_agent;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t'))
    trimmed.remove_prefix(1);
  UserAgentClaim claim;
  if (trimmed.empty()) {
    claim.family = "empty";
    claim.kind = UserAgentKind::Empty;
    return claim;
  }
  const LoweredUa ua(trimmed);
  for (const ProductToken& p : kProducts) {
    const bool hit = p.at_start ? ua.startsWith(p.token) : ua.contains(p.token);
    if (!hit) continue;
    claim.family = p.family;
    claim.kind = p.kind;
    if (!p.version_after.empty()) claim.version = ua.versionAfter(p.version_after);
    if (p.kind == UserAgentKind::HeadlessBrowser && p.family == "headless-chrome")
      claim.engine = BrowserEngine::Chromium;
    if (p.kind == UserAgentKind::HeadlessBrowser) claim.platform = platformOf(ua);
    return claim;
  }
  if (!ua.startsWith("mozilla/5.0")) return claim;  // unknown
  claim.kind = UserAgentKind::Browser;
  claim.platform = platformOf(ua);
  claim.mobile = ua.contains("mobile");
  // Chromium derivatives name themselves after "Chrome/...": check them first.
  if (ua.contains("edg/") || ua.contains("edga/") || ua.contains("edgios/")) {
    claim.family = "edge";
    claim.version = ua.versionAfter("edg/");
    if (claim.version.empty()) claim.version = ua.versionAfter("edga/");
    claim.engine = claim.platform == "ios" ? BrowserEngine::WebKit : BrowserEngine::Chromium;
  } else if (ua.contains("opr/")) {
    claim.family = "opera";
    claim.version = ua.versionAfter("opr/");
    claim.engine = BrowserEngine::Chromium;
  } else if (ua.contains("crios/")) {
    claim.family = "chrome";
    claim.version = ua.versionAfter("crios/");
    claim.engine = BrowserEngine::WebKit;  // every iOS browser is WebKit underneath
  } else if (ua.contains("fxios/")) {
    claim.family = "firefox";
    claim.version = ua.versionAfter("fxios/");
    claim.engine = BrowserEngine::WebKit;
  } else if (ua.contains("firefox/")) {
    claim.family = "firefox";
    claim.version = ua.versionAfter("firefox/");
    claim.engine = BrowserEngine::Gecko;
  } else if (ua.contains("chrome/") || ua.contains("chromium/")) {
    claim.family = "chrome";
    claim.version = ua.versionAfter("chrome/");
    if (claim.version.empty()) claim.version = ua.versionAfter("chromium/");
    claim.engine = BrowserEngine::Chromium;
  } else if (ua.contains("safari/") && ua.contains("version/")) {
    claim.family = "safari";
    claim.version = ua.versionAfter("version/");
    claim.engine = BrowserEngine::WebKit;
  } else {
    claim.family = "unknown-browser";
  }
  return claim;
}

}  // namespace rampart::bot
