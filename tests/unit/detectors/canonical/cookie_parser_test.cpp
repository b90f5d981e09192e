#include "detectors/canonical/cookie_parser.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/detectors/canonical/canonical_error_printer.h"

namespace rampart::canonical {
namespace {

using namespace std::string_literals;

std::vector<Cookie> parse(std::string_view header, const CookiePolicy& policy = {}) {
  std::vector<Cookie> out;
  AnomalyList anomalies;
  INFO(header);
  REQUIRE(parseCookieHeader(header, policy, out, anomalies) == CanonicalError::None);
  return out;
}

CanonicalError errorOf(std::string_view header, const CookiePolicy& policy = {}) {
  std::vector<Cookie> out;
  AnomalyList anomalies;
  return parseCookieHeader(header, policy, out, anomalies);
}

TEST_CASE("cookies: RFC 6265 pairs", "[canonical]") {
  const auto c = parse("sid=abc123; theme=dark;lang=en ;  empty=; \"q\"=\"quoted value\"");
  REQUIRE(c.size() == 5);
  REQUIRE(c[0].name == "sid");
  REQUIRE(c[0].value == "abc123");
  REQUIRE(c[2].name == "lang");
  REQUIRE(c[2].value == "en");
  REQUIRE(c[3].value.empty());
  REQUIRE(c[4].value == "quoted value");
}

TEST_CASE("cookies: a pair without '=' is a value with an empty name", "[canonical]") {
  const auto c = parse("flag; a=1");
  REQUIRE(c.size() == 2);
  REQUIRE(c[0].name.empty());
  REQUIRE(c[0].value == "flag");
}

TEST_CASE("cookies: no percent-decoding by default, strict when asked", "[canonical]") {
  REQUIRE(parse("q=%27%20OR%201")[0].value == "%27%20OR%201");
  REQUIRE(parse("q=100%")[0].value == "100%");
  CookiePolicy decode;
  decode.decoding = CookieDecoding::Percent;
  REQUIRE(parse("q=%27%20OR+1", decode)[0].value == "' OR+1");  // '+' stays '+' in cookies
  REQUIRE(errorOf("q=100%", decode) == CanonicalError::CookieBadPercentEncoding);
  REQUIRE(errorOf("q=%C0%AF", decode) == CanonicalError::CookieInvalidUtf8);
  REQUIRE(errorOf("q=%00", decode) == CanonicalError::CookieControlCharacter);
  std::vector<Cookie> out;
  AnomalyList anomalies;
  REQUIRE(parseCookieHeader("q=%252e", decode, out, anomalies) == CanonicalError::None);
  REQUIRE(out[0].value == "%2e");
  REQUIRE(anomalies.total() == 1);
  decode.double_encoding = DoubleEncodingPolicy::Reject;
  REQUIRE(errorOf("q=%252e", decode) == CanonicalError::CookieDoubleEncoding);
}

TEST_CASE("cookies: ambiguous quoting, controls and bad UTF-8 are refused", "[canonical]") {
  REQUIRE(errorOf("a=\"unterminated") == CanonicalError::CookieInvalid);
  REQUIRE(errorOf("a=\"x\"y\"") == CanonicalError::CookieInvalid);
  REQUIRE(errorOf("a=x\"y") == CanonicalError::CookieInvalid);
  REQUIRE(errorOf("a=\x01") == CanonicalError::CookieControlCharacter);
  REQUIRE(errorOf("a=\xC0\xAF") == CanonicalError::CookieInvalidUtf8);
  REQUIRE(errorOf("a=caf\xC3\xA9") == CanonicalError::None);
}

TEST_CASE("cookies: limits count across headers", "[canonical]") {
  CookiePolicy small;
  small.max_cookies = 2;
  small.max_name_bytes = 3;
  small.max_value_bytes = 3;
  std::vector<Cookie> out;
  AnomalyList anomalies;
  REQUIRE(parseCookieHeader("a=1; b=2", small, out, anomalies) == CanonicalError::None);
  REQUIRE(parseCookieHeader("c=3", small, out, anomalies) == CanonicalError::CookieTooMany);
  REQUIRE(errorOf("abcd=1", small) == CanonicalError::CookieTooLong);
  REQUIRE(errorOf("a=1234", small) == CanonicalError::CookieTooLong);
}

TEST_CASE("cookies: fields", "[canonical]") {
  FieldList fields;
  appendCookieFields(parse("sid=1"), fields);
  REQUIRE(fields.size() == 2);
  REQUIRE(fields[0].source == FieldSource::CookieName);
  REQUIRE(fields[1].source == FieldSource::CookieValue);
  REQUIRE(fields[1].name == "sid");
  REQUIRE(fields[1].value == "1");
}

}  // namespace
}  // namespace rampart::canonical
