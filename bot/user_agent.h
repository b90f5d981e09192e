// What a User-Agent claims to be: family, major version and kind. The claim is what the bot
// score then checks against the fingerprints (bot/browser_consistency.h): scripts lie in this
// header, so nothing here is trusted on its own.
//
// Deliberately small: a table of product tokens (docs/bots.md lists them), not a full UA
// database. Families a WAF must tell apart: the browsers (their fingerprints differ), headless
// and automation builds, HTTP tools and libraries, scanners, crawlers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::bot {

enum class UserAgentKind : std::uint8_t {
  Browser,         // chrome, edge, opera, firefox, safari (desktop and mobile)
  HeadlessBrowser, // HeadlessChrome, PhantomJS, ... : a real engine under a script
  Tool,            // HTTP tools and libraries: curl, wget, python-requests, Go-http-client ...
  Scanner,         // attack tools: sqlmap, nikto, nmap, ffuf, nuclei, ...
  Crawler,         // self-declared crawlers: Googlebot, bingbot, ... (verified by IP elsewhere)
  Empty,           // no User-Agent header, or an empty one
  Unknown,         // none of the above
};

std::string_view userAgentKindName(UserAgentKind kind);

// Browser engines whose fingerprints bot/browser_consistency.cpp knows.
enum class BrowserEngine : std::uint8_t { None, Chromium, Gecko, WebKit };

struct UserAgentClaim {
  std::string_view family = "unknown";  // static: "chrome", "curl", "googlebot", ...
  std::string version;                  // major version digits, at most 8; "" when unknown
  UserAgentKind kind = UserAgentKind::Unknown;
  BrowserEngine engine = BrowserEngine::None;  // Browser and HeadlessBrowser only
  bool mobile = false;                         // "Mobile" token (browsers)
  std::string_view platform;                   // "windows" | "macos" | "linux" | "android" |
                                               // "ios" | "" (browsers only)
  int majorVersion() const;                    // 0 when unknown
};

// Classifies `user_agent` (the header value; at most its first 512 bytes are read).
UserAgentClaim parseUserAgent(std::string_view user_agent);

}  // namespace rampart::bot
