#include "state/rate_limit_key.h"

#include <catch2/catch.hpp>

#include "state/request_fields.h"
#include "tests/unit/fakes/fake_exchange.h"

namespace rampart::state {
namespace {

RateLimitRuleConfig ruleWith(std::vector<RateLimitKeyPart> parts, std::string name = "r") {
  RateLimitRuleConfig rule;
  rule.name = std::move(name);
  rule.key = std::move(parts);
  rule.limit = 1;
  rule.window_ms = 1000;
  return rule;
}

TEST_CASE("rate limit key: IP prefixes", "[state][rate_limit_key]") {
  CHECK(ipPrefix("192.0.2.77", 24, 64) == "192.0.2.0/24");
  CHECK(ipPrefix("192.0.2.77", 20, 64) == "192.0.0.0/20");
  CHECK(ipPrefix("2001:db8:1:2:3:4:5:6", 24, 64) == "2001:db8:1:2::/64");
  CHECK(ipPrefix("2001:db8:1:2:3:4:5:6", 24, 56) == "2001:db8:1::/56");
  CHECK(ipPrefix("not-an-ip", 24, 64) == "not-an-ip");
}

TEST_CASE("rate limit key: secret parts are hashed in the record", "[state][rate_limit_key]") {
  test::FakeExchange ex;
  RequestHead req = test::makeGet("/v1/items?token=abc%20def&x=1");
  req.headers.add("x-api-key", "sk_live_secret");
  req.headers.add("cookie", "a=1; sid=\"s3cr3t\"");
  ex.setRequest(std::move(req));
  RateLimitKeyPart header{RateLimitKeyPartKind::Header, "x-api-key"};
  RateLimitKeyPart cookie{RateLimitKeyPartKind::Cookie, "sid"};
  RateLimitKeyPart query{RateLimitKeyPartKind::Query, "token"};
  RateLimitKeyPart ip{RateLimitKeyPartKind::ClientIp, ""};
  RateLimitKeyPart route{RateLimitKeyPartKind::Route, ""};
  RateLimitKeyPart prefix{RateLimitKeyPartKind::IpPrefix, ""};
  RateLimitKey key;
  REQUIRE(buildRateLimitKey(ruleWith({ip, prefix, route, header, cookie, query}), ex, key) ==
          KeyStatus::Built);
  CHECK(key.display ==
        "client_ip=192.0.2.10|ip_prefix=192.0.2.0/24|route=default|header:x-api-key=sha256:" +
            sha256Hex("sk_live_secret", 16) + "|cookie:sid=sha256:" + sha256Hex("s3cr3t", 16) +
            "|query:token=sha256:" + sha256Hex("abc def", 16));
  CHECK(key.display.find("secret") == std::string::npos);
  CHECK(key.store_key.size() == std::string("rl:{}").size() + 32);
  CHECK(key.store_key.rfind("rl:{", 0) == 0);
}

TEST_CASE("rate limit key: distinct values and rules give distinct keys", "[state][rate_limit_key]") {
  test::FakeExchange ex;
  RateLimitKeyPart ip{RateLimitKeyPartKind::ClientIp, ""};
  RateLimitKey a, b, c;
  REQUIRE(buildRateLimitKey(ruleWith({ip}, "one"), ex, a) == KeyStatus::Built);
  REQUIRE(buildRateLimitKey(ruleWith({ip}, "two"), ex, b) == KeyStatus::Built);
  ex.mutableConnection().client_ip = "192.0.2.11";
  REQUIRE(buildRateLimitKey(ruleWith({ip}, "one"), ex, c) == KeyStatus::Built);
  CHECK(a.store_key != b.store_key);
  CHECK(a.store_key != c.store_key);
}

TEST_CASE("rate limit key: a missing header, cookie or query part", "[state][rate_limit_key]") {
  test::FakeExchange ex;
  RateLimitKey key;
  for (auto kind : {RateLimitKeyPartKind::Header, RateLimitKeyPartKind::Cookie,
                    RateLimitKeyPartKind::Query}) {
    CHECK(buildRateLimitKey(ruleWith({{kind, "absent"}}), ex, key) == KeyStatus::PartMissing);
  }
}

TEST_CASE("request fields: query and cookie parsing", "[state][request_fields]") {
  CHECK(queryValue("/p?a=1&b=2", "b") == std::optional<std::string>("2"));
  CHECK(queryValue("/p?a=1&b", "b") == std::optional<std::string>(""));
  CHECK(queryValue("/p?a%5Fb=x+y%2", "a_b") == std::optional<std::string>("x y%2"));
  CHECK(queryValue("/p?a=1#b=2", "b") == std::nullopt);
  CHECK(queryValue("/p", "a") == std::nullopt);
  HeaderList headers;
  headers.add("cookie", "a=1;b=2");
  headers.add("cookie", " c = 3 ");
  CHECK(cookieValue(headers, "b") == std::optional<std::string>("2"));
  CHECK(cookieValue(headers, "c") == std::optional<std::string>("3"));
  CHECK(cookieValue(headers, "d") == std::nullopt);
}

TEST_CASE("rate limit key: country, asn and ja4 from client_intel and the connection",
          "[state][rate_limit_key]") {
  test::FakeExchange ex;
  ex.record().country = "DE";
  ex.record().asn = 64500;
  RateLimitKeyPart country{RateLimitKeyPartKind::Country, ""};
  RateLimitKeyPart asn{RateLimitKeyPartKind::Asn, ""};
  RateLimitKeyPart ja4{RateLimitKeyPartKind::Ja4, ""};
  RateLimitKey key;
  CHECK(buildRateLimitKey(ruleWith({country, asn}), ex, key) == KeyStatus::Built);
  CHECK(key.display == "country=DE|asn=64500");
  // Another country is another key.
  RateLimitKey other;
  ex.record().country = "FR";
  CHECK(buildRateLimitKey(ruleWith({country, asn}), ex, other) == KeyStatus::Built);
  CHECK(other.store_key != key.store_key);
  // Without a database the record says unknown / 0, and that is the key.
  ex.record().country = "unknown";
  ex.record().asn = 0;
  CHECK(buildRateLimitKey(ruleWith({country, asn}), ex, key) == KeyStatus::Built);
  CHECK(key.display == "country=unknown|asn=0");
  // ja4 on a plain connection: the rule does not apply.
  CHECK(buildRateLimitKey(ruleWith({ja4}), ex, key) == KeyStatus::PartMissing);
  ex.mutableConnection().ja4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";
  CHECK(buildRateLimitKey(ruleWith({ja4}), ex, key) == KeyStatus::Built);
  CHECK(key.display == "ja4=t13d1516h2_8daaf6152771_e5627efa2ab1");
}

}  // namespace
}  // namespace rampart::state
