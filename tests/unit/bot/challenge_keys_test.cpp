#include "bot/challenge_keys.h"

#include <catch2/catch.hpp>

namespace rampart::bot {
namespace {

TEST_CASE("challenge keys: client IP prefixes", "[bot][challenge]") {
  CHECK(clientIpPrefix("192.0.2.77", 24, 64) == "192.0.2.0/24");
  CHECK(clientIpPrefix("192.0.2.77", 32, 64) == "192.0.2.77/32");
  CHECK(clientIpPrefix("192.0.2.77", 20, 64) == "192.0.0.0/20");
  CHECK(clientIpPrefix("2001:db8:1:2:3:4:5:6", 24, 64) == "2001:db8:1:2::/64");
  CHECK(clientIpPrefix("2001:db8:1:2:3:4:5:6", 24, 48) == "2001:db8:1::/48");
  // IPv4-mapped (dual-stack socket) binds like the IPv4 address.
  CHECK(clientIpPrefix("::ffff:192.0.2.77", 24, 64) == "192.0.2.0/24");
  CHECK(clientIpPrefix("not-an-address", 24, 64) == "not-an-address");
}

TEST_CASE("challenge keys: base64url round trip and strictness", "[bot][challenge]") {
  for (std::string_view text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    const std::string encoded = base64UrlEncode(text);
    CHECK(encoded.find('=') == std::string::npos);
    const auto decoded = base64UrlDecode(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == text);
  }
  CHECK(base64UrlEncode("foobar") == "Zm9vYmFy");
  CHECK(base64UrlEncode(std::string("\xfb\xff", 2)) == "-_8");
  CHECK_FALSE(base64UrlDecode("Zm9v+A"));  // standard alphabet
  CHECK_FALSE(base64UrlDecode("Zm9v="));   // padding
  CHECK_FALSE(base64UrlDecode("Z"));       // impossible length
  CHECK_FALSE(base64UrlDecode("Zh"));      // non-zero leftover bits: a second spelling of "f"
  CHECK(base64UrlDecode("Zg"));
}

TEST_CASE("challenge keys: HMAC-SHA256 matches RFC 4231 test case 2", "[bot][challenge]") {
  const auto mac = hmacSha256("Jefe", "what do ya want for nothing?");
  REQUIRE(mac);
  std::string hex;
  for (unsigned char b : *mac) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  CHECK(hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("challenge keys: key ids, rings, decimals", "[bot][challenge]") {
  CHECK(isChallengeKeyId("k2"));
  CHECK(isChallengeKeyId("2026-01_a"));
  CHECK_FALSE(isChallengeKeyId(""));
  CHECK_FALSE(isChallengeKeyId("a.b"));
  CHECK_FALSE(isChallengeKeyId(std::string(33, 'a')));
  const ChallengeKeyRing ring({{"k2", std::string(32, 'b')}, {"k1", std::string(32, 'a')}});
  CHECK(ring.signing().id == "k2");
  REQUIRE(ring.find("k1") != nullptr);
  CHECK(ring.find("k3") == nullptr);
  CHECK(parseDecimal("1700000000") == std::optional<std::uint64_t>(1700000000));
  CHECK_FALSE(parseDecimal("+1"));
  CHECK_FALSE(parseDecimal("-1"));
  CHECK_FALSE(parseDecimal("1x"));
  CHECK_FALSE(parseDecimal(std::string(19, '9')));
  CHECK(equalConstantTime("abc", "abc"));
  CHECK_FALSE(equalConstantTime("abc", "abd"));
  CHECK_FALSE(equalConstantTime("abc", "abcd"));
  CHECK(processChallengeKey().secret.size() == kMinChallengeSecretBytes);
  CHECK(&processChallengeKey() == &processChallengeKey());
}

}  // namespace
}  // namespace rampart::bot
