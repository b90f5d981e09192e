#include "bot/challenge_page.h"

#include <catch2/catch.hpp>
#include <regex>

namespace rampart::bot {
namespace {

ChallengePage page(std::string_view target = "/a?b=1") {
  return renderChallengePage("v1.k2.1700000000.16.NONCE.MAC", 16, "/.well-known/rampart/challenge",
                             target, "bm9uY2U");
}

TEST_CASE("challenge page: carries its parameters", "[bot][challenge]") {
  const ChallengePage p = page();
  CHECK(p.html.find("data-token=\"v1.k2.1700000000.16.NONCE.MAC\"") != std::string::npos);
  CHECK(p.html.find("data-difficulty=\"16\"") != std::string::npos);
  CHECK(p.html.find("data-action=\"/.well-known/rampart/challenge\"") != std::string::npos);
  CHECK(p.html.find("data-return=\"/a?b=1\"") != std::string::npos);
  CHECK(p.html.find("<noscript>") != std::string::npos);
  CHECK(p.html.find("<script nonce=\"bm9uY2U\">") != std::string::npos);
  CHECK(p.html.find("<style nonce=\"bm9uY2U\">") != std::string::npos);
  CHECK(p.html.find("@NONCE@") == std::string::npos);
}

TEST_CASE("challenge page: no external assets", "[bot][challenge]") {
  const ChallengePage p = page();
  // Nothing that would fetch: no URL scheme, no src/href attributes, no protocol-relative URL.
  CHECK_FALSE(std::regex_search(p.html, std::regex("(https?|ftp|wss?):", std::regex::icase)));
  CHECK_FALSE(std::regex_search(p.html, std::regex("\\s(src|href)\\s*=", std::regex::icase)));
  CHECK_FALSE(std::regex_search(p.html, std::regex("[\"'(]//")));
  CHECK_FALSE(std::regex_search(p.html, std::regex("@import|url\\(", std::regex::icase)));
  CHECK(p.html.size() < 8192);
}

TEST_CASE("challenge page: CSP allows only its own inline code", "[bot][challenge]") {
  const ChallengePage p = page();
  CHECK(p.content_security_policy.find("default-src 'none'") != std::string::npos);
  CHECK(p.content_security_policy.find("script-src 'nonce-bm9uY2U'") != std::string::npos);
  CHECK(p.content_security_policy.find("form-action 'self'") != std::string::npos);
  CHECK(p.content_security_policy.find("unsafe-inline") == std::string::npos);
  CHECK(p.content_security_policy.find("unsafe-eval") == std::string::npos);
}

TEST_CASE("challenge page: the return target is escaped", "[bot][challenge]") {
  const ChallengePage p = page("/x?\"><script>alert(1)</script>&'");
  CHECK(p.html.find("<script>alert") == std::string::npos);
  CHECK(
      p.html.find("data-return=\"/x?&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#39;\"") !=
      std::string::npos);
  CHECK(escapeHtmlAttribute("a&b") == "a&amp;b");
}

}  // namespace
}  // namespace rampart::bot
